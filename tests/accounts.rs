//! People's accounts on both backends: a one-time link sets the password (stored as Argon2id),
//! signing in sets an HttpOnly, SameSite=Strict cookie, writes by cookie need the CSRF token,
//! signing out ends the session in the store, and a new password or a disabled account ends
//! every session. Sign-ins are throttled; `atlaas account` as a person runs it.

mod common;

use atlaas::auth::account::{self, AccountRequest};
use atlaas::model::Role;
use common::{Call, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

const MARCK: &str = "62548";
const EMAIL: &str = "numerique@mairie-marck.fr";
const PASSWORD: &str = "le phare de Walde à marée basse";

fn sheet(title: &str) -> Value {
    json!({"title": title, "services": ["1.a.1.1"], "places": [{"insee": MARCK}]})
}

async fn spawn(backend: &str) -> TestApp {
    match backend {
        "sqlite" => TestApp::spawn_with(None).await,
        _ => TestApp::spawn_on_postgres(None).await,
    }
}

/// Rows of one query as text, on either backend.
async fn cells(url: &str, sql: &str) -> Vec<String> {
    let rows: Vec<(String,)> = if url.starts_with("sqlite") {
        sqlx::query_as(sql).fetch_all(&sqlx::SqlitePool::connect(url).await.unwrap()).await.unwrap()
    } else {
        sqlx::query_as(sql).fetch_all(&sqlx::PgPool::connect(url).await.unwrap()).await.unwrap()
    };
    rows.into_iter().map(|(c,)| c).collect()
}

fn contributor_of_marck() -> AccountRequest {
    AccountRequest { email: format!("  {} ", EMAIL.to_uppercase()), role: Role::Contributor, authority: Some(MARCK.into()) }
}

common::on_both_backends!(a_person_sets_a_password_signs_in_writes_and_signs_out, a_new_password_or_a_disabled_account_ends_every_session);

async fn a_person_sets_a_password_signs_in_writes_and_signs_out(backend: &str) {
    let app = spawn(backend).await;
    let store = app.state.store.as_ref();
    let (made, link) = account::create(store, &app.state.gazetteer, &contributor_of_marck()).await.unwrap();
    assert_eq!((made.email.as_str(), made.authority.as_deref()), (EMAIL, Some(MARCK)), "the address is stored trimmed, in lower case");
    let link = link.expose().to_owned();
    assert!(link.starts_with("atlk_") && link.len() == 48, "{link}");
    assert_eq!(cells(&app.database_url, "SELECT hash FROM account_links").await, vec![atlaas::auth::secret::hash(&link)]);
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.unwrap_err().0, 401, "no password yet");

    // The link sets a password that follows the rules, once.
    let set = |password: &str| Call::new(Method::POST, "/api/account/password").json(json!({"link": link, "password": password}));
    assert_eq!(app.call(set("court")).await.status, 422, "a too short password spends nothing");
    assert_eq!(app.call(set(PASSWORD)).await.status, 200);
    assert_eq!(app.call(set("un autre mot de passe long")).await.status, 401, "a link is used once");
    let stored = cells(&app.database_url, "SELECT password_hash FROM accounts").await;
    assert!(stored[0].starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored:?}");
    assert!(!stored[0].contains(PASSWORD));

    // A wrong password and an unknown address get the same answer.
    let (wrong, unknown) = (app.sign_in(EMAIL, "pas le bon mot de passe").await, app.sign_in("x@ailleurs.fr", PASSWORD).await);
    assert_eq!(wrong.unwrap_err(), unknown.unwrap_err());

    // Signing in sets the cookie; the address is matched whatever its case.
    let res =
        app.client.post(format!("{}/api/session", app.base)).json(&json!({"email": "Numerique@Mairie-Marck.fr", "password": PASSWORD}));
    let res = res.send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP, no trusted proxy: {set_cookie}");
    let cookie = set_cookie.strip_prefix("atlaas_session=").unwrap().split(';').next().unwrap().to_owned();
    let csrf = res.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
    assert!(
        !cells(&app.database_url, "SELECT hash FROM sessions").await.contains(&cookie),
        "the store keeps the cookie's hash, not the cookie"
    );

    let session = app.call(Call::new(Method::GET, "/api/session").session(&cookie, None)).await;
    assert_eq!((session.body["account"]["email"].as_str(), session.body["csrf_token"].as_str()), (Some(EMAIL), Some(csrf.as_str())));
    let me = app.call(Call::new(Method::GET, "/api/me").session(&cookie, None)).await;
    assert_eq!((me.body["role"].as_str(), me.body["account"]["id"].as_i64()), (Some("contributor"), Some(made.id)));

    // A write by cookie needs the session's CSRF token: without it, or with another, nothing is written.
    let create = |csrf| Call::new(Method::POST, "/api/initiatives").session(&cookie, csrf).json(sheet("Atelier numérique"));
    assert_eq!(app.call(create(None)).await.status, 403);
    assert_eq!(app.call(create(Some("not-the-token"))).await.status, 403);
    assert!(app.state.store.initiatives_of_source("api").await.unwrap().is_empty());
    let made_sheet = app.call(create(Some(&csrf))).await;
    assert_eq!(made_sheet.status, 201, "{}", made_sheet.body);
    let id = made_sheet.body["id"].as_i64().unwrap();
    let history = app.state.store.history(id).await.unwrap();
    assert_eq!(history[0].actor, format!("account:{}", made.id), "the history names the account");

    // Signing out ends the session in the store: the same cookie, replayed, is refused.
    let out = app.call(Call::new(Method::DELETE, "/api/session").session(&cookie, None)).await;
    assert_eq!((out.status, out.body["signed_out"].as_bool()), (200, Some(true)));
    assert!(!alive(&app, &cookie).await, "the session ended");
    let replayed = app
        .call(
            Call::new(Method::PATCH, format!("/api/initiatives/{id}"))
                .session(&cookie, Some(&csrf))
                .if_match(1)
                .json(json!({"title": "x"})),
        )
        .await;
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    // A signed-out browser still reads what the public reads (and the proposal is not public).
    let public = app.call(Call::new(Method::GET, format!("/api/initiatives/{id}/history")).session(&cookie, None)).await;
    assert_eq!((public.status, public.body["error"].as_str()), (404, Some("not_found")), "{}", public.body);
}

