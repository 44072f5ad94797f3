//! Two servers on one PostGIS database stay in step through the change feed, whoever writes
//! (a replica, or a person with SQL), and both survive a restart of PostgreSQL: they keep
//! answering from memory, say so in /health, then reconnect and resync by themselves.
//!
//! One test in this binary: it stops the shared test cluster for a while.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use atlaas::model::{GeocodeMethod, NewInitiative, Place, Precision, Status};
use atlaas::store::WriteBatch;
use common::mvt::{decode, tile_of, uint};
use common::{SAMPLE_COUNT, SAMPLE_SEED, TestApp, fresh_postgres_database};
use sqlx::Connection;

/// Île-de-Sein (29083): far from any other sample sheet, so that it is nearest to itself.
const SEIN: (f64, f64) = (-4.8513, 48.0381);

async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < timeout, "{what}: not seen within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn nearest_id(app: &TestApp) -> Option<i64> {
    let (status, body) = app.get(&format!("/api/nearby?lon={}&lat={}&limit=1", SEIN.0, SEIN.1)).await;
    assert_eq!(status, 200, "reads never fail: {body}");
    body["features"][0]["id"].as_i64()
}

async fn tile_has(app: &TestApp, id: i64) -> bool {
    let (x, y) = tile_of(16, SEIN.0, SEIN.1);
    let (_, _, body) = app.get_bytes(&format!("/tiles/16/{x}/{y}.mvt"), &[]).await;
    decode(&body).layer("initiatives").iter().any(|f| uint(f, "id") == Some(id as u64))
}

/// Whether the server's index holds the published sheet (its related sheets are answered).
async fn indexed(app: &TestApp, sheet: i64) -> bool {
    app.get(&format!("/api/initiatives/{sheet}/related?limit=1")).await.0 == 200
}

fn sheet_at_sein() -> NewInitiative {
    NewInitiative {
        source: "replica-test".into(),
        external_id: "sein-1".into(),
        authority: "dep-29".into(),
        title: "Borne numérique de l'île de Sein".into(),
        summary: String::new(),
        body: String::new(),
        services: vec!["1.a.1.1".into()],
        year: 2024,
        website: None,
        places: vec![Place {
            label: None,
            address: None,
            postal_code: Some("29990".into()),
            commune: "29083".into(),
            lon: SEIN.0,
            lat: SEIN.1,
            precision: Precision::Commune,
            method: GeocodeMethod::InseeCode,
        }],
        status: Status::Published,
        sample: false,
        updated_by: "test".into(),
        source_data: Default::default(),
    }
}

fn cluster(action: &str) {
    let dir = std::env::var("ATLAAS_PG_DIR").expect("ATLAAS_PG_DIR names the test cluster (scripts/test sets it)");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres");
    let status = std::process::Command::new(script).arg(action).arg(dir).status().expect("scripts/postgres runs");
    assert!(status.success(), "scripts/postgres {action}");
}

