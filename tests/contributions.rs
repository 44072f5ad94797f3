//! The write API on both backends, as an authority and a moderator use it: proposals that stay
//! private until published, rejections with a reason, trusted authorities, versions that
//! prevent lost updates, archives, the history, and bodies that must be refused whole.

mod common;

use atlaas::model::Role;
use common::mvt::{decode, tile_of, uint};
use common::{Answer, Call, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

const MARCK: &str = "62548";
/// Marck's town hall, where a place found by "62730 Marck" lands.
const MARCK_HALL: (f64, f64) = (1.955739, 50.949117);

fn sheet(title: &str) -> Value {
    json!({
        "title": title,
        "summary": "Les habitants proposent et votent des projets.",
        "services": ["1.a.1.1"],
        "places": [{"postal_code": "62730", "commune": "Marck", "label": "Mairie"}],
    })
}

async fn spawn(backend: &str) -> TestApp {
    match backend {
        "sqlite" => TestApp::spawn_with(None).await,
        _ => TestApp::spawn_on_postgres(None).await,
    }
}

async fn create(app: &TestApp, token: &str, body: Value) -> Answer {
    app.call(Call::new(Method::POST, "/api/initiatives").token(token).json(body)).await
}

/// Whether the public sees sheet `id` with this title: the sheet itself, the listing, nearby
/// and the tile at Marck.
async fn public_title(app: &TestApp, id: i64) -> Option<String> {
    let (status, one) = app.get(&format!("/api/initiatives/{id}")).await;
    let listed = common::all_pages(app, "/api/initiatives").await.iter().any(|f| f["id"] == id);
    let near = app.ok(&format!("/api/nearby?lon={}&lat={}&limit=50", MARCK_HALL.0, MARCK_HALL.1)).await;
    let nearby = near["features"].as_array().unwrap().iter().any(|f| f["id"] == id);
    let (x, y) = tile_of(15, MARCK_HALL.0, MARCK_HALL.1);
    let (_, _, bytes) = app.get_bytes(&format!("/tiles/15/{x}/{y}.mvt"), &[]).await;
    let in_tile = decode(&bytes).layer("initiatives").iter().any(|f| uint(f, "id") == Some(id as u64));
    let seen = [status == 200, listed, nearby, in_tile];
    assert!(seen.iter().all(|&s| s == seen[0]), "every public read agrees on sheet {id}: {seen:?}");
    (status == 200).then(|| one["properties"]["title"].as_str().unwrap().to_owned())
}

common::on_both_backends!(
    a_proposal_stays_private_until_a_moderator_publishes_it,
    a_rejection_comes_with_a_reason_and_editing_proposes_again,
    a_trusted_authority_publishes_directly,
    a_change_made_from_an_old_version_is_refused,
    archiving_takes_a_sheet_out_of_every_public_read,
    bad_bodies_are_refused_whole_with_every_problem_named,
    the_history_is_append_only,
);

async fn a_proposal_stays_private_until_a_moderator_publishes_it(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let moderator = app.token(Role::Moderator, None).await;

    let made = create(&app, &marck, sheet("Budget participatif")).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    assert_eq!((made.body["state"].as_str(), made.etag), (Some("proposed"), Some(1)));
    let place = &made.body["places"][0];
    assert_eq!(
        (place["commune"].as_str(), place["method"].as_str(), place["precision"].as_str()),
        (Some(MARCK), Some("postal_code_name"), Some("commune"))
    );
    assert_eq!(place["coordinates"], json!([MARCK_HALL.0, MARCK_HALL.1]));
    assert_eq!(public_title(&app, id).await, None, "a proposal is not public");

    let queue = app.call(Call::new(Method::GET, "/api/moderation").token(&moderator)).await;
    assert_eq!(queue.status, 200);
    let proposals = queue.body["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 1);
    assert_eq!(proposals[0]["authority"]["name"], "Marck");
    assert_eq!(proposals[0]["published"], Value::Null);
    let by_dep = app.call(Call::new(Method::GET, "/api/moderation?departement=71").token(&moderator)).await;
    assert_eq!(by_dep.body["proposals"].as_array().unwrap().len(), 0, "Marck is in the Pas-de-Calais");

    let published = app.call(Call::new(Method::POST, format!("/api/initiatives/{id}/publish")).token(&moderator).if_match(1)).await;
    assert_eq!((published.status, published.body["state"].as_str()), (200, Some("published")), "{}", published.body);
    assert_eq!(public_title(&app, id).await.as_deref(), Some("Budget participatif"));

    // An edit of a published sheet is a proposal: the published version stays public.
    let version = published.etag.unwrap();
    let patch = json!({"title": "Budget participatif 2026", "website": "www.ville-marck.fr"});
    let edited = app.call(Call::new(Method::PATCH, format!("/api/initiatives/{id}")).token(&marck).if_match(version).json(patch)).await;
    assert_eq!((edited.status, edited.body["state"].as_str()), (200, Some("proposed")), "{}", edited.body);
    assert_eq!(edited.body["content"]["website"], "https://www.ville-marck.fr");
    assert_eq!(public_title(&app, id).await.as_deref(), Some("Budget participatif"));
    let queue = app.call(Call::new(Method::GET, "/api/moderation").token(&moderator)).await;
    assert_eq!(queue.body["proposals"][0]["changed_fields"], json!(["title", "website"]));

    let published = app.call(Call::new(Method::POST, format!("/api/initiatives/{id}/publish")).token(&moderator)).await;
    assert_eq!(published.status, 200);
    assert_eq!(public_title(&app, id).await.as_deref(), Some("Budget participatif 2026"));

    // Everyone sees the published versions; the authority sees every step, and who made it.
    let public = app.ok(&format!("/api/initiatives/{id}/history")).await;
    let actions: Vec<&str> = public["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["published", "published"]);
    assert!(public["entries"][0].get("actor").is_none(), "the public does not see who");
    assert_eq!(public["entries"][1]["changes"]["title"], json!(["Budget participatif", "Budget participatif 2026"]));
    let whole = app.call(Call::new(Method::GET, format!("/api/initiatives/{id}/history")).token(&marck)).await;
    let actions: Vec<&str> = whole.body["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["proposed", "published", "proposed", "published"]);
    assert!(whole.body["entries"][0]["actor"].as_str().unwrap().starts_with("token:"));
    assert!(!whole.body.to_string().contains(&marck[12..]), "no secret in the history");
}

async fn a_rejection_comes_with_a_reason_and_editing_proposes_again(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let moderator = app.token(Role::Moderator, None).await;
    let id = create(&app, &marck, sheet("Tablettes")).await.body["id"].as_i64().unwrap();

    let reject = |body: Value| Call::new(Method::POST, format!("/api/initiatives/{id}/reject")).token(&moderator).json(body);
    let empty = app.call(reject(json!({"reason": "  "}))).await;
    assert_eq!((empty.status, empty.body["fields"][0]["field"].as_str()), (422, Some("reason")));
    let rejected = app.call(reject(json!({"reason": "Précisez l'école concernée."}))).await;
    assert_eq!((rejected.status, rejected.body["state"].as_str()), (200, Some("rejected")), "{}", rejected.body);
    let again = app.call(reject(json!({"reason": "encore"}))).await;
    assert_eq!(again.status, 409, "only a proposal can be rejected: {}", again.body);

    let seen = app.call(Call::new(Method::GET, format!("/api/initiatives/{id}/revision")).token(&marck)).await;
    assert_eq!(seen.body["review"]["reason"], "Précisez l'école concernée.");
    let version = seen.etag.unwrap();

    // Saved as a draft first, then submitted.
    let patch = json!({"summary": "École Jean-Jaurès"});
    let draft =
        app.call(Call::new(Method::PATCH, format!("/api/initiatives/{id}?draft=true")).token(&marck).if_match(version).json(patch)).await;
    assert_eq!(draft.body["state"], "draft", "{}", draft.body);
    let submitted =
        app.call(Call::new(Method::POST, format!("/api/initiatives/{id}/submit")).token(&marck).if_match(draft.etag.unwrap())).await;
    assert_eq!(submitted.body["state"], "proposed");
    assert_eq!(submitted.body["review"]["reason"], Value::Null);
    assert_eq!(public_title(&app, id).await, None);

    // The authority's own list: every sheet, whatever its state.
    let published =
        app.call(Call::new(Method::POST, format!("/api/initiatives?authority={MARCK}")).token(&moderator).json(sheet("Fibre"))).await;
    assert_eq!(published.status, 201);
    let listed = app.call(Call::new(Method::GET, format!("/api/authorities/{MARCK}/initiatives")).token(&marck)).await;
    let states: Vec<(&str, &str)> = listed.body["initiatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["title"].as_str().unwrap(), s["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("Tablettes", "proposed"), ("Fibre", "published")]);
    let paged = app.call(Call::new(Method::GET, format!("/api/authorities/{MARCK}/initiatives?limit=1")).token(&marck)).await;
    assert_eq!(paged.body["next_after"], id);
}

async fn a_trusted_authority_publishes_directly(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    assert!(app.state.store.set_trusted(MARCK, true).await.unwrap());
    let made = create(&app, &marck, sheet("Portail des démarches")).await;
    assert_eq!((made.status, made.body["state"].as_str()), (201, Some("published")));
    let id = made.body["id"].as_i64().unwrap();
    assert_eq!(public_title(&app, id).await.as_deref(), Some("Portail des démarches"));
    let edited = app
        .call(
            Call::new(Method::PATCH, format!("/api/initiatives/{id}"))
                .token(&marck)
                .if_match(made.etag.unwrap())
                .json(json!({"title": "Démarches en ligne"})),
        )
        .await;
    assert_eq!(edited.body["state"], "published");
    assert_eq!(public_title(&app, id).await.as_deref(), Some("Démarches en ligne"));
}

async fn a_change_made_from_an_old_version_is_refused(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let made = create(&app, &marck, sheet("Wifi public")).await;
    let (id, v1) = (made.body["id"].as_i64().unwrap(), made.etag.unwrap());
    let patch = |v: Option<i64>, title: &str| {
        let call = Call::new(Method::PATCH, format!("/api/initiatives/{id}")).token(&marck).json(json!({ "title": title }));
        match v {
            Some(v) => call.if_match(v),
            None => call,
        }
    };
    let first = app.call(patch(Some(v1), "Wifi public gratuit")).await;
    assert_eq!((first.status, first.etag), (200, Some(v1 + 1)));
    let second = app.call(patch(Some(v1), "Wifi dans les parcs")).await;
    assert_eq!((second.status, second.body["error"].as_str()), (412, Some("precondition_failed")), "{}", second.body);
    let missing = app.call(patch(None, "Wifi")).await;
    assert_eq!(missing.status, 428);
    let mut garbage = patch(None, "Wifi");
    garbage.path.push_str("?draft=maybe");
    assert_eq!(app.call(garbage).await.status, 400);
    let seen = app.call(Call::new(Method::GET, format!("/api/initiatives/{id}/revision")).token(&marck)).await;
    assert_eq!(seen.body["content"]["title"], "Wifi public gratuit", "the second writer lost nothing of the first");
}

async fn archiving_takes_a_sheet_out_of_every_public_read(backend: &str) {
    let app = spawn(backend).await;
    let moderator = app.token(Role::Moderator, None).await;
    let made =
        app.call(Call::new(Method::POST, format!("/api/initiatives?authority={MARCK}")).token(&moderator).json(sheet("Open data"))).await;
    assert_eq!((made.status, made.body["state"].as_str()), (201, Some("published")), "{}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    assert!(public_title(&app, id).await.is_some());
    let delete = || Call::new(Method::DELETE, format!("/api/initiatives/{id}")).token(&moderator);
    assert_eq!(app.call(delete()).await.status, 428, "archiving too says which version it saw");
    let archived = app.call(delete().if_match(made.etag.unwrap())).await;
    assert_eq!((archived.status, archived.body["state"].as_str()), (200, Some("archived")));
    assert_eq!(public_title(&app, id).await, None);
    let again = app.call(delete().if_match(archived.etag.unwrap())).await;
    assert_eq!((again.status, again.etag), (200, archived.etag), "archiving twice changes nothing");
    assert!(app.state.store.editable(id).await.unwrap().is_some(), "nothing is deleted");
    let (status, _) = app.get(&format!("/api/initiatives/{id}/history")).await;
    assert_eq!(status, 404, "an archived sheet's history is not public");
}

async fn bad_bodies_are_refused_whole_with_every_problem_named(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let mut body = sheet("Budget participatif");
    body["status"] = json!("published");
    body["authority"] = json!("75056");
    body["id"] = json!(1);
    body["places"] = json!([{"commune": "Marcq"}, {"lon": 200.0, "lat": 95.0}]);
    let refused = create(&app, &marck, body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let mut fields: Vec<&str> = refused.body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["authority", "id", "places[0].commune", "places[1].lat", "status"]);
    assert!(refused.body["fields"].as_array().unwrap().iter().any(|f| f["candidates"].is_array()), "candidates help: {}", refused.body);
    assert_eq!(app.state.store.count_initiatives().await.unwrap(), 0, "nothing written");
    let moderator = app.token(Role::Moderator, None).await;
    let for_gueugnon = Call::new(Method::POST, "/api/initiatives?authority=71230").token(&moderator).json(json!({"title": ""}));
    assert_eq!(app.call(for_gueugnon).await.status, 422);
    assert!(app.state.store.authority("71230").await.unwrap().is_none(), "not even the authority was added");

    let raw = |content_type: &str, body: Vec<u8>| {
        app.client
            .post(format!("{}/api/initiatives", app.base))
            .bearer_auth(&marck)
            .header("content-type", content_type.to_owned())
            .body(body)
    };
    let res = raw("text/plain", b"{}".to_vec()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
    let res = raw("application/json", b"{\"title\": ".to_vec()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("not valid JSON"));
    // Two MiB sent in chunks, without a Content-Length: refused as it is read.
    let (status, answer) = post_chunked(&app, &marck, 2 * 1024 * 1024).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    assert_eq!(app.state.store.count_initiatives().await.unwrap(), 0);
}

/// POSTs `n` spaces to /api/initiatives with `Transfer-Encoding: chunked`, by hand on a
/// socket (a client library would announce the length); returns the status and the answer.
async fn post_chunked(app: &TestApp, token: &str, n: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let token = token.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let head = format!(
            "POST /api/initiatives HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        s.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..n / chunk.len() {
            // The server may answer and close before the end: that is the point.
            let sent = s
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|()| s.write_all(&chunk))
                .and_then(|()| s.write_all(b"\r\n"));
            if sent.is_err() {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        let status = answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, answer)
    })
    .await
    .unwrap()
}

async fn the_history_is_append_only(backend: &str) {
    let app = spawn(backend).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    create(&app, &marck, sheet("Budget participatif")).await;
    let attempts = ["UPDATE history SET actor = 'someone else'", "DELETE FROM history"];
    for sql in attempts {
        let refused = if backend == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.is_err()
        } else {
            let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.is_err()
        };
        assert!(refused, "{sql} must fail");
    }
    let id = app.state.store.initiatives_of_source("api").await.unwrap()[0].id;
    let entries = app.state.store.history(id).await.unwrap();
    assert_eq!((entries.len(), entries[0].actor.starts_with("token:")), (1, true));
}

#[tokio::test]
async fn writes_are_rate_limited_and_refused_from_other_sites_pages() {
    let app = TestApp::spawn_with(None).await;
    let marck = app.token(Role::Contributor, Some(MARCK)).await;
    let other = app.token(Role::Contributor, Some("71230")).await;
    let writes = atlaas::http::guard::WritePolicy { per_minute: 2, sign_ins: 0, trusted_proxies: vec!["127.0.0.1".parse().unwrap()] };
    let base = app.with_limits(atlaas::http::Limits { writes, ..Default::default() }).await;
    let post = |token: &str, forwarded: &str| {
        app.client
            .post(format!("{base}/api/initiatives"))
            .bearer_auth(token)
            .header("x-forwarded-for", forwarded.to_owned())
            .json(&sheet("Médiathèque"))
    };
    for _ in 0..2 {
        assert_eq!(post(&marck, "203.0.113.7").send().await.unwrap().status().as_u16(), 201);
    }
    let refused = post(&marck, "203.0.113.7").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 429);
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "too_many_requests");
    // Another credential from another client is not held back by the first one's rate.
    assert_eq!(post(&other, "198.51.100.4").send().await.unwrap().status().as_u16(), 201);
    // The client address behind the trusted proxy counts: 8 writes from 198.51.100.9 at most.
    let tokens: Vec<String> = tokens_of_communes(&app, 5).await;
    let statuses: Vec<u16> = {
        let mut out = vec![];
        for t in &tokens {
            for _ in 0..2 {
                out.push(post(t, "198.51.100.9").send().await.unwrap().status().as_u16());
            }
        }
        out
    };
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 8, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 2, "{statuses:?}");

    // A page of another site may read, never write.
    let (_, headers, _) = app.get_bytes("/api/initiatives?limit=1", &[("origin", "https://example.org")]).await;
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(headers.get("access-control-allow-credentials").is_none());
    let from_elsewhere = app
        .client
        .post(format!("{}/api/initiatives", app.base))
        .bearer_auth(&marck)
        .header("origin", "https://example.org")
        .json(&sheet("Forum"))
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status().as_u16(), 403);
    let host = app.base.trim_start_matches("http://").to_owned();
    let from_here = app
        .client
        .post(format!("{}/api/initiatives", app.base))
        .bearer_auth(&marck)
        .header("origin", format!("http://{host}"))
        .json(&sheet("Forum"));
    assert_eq!(from_here.send().await.unwrap().status().as_u16(), 201, "our own pages may write");
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}/api/initiatives/1", app.base))
        .header("origin", "https://example.org")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    let allowed = preflight.headers().get("access-control-allow-methods").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(!allowed.contains("PATCH"), "browsers of other sites are not allowed to write: {allowed:?}");
}

/// `n` contributor tokens of as many communes around Marck.
async fn tokens_of_communes(app: &TestApp, n: usize) -> Vec<String> {
    let mut out = vec![];
    for code in ["62108", "62160", "62193", "62548", "62893"].into_iter().take(n) {
        out.push(app.token(Role::Contributor, Some(code)).await);
    }
    out
}