async fn a_new_password_or_a_disabled_account_ends_every_session(backend: &str) {
    let app = spawn(backend).await;
    let store = app.state.store.as_ref();
    let (first, _) = app.signed_in(EMAIL, Role::Contributor, Some(MARCK), PASSWORD).await;
    let (second, _) = app.sign_in(EMAIL, PASSWORD).await.unwrap();
    assert!(alive(&app, &first).await && alive(&app, &second).await);

    // A forgotten password: a new link, a new password; the old sessions end, the old password fails.
    let (_, link) = account::new_link(store, EMAIL).await.unwrap();
    let new_password = "un nouveau mot de passe pour Marck";
    let set = app.call(Call::new(Method::POST, "/api/account/password").json(json!({"link": link.expose(), "password": new_password})));
    assert_eq!(set.await.status, 200);
    assert!(!alive(&app, &first).await && !alive(&app, &second).await);
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.unwrap_err().0, 401);
    let (third, _) = app.sign_in(EMAIL, new_password).await.unwrap();

    // Disabling the account ends its session at once and keeps it from signing in.
    let (account, _) = store.account_by_email(EMAIL).await.unwrap().unwrap();
    assert!(store.disable_account(account.id).await.unwrap());
    assert!(!alive(&app, &third).await);
    let refused = app.sign_in(EMAIL, new_password).await.unwrap_err();
    assert_eq!(refused.0, 401);
    assert!(refused.1["detail"].as_str().unwrap().contains("disabled"), "{}", refused.1);
    assert!(account::new_link(store, EMAIL).await.is_err(), "no link for a disabled account");
}

