//! `POST /api/import` on both backends: the same report as the command line, a contributor's
//! file limited to its own authority and proposed to the moderators, jobs in the background
//! with their progress, and bad files and bodies refused with nothing written.

mod common;

use atlaas::import::{ImportOptions, Scope};
use atlaas::model::Role;
use common::{Call, TestApp};
use reqwest::Method;
use serde_json::Value;

const MARCK: &str = "62548";
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/initiatives.csv");

async fn spawn(backend: &str) -> TestApp {
    match backend {
        "sqlite" => TestApp::spawn_with(None).await,
        _ => TestApp::spawn_on_postgres(None).await,
    }
}

/// Sends a file; the status, `Location` and the job.
async fn send(app: &TestApp, token: &str, query: &str, bytes: Vec<u8>, extra: &[(&str, &str)]) -> (u16, Option<String>, Value) {
    let mut req = app.client.post(format!("{}/api/import{query}", app.base)).bearer_auth(token).header("content-type", "text/csv");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let res = req.body(bytes).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location, res.json().await.unwrap())
}

common::on_both_backends!(
    a_moderators_file_gets_the_command_lines_report_and_is_public,
    a_contributors_file_writes_only_its_own_sheets_as_proposals
);

async fn a_moderators_file_gets_the_command_lines_report_and_is_public(backend: &str) {
    let app = spawn(backend).await;
    let moderator = app.token(Role::Moderator, None).await;
    let bytes = std::fs::read(FIXTURE).unwrap();

    // The dry run's report is the one the import core (what `atlaas import --report json` prints) gives.
    let (status, _, job) = send(&app, &moderator, "?dry_run=true&file_name=initiatives.csv", bytes.clone(), &[]).await;
    assert_eq!((status, job["state"].as_str()), (200, Some("done")), "{job}");
    let options = ImportOptions {
        format: None,
        encoding: None,
        source: "initiatives.csv".into(),
        dry_run: true,
        skip_invalid: false,
        updated_by: "test".into(),
        file_name: "initiatives.csv".into(),
        default_year: time::OffsetDateTime::now_utc().year() as u16,
        scope: Scope::default(),
        progress: None,
        addresses: None,
    };
    let core =
        atlaas::import::import(app.state.store.as_ref(), &app.state.gazetteer, &app.state.referential, &bytes, &options).await.unwrap();
    assert_eq!(job["report"], serde_json::to_value(&core.report).unwrap());
    assert_eq!((job["report"]["created"].as_u64(), job["report"]["written"].as_bool()), (Some(10), Some(false)));
    assert!(app.state.store.initiatives_of_source("initiatives.csv").await.unwrap().is_empty(), "a dry run writes nothing");

    let (status, location, job) = send(&app, &moderator, "?file_name=initiatives.csv", bytes, &[]).await;
    assert_eq!((status, job["state"].as_str(), job["report"]["written"].as_bool()), (200, Some("done"), Some(true)), "{job}");
    assert_eq!((job["progress"]["rows_total"].as_u64(), job["report"]["rows"].as_u64()), (Some(11), Some(11)));
    let stored = app.state.store.initiatives_of_source("initiatives.csv").await.unwrap();
    assert_eq!(stored.len(), 10);
    // Public at once on this server, and the history says who imported it.
    let marck = stored.iter().find(|s| s.sheet.external_id == "marck-budget").unwrap();
    assert_eq!(app.get(&format!("/api/initiatives/{}", marck.id)).await.0, 200);
    let entry = &app.state.store.history(marck.id).await.unwrap()[0];
    assert_eq!((entry.channel.as_str(), entry.action.as_str()), ("import", "imported"));
    assert!(entry.actor.starts_with("token:"), "{}", entry.actor);
    // The job stays readable: by whoever started it and by moderators, not by a town.
    let location = location.unwrap();
    assert_eq!(app.call(Call::new(Method::GET, &location).token(&moderator)).await.body, job);
    let town = app.token(Role::Contributor, Some(MARCK)).await;
    assert_eq!(app.call(Call::new(Method::GET, &location).token(&town)).await.status, 404);
    assert_eq!(app.call(Call::new(Method::GET, &location)).await.status, 401);
}

