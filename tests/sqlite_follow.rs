//! The embedded default followed like PostgreSQL: a server on a SQLite file sees what another
//! process writes to it (`atlaas import` from the command line) without restarting.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use atlaas::app::replica;
use atlaas::store::WriteBatch;
use atlaas::store::feed::{ChangeLog, SqliteFeed};
use common::TestApp;
use sqlx::Connection;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

async fn count(app: &TestApp) -> usize {
    common::all_pages(app, "/api/initiatives").await.len()
}

#[tokio::test]
async fn a_command_line_import_reaches_a_running_server_within_a_second() {
    let app = TestApp::spawn_with(None).await;
    assert_eq!(count(&app).await, 0);
    let db = app.database_url.strip_prefix("sqlite://").unwrap().to_owned();
    let health = app.ok("/health").await;
    assert_eq!(health["feed"]["state"], "live", "{health}");

    let imported = common::atlaas(std::path::Path::new(&db), &["import", &format!("{FIXTURES}/initiatives.csv")]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let start = Instant::now();
    while count(&app).await < 10 {
        assert!(start.elapsed() < Duration::from_secs(3), "the import is not seen after {:?}", start.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("the server saw the import {:?} after the command ended", start.elapsed());
    assert_eq!(count(&app).await, 10);
    // A person archives one by hand with sqlite3: gone here too.
    let mut sql = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE initiatives SET status = 'archived', version = version + 1 WHERE external_id = 'marck-budget'")
        .execute(&mut sql)
        .await
        .unwrap();
    let start = Instant::now();
    while count(&app).await > 9 {
        assert!(start.elapsed() < Duration::from_secs(3), "the archiving is not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.ok("/health").await["feed"]["state"], "live");
}

/// An import larger than a page of the log is applied in one catching up, page after page,
/// not one page per poll (pages of 5,000 entries here, so that the test stays small).
#[tokio::test]
async fn catching_up_reads_the_log_page_after_page() {
    let app = TestApp::spawn_with(None).await;
    let feed = SqliteFeed::open(&app.database_url).await.unwrap();
    let before = feed.head().await.unwrap();
    let sample = atlaas::sample::generate(&app.state.gazetteer, &app.state.referential, 11_000, 3);
    let published = sample.initiatives.iter().filter(|s| s.status == atlaas::model::Status::Published).count();
    app.state
        .store
        .write(WriteBatch { authorities: sample.authorities, initiatives: sample.initiatives, ..Default::default() })
        .await
        .unwrap();
    let head = feed.head().await.unwrap();
    assert!(head - before > 10_000, "more than two pages of the log: {} entries", head - before);
    let mut unreadable = BTreeSet::new();
    let applied = replica::catch_up_in_pages(&app.state, &feed, before, &mut unreadable, 5_000).await.unwrap();
    assert_eq!(applied, head, "one catching up reads up to the head");
    assert_eq!(app.state.index().len(), published);
    assert!(unreadable.is_empty());
}

/// Sheets are reloaded from the store in batches: a row broken by hand among good ones is
/// named alone, its last good version kept, and the rows beside it in the same batch (changed,
/// unpublished, deleted) are applied.
#[tokio::test]
async fn a_broken_row_in_a_batch_stops_only_itself() {
    let app = TestApp::spawn_with(None).await;
    let feed = SqliteFeed::open(&app.database_url).await.unwrap();
    let sample = atlaas::sample::generate(&app.state.gazetteer, &app.state.referential, 50, 5);
    let written = app
        .state
        .store
        .write(WriteBatch { authorities: sample.authorities, initiatives: sample.initiatives, ..Default::default() })
        .await
        .unwrap();
    let mut unreadable = BTreeSet::new();
    let before = replica::catch_up(&app.state, &feed, 0, &mut unreadable).await.unwrap();
    let published: Vec<i64> = written.iter().filter(|s| s.sheet.status == atlaas::model::Status::Published).map(|s| s.id).take(4).collect();
    let [broken, retitled, unpublished, deleted] = published[..] else { panic!("four published sheets: {published:?}") };
    let mut sql = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
    for statement in [
        format!("UPDATE places SET method = 'guessed' WHERE initiative = {broken}"),
        format!("UPDATE initiatives SET title = 'Titre changé à la main', version = version + 1 WHERE id IN ({broken}, {retitled})"),
        format!("UPDATE initiatives SET status = 'draft', version = version + 1 WHERE id = {unpublished}"),
        format!("DELETE FROM initiatives WHERE id = {deleted}"),
    ] {
        sqlx::query(&statement).execute(&mut sql).await.unwrap();
    }
    let kept = app.state.index().sheet(broken).map(|s| s.title.to_string());
    replica::catch_up(&app.state, &feed, before, &mut unreadable).await.unwrap();
    assert_eq!(unreadable, BTreeSet::from([broken]));
    let index = app.state.index();
    assert_eq!(index.sheet(broken).map(|s| s.title.to_string()), kept, "its last good version is kept");
    assert_eq!(index.sheet(retitled).map(|s| &*s.title), Some("Titre changé à la main"));
    assert!(index.sheet(unpublished).is_none() && index.sheet(deleted).is_none());
}
