//! Soak: one release server (`atlaas serve`, its own process, on a SQLite store of sample
//! sheets) under a mixed read load for a while, with a moderator editing published sheets
//! throughout (each edit published at once: re-indexed, its tiles dropped). Reports requests
//! served, answers by status, latency percentiles by kind, the writes made, and the server's
//! resident memory at the start, middle and end of the load.
//!
//! `cargo bench --bench soak` (60 s, 12,000 sheets, 32 readers in flight); SOAK_SECONDS,
//! SOAK_SHEETS and SOAK_CLIENTS change them. What it checks, and prints as a verdict: no
//! answer other than 200/204/304, and memory at the end within 10 % of the middle.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod server;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use server::Server;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn moderator_token(db: &str) -> String {
    let out = server::atlaas().args(["token", "create", "--role", "moderator", "--label", "soak", "--database-url", db]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A tile over metropolitan France at zoom `z`.
fn tile(rng: &mut ChaCha8Rng, z: u32) -> String {
    let (lon, lat): (f64, f64) = (rng.random_range(-4.5..7.5), rng.random_range(43.0..50.5));
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32;
    format!("/tiles/{z}/{x}/{y}.mvt")
}

const WORDS: &[&str] = &["numerique", "mediatheque", "ecole", "wifi", "citoyen", "budget participatif", "tablettes", "site internet"];

/// One request of the mix: its kind (for the report) and path.
fn next_request(rng: &mut ChaCha8Rng, ids: &[u64]) -> (&'static str, String) {
    let (lon, lat): (f64, f64) = (rng.random_range(-4.5..7.5), rng.random_range(43.0..50.5));
    match rng.random_range(0..10) {
        0..=3 => {
            let z = rng.random_range(0..=14);
            ("tile", tile(rng, z))
        }
        4 => ("nearby", format!("/api/nearby?lon={lon:.4}&lat={lat:.4}&limit=20")),
        5 => ("listing", format!("/api/initiatives?bbox={:.3},{:.3},{:.3},{:.3}", lon, lat, lon + 0.5, lat + 0.3)),
        6 => ("search", format!("/api/initiatives?q={}", WORDS[rng.random_range(0..WORDS.len())].replace(' ', "+"))),
        7 => ("related", format!("/api/initiatives/{}/related", ids[rng.random_range(0..ids.len())])),
        8 => ("sheet", format!("/api/initiatives/{}", ids[rng.random_range(0..ids.len())])),
        _ => ("health", "/health".to_owned()),
    }
}

#[derive(Default)]
struct Tally {
    by_status: BTreeMap<u16, u64>,
    latencies: BTreeMap<&'static str, Vec<Duration>>,
}

async fn reader(base: String, ids: Arc<Vec<u64>>, seed: u64, until: Instant, tally: Arc<Mutex<Tally>>) {
    let client = reqwest::Client::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut mine = Tally::default();
    while Instant::now() < until {
        let (kind, path) = next_request(&mut rng, &ids);
        let t = Instant::now();
        let status = match client.get(format!("{base}{path}")).header("accept-encoding", "gzip").send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                status
            }
            Err(_) => 0,
        };
        *mine.by_status.entry(status).or_default() += 1;
        mine.latencies.entry(kind).or_default().push(t.elapsed());
    }
    let mut all = tally.lock().unwrap();
    for (s, n) in mine.by_status {
        *all.by_status.entry(s).or_default() += n;
    }
    for (k, mut l) in mine.latencies {
        all.latencies.entry(k).or_default().append(&mut l);
    }
}

/// Edits published sheets one after the other until `until`; returns (writes, failures).
async fn writer(base: String, token: String, ids: Arc<Vec<u64>>, until: Instant) -> (u64, u64) {
    let client = reqwest::Client::new();
    let (mut done, mut failed, mut n) = (0, 0, 0usize);
    while Instant::now() < until {
        let id = ids[(n * 7919) % ids.len()];
        n += 1;
        let res = client.get(format!("{base}/api/initiatives/{id}")).send().await.unwrap();
        let Some(etag) = res.headers().get("etag").cloned() else {
            failed += 1;
            continue;
        };
        let res = client
            .patch(format!("{base}/api/initiatives/{id}"))
            .bearer_auth(&token)
            .header("if-match", etag)
            .json(&json!({ "summary": format!("Relu pendant l'essai d'endurance ({n})") }))
            .send()
            .await
            .unwrap();
        if res.status().is_success() { done += 1 } else { failed += 1 }
    }
    (done, failed)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted.get(((sorted.len().max(1) - 1) as f64 * p).round() as usize).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this file too, and must not soak.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (seconds, sheets, clients) = (env_or("SOAK_SECONDS", 60), env_or("SOAK_SHEETS", 12_000), env_or("SOAK_CLIENTS", 32));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("atlaas.db").display());
        let server = Server::start(&db, &["--sample-count", &sheets.to_string(), "--write-limit", "0"]).await;
        let token = moderator_token(&db);
        let listing: Value = reqwest::get(format!("{}/api/initiatives?limit=1000", server.base)).await.unwrap().json().await.unwrap();
        let ids: Arc<Vec<u64>> = Arc::new(listing["features"].as_array().unwrap().iter().filter_map(|f| f["id"].as_u64()).collect());
        let rss_start = server.rss_mb();
        let begin = Instant::now();
        let until = begin + Duration::from_secs(seconds);
        let tally = Arc::new(Mutex::new(Tally::default()));
        let readers: Vec<_> =
            (0..clients).map(|c| tokio::spawn(reader(server.base.clone(), ids.clone(), c, until, tally.clone()))).collect();
        let writes = tokio::spawn(writer(server.base.clone(), token, ids.clone(), until));
        tokio::time::sleep(Duration::from_secs(seconds / 2)).await;
        let rss_middle = server.rss_mb();
        for r in readers {
            r.await.unwrap();
        }
        let (written, write_failures) = writes.await.unwrap();
        let rss_end = server.rss_mb();
        let elapsed = begin.elapsed().as_secs_f64();

        let mut tally = tally.lock().unwrap();
        let served: u64 = tally.by_status.values().sum();
        println!("soak: {seconds} s, {sheets} sample sheets, {clients} readers in flight + 1 moderator editing published sheets");
        println!("requests: {served} ({:.0}/s); by status: {:?} (0 = no answer)", served as f64 / elapsed, tally.by_status);
        let mut all = vec![];
        for (kind, l) in tally.latencies.iter_mut() {
            l.sort();
            all.extend_from_slice(l);
            println!("  {kind:8} {:>7} requests  p50 {:6.2} ms  p99 {:6.2} ms", l.len(), percentile(l, 0.5), percentile(l, 0.99));
        }
        all.sort();
        println!("  all      {:>7} requests  p50 {:6.2} ms  p99 {:6.2} ms", all.len(), percentile(&all, 0.5), percentile(&all, 0.99));
        println!("writes: {written} edits published ({:.1}/s), {write_failures} failed", written as f64 / elapsed);
        println!("server RSS: start {rss_start:.0} MB, middle {rss_middle:.0} MB, end {rss_end:.0} MB");
        let errors: u64 = tally.by_status.iter().filter(|(s, _)| !matches!(s, 200 | 204 | 304)).map(|(_, n)| n).sum();
        let drift = (rss_end - rss_middle) / rss_middle.max(1.0);
        println!(
            "verdict: {} errors, {} write failures, RSS end vs middle {:+.1} % → {}",
            errors,
            write_failures,
            drift * 100.0,
            if errors == 0 && write_failures == 0 && drift.abs() <= 0.10 { "holds" } else { "DOES NOT HOLD" }
        );
    });
}
