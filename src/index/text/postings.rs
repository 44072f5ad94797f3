//! The documents of one term: a list in increasing document order, stored as varint deltas.
//!
//! Each posting is one varint of the delta from the previous document shifted left by
//! [`COUNT_BITS`], with the weighted count in the low bits when it is small (nearly always: a
//! word of the body counts 1, of the title 3), or the escape [`ESCAPE`] and the count in a
//! second varint. A word found in most sheets takes one byte a sheet instead of two (a delta
//! of 1, then a count), and the text index, half of the index at ten million sheets, about a
//! third less.

use serde::{Deserialize, Serialize};

/// Low bits of a posting's varint that hold its count.
const COUNT_BITS: u32 = 4;
/// The low bits' value that says the count follows in a varint of its own; below it, the low
/// bits are the count less one (a count is at least 1).
const ESCAPE: u32 = (1 << COUNT_BITS) - 1;

/// One term's documents: varint-encoded (delta of document number, weighted count).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(super) struct Postings {
    #[serde(with = "crate::index::snapshot::bytes")]
    pub(super) bytes: Vec<u8>,
    last: u32,
    /// Postings written, dead documents included.
    pub(super) len: u32,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl Postings {
    pub(super) fn push(&mut self, doc: u32, count: u32) {
        debug_assert!(count > 0 && (self.len == 0 || doc > self.last), "documents in increasing order, with a count");
        let delta = u64::from(if self.len == 0 { doc } else { doc - self.last });
        if (1..=ESCAPE).contains(&count) {
            put_varint(&mut self.bytes, delta << COUNT_BITS | u64::from(count - 1));
        } else {
            put_varint(&mut self.bytes, delta << COUNT_BITS | u64::from(ESCAPE));
            put_varint(&mut self.bytes, u64::from(count));
        }
        self.last = doc;
        self.len += 1;
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (mut at, mut doc, mut first) = (0, 0u32, true);
        std::iter::from_fn(move || {
            if at >= self.bytes.len() {
                return None;
            }
            let word = get_varint(&self.bytes, &mut at);
            let delta = (word >> COUNT_BITS) as u32;
            doc = if first { delta } else { doc + delta };
            first = false;
            let low = (word & u64::from(ESCAPE)) as u32;
            let count = if low == ESCAPE { get_varint(&self.bytes, &mut at) as u32 } else { low + 1 };
            Some((doc, count))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_read_back_as_written_whatever_the_gaps_and_counts() {
        let written = [(0, 1), (1, 15), (2, 16), (3, 1), (130, 3), (131, 300), (70_000, 2), (u32::MAX - 1, 1), (u32::MAX, u32::MAX)];
        let mut postings = Postings::default();
        for &(doc, count) in &written {
            postings.push(doc, count);
        }
        assert_eq!(postings.iter().collect::<Vec<_>>(), written);
        assert_eq!(postings.len, written.len() as u32);
    }

    #[test]
    fn a_common_word_takes_a_byte_a_document() {
        let mut postings = Postings::default();
        for doc in 0..1000 {
            postings.push(doc, 1 + doc % 4);
        }
        assert_eq!(postings.bytes.len(), 1000);
    }
}
