//! Snapshots read back into the index they were written from, and refused when they are not
//! what they claim.

use sha2::{Digest, Sha256};

use super::*;
use crate::index::Filter;
use crate::index::tests::{MARCK, inputs, sheet};
use crate::model::{Initiative, Status};
use crate::referential::{Referential, ReferentialFile};

/// An index of sample sheets that has seen writes: a moved sheet, a removed one, and so
/// dead documents in its text index.
fn written_index() -> SpatialIndex {
    let (g, r) = inputs();
    let generated = crate::sample::generate(&g, &r, 400, 7);
    let sheets: Vec<Initiative> = generated
        .initiatives
        .into_iter()
        .enumerate()
        .map(|(i, s)| Initiative { id: i as SheetId + 1, sheet: s, created_at: String::new(), updated_at: String::new(), version: 1 })
        .collect();
    let mut index = SpatialIndex::build(g, r, generated.authorities, sheets);
    index.apply(&[sheet(3, &["1.b.2.1"], 2021, &[MARCK], Status::Published)]);
    index.remove(5);
    index
}

fn bytes_of(index: &SpatialIndex, applied: i64) -> Vec<u8> {
    let mut out = std::io::Cursor::new(vec![]);
    index.write_snapshot(applied, Some("2026-12-04T10:00:00.000Z".into()), &mut out).unwrap();
    out.into_inner()
}

fn read(bytes: &[u8]) -> Result<SpatialIndex, SnapshotError> {
    let (g, r) = inputs();
    SpatialIndex::from_snapshot(Snapshot::open(bytes)?, g, r)
}

#[test]
fn an_index_reads_back_as_it_was_written() {
    let index = written_index();
    let bytes = bytes_of(&index, 42);
    let snapshot = Snapshot::open(&bytes).unwrap();
    assert_eq!((snapshot.stamp.applied, snapshot.stamp.applied_at.as_deref()), (42, Some("2026-12-04T10:00:00.000Z")));
    assert_eq!((snapshot.stamp.sheets, snapshot.stamp.places), (index.len() as u64, index.place_count() as u64));
    let back = read(&bytes).unwrap();

    assert_eq!((back.len(), back.place_count(), back.version()), (index.len(), index.place_count(), index.version()));
    assert!(back.sheet(5).is_none(), "a removed sheet stays removed");
    assert_eq!(back.sheet(3).unwrap().year, 2021, "a rewritten sheet keeps its last version");
    let ids = |i: &SpatialIndex| i.sheets().map(|(id, s)| (id, s.title.clone(), s.services.clone(), s.doc)).collect::<Vec<_>>();
    assert_eq!(ids(&back), ids(&index));
    let codes = |i: &SpatialIndex| i.authorities().iter().map(|a| (a.code.clone(), a.arobases, a.awards.len())).collect::<Vec<_>>();
    assert_eq!(codes(&back), codes(&index));
    assert_eq!(back.zorder().in_square(0, 0, 0), index.zorder().in_square(0, 0, 0), "the Z-order is made again");
    // Text, nearby and the lists answer as before.
    for query in ["numérique", "école", "sheet 3", "Marck"] {
        let (a, b) = (index.search(query), back.search(query));
        assert_eq!(a.top(50), b.top(50), "search {query}");
    }
    let near = |i: &SpatialIndex| {
        i.nearby([2.35, 48.85], None, 20, &Filter::default()).into_iter().map(|n| (n.sheet, n.place)).collect::<Vec<_>>()
    };
    assert_eq!(near(&back), near(&index));
    assert!(!near(&back).is_empty());
    let row = back.authority_row_of(&index.authorities()[0].code).unwrap();
    let mut a = index.sheets_of_authority(row).iter().map(|s| s.0).collect::<Vec<_>>();
    let mut b = back.sheets_of_authority(row).iter().map(|s| s.0).collect::<Vec<_>>();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn a_read_index_takes_writes() {
    let index = written_index();
    let mut back = read(&bytes_of(&index, 1)).unwrap();
    back.remove(3);
    back.apply(&[sheet(9_999, &["1.b.2.1"], 2024, &[MARCK], Status::Published)]);
    assert!(back.sheet(3).is_none());
    assert_eq!(back.search("sheet 9999").top(5).first().map(|h| h.0), Some(9_999));
}

#[test]
fn a_damaged_or_cut_file_is_refused() {
    let bytes = bytes_of(&written_index(), 1);
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    assert!(matches!(Snapshot::open(&flipped), Err(SnapshotError::Damaged)));
    assert!(matches!(Snapshot::open(&bytes[..bytes.len() - 1]), Err(SnapshotError::Damaged)));
    assert!(matches!(Snapshot::open(&bytes[..10]), Err(SnapshotError::NotASnapshot)));
    assert!(matches!(Snapshot::open(b"SQLite format 3\0 and more bytes"), Err(SnapshotError::NotASnapshot)));
    let mut older = bytes.clone();
    older[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
    assert!(matches!(Snapshot::open(&older), Err(SnapshotError::OtherFormat(f)) if f == FORMAT + 1));
}

#[test]
fn a_body_that_points_outside_is_refused_even_with_a_good_checksum() {
    let index = written_index();
    let mut broken = index.clone();
    let first = *broken.sheets.keys().next().unwrap();
    broken.sheets.get_mut(&first).unwrap().authority = 1_000_000;
    assert!(matches!(read(&bytes_of(&broken, 1)), Err(SnapshotError::Inconsistent(_))));
    let mut broken = index;
    broken.sheets.get_mut(&first).unwrap().places[0].commune = 900_000;
    assert!(matches!(read(&bytes_of(&broken, 1)), Err(SnapshotError::Inconsistent(_))));
}

#[test]
fn a_snapshot_of_another_referential_is_refused() {
    let bytes = bytes_of(&written_index(), 1);
    let (g, r) = inputs();
    let mut file: ReferentialFile = r.file().clone();
    file.title.push_str(" (revised)");
    let other = Arc::new(Referential::new(file).unwrap());
    let snapshot = Snapshot::open(&bytes).unwrap();
    assert!(snapshot.made_with(&g, &r));
    assert!(!snapshot.made_with(&g, &other));
    assert!(matches!(SpatialIndex::from_snapshot(snapshot, g, other), Err(SnapshotError::Inconsistent(_))));
}

/// The body's bytes for a fixed index. When this fails, a saved type changed: bump [`FORMAT`]
/// (so that files of the old layout are rebuilt rather than misread), then update the digest.
#[test]
fn the_layout_of_a_snapshot_is_pinned() {
    let (g, r) = inputs();
    let sheets = vec![
        sheet(1, &["1.b.2.1"], 2017, &[MARCK], Status::Published),
        sheet(2, &["2.a.1.1", "1.b.2.1"], 2020, &[MARCK], Status::Published),
    ];
    let index = SpatialIndex::build(g, r, vec![], sheets);
    let bytes = bytes_of(&index, 1);
    let snapshot = Snapshot::open(&bytes).unwrap();
    let digest: String = Sha256::digest(snapshot.body).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!((FORMAT, digest.as_str()), (3, "a61fea85a361e14ed9114936995c7d4412dfc648c4ca7315c198f8fd63444f7b"));
}