async fn a_contributors_file_writes_only_its_own_sheets_as_proposals(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let bytes = std::fs::read(FIXTURE).unwrap();

    // The fixture holds sheets of ten authorities: the other nine are errors, and nothing is written.
    let (status, _, job) = send(&app, &marck, "", bytes.clone(), &[]).await;
    assert_eq!((status, job["state"].as_str()), (422, Some("refused")), "{job}");
    let errors = job["report"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 9, "{errors:?}");
    assert!(errors.iter().all(|e| e["reason"].as_str().unwrap().contains("these credentials write for 62548 only")), "{errors:?}");
    assert_eq!(app.state.store.count_initiatives().await.unwrap(), 0);

    // With skip_invalid, Marck's own sheet goes to the moderators: not public, in the queue.
    let (status, _, job) = send(&app, &marck, "?skip_invalid=true", bytes.clone(), &[]).await;
    assert_eq!((status, job["report"]["proposed"].as_bool(), job["report"]["created"].as_u64()), (200, Some(true), Some(1)), "{job}");
    assert_eq!(job["report"]["source"], "62548/import.csv", "a town's sources are its own");
    let sheet = &app.state.store.initiatives_of_source("62548/import.csv").await.unwrap()[0];
    assert_eq!(app.get(&format!("/api/initiatives/{}", sheet.id)).await.0, 404);
    let moderator = app.token(Role::Moderator, None).await;
    let queue = app.call(Call::new(Method::GET, "/api/moderation").token(&moderator)).await;
    assert_eq!(queue.body["proposals"][0]["id"].as_i64(), Some(sheet.id), "{}", queue.body);
    let published = app.call(Call::new(Method::POST, format!("/api/initiatives/{}/publish", sheet.id)).token(&moderator)).await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(app.get(&format!("/api/initiatives/{}", sheet.id)).await.0, 200);

    // Marck's edit of its published sheet is a proposal too; the public version stays meanwhile.
    let edited = String::from_utf8(bytes.clone()).unwrap().replace("Budget participatif de Marck", "Budget participatif 2027");
    let (status, _, job) = send(&app, &marck, "?skip_invalid=true", edited.into_bytes(), &[]).await;
    assert_eq!((status, job["report"]["updated"].as_u64()), (200, Some(1)), "{job}");
    let (_, public) = app.get(&format!("/api/initiatives/{}", sheet.id)).await;
    assert_eq!(public["properties"]["title"], "Budget participatif de Marck", "{public}");
    let revision = app.call(Call::new(Method::GET, format!("/api/initiatives/{}/revision", sheet.id)).token(&marck)).await;
    assert_eq!(
        (revision.body["state"].as_str(), revision.body["content"]["title"].as_str()),
        (Some("proposed"), Some("Budget participatif 2027"))
    );

    // Another town's token cannot reach Marck's sheets by naming their source and ids.
    let gueugnon = app.token(Role::Contributor, Some("71230")).await;
    let before = app.state.store.editable(sheet.id).await.unwrap();
    let (status, _, job) = send(&app, &gueugnon, "?source=import.csv&skip_invalid=true", bytes, &[]).await;
    assert_eq!((status, job["report"]["created"].as_u64()), (200, Some(0)), "{job}");
    assert_eq!(app.state.store.editable(sheet.id).await.unwrap(), before);
}

#[tokio::test]
async fn a_long_file_runs_in_the_background_with_its_progress() {
    let app = TestApp::spawn_with(None).await;
    let moderator = app.token(Role::Moderator, None).await;
    let generated = atlaas::sample::generate(&app.state.gazetteer, &app.state.referential, 3000, 11);
    let mut csv = vec![];
    atlaas::import::export::write_csv(&mut csv, &generated.initiatives, &app.state.gazetteer).unwrap();
    assert!(csv.len() > 1024 * 1024, "more than the 1 MiB of other bodies: {} bytes", csv.len());

    let (status, location, job) = send(&app, &moderator, "?file_name=communes.csv", csv, &[("prefer", "respond-async")]).await;
    assert_eq!((status, job["state"].as_str()), (202, Some("running")), "{job}");
    let location = location.unwrap();
    let mut polls = 0;
    let done = loop {
        let job = app.call(Call::new(Method::GET, &location).token(&moderator)).await.body;
        if job["state"] != "running" {
            break job;
        }
        polls += 1;
        assert!(polls < 600, "the import never ended: {job}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(done["state"], "done", "{done}");
    let rows = done["report"]["rows"].as_u64().unwrap();
    assert_eq!((done["progress"]["rows_total"].as_u64(), done["progress"]["rows_checked"].as_u64()), (Some(rows), Some(rows)));
    assert_eq!(done["report"]["created"].as_u64(), Some(3000));
    assert_eq!(app.state.store.count_initiatives().await.unwrap(), 3000);
}

#[tokio::test]
async fn bad_files_and_bodies_are_refused_and_write_nothing() {
    let app = TestApp::spawn_with(None).await;
    let moderator = app.token(Role::Moderator, None).await;
    let (status, _, job) = send(&app, &moderator, "", b"\xff\xfe\x00garbage\x00\x00".to_vec(), &[]).await;
    assert_eq!((status, job["state"].as_str()), (422, Some("refused")), "{job}");
    assert!(job["error"].as_str().is_some_and(|e| !e.is_empty()), "{job}");
    let (status, _, job) = send(&app, &moderator, "", b"titre;commune\n".to_vec(), &[]).await;
    assert_eq!((status, job["report"]["rows"].as_u64()), (200, Some(0)), "{job}");
    for (query, expected) in [("?dry_run=maybe", 400), ("?format=xlsx", 400), ("?colour=red", 400)] {
        assert_eq!(send(&app, &moderator, query, b"titre\nx\n".to_vec(), &[]).await.0, expected, "{query}");
    }
    assert_eq!(send(&app, &moderator, "", vec![], &[]).await.0, 400, "an empty body");
    let anonymous = app.client.post(format!("{}/api/import", app.base)).body("titre\nx\n").send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(app.state.store.count_initiatives().await.unwrap(), 0);

    // A body announced past 64 MiB is refused before it is read.
    let answer = announce_body(&app, &moderator, 100_000_000).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // A job a stopped server left running is reported as failed once it has been silent a minute.
    let (_, location, _) = send(&app, &moderator, "", b"titre;code_insee\nx;62548\n".to_vec(), &[]).await;
    let id = location.unwrap().rsplit('/').next().unwrap().to_owned();
    let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
    let sql = "UPDATE import_jobs SET state = 'running', updated_at = '2020-01-01T00:00:00Z' WHERE id = ?";
    sqlx::query(sql).bind(&id).execute(&pool).await.unwrap();
    let job = app.call(Call::new(Method::GET, format!("/api/imports/{id}")).token(&moderator)).await.body;
    assert_eq!(job["state"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap().contains("stopped"));
}

/// Announces a body of `n` bytes without sending it; the server's answer.
async fn announce_body(app: &TestApp, token: &str, n: usize) -> String {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let token = token.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let head = format!(
            "POST /api/import HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\n\
             Content-Length: {n}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer
    })
    .await
    .unwrap()
}
