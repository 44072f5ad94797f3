//! `GET /metrics` counts what happened: requests by route template and status, the tile
//! cache's hits and misses, the index's size, the change feed, the pool and the imports.

mod common;

use atlaas::model::Role;
use common::TestApp;

/// The value of one series of the exposition (`name{labels}` exactly as written), if any.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.split(' ').next()?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let res = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "a complete exposition");
    text
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.get("/api/initiatives?limit=1").await;
    }
    app.get("/api/initiatives?limit=1").await;
    app.get("/api/initiatives/424242424").await;
    app.get("/wp-login.php").await;
    app.get("/api/initiatives?limit=-3").await;
    let text = scrape(&app).await;
    let series = |route: &str, status: u16| format!("atlaas_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"{status}\"}}");
    assert_eq!(value(&text, &series("/api/initiatives", 200)), Some(4.0), "{text}");
    assert_eq!(value(&text, &series("/api/initiatives", 400)), Some(1.0));
    assert_eq!(value(&text, &series("/api/initiatives/{id}", 404)), Some(1.0), "a path's template, not the path");
    assert_eq!(value(&text, &series("unmatched", 404)), Some(1.0), "unknown paths share one series");
    assert!(!text.contains("wp-login") && !text.contains("424242424"), "no raw path in a label: {text}");
    assert_eq!(value(&text, "atlaas_http_request_duration_seconds_count{route=\"/api/initiatives\",method=\"GET\"}"), Some(5.0));
    let fast = value(&text, "atlaas_http_request_duration_seconds_bucket{le=\"10.0\",route=\"/api/initiatives\",method=\"GET\"}");
    assert_eq!(fast, Some(5.0), "every listing within 10 s: {text}");
}

#[tokio::test]
async fn the_service_is_read_at_each_scrape() {
    let app = TestApp::spawn().await;
    let before = scrape(&app).await;
    let total = app.state.index().len();
    assert!(total > 100);
    assert_eq!(value(&before, "atlaas_index_sheets"), Some(total as f64));
    assert!(value(&before, "atlaas_index_places").unwrap() >= total as f64);
    assert_eq!(value(&before, "atlaas_tile_cache_hits_total"), Some(0.0));

    for _ in 0..3 {
        assert_eq!(app.get_bytes("/tiles/5/16/11.mvt", &[]).await.0, 200);
    }
    let after = scrape(&app).await;
    assert_eq!(value(&after, "atlaas_tile_cache_misses_total"), Some(1.0), "{after}");
    assert_eq!(value(&after, "atlaas_tile_cache_hits_total"), Some(2.0));
    assert_eq!(value(&after, "atlaas_tile_cache_entries"), Some(1.0));
    assert!(value(&after, "atlaas_tile_cache_bytes").unwrap() > 0.0);
    assert_eq!(value(&after, "atlaas_feed_up"), Some(1.0), "a SQLite file's log is followed");
    assert!(value(&after, "atlaas_feed_caught_up_timestamp_seconds").unwrap() > 1.7e9);
    let open = value(&after, "atlaas_store_connections{backend=\"sqlite\",state=\"idle\"}").unwrap()
        + value(&after, "atlaas_store_connections{backend=\"sqlite\",state=\"in_use\"}").unwrap();
    assert!(open >= 1.0 && open <= value(&after, "atlaas_store_connections_max{backend=\"sqlite\"}").unwrap());
    assert_eq!(value(&after, "atlaas_work_waiting"), Some(0.0));
    assert!(after.contains("atlaas_build_info{version=\""));
}

#[tokio::test]
async fn imports_are_counted_by_outcome() {
    let app = TestApp::spawn_with(None).await;
    let moderator = app.token(Role::Moderator, None).await;
    let send = |body: &'static str| {
        app.client
            .post(format!("{}/api/import?file_name=f.csv", app.base))
            .bearer_auth(&moderator)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/initiatives.csv")).unwrap();
    let good: &'static str = Box::leak(good.into_boxed_str());
    assert_eq!(send(good).await.unwrap().status().as_u16(), 200);
    let refused = send("title;commune\nsans service;Marck\n").await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
    let text = scrape(&app).await;
    assert_eq!(value(&text, "atlaas_imports_total{outcome=\"done\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "atlaas_imports_total{outcome=\"refused\"}"), Some(1.0));
    assert_eq!(value(&text, "atlaas_import_sheets_written_total"), Some(10.0));
    assert_eq!(value(&text, "atlaas_index_sheets"), Some(10.0));
}
