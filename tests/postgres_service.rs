//! The service on PostgreSQL + PostGIS answers exactly as on the embedded SQLite.

mod common;

use common::{TestApp, all_pages};

#[tokio::test]
async fn the_sample_loads_and_answers_the_same_on_both_backends() {
    let sqlite = TestApp::spawn().await;
    let postgres =
        TestApp::spawn_on_postgres(Some(atlaas::app::start::SampleOptions { count: common::SAMPLE_COUNT, seed: common::SAMPLE_SEED }))
            .await;
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
    // The comparisons come from the index either backend fills.
    for path in
        [format!("/api/initiatives/{id}/related?limit=20"), "/api/communes/62548/peers".into(), "/api/authorities/62548/mosaic".into()]
    {
        assert_eq!(postgres.ok(&path).await, sqlite.ok(&path).await, "{path}");
    }
    let (a, b) = (postgres.ok(&format!("/api/initiatives/{id}")).await, sqlite.ok(&format!("/api/initiatives/{id}")).await);
    // Timestamps differ between the two loads; everything else is the same sheet.
    let strip = |mut v: serde_json::Value| {
        v["properties"]["created_at"] = serde_json::Value::Null;
        v["properties"]["updated_at"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(a), strip(b));
}

#[tokio::test]
async fn reads_from_postgis_answer_as_the_index_does() {
    let index =
        TestApp::spawn_on_postgres(Some(atlaas::app::start::SampleOptions { count: common::SAMPLE_COUNT, seed: common::SAMPLE_SEED }))
            .await;
    let postgis = TestApp::spawn_reading_postgis(&index.database_url).await;
    for path in [
        "/api/initiatives",
        "/api/initiatives?theme=2&arobases=3",
        "/api/initiatives?bbox=-1,43,4,48&year=2012-2020",
        "/api/initiatives?departement=59,62&population=-9999",
        "/api/initiatives?commune=75056,69123",
    ] {
        let (a, b) = (all_pages(&postgis, path).await, all_pages(&index, path).await);
        assert!(!a.is_empty(), "{path} finds sheets");
        assert_eq!(a, b, "{path}");
    }
    for path in [
        "/api/nearby?commune=62548&limit=50",
        "/api/nearby?lon=5.37&lat=43.3&radius_m=60000&limit=200&theme=1,3",
        "/api/nearby?lon=2.35&lat=48.85&limit=30&region=11&arobases=2",
    ] {
        let (a, b) = (postgis.ok(path).await, index.ok(path).await);
        assert!(!a["features"].as_array().unwrap().is_empty(), "{path} finds sheets");
        assert_eq!(a, b, "{path}");
    }
}
