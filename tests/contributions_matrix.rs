//! Every route of the write API × every kind of caller (tokens, and people signed in or not),
//! on both backends: only the allowed cells succeed, and a refused request leaves the other
//! authority's sheet exactly as it was (broken object-level authorisation, broken
//! authentication, cross-site request forgery, mass assignment).

mod common;

use atlaas::auth::token::{self, TokenRequest};
use atlaas::model::Role;
use common::{Call, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

/// A is Gueugnon, B is Marck: B's sheet is the one every request aims at.
const A: &str = "71230";
const B: &str = "62548";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Nobody,
    /// Tried to sign in as B's contributor with a wrong password, and writes with a cookie of
    /// its own making.
    WrongPassword,
    UnknownToken,
    ExpiredToken,
    RevokedToken,
    ContributorOfA,
    ContributorOfB,
    /// B's contributor signed in, sending the session's CSRF token.
    SessionOfB,
    /// The same session, without the CSRF token (what a forged cross-site request carries).
    SessionOfBWithoutCsrf,
    Moderator,
    Admin,
}

const EVERYONE: [Who; 11] = [
    Who::Nobody,
    Who::WrongPassword,
    Who::UnknownToken,
    Who::ExpiredToken,
    Who::RevokedToken,
    Who::ContributorOfA,
    Who::ContributorOfB,
    Who::SessionOfB,
    Who::SessionOfBWithoutCsrf,
    Who::Moderator,
    Who::Admin,
];

#[derive(Debug, Clone, Copy)]
enum Route {
    Create,
    Patch,
    Archive,
    Submit,
    Publish,
    Reject,
    Revision,
    Preview,
    Queue,
    SheetsOfB,
    /// A file with a sheet of B, sent to `POST /api/import`.
    Import,
}

const ROUTES: [Route; 11] = [
    Route::Create,
    Route::Patch,
    Route::Archive,
    Route::Submit,
    Route::Publish,
    Route::Reject,
    Route::Revision,
    Route::Preview,
    Route::Queue,
    Route::SheetsOfB,
    Route::Import,
];

impl Route {
    fn call<'a>(self, sheet: i64, version: i64) -> Call<'a> {
        let at = |suffix: &str| format!("/api/initiatives/{sheet}{suffix}");
        match self {
            Route::Create => Call::new(Method::POST, format!("/api/initiatives?authority={B}")).json(body("Nouvelle fiche")),
            Route::Patch => Call::new(Method::PATCH, at("")).if_match(version).json(json!({"title": "Changée"})),
            Route::Archive => Call::new(Method::DELETE, at("")).if_match(version),
            Route::Submit => Call::new(Method::POST, at("/submit")).if_match(version),
            Route::Publish => Call::new(Method::POST, at("/publish")).if_match(version),
            Route::Reject => Call::new(Method::POST, at("/reject")).if_match(version).json(json!({"reason": "Non."})),
            Route::Revision => Call::new(Method::GET, at("/revision")),
            Route::Preview => Call::new(Method::GET, at("/preview")),
            Route::Queue => Call::new(Method::GET, "/api/moderation"),
            Route::SheetsOfB => Call::new(Method::GET, format!("/api/authorities/{B}/initiatives")),
            Route::Import => Call::new(Method::POST, "/api/import?source=api").json(json!([
                {"id": format!("matrix-{sheet}"), "titre": "Fiche importée", "code_insee": B, "services": "1.a.1.1"}
            ])),
        }
    }

    /// The status of an allowed call.
    fn success(self) -> u16 {
        if matches!(self, Route::Create) { 201 } else { 200 }
    }

    /// Who may: B's contributor writes B's sheets (by session, with the CSRF token; without
    /// it, only reads); moderators and admins may everything.
    fn allows(self, who: Who) -> bool {
        let contributors = !matches!(self, Route::Publish | Route::Reject | Route::Queue);
        match who {
            Who::Moderator | Who::Admin => true,
            Who::ContributorOfB | Who::SessionOfB => contributors,
            Who::SessionOfBWithoutCsrf => contributors && matches!(self, Route::Revision | Route::Preview | Route::SheetsOfB),
            _ => false,
        }
    }

    /// The status of a refused call: an import by another authority is read, and its rows
    /// refused one by one (422).
    fn refusal(self, who: Who) -> u16 {
        match who {
            Who::Nobody | Who::WrongPassword | Who::UnknownToken | Who::ExpiredToken | Who::RevokedToken => 401,
            Who::ContributorOfA if matches!(self, Route::Import) => 422,
            _ => 403,
        }
    }
}

fn body(title: &str) -> Value {
    json!({"title": title, "services": ["1.a.1.1"], "places": [{"insee": B}]})
}

