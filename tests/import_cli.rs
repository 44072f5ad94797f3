//! `atlaas import` as a person runs it: reports, exit status, and a crash at any moment, which
//! must leave the SQLite store exactly as before the import or exactly as after it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use sqlx::{Connection, SqliteConnection};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn atlaas(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atlaas"));
    c.env("ATLAAS_DATA_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/data"))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    atlaas(db).args(args).output().expect("the atlaas binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_command_reports_and_fails_on_a_refused_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let fixture = format!("{FIXTURES}/initiatives-excel.csv");

    let first = run(&db, &["import", &fixture, "--report", "json"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("--report json prints JSON");
    assert_eq!((report["created"].as_u64(), report["written"].as_bool()), (Some(10), Some(true)));
    assert_eq!(report["source"], "initiatives-excel.csv", "the file name is the default source");

    let again = run(&db, &["import", &fixture]);
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("unchanged 10"), "{}", text(&again.stderr));

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, std::fs::read_to_string(format!("{FIXTURES}/initiatives.csv")).unwrap().replace("20000,Ajaccio", ",Nulle-Part"))
        .unwrap();
    let bad = bad.to_str().unwrap();
    for args in [vec!["import", bad], vec!["import", bad, "--dry-run"]] {
        let refused = run(&db, &args);
        assert_eq!(refused.status.code(), Some(1), "{args:?}");
        assert!(text(&refused.stderr).contains("row 6 (line 7), column \"commune\""), "{}", text(&refused.stderr));
    }
    let skipped = run(&db, &["import", bad, "--skip-invalid"]);
    assert!(skipped.status.success() && text(&skipped.stderr).contains("created 9"), "{}", text(&skipped.stderr));

    let missing = run(&db, &["import", "/nonexistent.csv"]);
    assert!(!missing.status.success() && text(&missing.stderr).contains("/nonexistent.csv"));
    let unknown = run(&db, &["import", &fixture, "--format", "xls"]);
    assert!(!unknown.status.success() && text(&unknown.stderr).contains("csv, geojson, json, mednum"));
}

/// Standard input has the same 1 GB limit as a file, counted as it is read.
#[test]
fn standard_input_over_a_gigabyte_is_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let mut child = atlaas(&db)
        .args(["import", "-", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        // 1 GiB and one more MiB; the importer may stop reading (and close the pipe) first.
        for _ in 0..1025 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("standard input is over 1 GB"), "{}", text(&out.stderr));
}

async fn state(db: &Path) -> (String, i64, i64) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    let sheets: i64 = sqlx::query_scalar("SELECT count(*) FROM initiatives").fetch_one(&mut conn).await.unwrap();
    let places: i64 = sqlx::query_scalar("SELECT count(*) FROM places").fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    (check, sheets, places)
}

/// Copies a closed SQLite database (checkpointed: no WAL to carry).
fn copy_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(PathBuf::from(format!("{}{suffix}", to.display())));
    }
    std::fs::copy(from, to).unwrap();
}

#[tokio::test]
async fn an_import_killed_at_any_moment_leaves_the_store_before_or_after() {
    const KILLS: usize = 36;
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.db");
    let (base_csv, file_csv) = (dir.path().join("base.csv"), dir.path().join("file.csv"));
    for (seed, count, out) in [("1", "300", &base_csv), ("2", "4000", &file_csv)] {
        let made = run(&base, &["sample", "--seed", seed, "--count", count, "--out", out.to_str().unwrap()]);
        assert!(made.status.success(), "{}", text(&made.stderr));
    }
    assert!(run(&base, &["import", base_csv.to_str().unwrap()]).status.success());
    {
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}", base.display())).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let before = state(&base).await;
    assert_eq!((before.0.as_str(), before.1), ("ok", 300));

    // One import run to the end gives the "after" state and how long an import takes.
    let full = dir.path().join("full.db");
    copy_db(&base, &full);
    let started = Instant::now();
    let done = run(&full, &["import", file_csv.to_str().unwrap()]);
    let duration = started.elapsed();
    assert!(done.status.success(), "{}", text(&done.stderr));
    let after = state(&full).await;
    assert_eq!((after.0.as_str(), after.1), ("ok", 4300));

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let (mut old, mut new, mut killed_running) = (0, 0, 0);
    let victim = dir.path().join("victim.db");
    for _ in 0..KILLS {
        copy_db(&base, &victim);
        let mut child = atlaas(&victim).args(["import", file_csv.to_str().unwrap()]).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(duration.mul_f64(rng.random_range(0.0..1.1)));
        if child.try_wait().unwrap().is_none() {
            killed_running += 1;
        }
        child.kill().ok();
        child.wait().unwrap();
        let now = state(&victim).await;
        assert_eq!(now.0, "ok", "integrity_check after a kill");
        if now.1 == before.1 {
            assert_eq!(now.2, before.2, "places go with their sheets");
            old += 1;
        } else {
            assert_eq!((now.1, now.2), (after.1, after.2), "a killed import wrote part of the file");
            new += 1;
        }
    }
    eprintln!("{KILLS} kills over {duration:?}: {killed_running} while running; store as before {old}, as after {new}");
    assert!(killed_running >= KILLS / 2, "most kills must land while the import runs");
    // A store left by a kill takes the same import cleanly.
    let redo = run(&victim, &["import", file_csv.to_str().unwrap()]);
    assert!(redo.status.success(), "{}", text(&redo.stderr));
    assert_eq!(state(&victim).await.1, after.1);
}

/// `--addresses`: a file's addresses land at their numbers of the Base Adresse Nationale
/// (here an extract the test writes in its format), the others at their town hall, flagged.
#[test]
fn addresses_land_at_their_numbers_with_the_address_base() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let ban = dir.path().join("ban");
    std::fs::create_dir(&ban).unwrap();
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(ban.join("adresses-62.csv.gz")).unwrap(), flate2::Compression::fast());
    writeln!(gz, "id;numero;rep;nom_voie;code_postal;code_insee;nom_commune;lon;lat").unwrap();
    writeln!(gz, "a;4;;Place d'Armes;62100;62193;Calais;1.851234;50.961234").unwrap();
    writeln!(gz, "b;7;;Rue de la Mer;62730;62548;Marck;1.951111;50.951111").unwrap();
    gz.finish().unwrap();
    let csv = dir.path().join("lieux.csv");
    std::fs::write(
        &csv,
        "titre;services;adresse;code_postal;commune\n\
         Maison France services;2.b.2.3;4 place d'Armes;62100;Calais\n\
         Fablab;2.b.2.3;7 r. de la Mer;62730;Marck\n\
         Médiathèque;2.b.2.3;1 rue Inconnue;62730;Marck\n",
    )
    .unwrap();
    let out = run(&db, &["import", csv.to_str().unwrap(), "--addresses", ban.to_str().unwrap(), "--report", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["geocoding"], serde_json::json!({"address": 2, "postal_code_name": 1}));
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!((warnings[0]["row"].as_u64(), warnings[0]["code"].as_str()), (Some(4), Some("address_not_found")));
    assert_eq!(warnings[0]["column"], "adresse");
    // Without the base, the same file lands at the town halls.
    let plain = run(&db, &["import", csv.to_str().unwrap(), "--dry-run", "--report", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(report["geocoding"], serde_json::json!({"postal_code_name": 3}));
    let missing = run(&db, &["import", csv.to_str().unwrap(), "--addresses", "/nonexistent/ban"]);
    assert!(!missing.status.success() && text(&missing.stderr).contains("/nonexistent/ban"), "{}", text(&missing.stderr));
}