#[tokio::test]
async fn replicas_follow_every_writer_and_survive_a_database_restart() {
    let url = fresh_postgres_database().await;
    let a = TestApp::spawn_on_url(&url, Some(atlaas::app::start::SampleOptions { count: SAMPLE_COUNT, seed: SAMPLE_SEED })).await;
    let b = TestApp::spawn_on_url(&url, None).await;
    for app in [&a, &b] {
        let health = app.ok("/health").await;
        assert_eq!(health["feed"]["state"], "live", "{health}");
    }
    let before = nearest_id(&b).await;

    // A writes and applies, as a writing replica does; B learns of it from the database.
    let authority = a.state.store.authority("dep-29").await.unwrap();
    let authorities = if authority.is_some() { vec![] } else { vec![departement_29()] };
    let written = a.state.store.write(WriteBatch { authorities, initiatives: vec![sheet_at_sein()], ..Default::default() }).await.unwrap();
    a.state.apply_written(&written).await;
    let id = written[0].id;
    assert_ne!(before, Some(id));
    let delay = eventually("B's nearby shows A's write", Duration::from_secs(5), || async { nearest_id(&b).await == Some(id) }).await;
    eprintln!("replica B saw A's write after {delay:?}");
    eventually("B's tile shows A's write", Duration::from_secs(5), || tile_has(&b, id)).await;

    // A person with SQL unpublishes it: both servers drop it.
    let mut sql = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE initiatives SET status = 'draft' WHERE id = $1").bind(id).execute(&mut sql).await.unwrap();
    sql.close().await.unwrap();
    for app in [&a, &b] {
        eventually("a draft leaves every replica", Duration::from_secs(5), || async { nearest_id(app).await != Some(id) }).await;
        assert!(!tile_has(app, id).await);
    }

    // A person breaks a row by hand: B keeps the sheet's last good version, names it in
    // /health, and goes on following (a later change still reaches it); fixed, it is read again.
    let mut sql = sqlx::PgConnection::connect(&url).await.unwrap();
    let published: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM initiatives WHERE status = 'published' ORDER BY id LIMIT 2").fetch_all(&mut sql).await.unwrap();
    let (broken, other) = (published[0], published[1]);
    sqlx::query("UPDATE places SET method = 'guessed' WHERE initiative = $1").bind(broken).execute(&mut sql).await.unwrap();
    eventually("B names the unreadable sheet", Duration::from_secs(10), || async {
        let (status, body) = b.get("/health").await;
        status == 200 && body["feed"]["state"] == "live" && body["feed"]["unreadable"] == serde_json::json!([broken])
    })
    .await;
    assert!(indexed(&b, broken).await, "its last good version is still served");
    sqlx::query("UPDATE initiatives SET status = 'draft' WHERE id = $1").bind(other).execute(&mut sql).await.unwrap();
    eventually("a later change still reaches B", Duration::from_secs(10), || async { !indexed(&b, other).await }).await;
    sqlx::query("UPDATE places SET method = 'insee_code' WHERE initiative = $1").bind(broken).execute(&mut sql).await.unwrap();
    sqlx::query("UPDATE initiatives SET status = 'published' WHERE id = $1").bind(other).execute(&mut sql).await.unwrap();
    sql.close().await.unwrap();
    eventually("the fixed row is read again", Duration::from_secs(10), || async {
        let (_, body) = b.get("/health").await;
        body["feed"]["state"] == "live" && body["feed"].get("unreadable").is_none() && indexed(&b, other).await
    })
    .await;

    // The database goes away: reads go on from memory, /health says why (a code, not the
    // database's own words).
    cluster("pause");
    for app in [&a, &b] {
        eventually("/health reports the lost database", Duration::from_secs(30), || async {
            let (status, body) = app.get("/health").await;
            status == 503 && ["database_unreachable", "connection_lost", "resync_failed"].contains(&body["reason"].as_str().unwrap_or(""))
        })
        .await;
        assert_ne!(nearest_id(app).await, None, "reads are served from memory");
        let (ready, _) = app.get("/health/ready").await;
        assert_eq!(ready, 503, "not ready without its database");
        let (live, body) = app.get("/health/live").await;
        assert_eq!((live, body["status"].as_str()), (200, Some("live")), "but alive: no restart wanted");
    }
    cluster("resume");
    for app in [&a, &b] {
        eventually("the replica reconnects by itself", Duration::from_secs(30), || async {
            let (status, body) = app.get("/health").await;
            status == 200 && body["feed"]["state"] == "live"
        })
        .await;
    }
    // Writes after the restart reach both again.
    let mut sql = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query("UPDATE initiatives SET status = 'published' WHERE id = $1").bind(id).execute(&mut sql).await.unwrap();
    sql.close().await.unwrap();
    for app in [&a, &b] {
        eventually("a write after the restart reaches every replica", Duration::from_secs(10), || async {
            nearest_id(app).await == Some(id)
        })
        .await;
        assert!(tile_has(app, id).await);
    }
}

fn departement_29() -> atlaas::model::Authority {
    atlaas::model::Authority {
        code: "dep-29".into(),
        kind: atlaas::model::AuthorityKind::Departement,
        name: "Département du Finistère".into(),
        commune: Some("29232".into()),
        departement: Some("29".into()),
        region: Some("53".into()),
        population: 915_090,
        awards: vec![],
    }
}
