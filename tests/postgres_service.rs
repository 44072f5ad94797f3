//! The service on PostgreSQL + PostGIS answers exactly as on the embedded SQLite.

mod common;

use common::{TestApp, all_pages};

#[tokio::test]
async fn the_sample_loads_and_answers_the_same_on_both_backends() {
    let sqlite = TestApp::spawn().await;
    let postgres =
        TestApp::spawn_on_postgres(Some(atlaas::service::SampleOptions { count: common::SAMPLE_COUNT, seed: common::SAMPLE_SEED })).await;
    let health = postgres.ok("/health").await;
    assert_eq!(health["backend"], "postgres");
    assert_eq!(health["sheets"], sqlite.ok("/health").await["sheets"]);
    for path in ["/api/initiatives", "/api/initiatives?theme=2&arobases=3", "/api/initiatives?bbox=-1,43,4,48"] {
        assert_eq!(all_pages(&postgres, path).await, all_pages(&sqlite, path).await, "{path}");
    }
    for path in ["/api/nearby?commune=62548&limit=50", "/api/nearby?lon=5.37&lat=43.3&radius_m=60000&limit=200"] {
        assert_eq!(postgres.ok(path).await, sqlite.ok(path).await, "{path}");
    }
    let id = postgres.ok("/api/initiatives?limit=1").await["features"][0]["id"].as_i64().unwrap();
    let (a, b) = (postgres.ok(&format!("/api/initiatives/{id}")).await, sqlite.ok(&format!("/api/initiatives/{id}")).await);
    // Timestamps differ between the two loads; everything else is the same sheet.
    let strip = |mut v: serde_json::Value| {
        v["properties"]["created_at"] = serde_json::Value::Null;
        v["properties"]["updated_at"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(a), strip(b));
}
