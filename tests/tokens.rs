//! API tokens on both backends: shown once, stored only as a SHA-256, refused once revoked or
//! expired, never found by a guess; and `atlaas token` as a person runs it.

mod common;

use atlaas::auth::token::{self, IssueError, TokenRequest};
use atlaas::auth::{AuthError, Credential};
use atlaas::model::Role;
use atlaas::store;

fn contributor(authority: &str) -> TokenRequest {
    TokenRequest { role: Role::Contributor, authority: Some(authority.into()), label: "site web".into(), lifetime_days: None }
}

/// Every text cell of `api_tokens`, to check that no token is stored in clear.
async fn stored_cells(url: &str) -> Vec<String> {
    let columns = "SELECT prefix, hash, role, coalesce(authority, ''), label, created_at, coalesce(expires_at, '') FROM api_tokens";
    let rows: Vec<(String, String, String, String, String, String, String)> = if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_as(columns).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_as(columns).fetch_all(&pool).await.unwrap()
    };
    rows.into_iter().flat_map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g]).collect()
}

common::on_both_backends!(
    a_token_is_stored_as_its_hash_and_stands_for_its_role,
    revoked_expired_and_guessed_tokens_are_refused,
    a_token_must_say_what_it_may_do,
);

async fn a_token_is_stored_as_its_hash_and_stands_for_its_role(backend: &str) {
    let (_dir, url, store) = common::fresh_store(backend).await;
    let g = common::gazetteer();
    // Marck is not in the empty store yet: the token brings it from the gazetteer.
    let (secret, made) = token::issue(store.as_ref(), &g, &contributor("62548")).await.unwrap();
    let presented = secret.expose().to_owned();
    assert!(presented.starts_with("atl_") && presented.len() == 47, "{}", made.prefix);
    assert!(presented.starts_with(&made.prefix) && made.prefix.len() == 12);
    assert_eq!(store.authority("62548").await.unwrap().map(|a| a.name), Some("Marck".into()));

    let cells = stored_cells(&url).await;
    assert!(cells.contains(&token::hash(&presented)), "the SHA-256 is what is kept");
    assert!(cells.iter().all(|c| !c.contains(&presented[12..])), "no cell holds the secret part of the token");
    assert!(!format!("{secret:?} {made:?}").contains(&presented[12..]), "nor does any Debug output");

    let caller = token::authenticate(store.as_ref(), &presented).await.unwrap();
    assert_eq!(
        (caller.role, caller.authority.as_deref(), caller.credential),
        (Role::Contributor, Some("62548"), Credential::Token { id: made.id, prefix: made.prefix.clone() })
    );
    let listed = store.tokens().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some(), "a use is recorded");

    let moderator = TokenRequest { role: Role::Moderator, authority: None, label: "équipe".into(), lifetime_days: Some(90) };
    let (secret, made) = token::issue(store.as_ref(), &g, &moderator).await.unwrap();
    assert!(made.expires_at.as_deref().is_some_and(|e| e > made.created_at.as_str()), "{made:?}");
    let caller = token::authenticate(store.as_ref(), secret.expose()).await.unwrap();
    assert_eq!((caller.role, caller.authority), (Role::Moderator, None));
}

async fn revoked_expired_and_guessed_tokens_are_refused(backend: &str) {
    let (_dir, url, store) = common::fresh_store(backend).await;
    let g = common::gazetteer();
    let (secret, made) = token::issue(store.as_ref(), &g, &contributor("62548")).await.unwrap();
    let (other, _) = token::issue(store.as_ref(), &g, &contributor("71230")).await.unwrap();

    // The right shape but not a token of this store; a token with one character changed.
    let mut changed = secret.expose().to_owned();
    let last = if changed.ends_with('A') { "B" } else { "A" };
    changed.replace_range(46.., last);
    assert!(matches!(token::authenticate(store.as_ref(), &changed).await, Err(AuthError::Unknown)));
    for malformed in
        ["", "atl_", "Bearer x", &secret.expose()[..46], &format!("{}=", secret.expose()), &secret.expose().replace("atl_", "ATL_")]
    {
        assert!(matches!(token::authenticate(store.as_ref(), malformed).await, Err(AuthError::Malformed)), "{malformed:?}");
    }

    assert!(store.revoke_token(made.id).await.unwrap());
    assert!(!store.revoke_token(made.id).await.unwrap(), "revoked once");
    assert!(!store.revoke_token(9_999).await.unwrap(), "no such token");
    assert!(matches!(token::authenticate(store.as_ref(), secret.expose()).await, Err(AuthError::Revoked)));
    assert!(token::authenticate(store.as_ref(), other.expose()).await.is_ok(), "revoking one leaves the others");

    // A token whose expiry has passed (set by hand, as an operator with SQL could).
    let (old, old_made) = token::issue(store.as_ref(), &g, &TokenRequest { lifetime_days: Some(1), ..contributor("62548") }).await.unwrap();
    let past = "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = ";
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(&format!("{past}{}", old_made.id)).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query(&format!("{past}{}", old_made.id)).execute(&pool).await.unwrap();
    }
    assert!(matches!(token::authenticate(store.as_ref(), old.expose()).await, Err(AuthError::Expired)));
}

