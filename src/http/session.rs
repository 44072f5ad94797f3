//! Signing in and out, for people (programs use API tokens): `POST /api/session` checks an
//! e-mail address and password and sets the session cookie (`HttpOnly`, `SameSite=Strict`,
//! `Secure` when a trusted proxy says the client came over HTTPS); `GET /api/session` gives a
//! signed-in page its account and CSRF token; `DELETE /api/session` ends the session in the
//! store, not only in the browser. `POST /api/account/password` sets a password through a
//! one-time link. Attempts are throttled per account and per client address.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{SESSION_COOKIE, open_session, refused, session_cookie};
use super::error::{Error, Result};
use super::extract::JsonBody;
use super::guard::Client;
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::auth::account::{self, SESSION_LIFETIME, SetPasswordError};
use crate::auth::{Caller, Credential, secret};
use crate::model::{Account, Role};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, current, sign_out)).routes(routes!(set_password))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    #[schema(format = Password)]
    password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    /// The one-time link's secret (`atlk_…`).
    link: String,
    /// 12 characters or more.
    #[schema(format = Password)]
    password: String,
}

fn parse<T: serde::de::DeserializeOwned>(body: Value, shape: &str) -> Result<T> {
    serde_json::from_value(body).map_err(|e| Error::bad_request(format!("the body is {shape}: {e}")))
}

/// What a page learns of the signed-in person.
#[derive(Serialize, ToSchema)]
struct AccountView<'a> {
    id: i64,
    email: &'a str,
    /// `contributor`, `moderator` or `admin`.
    #[schema(value_type = String)]
    role: Role,
    /// The authority a contributor writes for.
    authority: Option<&'a str>,
}

fn account_view(a: &Account) -> AccountView<'_> {
    AccountView { id: a.id, email: &a.email, role: a.role, authority: a.authority.as_deref() }
}

/// A session: the account, and the token its page sends with every write (`X-CSRF-Token`).
#[derive(Serialize, ToSchema)]
struct SessionView<'a> {
    /// `null` without a session.
    account: Option<AccountView<'a>>,
    csrf_token: Option<&'a str>,
}

#[derive(Serialize, ToSchema)]
struct SignedOut {
    /// Whether a session was open.
    signed_out: bool,
}

#[derive(Serialize, ToSchema)]
struct PasswordSet<'a> {
    account: AccountView<'a>,
    password_set: bool,
}

/// The `Set-Cookie` of a session: the secret, or an empty value that the browser drops.
fn cookie(value: Option<&str>, https: bool) -> HeaderValue {
    let (value, max_age) = match value {
        Some(v) => (v, SESSION_LIFETIME.whole_seconds()),
        None => ("", 0),
    };
    let secure = if https { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).expect("a secret in base64url makes a header value")
}

#[utoipa::path(post, path = "/api/session", operation_id = "signIn", summary = "Sign in", tag = "accounts",
    request_body(content = SignIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in: the session cookie (Set-Cookie) and the `csrf_token` its writes send back", body = SessionView),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "Wrong address or password", body = ErrorBody),
        (status = 429, description = "Too many attempts for this account or address", body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type)", body = ErrorBody),
    ))]
async fn sign_in(State(state): State<AppState>, client: Client, JsonBody(body): JsonBody) -> Result<Response> {
    let SignIn { email, password } = parse(body, r#"{"email": "…", "password": "…"}"#)?;
    client.may_sign_in(&email)?;
    let signed_in = account::sign_in(state.store.as_ref(), &email, &password).await.map_err(|e| {
        tracing::info!(client = ?client.address, "sign-in refused: {e}");
        refused(e)
    })?;
    tracing::info!(account = signed_in.account.id, "signed in");
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, cookie(Some(signed_in.session.expose()), client.https));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let answer = SessionView { account: Some(account_view(&signed_in.account)), csrf_token: Some(&signed_in.csrf) };
    Ok((headers, Json(answer)).into_response())
}

/// The signed-in account and the token its page sends with writes; `null` for both when the
/// browser holds no open session (a page asks before it knows, and "none" is an answer, not
/// an error).
#[utoipa::path(get, path = "/api/session", operation_id = "currentSession", summary = "The current session", tag = "accounts",
    responses(
        (status = 200, description = "The signed-in account and its `csrf_token`; `null` for both without a session", body = SessionView),
    ))]
async fn current(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let session = open_session(&state, &headers).await?;
    let answer = match &session {
        Some((Caller { role, authority, credential: Credential::Session { account, email } }, csrf)) => SessionView {
            account: Some(AccountView { id: *account, email, role: *role, authority: authority.as_deref() }),
            csrf_token: Some(csrf),
        },
        _ => SessionView { account: None, csrf_token: None },
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}

/// Ends the session in the store (a copy of the cookie is worth nothing afterwards) and asks
/// the browser to drop it.
#[utoipa::path(delete, path = "/api/session", operation_id = "signOut", summary = "Sign out", tag = "accounts",
    responses(
        (status = 200, description = "Signed out: the session ends and its cookie is cleared", body = SignedOut),
    ))]
async fn sign_out(State(state): State<AppState>, client: Client, headers: HeaderMap) -> Result<Response> {
    let ended = match session_cookie(&headers) {
        Some(cookie) => account::sign_out(state.store.as_ref(), cookie).await?,
        None => false,
    };
    Ok(([(header::SET_COOKIE, cookie(None, client.https))], Json(SignedOut { signed_out: ended })).into_response())
}

#[utoipa::path(post, path = "/api/account/password", operation_id = "setPassword", summary = "Set a password with a one-time link", tag = "accounts",
    request_body(content = NewPassword, content_type = "application/json"),
    responses(
        (status = 200, description = "The password is set: the link is spent and the account's sessions end", body = PasswordSet),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "A used, expired or unknown link", body = ErrorBody),
        (status = 422, description = "A password under 12 characters", body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type)", body = ErrorBody),
    ))]
async fn set_password(State(state): State<AppState>, client: Client, JsonBody(body): JsonBody) -> Result<Response> {
    let NewPassword { link, password } = parse(body, r#"{"link": "atlk_…", "password": "…"}"#)?;
    // Each link is its own key: a 256-bit link cannot be guessed, but every try costs an Argon2id hash.
    client.may_sign_in(&secret::hash(link.trim()))?;
    match account::set_password(state.store.as_ref(), &link, &password).await {
        Ok(account) => {
            tracing::info!(account = account.id, "password set through a one-time link");
            Ok(Json(PasswordSet { account: account_view(&account), password_set: true }).into_response())
        }
        Err(SetPasswordError::Rules(e)) if e.is_rule() => Err(Error::Unprocessable(e.to_string())),
        Err(SetPasswordError::Rules(e)) => Err(Error::Internal(e.into())),
        Err(SetPasswordError::BadLink) => Err(Error::Unauthorized(SetPasswordError::BadLink.to_string())),
        Err(SetPasswordError::Store(e)) => Err(e.into()),
    }
}
