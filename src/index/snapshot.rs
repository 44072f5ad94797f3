//! The index saved to a file and read back, so that a restart need not read and index every
//! sheet of the store again (36 s for a million sheets; reading a snapshot takes a fraction).
//!
//! What is saved is what is costly to make: the sheets as the index keeps them, the
//! authorities and the text index (stemming every text is most of a build). What is cheap and
//! follows from those is made again on reading: the Z-order (a sort) and the lists by
//! authority and by service.
//!
//! A file is a header, then a [`Stamp`] and the body, both in postcard (a compact serde
//! format). The header's CRC-32 covers everything after it: a file cut short or damaged on
//! disk is refused before anything is read from it. The stamp says what the index was made
//! from (the store's change log position, the gazetteer and the referential): the caller
//! checks it against what is running before reading the body ([`crate::app::snapshot`]).
//! After decoding, every number an entry holds (authority row, text document, service, commune)
//! is checked to lie in range, so that no request can trip on a bad one.

use std::collections::BTreeMap;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::text::TextIndex;
use super::{IndexedAuthority, IndexedSheet, NO_COMMUNE, NO_THEME, SpatialIndex};
use crate::gazetteer::Gazetteer;
use crate::model::SheetId;
use crate::referential::Referential;

const MAGIC: &[u8; 8] = b"ATLAASIX";

/// The layout of the body. Bump it whenever a saved type changes (the test
/// `the_layout_of_a_snapshot_is_pinned` fails until then): an older file is then rebuilt, not
/// misread.
pub const FORMAT: u32 = 3;

/// Magic, format, CRC-32 of the rest.
const HEADER: usize = 16;

/// What an index was made from, read before its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The last entry of the store's change log the index holds (and maybe some after it:
    /// catching up applies a sheet whole, so applying one twice is harmless).
    pub applied: i64,
    /// The time the log gives that entry, as the store writes it: another store, or one
    /// restored from an older backup and written to again, has another at the same position.
    pub applied_at: Option<String>,
    /// Digests of the gazetteer and the referential the entries' numbers point into.
    pub gazetteer: [u8; 32],
    pub referential: [u8; 32],
    pub sheets: u64,
    pub places: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not an index snapshot")]
    NotASnapshot,
    #[error("written in format {0}, this version reads format {FORMAT}")]
    OtherFormat(u32),
    #[error("damaged: its checksum does not match")]
    Damaged,
    #[error("unreadable: {0}")]
    Decode(#[from] postcard::Error),
    #[error("inconsistent: {0}")]
    Inconsistent(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The saved parts of an index, borrowed for writing.
#[derive(Serialize)]
struct Body<'a> {
    version: u64,
    authorities: &'a [IndexedAuthority],
    sheets: Sheets<'a>,
    text: &'a TextIndex,
}

/// The same parts, owned, as read.
#[derive(Deserialize)]
struct OwnedBody {
    version: u64,
    authorities: Vec<IndexedAuthority>,
    sheets: Vec<(SheetId, IndexedSheet)>,
    text: TextIndex,
}

/// The sheets in id order, written as the list [`OwnedBody`] reads.
struct Sheets<'a>(&'a BTreeMap<SheetId, IndexedSheet>);

impl Serialize for Sheets<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

/// A snapshot file read and checked, its body not decoded yet.
pub struct Snapshot<'a> {
    pub stamp: Stamp,
    body: &'a [u8],
}

impl SpatialIndex {
    /// Writes the index with its stamp to `out` (unbuffered is fine), streamed (a body is as large as the index);
    /// the checksum is written last, over the header's placeholder.
    pub fn write_snapshot<W: Write + Seek>(&self, applied: i64, applied_at: Option<String>, out: &mut W) -> Result<(), SnapshotError> {
        let stamp = Stamp {
            applied,
            applied_at,
            gazetteer: gazetteer_digest(&self.gazetteer),
            referential: referential_digest(&self.referential),
            sheets: self.sheets.len() as u64,
            places: self.place_count() as u64,
        };
        let body = Body { version: self.version, authorities: &self.authorities, sheets: Sheets(&self.sheets), text: &self.text };
        let start = out.stream_position()?;
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT.to_le_bytes())?;
        out.write_all(&[0; 4])?;
        // Buffered before the checksum: postcard writes a few bytes at a time.
        let mut rest = BufWriter::with_capacity(1 << 16, Checksummed { out: &mut *out, crc: crc32fast::Hasher::new() });
        postcard::to_io(&stamp, &mut rest)?;
        postcard::to_io(&body, &mut rest)?;
        let crc = rest.into_inner().map_err(|e| e.into_error())?.crc.finalize();
        let end = out.stream_position()?;
        out.seek(SeekFrom::Start(start + 12))?;
        out.write_all(&crc.to_le_bytes())?;
        out.seek(SeekFrom::Start(end))?;
        Ok(())
    }

    /// The index of a snapshot whose stamp the caller has accepted. The gazetteer and the
    /// referential must be those of the stamp ([`Snapshot::made_with`]).
    pub fn from_snapshot(snapshot: Snapshot, gazetteer: Arc<Gazetteer>, referential: Arc<Referential>) -> Result<Self, SnapshotError> {
        if !snapshot.made_with(&gazetteer, &referential) {
            return Err(SnapshotError::Inconsistent("made with another gazetteer or referential".into()));
        }
        let body: OwnedBody = postcard::from_bytes(snapshot.body)?;
        check(&body, &gazetteer, &referential)?;
        let mut builder = SpatialIndex::builder(gazetteer, referential, &[]);
        builder.index.authority_rows = body.authorities.iter().enumerate().map(|(row, a)| (a.code.clone(), row as u32)).collect();
        builder.index.authorities = body.authorities;
        builder.index.authorities_on_map.take();
        builder.index.text = body.text;
        builder.add_entries(body.sheets);
        let mut index = builder.finish();
        index.version = body.version;
        index.authorities_version = body.version;
        Ok(index)
    }
}