/// What a caller presents.
enum Credential {
    None,
    Token(String),
    Session { cookie: String, csrf: Option<String> },
}

/// The callers' credentials.
struct Callers {
    credentials: Vec<(Who, Credential)>,
}

/// B's contributor's address and password.
const B_EMAIL: &str = "numerique@mairie-marck.fr";
const B_PASSWORD: &str = "le phare de Walde à marée basse";

impl Callers {
    async fn make(app: &TestApp, backend: &str) -> Callers {
        let store = app.state.store.as_ref();
        let g = &app.state.gazetteer;
        let request = |role, authority: Option<&str>| TokenRequest {
            role,
            authority: authority.map(str::to_owned),
            label: "matrix".into(),
            lifetime_days: Some(30),
        };
        let (expired, expired_row) = token::issue(store, g, &request(Role::Contributor, Some(B))).await.unwrap();
        let past = format!("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE id = {}", expired_row.id);
        if backend == "sqlite" {
            sqlx::query(&past).execute(&sqlx::SqlitePool::connect(&app.database_url).await.unwrap()).await.unwrap();
        } else {
            sqlx::query(&past).execute(&sqlx::PgPool::connect(&app.database_url).await.unwrap()).await.unwrap();
        }
        let (revoked, revoked_row) = token::issue(store, g, &request(Role::Moderator, None)).await.unwrap();
        assert!(store.revoke_token(revoked_row.id).await.unwrap());
        let unknown = format!("atl_{}", "A".repeat(43));
        let (cookie, csrf) = app.signed_in(B_EMAIL, Role::Contributor, Some(B), B_PASSWORD).await;
        let (status, _) = app.sign_in(B_EMAIL, "pas le bon mot de passe").await.unwrap_err();
        assert_eq!(status, 401);
        let token = |t: String| Credential::Token(t);
        let credentials = vec![
            (Who::Nobody, Credential::None),
            (Who::WrongPassword, Credential::Session { cookie: format!("atls_{}", "A".repeat(43)), csrf: Some(csrf.clone()) }),
            (Who::UnknownToken, token(unknown)),
            (Who::ExpiredToken, token(expired.expose().to_owned())),
            (Who::RevokedToken, token(revoked.expose().to_owned())),
            (Who::ContributorOfA, token(app.token(Role::Contributor, Some(A)).await)),
            (Who::ContributorOfB, token(app.token(Role::Contributor, Some(B)).await)),
            (Who::SessionOfB, Credential::Session { cookie: cookie.clone(), csrf: Some(csrf) }),
            (Who::SessionOfBWithoutCsrf, Credential::Session { cookie, csrf: None }),
            (Who::Moderator, token(app.token(Role::Moderator, None).await)),
            (Who::Admin, token(app.token(Role::Admin, None).await)),
        ];
        Callers { credentials }
    }

    fn credential(&self, who: Who) -> &Credential {
        &self.credentials.iter().find(|(w, _)| *w == who).expect("every caller has credentials").1
    }

    /// The token of a caller that has one.
    fn of(&self, who: Who) -> Option<&str> {
        match self.credential(who) {
            Credential::Token(t) => Some(t),
            _ => None,
        }
    }

    /// The call, made by this caller.
    fn as_caller<'a>(&'a self, who: Who, call: Call<'a>) -> Call<'a> {
        match self.credential(who) {
            Credential::None => call,
            Credential::Token(t) => call.token(t),
            Credential::Session { cookie, csrf } => call.session(cookie, csrf.as_deref()),
        }
    }

    /// Every secret the callers hold, none of which may appear in an answer.
    fn secrets(&self) -> Vec<&str> {
        let mut out = vec![];
        for (_, c) in &self.credentials {
            match c {
                Credential::None => {}
                Credential::Token(t) => out.push(t.as_str()),
                Credential::Session { cookie, csrf } => out.extend([Some(cookie.as_str()), csrf.as_deref()].into_iter().flatten()),
            }
        }
        out
    }
}