async fn a_token_must_say_what_it_may_do(backend: &str) {
    let (_dir, _url, store) = common::fresh_store(backend).await;
    let g = common::gazetteer();
    let refused = |r: Result<_, IssueError>, says: &str| match r {
        Err(IssueError::Invalid(m)) => assert!(m.contains(says), "{m}"),
        other => panic!("expected a refusal saying {says:?}, got {:?}", other.map(|(_, t)| t)),
    };
    refused(token::issue(store.as_ref(), &g, &TokenRequest { authority: None, ..contributor("") }).await, "authority");
    refused(token::issue(store.as_ref(), &g, &contributor("99999")).await, "no authority \"99999\"");
    let admin_for_marck = TokenRequest { role: Role::Admin, ..contributor("62548") };
    refused(token::issue(store.as_ref(), &g, &admin_for_marck).await, "no authority in particular");
    refused(token::issue(store.as_ref(), &g, &TokenRequest { label: "  ".into(), ..contributor("62548") }).await, "label");
    refused(token::issue(store.as_ref(), &g, &TokenRequest { lifetime_days: Some(0), ..contributor("62548") }).await, "days");
    assert!(store.tokens().await.unwrap().is_empty(), "nothing was stored");
}

#[tokio::test]
async fn the_command_prints_a_token_once_and_lists_and_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let made = common::atlaas(
        &db,
        &["token", "create", "--role", "contributor", "--authority", "62548", "--label", "site de Marck", "--expires", "90d"],
    );
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let printed = String::from_utf8(made.stdout).unwrap();
    let presented = printed.trim();
    assert!(presented.starts_with("atl_") && presented.len() == 47, "standard output is the token alone: {printed:?}");
    assert!(!String::from_utf8_lossy(&made.stderr).contains(&presented[12..]), "the token is printed once, on standard output");

    let list = common::atlaas(&db, &["token", "list"]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(list.status.success() && listed.contains(&presented[..12]) && listed.contains("site de Marck"), "{listed}");
    assert!(!listed.contains(&presented[12..]), "lists never show a token");

    let store = store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    assert!(token::authenticate(store.as_ref(), presented).await.is_ok());
    let revoked = common::atlaas(&db, &["token", "revoke", "1"]);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert!(
        matches!(token::authenticate(store.as_ref(), presented).await, Err(AuthError::Revoked)),
        "at once, for a server on the same store"
    );
    let again = common::atlaas(&db, &["token", "revoke", "1"]);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("no token 1"));

    let bad = common::atlaas(&db, &["token", "create", "--role", "editor", "--label", "x"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("possible values"));
}

#[tokio::test]
async fn the_command_trusts_and_distrusts_an_authority() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("atlaas.db");
    let trusted = common::atlaas(&db, &["authority", "trust", "62548"]);
    assert!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stderr));
    let store = store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    assert!(store.trusted("62548").await.unwrap(), "Marck was added from the gazetteer, trusted");
    assert!(common::atlaas(&db, &["authority", "distrust", "62548"]).status.success());
    assert!(!store.trusted("62548").await.unwrap());
    let unknown = common::atlaas(&db, &["authority", "trust", "99999"]);
    assert!(!unknown.status.success() && String::from_utf8_lossy(&unknown.stderr).contains("no authority"));
}

#[tokio::test]
async fn the_api_tells_a_token_what_it_stands_for_and_refuses_the_others() {
    let app = common::TestApp::spawn().await;
    let g = common::gazetteer();
    let (secret, made) = token::issue(app.state.store.as_ref(), &g, &contributor("62548")).await.unwrap();
    let bearer = format!("Bearer {}", secret.expose());
    let me = |headers: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, h, body) = app.get_bytes("/api/me", &pairs).await;
            let json: serde_json::Value = serde_json::from_slice(&body).expect("a JSON answer");
            (status, h.get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()), json)
        }
    };

    let (status, challenge, body) = me(vec![("authorization", bearer.clone())]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["role"].as_str(), body["authority"]["name"].as_str()), (Some("contributor"), Some("Marck")));
    assert_eq!((body["token"]["id"].as_i64(), body["token"]["prefix"].as_str()), (Some(made.id), Some(made.prefix.as_str())));
    assert!(challenge.is_none() && !body.to_string().contains(&secret.expose()[12..]), "the answer never repeats the token");

    let mut wrong = secret.expose().to_owned();
    wrong.replace_range(46.., if wrong.ends_with('A') { "B" } else { "A" });
    for (headers, says) in [
        (vec![], "needs an API token"),
        (vec![("authorization", format!("Basic {}", secret.expose()))], "Bearer"),
        (vec![("authorization", format!("Bearer {wrong}"))], "no such API token"),
        (vec![("authorization", "Bearer atl_short".to_owned())], "not an Atlaas API token"),
    ] {
        let (status, challenge, body) = me(headers).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")), "{body}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{body}");
        assert_eq!(challenge.as_deref(), Some("Bearer realm=\"atlaas\""));
    }

    assert!(app.state.store.revoke_token(made.id).await.unwrap());
    let (status, _, body) = me(vec![("authorization", bearer)]).await;
    assert_eq!(status, 401, "revoked at once: {body}");
    assert!(body["detail"].as_str().unwrap().contains("revoked"));
}