impl<'a> Snapshot<'a> {
    /// Checks the header and the checksum of a file's bytes and reads its stamp.
    pub fn open(bytes: &'a [u8]) -> Result<Self, SnapshotError> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("four bytes"));
        if word(8) != FORMAT {
            return Err(SnapshotError::OtherFormat(word(8)));
        }
        let rest = &bytes[HEADER..];
        if crc32fast::hash(rest) != word(12) {
            return Err(SnapshotError::Damaged);
        }
        let (stamp, body) = postcard::take_from_bytes(rest)?;
        Ok(Snapshot { stamp, body })
    }

    /// Whether the snapshot was made with this gazetteer and this referential.
    pub fn made_with(&self, gazetteer: &Gazetteer, referential: &Referential) -> bool {
        self.stamp.gazetteer == gazetteer_digest(gazetteer) && self.stamp.referential == referential_digest(referential)
    }
}

/// A writer that keeps the CRC-32 of what goes through it.
struct Checksummed<W> {
    out: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(bytes)?;
        self.crc.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Every number of the decoded entries points at something that exists.
fn check(body: &OwnedBody, gazetteer: &Gazetteer, referential: &Referential) -> Result<(), SnapshotError> {
    let bad = |what: String| Err(SnapshotError::Inconsistent(what));
    let (communes, services, themes) = (gazetteer.communes().len(), referential.service_count(), referential.file().themes.len());
    let mut previous = None;
    for (id, sheet) in &body.sheets {
        if previous.is_some_and(|p| p >= *id) {
            return bad(format!("sheet {id} out of order"));
        }
        previous = Some(*id);
        if sheet.authority as usize >= body.authorities.len() {
            return bad(format!("sheet {id} has no authority"));
        }
        if body.text.sheet_of(sheet.doc) != Some(*id) {
            return bad(format!("sheet {id} is not its text document"));
        }
        if sheet.services.iter().any(|&s| s as usize >= services) || (sheet.theme != NO_THEME && sheet.theme as usize >= themes) {
            return bad(format!("sheet {id} has a service the referential does not have"));
        }
        let place_ok = |p: &super::IndexedPlace| {
            (p.commune == NO_COMMUNE || (p.commune as usize) < communes) && p.lon.is_finite() && p.lat.is_finite()
        };
        if sheet.places.is_empty() || sheet.places.len() > u16::MAX as usize || !sheet.places.iter().all(place_ok) {
            return bad(format!("sheet {id} has a bad place"));
        }
    }
    if body.text.live() != body.sheets.len() {
        return bad("the text index does not hold the sheets".into());
    }
    Ok(())
}

/// A digest of what the index's commune rows stand for: each commune's code, place in the
/// administrative map and point, in row order.
pub fn gazetteer_digest(gazetteer: &Gazetteer) -> [u8; 32] {
    let mut h = Sha256::new();
    for c in gazetteer.communes() {
        for part in [c.code.as_bytes(), c.departement.as_bytes(), c.region.as_bytes()] {
            h.update((part.len() as u32).to_le_bytes());
            h.update(part);
        }
        h.update(c.point[0].to_le_bytes());
        h.update(c.point[1].to_le_bytes());
    }
    h.finalize().into()
}

/// A digest of the referential file the service and theme numbers come from.
pub fn referential_digest(referential: &Referential) -> [u8; 32] {
    let json = serde_json::to_vec(referential.file()).expect("the referential serializes");
    Sha256::digest(json).into()
}

/// Serde of a byte vector as one run of bytes (not a list of numbers, each decoded alone).
pub mod bytes {
    use serde::de::{Deserializer, Error, Visitor};
    use serde::ser::Serializer;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

#[cfg(test)]
mod tests;