/// A published sheet of B with a pending proposal; its id and version.
async fn fixture(app: &TestApp, callers: &Callers) -> (i64, i64) {
    let moderator = callers.of(Who::Moderator).unwrap();
    let made = app.call(Call::new(Method::POST, format!("/api/initiatives?authority={B}")).token(moderator).json(body("Fiche de B"))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    let contributor = callers.of(Who::ContributorOfB).unwrap();
    let proposed = app
        .call(
            Call::new(Method::PATCH, format!("/api/initiatives/{id}"))
                .token(contributor)
                .if_match(made.etag.unwrap())
                .json(json!({"summary": "Proposé"})),
        )
        .await;
    assert_eq!(proposed.body["state"], "proposed", "{}", proposed.body);
    (id, proposed.etag.unwrap())
}

/// Everything the store holds of B's sheets, whatever their source: rows, places, services,
/// working copies, history.
async fn snapshot_of_b(app: &TestApp) -> String {
    let store = &app.state.store;
    let mut out = String::new();
    for editable in store.sheets_of(B, None, 100_000).await.unwrap() {
        let history = store.history(editable.sheet.id).await.unwrap();
        out.push_str(&format!("{editable:?}\n{history:?}\n"));
    }
    out
}

common::on_both_backends!(only_the_allowed_cells_succeed_and_refusals_change_nothing, another_authoritys_drafts_are_not_found);

async fn only_the_allowed_cells_succeed_and_refusals_change_nothing(backend: &str) {
    let app = match backend {
        "sqlite" => TestApp::spawn_with(None).await,
        _ => TestApp::spawn_on_postgres(None).await,
    };
    let callers = Callers::make(&app, backend).await;
    let mut cells = 0;
    for route in ROUTES {
        for who in EVERYONE {
            let (id, version) = fixture(&app, &callers).await;
            let before = snapshot_of_b(&app).await;
            let answer = app.call(callers.as_caller(who, route.call(id, version))).await;
            if route.allows(who) {
                assert_eq!(answer.status, route.success(), "{route:?} by {who:?}: {}", answer.body);
            } else {
                assert_eq!(answer.status, route.refusal(who), "{route:?} by {who:?}: {}", answer.body);
                assert_eq!(snapshot_of_b(&app).await, before, "{route:?} by {who:?} changed B's sheets");
                let detail = answer.body["detail"].as_str().unwrap_or_default();
                for secret in callers.secrets() {
                    assert!(!detail.contains(&secret[secret.len() - 20..]), "no secret in an error");
                }
            }
            cells += 1;
        }
    }
    assert_eq!(cells, ROUTES.len() * EVERYONE.len());

    // The history: its public part for anyone, the whole log for B and moderators only.
    let (id, _) = fixture(&app, &callers).await;
    for who in EVERYONE {
        let answer = app.call(callers.as_caller(who, Call::new(Method::GET, format!("/api/initiatives/{id}/history")))).await;
        let expected = match who {
            Who::UnknownToken | Who::ExpiredToken | Who::RevokedToken => 401,
            _ => 200,
        };
        assert_eq!(answer.status, expected, "history by {who:?}: {}", answer.body);
        if expected == 200 {
            let whole = matches!(who, Who::ContributorOfB | Who::SessionOfB | Who::SessionOfBWithoutCsrf | Who::Moderator | Who::Admin);
            let entries = answer.body["entries"].as_array().unwrap();
            assert_eq!(entries.len(), if whole { 2 } else { 1 }, "history by {who:?}: {}", answer.body);
            assert_eq!(entries[0].get("actor").is_some(), whole, "who acted, for {who:?}");
        }
    }
}

async fn another_authoritys_drafts_are_not_found(backend: &str) {
    let app = match backend {
        "sqlite" => TestApp::spawn_with(None).await,
        _ => TestApp::spawn_on_postgres(None).await,
    };
    let callers = Callers::make(&app, backend).await;
    let b = callers.of(Who::ContributorOfB).unwrap();
    let draft = app.call(Call::new(Method::POST, "/api/initiatives?draft=true").token(b).json(body("Brouillon de B"))).await;
    assert_eq!((draft.status, draft.body["state"].as_str()), (201, Some("draft")), "{}", draft.body);
    let (id, version) = (draft.body["id"].as_i64().unwrap(), draft.etag.unwrap());
    let before = snapshot_of_b(&app).await;
    let a = callers.of(Who::ContributorOfA).unwrap();
    for route in [Route::Patch, Route::Archive, Route::Submit, Route::Revision] {
        let answer = app.call(route.call(id, version).token(a)).await;
        assert_eq!(answer.status, 404, "{route:?} of B's draft by A: {}", answer.body);
    }
    let history = app.call(Call::new(Method::GET, format!("/api/initiatives/{id}/history")).token(a)).await;
    assert_eq!(history.status, 404);
    let (status, _) = app.get(&format!("/api/initiatives/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(snapshot_of_b(&app).await, before);
    // And a contributor cannot create for another authority, nor publish its own proposal.
    let elsewhere = app.call(Call::new(Method::POST, format!("/api/initiatives?authority={B}")).token(a).json(body("Pour B"))).await;
    assert_eq!(elsewhere.status, 403);
    assert_eq!(snapshot_of_b(&app).await, before);
}
