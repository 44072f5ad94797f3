//! The documents of one term: a list in increasing document order, stored as varint deltas.

use serde::{Deserialize, Serialize};

/// One term's documents: varint-encoded (delta of document number, weighted count).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct Postings {
    #[serde(with = "crate::index::snapshot::bytes")]
    pub(super) bytes: Vec<u8>,
    last: u32,
    /// Postings written, dead documents included.
    pub(super) len: u32,
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u32::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl Postings {
    pub(super) fn push(&mut self, doc: u32, count: u32) {
        let delta = if self.len == 0 { doc } else { doc - self.last };
        put_varint(&mut self.bytes, delta);
        put_varint(&mut self.bytes, count);
        self.last = doc;
        self.len += 1;
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (mut at, mut doc, mut first) = (0, 0u32, true);
        std::iter::from_fn(move || {
            if at >= self.bytes.len() {
                return None;
            }
            let delta = get_varint(&self.bytes, &mut at);
            doc = if first { delta } else { doc + delta };
            first = false;
            Some((doc, get_varint(&self.bytes, &mut at)))
        })
    }
}
