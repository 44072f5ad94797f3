//! The write API under load, over HTTP on loopback: sustained writes per second for a
//! moderator's PATCH of 1,000 different published sheets (each re-indexed and its tiles
//! dropped), 32 in flight, on a store of 12,000 sample sheets (seed 2020); and, on PostgreSQL,
//! the time from a publication on one replica to the new sheet in the other's tile.
//!
//! `cargo bench --bench writes` measures SQLite. With ATLAAS_BENCH_POSTGRES_URL (an admin URL
//! of a PostGIS server, see benches/backends.rs) it measures PostgreSQL too, in a new database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use atlaas::app::AppState;
use atlaas::app::start::{self, SampleOptions, StartOptions};
use atlaas::auth::token::{self, TokenRequest};
use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::http::{self, guard::WritePolicy};
use atlaas::model::Role;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};

const SHEETS: usize = 12_000;
const WRITES: usize = 1_000;
const IN_FLIGHT: usize = 32;
const PUBLICATIONS: usize = 20;

struct Server {
    base: String,
    state: AppState,
}

async fn serve(url: &str, gazetteer: Arc<Gazetteer>, sample: bool) -> Server {
    let options = StartOptions {
        database_url: url.to_owned(),
        data_dir: default_data_dir(),
        referential: default_data_dir().join("referential-2024.json"),
        sample: sample.then_some(SampleOptions { count: SHEETS, seed: 2020 }),
        web_dir: start::default_web_dir(),
        tile_cache_bytes: atlaas::tiles::CACHE_BYTES,
        tiles_archive: None,
        reads_from_postgis: false,
        addresses: None,
        basemap: None,
        index_snapshot: None,
    };
    let state = start::start_with_gazetteer(&options, gazetteer).await.expect("the service starts");
    let limits = http::Limits { writes: WritePolicy { per_minute: 0, sign_ins: 0, trusted_proxies: vec![] }, ..Default::default() };
    let app = http::router(state.clone(), limits).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { base, state }
}

async fn moderator(state: &AppState) -> String {
    let request = TokenRequest { role: Role::Moderator, authority: None, label: "bench".into(), lifetime_days: None };
    token::issue(state.store.as_ref(), &state.gazetteer, &request).await.unwrap().0.expose().to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// PATCHes `WRITES` different published sheets, `IN_FLIGHT` at a time; prints the rate.
async fn sustained_patches(name: &str, server: &Server) {
    let token = moderator(&server.state).await;
    let mut targets = vec![];
    let mut after = None;
    while targets.len() < WRITES {
        let page = server.state.store.published_initiatives(after, 500).await.unwrap();
        after = page.last().map(|s| s.id);
        targets.extend(page.into_iter().step_by(7).map(|s| (s.id, s.version)));
    }
    targets.truncate(WRITES);
    let client = reqwest::Client::new();
    let queue = Arc::new(tokio::sync::Mutex::new(targets));
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..IN_FLIGHT {
        let (queue, client, token, base) = (queue.clone(), client.clone(), token.clone(), server.base.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = vec![];
            loop {
                let Some((id, version)) = queue.lock().await.pop() else { return latencies };
                let t = Instant::now();
                let res = client
                    .patch(format!("{base}/api/initiatives/{id}"))
                    .bearer_auth(&token)
                    .header("If-Match", format!("\"{version}\""))
                    .json(&json!({"summary": format!("Mise à jour {id}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = vec![];
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    println!(
        "{name}: {WRITES} PATCHes of different sheets, {IN_FLIGHT} in flight, on {SHEETS} sample sheets: {:.0} writes/s, p50 {:.1} ms, p99 {:.1} ms",
        WRITES as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    );
}

/// Creates sheets through one replica and publishes them, waiting for each in the other's tile.
async fn publication_to_tile(one: &Server, other: &Server) {
    let token = moderator(&one.state).await;
    let contributor = {
        let request = TokenRequest { role: Role::Contributor, authority: Some("29083".into()), label: "bench".into(), lifetime_days: None };
        token::issue(one.state.store.as_ref(), &one.state.gazetteer, &request).await.unwrap().0.expose().to_owned()
    };
    let client = reqwest::Client::new();
    // The z14 tile of Île-de-Sein's town hall, where a place given by its INSEE code lands.
    let [lon, lat] = one.state.gazetteer.commune("29083").expect("Île-de-Sein is in the gazetteer").point;
    let z = 14u32;
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    let mut delays = vec![];
    for i in 0..PUBLICATIONS {
        let body = json!({"title": format!("Borne {i}"), "services": ["1.a.1.1"], "places": [{"insee": "29083"}]});
        let made: Value = client
            .post(format!("{}/api/initiatives", one.base))
            .bearer_auth(&contributor)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = made["id"].as_u64().unwrap();
        let tile = format!("{}/tiles/{z}/{x}/{y}.mvt", other.base);
        // The other replica's tile is cached without the proposal.
        client.get(&tile).send().await.unwrap();
        let published = Instant::now();
        let res = client.post(format!("{}/api/initiatives/{id}/publish", one.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let version = res.headers()["etag"].to_str().unwrap().to_owned();
        loop {
            let bytes = client.get(&tile).send().await.unwrap().bytes().await.unwrap();
            if tile_has(&bytes, id) {
                break;
            }
            assert!(published.elapsed() < Duration::from_secs(10), "not drawn within 10 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        delays.push(published.elapsed());
        // Archived again, so that the next one is alone at this point (not in a cluster).
        let res = client
            .delete(format!("{}/api/initiatives/{id}", one.base))
            .bearer_auth(&token)
            .header("If-Match", version)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        while tile_has(&client.get(&tile).send().await.unwrap().bytes().await.unwrap(), id) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    delays.sort();
    println!(
        "postgres: publication on one replica → the sheet in the other's tile, {PUBLICATIONS} times: median {:.1} ms, max {:.1} ms",
        percentile(&delays, 0.5).as_secs_f64() * 1e3,
        delays.last().unwrap().as_secs_f64() * 1e3
    );
}

/// Whether the decoded tile's `initiatives` layer has the sheet `id` as a point.
fn tile_has(bytes: &[u8], id: u64) -> bool {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("a valid vector tile");
    let layers = reader.get_layer_metadata().expect("layer metadata");
    let Some(layer) = layers.iter().find(|l| l.name == "initiatives") else { return false };
    reader.get_features_as::<f64>(layer.layer_index).expect("features decode").iter().any(|f| {
        f.properties.as_ref().and_then(|p| p.get("id")).is_some_and(|v| matches!(v, mvt_reader::feature::Value::UInt(n) if *n == id))
    })
}

async fn postgres_database(admin: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("the PostGIS server answers");
    let name = format!("atlaas_bench_writes_{:08x}", rand::random::<u32>());
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this file too, and must not load.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let sqlite = serve(&format!("sqlite://{}", dir.path().join("atlaas.db").display()), g.clone(), true).await;
        sustained_patches("sqlite", &sqlite).await;
        if let Ok(admin) = std::env::var("ATLAAS_BENCH_POSTGRES_URL") {
            let url = postgres_database(&admin).await;
            let one = serve(&url, g.clone(), true).await;
            let other = serve(&url, g.clone(), false).await;
            sustained_patches("postgres", &one).await;
            publication_to_tile(&one, &other).await;
        }
    });
}
