//! Gzip of a tile whose last part was gzipped before: the boundary layers never change, so
//! they are compressed once, when first drawn, and each tile's data layers alone are
//! compressed per request, then joined to them.
//!
//! A deflate stream is a run of blocks, and one flushed without its final block may go on with
//! blocks compressed apart, as long as those refer to nothing before them (RFC 1951: a block
//! refers back only within what was decoded, and a fresh stream never refers back past its
//! start). The gzip member around them (RFC 1952) needs the CRC-32 and length of the whole,
//! which the parts' CRCs combine into without reading the bytes again.

use std::io::Write;

use flate2::Compression;
use flate2::write::DeflateEncoder;

/// The fixed header of the gzip members we write (flate2's default: no name, no extra field).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// CRC-32 and length, little-endian.
const TRAILER: usize = 8;

/// The gzip of `head` followed by the bytes that `tail_gzip` (a gzip member of our own, as
/// [`super::CachedTile::new`] writes) holds. `None` when `tail_gzip` is not of that shape.
pub fn join(head: &[u8], tail_gzip: &[u8]) -> Option<Vec<u8>> {
    if tail_gzip.len() < HEADER.len() + TRAILER || tail_gzip[..4] != HEADER[..4] {
        return None;
    }
    let (tail_deflate, trailer) = tail_gzip[HEADER.len()..].split_at(tail_gzip.len() - HEADER.len() - TRAILER);
    let tail_crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
    let tail_len = u32::from_le_bytes(trailer[4..].try_into().ok()?);

    let mut out = Vec::with_capacity(head.len() / 2 + tail_gzip.len());
    out.extend_from_slice(&HEADER);
    let mut deflate = DeflateEncoder::new(out, Compression::fast());
    deflate.write_all(head).expect("writing to memory");
    // Flushed, not finished: the stream goes on with the tail's blocks, the last of them final.
    let mut out = deflate.flush_finish().expect("writing to memory");
    out.extend_from_slice(tail_deflate);

    let mut crc = crc32fast::Hasher::new();
    crc.update(head);
    crc.combine(&crc32fast::Hasher::new_with_initial_len(tail_crc, u64::from(tail_len)));
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2³².
    out.extend_from_slice(&(head.len() as u32).wrapping_add(tail_len).to_le_bytes());
    Some(out)
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
        for (h, t) in [(&head[..], &tail[..]), (&[][..], &tail[..]), (&head[..], &[][..]), (&[][..], &[][..])] {
            let tail_gzip = CachedTile::new(t.to_vec()).gzip;
            let joined = join(h, &tail_gzip).expect("our own member");
            assert_eq!(gunzip(&joined), [h, t].concat());
            // Strict decoders check the trailer: a wrong CRC or length would fail above.
            assert_eq!(joined[..10], HEADER);
        }
    }

    #[test]
    fn a_tail_of_another_shape_is_refused() {
        assert!(join(b"x", b"short").is_none());
        assert!(join(b"x", &[0u8; 40]).is_none());
    }
}