/// Whether a session cookie is still signed in (`GET /api/session` names its account).
async fn alive(app: &TestApp, cookie: &str) -> bool {
    let answer = app.call(Call::new(Method::GET, "/api/session").session(cookie, None)).await;
    assert_eq!(answer.status, 200, "asking is never an error");
    !answer.body["account"].is_null()
}

#[tokio::test]
async fn sign_ins_are_throttled_per_account() {
    let app = TestApp::spawn_with(None).await;
    app.signed_in(EMAIL, Role::Contributor, Some(MARCK), PASSWORD).await;
    let writes = atlaas::http::guard::WritePolicy { per_minute: 0, sign_ins: 2, trusted_proxies: vec![] };
    let base = app.with_limits(atlaas::http::Limits { writes, ..Default::default() }).await;
    let try_password =
        |password: &str| app.client.post(format!("{base}/api/session")).json(&json!({"email": EMAIL, "password": password})).send();
    assert_eq!(try_password("mauvais 1").await.unwrap().status().as_u16(), 401);
    assert_eq!(try_password("mauvais 2").await.unwrap().status().as_u16(), 401);
    // Past the allowance even the right password waits: guessing gets two tries a quarter hour.
    let held = try_password(PASSWORD).await.unwrap();
    assert_eq!(held.status().as_u16(), 429);
    let retry: u64 = held.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=450).contains(&retry), "{retry}");
    assert!(held.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn the_cookie_is_secure_when_a_trusted_proxy_says_https() {
    let app = TestApp::spawn_with(None).await;
    app.signed_in(EMAIL, Role::Contributor, Some(MARCK), PASSWORD).await;
    let writes = atlaas::http::guard::WritePolicy { per_minute: 0, sign_ins: 0, trusted_proxies: vec!["127.0.0.1".parse().unwrap()] };
    let base = app.with_limits(atlaas::http::Limits { writes, ..Default::default() }).await;
    let res = app
        .client
        .post(format!("{base}/api/session"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["set-cookie"].to_str().unwrap().ends_with("; Secure"));
}

#[tokio::test]
async fn the_command_makes_lists_links_and_disables_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let made = common::atlaas(&db, &["account", "create", "--email", EMAIL, "--role", "contributor", "--authority", MARCK]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let link = String::from_utf8(made.stdout).unwrap();
    assert!(link.trim().starts_with("http://127.0.0.1:8080/contribuer#atlk_"), "stdout holds the link alone: {link:?}");
    assert!(String::from_utf8_lossy(&made.stderr).contains("/api/account/password"), "and stderr says what to do with it");

    let again = common::atlaas(&db, &["account", "create", "--email", EMAIL, "--role", "moderator"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already an account"));
    let no_authority = common::atlaas(&db, &["account", "create", "--email", "b@marck.fr", "--role", "contributor"]);
    assert!(String::from_utf8_lossy(&no_authority.stderr).contains("needs the authority"));

    let second = common::atlaas(&db, &["account", "link", EMAIL]);
    assert!(second.status.success());
    assert_ne!(second.stdout, link.as_bytes(), "a new link each time");

    let listed = String::from_utf8(common::atlaas(&db, &["account", "list"]).stdout).unwrap();
    assert!(listed.lines().nth(1).is_some_and(|l| l.contains(EMAIL) && l.contains("contributor") && l.contains(MARCK)), "{listed}");
    assert!(!listed.contains(link.trim()));

    assert!(common::atlaas(&db, &["account", "disable", EMAIL]).status.success());
    assert!(!common::atlaas(&db, &["account", "disable", EMAIL]).status.success(), "already disabled");
    assert!(!common::atlaas(&db, &["account", "link", EMAIL]).status.success(), "no link for a disabled account");
}
