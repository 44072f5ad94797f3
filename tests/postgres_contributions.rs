//! Contributions across replicas on one PostGIS database: a publication on one server reaches
//! the other's reads and tiles, a revocation and a sign-out hold on both at once, and a change made by hand
//! with SQL is in the history and outdates the versions that API clients hold.

mod common;

use std::time::{Duration, Instant};

use atlaas::model::Role;
use common::mvt::{decode, tile_of, uint};
use common::{Call, TestApp};
use reqwest::Method;
use serde_json::json;

const MARCK: &str = "62548";
const MARCK_HALL: (f64, f64) = (1.955739, 50.949117);

async fn in_tile(app: &TestApp, id: i64) -> bool {
    let (x, y) = tile_of(14, MARCK_HALL.0, MARCK_HALL.1);
    let (_, _, bytes) = app.get_bytes(&format!("/tiles/14/{x}/{y}.mvt"), &[]).await;
    decode(&bytes).layer("initiatives").iter().any(|f| uint(f, "id") == Some(id as u64))
}

/// Waits until `check` holds (20 ms polls, 10 s at most) and says how long it took.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(10), "{what}: not seen within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn a_publication_and_a_revocation_reach_every_replica() {
    let one = TestApp::spawn_on_postgres(None).await;
    let other = TestApp::spawn_on_url(&one.database_url, None).await;
    let marck = one.token(Role::Contributor, Some(MARCK)).await;
    let moderator = one.token(Role::Moderator, None).await;

    let body =
        json!({"title": "Conseil municipal en vidéo", "services": ["1.a.1.1"], "places": [{"postal_code": "62730", "commune": "Marck"}]});
    let made = one.call(Call::new(Method::POST, "/api/initiatives").token(&marck).json(body)).await;
    let id = made.body["id"].as_i64().unwrap();
    assert!(!in_tile(&other, id).await, "a proposal is drawn nowhere");
    // The other replica's tile is now cached: the publication must drop it there too.
    let published = other.call(Call::new(Method::POST, format!("/api/initiatives/{id}/publish")).token(&moderator).if_match(1)).await;
    assert_eq!(published.status, 200, "{}", published.body);
    let seen = eventually("the publication on the first server", async || in_tile(&one, id).await).await;
    println!("published on one replica, drawn by the other after {seen:?}");
    assert!(in_tile(&other, id).await, "the publishing server draws it at once");

    // A revocation through one server holds on the other from the next request on.
    let me = || Call::new(Method::GET, "/api/me").token(&marck);
    assert_eq!(other.call(me()).await.status, 200);
    let listed = one.state.store.tokens().await.unwrap();
    let marck_token = listed.iter().find(|t| marck.starts_with(&t.prefix)).unwrap();
    assert!(one.state.store.revoke_token(marck_token.id).await.unwrap());
    assert_eq!(other.call(me()).await.status, 401);
    let refused =
        other.call(Call::new(Method::PATCH, format!("/api/initiatives/{id}")).token(&marck).if_match(2).json(json!({"title": "x"}))).await;
    assert_eq!(refused.status, 401);

    // A session opened on one server is honoured by the other, and signing out on the other
    // ends it on both.
    let (cookie, _) = one.signed_in("numerique@mairie-marck.fr", Role::Contributor, Some(MARCK), "le phare de Walde à marée basse").await;
    let me = || Call::new(Method::GET, "/api/me").session(&cookie, None);
    assert_eq!(other.call(me()).await.status, 200);
    let out = other.call(Call::new(Method::DELETE, "/api/session").session(&cookie, None)).await;
    assert_eq!(out.body["signed_out"], true);
    assert_eq!((one.call(me()).await.status, other.call(me()).await.status), (401, 401));
}

#[tokio::test]
async fn a_change_made_with_sql_is_in_the_history_and_outdates_the_version() {
    let app = TestApp::spawn_on_postgres(None).await;
    let moderator = app.token(Role::Moderator, None).await;
    let body = json!({"title": "Fibre optique", "services": ["1.a.1.1"], "places": [{"insee": MARCK}]});
    let made = app.call(Call::new(Method::POST, format!("/api/initiatives?authority={MARCK}")).token(&moderator).json(body)).await;
    let (id, version) = (made.body["id"].as_i64().unwrap(), made.etag.unwrap());

    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE initiatives SET title = 'Fibre optique partout' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    sqlx::query("UPDATE places SET label = 'Mairie' WHERE initiative = $1").bind(id).execute(&pool).await.unwrap();

    let entries = app.state.store.history(id).await.unwrap();
    let by_hand: Vec<_> = entries.iter().filter(|e| e.channel == atlaas::model::contribution::Channel::Sql).collect();
    assert_eq!(by_hand.len(), 2, "{entries:?}");
    assert_eq!(by_hand[0].changes["title"], json!(["Fibre optique", "Fibre optique partout"]));
    assert!(by_hand[0].actor.starts_with("sql:"), "the database role: {}", by_hand[0].actor);
    assert!(by_hand[1].changes["places"][1]["label"] == "Mairie", "{:?}", by_hand[1].changes);
    assert!(entries.iter().all(|e| e.channel != atlaas::model::contribution::Channel::Sql || e.public));

    // The API client that read the sheet before cannot overwrite the change made by hand.
    let stale = app
        .call(Call::new(Method::PATCH, format!("/api/initiatives/{id}")).token(&moderator).if_match(version).json(json!({"summary": "…"})))
        .await;
    assert_eq!(stale.status, 412, "{}", stale.body);
    let current = app.state.store.editable(id).await.unwrap().unwrap();
    assert_eq!(current.sheet.version, version + 2, "each change by hand bumped the version");
}
