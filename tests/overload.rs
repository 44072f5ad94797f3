//! When every computing thread is busy and the queue is full, the heavy reads answer a JSON
//! 503 with `Retry-After` at once, while `/health`, cached tiles and the cheap tiles drawn on
//! the asking thread (no filter, boundaries drawn before) are still served; once the threads
//! are free, the same requests answer again.

mod common;

use std::sync::{Arc, Mutex, mpsc};

use atlaas::app::reads::IndexReads;
use atlaas::app::work::Work;
use atlaas::app::{AppState, Shared};
use common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_server_refuses_heavy_reads_and_still_answers_health() {
    let app = TestApp::spawn().await;
    let work = Arc::new(Work::new(1, 1));
    let state =
        AppState::new(Shared { work: work.clone(), reads: Arc::new(IndexReads { work: work.clone() }), ..Shared::clone(&app.state) });
    let base = common::serve(state, Default::default()).await;
    let get = |path: &str| {
        let (client, url) = (app.client.clone(), format!("{base}{path}"));
        async move {
            let res = client.get(url).send().await.unwrap();
            let (status, retry) = (res.status().as_u16(), res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()));
            (status, retry, res.bytes().await.unwrap())
        }
    };
    let some_sheet = app.ok("/api/initiatives?limit=1").await["features"][0]["id"].as_u64().unwrap();
    let cached = "/tiles/5/16/11.mvt";
    assert_eq!(get(cached).await.0, 200, "drawn once, now in the cache");
    // Its boundaries drawn by a filtered request, this tile is cheap without a filter.
    assert_eq!(get("/tiles/7/64/44.mvt?theme=1").await.0, 200);
    let cheap = "/tiles/7/64/44.mvt";

    // One computation holds the only thread, another fills the queue.
    let (release, held) = mpsc::channel::<()>();
    let held = Arc::new(Mutex::new(held));
    let blockers: Vec<_> = (0..2)
        .map(|_| {
            let (work, held) = (work.clone(), held.clone());
            tokio::spawn(async move { work.run(move || held.lock().unwrap().recv().unwrap()).await })
        })
        .collect();
    while work.waiting() < 1 {
        tokio::task::yield_now().await;
    }

    let heavy = [
        // Never drawn: its boundary layer may take milliseconds.
        "/tiles/6/32/22.mvt".to_owned(),
        "/tiles/5/16/11.mvt?theme=1".to_owned(),
        "/api/initiatives?q=numerique".to_owned(),
        "/api/initiatives?bbox=1,43,3,49".to_owned(),
        "/api/nearby?lon=2.35&lat=48.85".to_owned(),
        format!("/api/initiatives/{some_sheet}/related"),
        "/api/communes/62548/peers".to_owned(),
        "/api/authorities/62548/mosaic".to_owned(),
    ];
    for path in &heavy {
        let (status, retry, body) = get(path).await;
        assert_eq!(status, 503, "{path} while saturated: {}", String::from_utf8_lossy(&body));
        assert_eq!(retry.as_deref(), Some("1"), "{path} says when to come back");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
        assert_eq!(body["error"], "busy", "{path}");
    }
    assert_eq!(get("/health").await.0, 200, "health does not queue behind the index");
    let (status, _, _) = get(cached).await;
    assert_eq!(status, 200, "a cached tile needs no computing thread");
    let (status, _, body) = get(cheap).await;
    assert_eq!(status, 200, "a cheap tile is drawn on the asking thread");
    assert!(!body.is_empty(), "with its layers");

    for _ in 0..2 {
        release.send(()).unwrap();
    }
    for b in blockers {
        b.await.unwrap().unwrap();
    }
    for path in &heavy {
        let (status, _, body) = get(path).await;
        assert_eq!(status, 200, "{path} once the threads are free: {}", String::from_utf8_lossy(&body));
    }
}
