//! PostgreSQL taken away under load: a release server reading from PostGIS (`--reads postgis`,
//! so that listings and nearby need the database; tiles and related come from the index) runs
//! a mixed load; after a few seconds the database is stopped (`pg_ctl stop -m fast`), stays
//! down a few seconds, and is started again. Reports the answers by status and route kind,
//! second by second, and how long after the database was back each kind answered 200 again.
//!
//! `cargo bench --bench pg_restart` (15 clients, each asking for one kind; as root or the owner of a PostgreSQL 15 + PostGIS
//! install: it starts its own throw-away cluster with `scripts/postgres`). What it checks, and
//! prints as a verdict: no answer but 200 and 503 (a 503 when the database is needed and gone,
//! never a 500 nor a hang past the time limit), and every kind back to 200 within 5 s of the
//! database.

mod server;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use server::Server;

const CLIENTS: usize = 15;
const DOWN_AT: Duration = Duration::from_secs(6);
const DOWN_FOR: Duration = Duration::from_secs(5);
const TOTAL: Duration = Duration::from_secs(20);

fn postgres(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres");
    let out = Command::new(script).args(args).output().expect("scripts/postgres runs");
    assert!(out.status.success(), "scripts/postgres {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// (seconds since the start, kind, status: 0 when no answer came)
type Answer = (f64, &'static str, u16);

fn path(kind: &'static str, n: usize, ids: &[u64]) -> String {
    let (lon, lat) = (-4.0 + (n * 37 % 110) as f64 / 10.0, 43.0 + (n * 53 % 70) as f64 / 10.0);
    match kind {
        "listing" => format!("/api/initiatives?bbox={lon:.2},{lat:.2},{:.2},{:.2}", lon + 0.5, lat + 0.3),
        "nearby" => format!("/api/nearby?lon={lon:.3}&lat={lat:.3}&limit=10"),
        "sheet" => format!("/api/initiatives/{}", ids[n % ids.len()]),
        "tile" => format!("/tiles/9/{}/{}.mvt", 250 + n % 20, 170 + n % 20),
        _ => "/health".to_owned(),
    }
}

const KINDS: [&str; 5] = ["listing", "nearby", "sheet", "tile", "health"];

/// One client asks for one kind only, so that a kind waiting for the database holds up no other.
async fn client(base: String, c: usize, ids: Arc<Vec<u64>>, start: Instant, answers: Arc<Mutex<Vec<Answer>>>) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
    let mut mine = vec![];
    let mut n = c * 1000;
    while start.elapsed() < TOTAL {
        n += 1;
        let kind = KINDS[c % KINDS.len()];
        let status = match http.get(format!("{base}{}", path(kind, n, &ids))).send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                status
            }
            Err(_) => 0,
        };
        mine.push((start.elapsed().as_secs_f64(), kind, status));
    }
    answers.lock().unwrap().extend(mine);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let env = postgres(&["start"]);
    let var = |name: &str| {
        env.lines().find_map(|l| l.strip_prefix(&format!("export {name}="))).unwrap_or_else(|| panic!("{name} in {env}")).to_owned()
    };
    let (dir, admin) = (var("ATLAAS_PG_DIR"), var("ATLAAS_TEST_POSTGRES_URL"));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let server = Server::start(&admin, &["--sample-count", "12000", "--reads", "postgis"]).await;
        let listing: serde_json::Value =
            reqwest::get(format!("{}/api/initiatives?limit=1000", server.base)).await.unwrap().json().await.unwrap();
        let ids: Arc<Vec<u64>> = Arc::new(listing["features"].as_array().unwrap().iter().filter_map(|f| f["id"].as_u64()).collect());
        let start = Instant::now();
        let answers = Arc::new(Mutex::new(vec![]));
        let clients: Vec<_> =
            (0..CLIENTS).map(|c| tokio::spawn(client(server.base.clone(), c, ids.clone(), start, answers.clone()))).collect();
        tokio::time::sleep(DOWN_AT).await;
        let stopping = start.elapsed().as_secs_f64();
        postgres(&["pause", &dir]);
        let down = start.elapsed().as_secs_f64();
        tokio::time::sleep(DOWN_FOR).await;
        postgres(&["resume", &dir]);
        let back = start.elapsed().as_secs_f64();
        for c in clients {
            c.await.unwrap();
        }
        report(&answers.lock().unwrap(), stopping, down, back);
        println!("server RSS at the end: {:.0} MB", server.rss_mb());
    });
    postgres(&["stop", &dir]);
}

fn report(answers: &[Answer], stopping: f64, down: f64, back: f64) {
    println!("PostgreSQL taken away under load: {CLIENTS} clients, 12,000 sample sheets, --reads postgis");
    println!("database stopping at {stopping:.1} s, down at {down:.1} s, accepting connections again at {back:.1} s");
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    for a in answers {
        *by_status.entry(a.2).or_default() += 1;
    }
    println!("answers: {} in all; by status: {by_status:?} (0 = no answer)", answers.len());
    println!("second  {}", KINDS.map(|k| format!("{k:>20}")).join(""));
    let last = answers.iter().map(|a| a.0 as usize).max().unwrap_or(0);
    for s in 0..=last {
        let cells = KINDS.map(|kind| {
            let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
            for a in answers.iter().filter(|a| a.0 as usize == s && a.1 == kind) {
                *counts.entry(a.2).or_default() += 1;
            }
            let text: Vec<String> = counts.iter().map(|(st, n)| format!("{st}×{n}")).collect();
            format!("{:>20}", text.join(" "))
        });
        println!("{s:>6}  {}", cells.join(""));
    }
    let mut recovered = true;
    for kind in KINDS {
        // The last answer other than 200 of this kind, and how long after the database was back.
        let last_failure = answers.iter().filter(|a| a.1 == kind && a.2 != 200).map(|a| a.0).fold(f64::NAN, f64::max);
        let after = if last_failure.is_nan() { 0.0 } else { (last_failure - back).max(0.0) };
        recovered &= after <= 5.0;
        println!(
            "{kind:>8}: {}",
            if last_failure.is_nan() { "200 throughout".to_owned() } else { format!("200 again {after:.2} s after the database") }
        );
    }
    let bad = answers.iter().filter(|a| a.2 != 200 && a.2 != 503).count();
    println!(
        "verdict: {bad} answers other than 200/503, every kind back within 5 s: {recovered} → {}",
        if bad == 0 && recovered { "holds" } else { "DOES NOT HOLD" }
    );
}
