//! A server restarted on a filled store reads the index it saved instead of rebuilding it,
//! and never serves a snapshot that is stale, damaged or another store's: on SQLite and on
//! PostgreSQL.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atlaas::app::start::{self, SampleOptions, StartOptions};
use atlaas::app::{AppState, build_index};
use atlaas::gazetteer::default_data_dir;
use atlaas::index::SpatialIndex;
use atlaas::index::snapshot::{Snapshot, Stamp};
use atlaas::model::Status;
use atlaas::store::WriteBatch;
use atlaas::store::feed::{ChangeLog, PostgresFeed, SqliteFeed};
use common::on_both_backends;

fn options(url: &str, snapshot: &Path, seed: u64) -> StartOptions {
    StartOptions {
        database_url: url.to_owned(),
        data_dir: default_data_dir(),
        referential: default_data_dir().join("referential-2024.json"),
        sample: Some(SampleOptions { count: 300, seed }),
        web_dir: start::default_web_dir(),
        tile_cache_bytes: 0,
        tiles_archive: None,
        reads_from_postgis: false,
        addresses: None,
        basemap: None,
        index_snapshot: Some(snapshot.to_owned()),
    }
}

async fn serve(url: &str, snapshot: &Path, seed: u64) -> AppState {
    start::start_with_gazetteer(&options(url, snapshot, seed), common::gazetteer()).await.expect("the service starts")
}

async fn head(url: &str) -> i64 {
    if url.starts_with("postgres") {
        PostgresFeed::connect(url).unwrap().head().await.unwrap()
    } else {
        SqliteFeed::open(url).await.unwrap().head().await.unwrap()
    }
}

/// The stamp of the snapshot at `path` once one that is at least at log entry `at` is there.
async fn saved(path: &Path, at: i64) -> Stamp {
    let start = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(path)
            && let Ok(snapshot) = Snapshot::open(&bytes)
            && snapshot.stamp.applied >= at
        {
            return snapshot.stamp;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no snapshot at entry {at} in {}", path.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a fresh build from the store holds, to compare a served index with.
fn contents(index: &SpatialIndex) -> Vec<(i64, String, u16, usize)> {
    index.sheets().map(|(id, s)| (id, s.title.to_string(), s.year, s.places.len())).collect()
}

async fn fresh_build(app: &AppState) -> SpatialIndex {
    build_index(app.store.as_ref(), app.gazetteer.clone(), app.referential.clone()).await.unwrap()
}

fn snapshot_path() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("atlaas.db.index");
    (dir, path)
}

async fn a_restart_reads_the_snapshot_and_applies_what_was_written_since(backend: &str) {
    let (_db, url, store) = common::fresh_store(backend).await;
    let (_dir, path) = snapshot_path();
    let first = serve(&url, &path, 5).await;
    assert_eq!(first.saved_index.as_ref().unwrap().read_at(), None, "nothing to read on the first start");
    let stamp = saved(&path, 1).await;
    assert_eq!(stamp.applied, head(&url).await);
    assert_eq!(stamp.sheets, first.index().len() as u64);

    // Another writer, after the snapshot: one sheet retitled, one archived, one new.
    let mut ids = first.index().sheets().map(|(id, _)| id).take(2).collect::<Vec<_>>().into_iter();
    let (retitled, archived) = (ids.next().unwrap(), ids.next().unwrap());
    let mut a = store.initiative(retitled).await.unwrap().unwrap().sheet;
    a.title = "Fablab intercommunal du littoral".into();
    let mut b = store.initiative(archived).await.unwrap().unwrap().sheet;
    b.status = Status::Archived;
    let mut new = common::hand_sheet(
        "after-snapshot",
        "Tiers-lieu numérique de la halle",
        &["1.b.2.1"],
        ("62548", 1.9557, 50.9491),
        Status::Published,
    );
    new.authority = a.authority.clone();
    store.write(WriteBatch { initiatives: vec![a, b, new], ..Default::default() }).await.unwrap();
    drop(first);

    let second = serve(&url, &path, 5).await;
    assert_eq!(second.saved_index.as_ref().unwrap().read_at(), Some(stamp.applied), "started from the snapshot");
    let index = second.index();
    assert_eq!(index.sheet(retitled).unwrap().title.as_ref(), "Fablab intercommunal du littoral");
    assert!(index.sheet(archived).is_none(), "archived after the snapshot: not served");
    assert_eq!(index.search("halle").top(5).len(), 1, "written after the snapshot: served");
    assert_eq!(contents(&index), contents(&fresh_build(&second).await), "the same as a build from the store");
    assert_eq!(index.search("fablab littoral").top(100), fresh_build(&second).await.search("fablab littoral").top(100));
    if let Some(atlaas::app::health::FeedState::Live { applied, .. }) = second.feed.as_ref().map(|f| f.get()) {
        assert_eq!(applied, head(&url).await, "the feed goes on from the log's end");
    } else {
        panic!("the feed is live");
    }

    // Stopping saves what it applied; the next start has nothing left to catch up.
    second.saved_index.as_ref().unwrap().save_on_stop(&second).await;
    let now = head(&url).await;
    assert_eq!(saved(&path, now).await.applied, now);
    drop(second);
    let third = serve(&url, &path, 5).await;
    assert_eq!(third.saved_index.as_ref().unwrap().read_at(), Some(now));
    assert_eq!(contents(&third.index()), contents(&fresh_build(&third).await));
}

async fn a_damaged_snapshot_is_rebuilt_not_served(backend: &str) {
    let (_db, url, _store) = common::fresh_store(backend).await;
    let (_dir, path) = snapshot_path();
    let first = serve(&url, &path, 5).await;
    saved(&path, 1).await;
    drop(first);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();

    let second = serve(&url, &path, 5).await;
    assert_eq!(second.saved_index.as_ref().unwrap().read_at(), None, "a damaged file is not read");
    assert_eq!(contents(&second.index()), contents(&fresh_build(&second).await));
    // And a good one takes its place.
    saved(&path, 1).await;
    std::fs::write(&path, b"not a snapshot at all").unwrap();
    let third = serve(&url, &path, 5).await;
    assert_eq!(third.saved_index.as_ref().unwrap().read_at(), None);
    assert_eq!(contents(&third.index()), contents(&fresh_build(&third).await));
}

async fn another_stores_snapshot_is_not_served(backend: &str) {
    let (_a, url_a, _) = common::fresh_store(backend).await;
    let (_b, url_b, _) = common::fresh_store(backend).await;
    let (_dir, path) = snapshot_path();
    let a = serve(&url_a, &path, 5).await;
    saved(&path, 1).await;
    drop(a);
    // Store B holds other sheets; the file beside it is A's.
    let b = serve(&url_b, &path, 9).await;
    assert_eq!(b.saved_index.as_ref().unwrap().read_at(), None, "A's snapshot is refused for B");
    let served = contents(&b.index());
    assert_eq!(served, contents(&fresh_build(&b).await));
    assert!(!served.is_empty());
}

on_both_backends!(
    a_restart_reads_the_snapshot_and_applies_what_was_written_since,
    a_damaged_snapshot_is_rebuilt_not_served,
    another_stores_snapshot_is_not_served,
);
