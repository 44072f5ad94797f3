//! Gzip of a tile whose last part was gzipped before: the boundary layers never change, so
//! they are compressed once, when first drawn, and each tile's data layers alone are
//! compressed per request, then joined to them.
//!
//! A deflate stream is a run of blocks, and one flushed without its final block may go on with
//! blocks compressed apart, as long as those refer to nothing before them (RFC 1951: a block
//! refers back only within what was decoded, and a fresh stream never refers back past its
//! start). The gzip member around them (RFC 1952) needs the CRC-32 and length of the whole,
//! which the parts' CRCs combine into without reading the bytes again.

use std::cell::RefCell;

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress};

/// The fixed header of the gzip members we write (flate2's default: no name, no extra field).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// CRC-32 and length, little-endian.
const TRAILER: usize = 8;

thread_local! {
    /// One raw deflate compressor per thread, reset for each tile: making one allocates and
    /// zeroes a few hundred kilobytes of state, which cost more than compressing the data
    /// layers of most tiles (a reset zeroes the state again, but allocates nothing).
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// The gzip of `head` followed by the bytes that `tail_gzip` (a gzip member of our own, as
/// [`super::CachedTile::new`] writes) holds. `None` when `tail_gzip` is not of that shape.
pub fn join(head: &[u8], tail_gzip: &Bytes) -> Option<Bytes> {
    if tail_gzip.len() < HEADER.len() + TRAILER || tail_gzip[..4] != HEADER[..4] {
        return None;
    }
    if head.is_empty() {
        // Nothing to put before the tail: the tail's member is the whole.
        return Some(tail_gzip.clone());
    }
    let (tail_deflate, trailer) = tail_gzip[HEADER.len()..].split_at(tail_gzip.len() - HEADER.len() - TRAILER);
    let tail_crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
    let tail_len = u32::from_le_bytes(trailer[4..].try_into().ok()?);

    let mut out = Vec::with_capacity(HEADER.len() + head.len() / 2 + 64 + tail_gzip.len());
    out.extend_from_slice(&HEADER);
    // Flushed, not finished: the stream goes on with the tail's blocks, the last of them final.
    deflate_flushed(head, &mut out);
    out.extend_from_slice(tail_deflate);

    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    crc.combine(&crc32fast::Hasher::new_with_initial_len(tail_crc, u64::from(tail_len)));
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2³².
    out.extend_from_slice(&(head.len() as u32).wrapping_add(tail_len).to_le_bytes());
    Some(out.into())
}

/// Appends to `out` the raw deflate stream of `data`, sync-flushed: its blocks end on a byte
/// boundary and none is final, so that other blocks may follow.
fn deflate_flushed(data: &[u8], out: &mut Vec<u8>) {
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            let read = deflate.total_in() as usize;
            deflate.compress_vec(&data[read..], out, FlushCompress::Sync).expect("deflating in memory");
            // The flush is complete once all input is read and the output was not filled.
            if deflate.total_in() as usize == data.len() && out.len() < out.capacity() {
                return;
            }
            out.reserve(64 + (data.len() - deflate.total_in() as usize) / 2);
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::tiles::CachedTile;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        // MultiGzDecoder would hide a second member: a plain decoder reads one member only.
        flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a valid gzip member");
        out
    }

    #[test]
    fn a_joined_member_decodes_to_both_parts() {
        let head: Vec<u8> = (0..5_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let tail: Vec<u8> = b"boundaries ".repeat(700);
        // Bytes that do not compress, more than the first guess of the output's size.
        let mut seed = 7u64;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| (seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407), (seed >> 56) as u8).1)
            .collect();
        for (h, t) in [(&head[..], &tail[..]), (&[][..], &tail[..]), (&head[..], &[][..]), (&[][..], &[][..]), (&noise[..], &tail[..])] {
            let tail_gzip = CachedTile::new(t.to_vec()).gzip;
            let joined = join(h, &tail_gzip).expect("our own member");
            // The same head deflated twice on one thread: the compressor is reset between.
            assert_eq!(join(h, &tail_gzip), Some(joined.clone()));
            assert_eq!(gunzip(&joined), [h, t].concat());
            // Strict decoders check the trailer: a wrong CRC or length would fail above. One
            // member, deflate, no name nor extra field (the rest of the header is informative).
            assert_eq!(joined[..4], HEADER[..4]);
        }
    }

    #[test]
    fn a_tail_of_another_shape_is_refused() {
        assert!(join(b"x", &Bytes::from_static(b"short")).is_none());
        assert!(join(b"x", &Bytes::from_static(&[0u8; 40])).is_none());
    }
}
