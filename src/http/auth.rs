//! Callers of the write API, checked against the store on every request ([`Authenticated`]):
//! a program sends `Authorization: Bearer atl_…`; a signed-in person's browser sends the
//! session cookie, and with every write the session's CSRF token in `X-CSRF-Token` (a page of
//! another site can make a browser send the cookie, never read the token). `GET /api/me`
//! tells a caller what its credentials stand for.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::auth::{AuthError, Caller, Credential, account, secret, token};
use crate::model::{AuthorityKind, Role};

/// The cookie holding a session's secret.
pub const SESSION_COOKIE: &str = "atlaas_session";
/// The header carrying a session's CSRF token with each write.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    let cookies = headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok());
    cookies.flat_map(|v| v.split(';')).find_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// A caller whose token or session the store holds, valid now; a 401 otherwise, and a 403 for
/// a write by session without its CSRF token.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let presented = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| Error::Unauthorized("the Authorization header must be: Bearer atl_…".into()))?;
            return token::authenticate(state.store.as_ref(), presented.trim()).await.map(Authenticated).map_err(refused);
        }
        let Some(cookie) = session_cookie(&parts.headers) else {
            let detail = "this endpoint needs an API token (Authorization: Bearer atl_…) or a signed-in session (POST /api/session)";
            return Err(Error::Unauthorized(detail.into()));
        };
        let (caller, csrf) = account::authenticate(state.store.as_ref(), cookie).await.map_err(refused)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|sent| secret::same(sent, &csrf)) {
                let detail = "a write made with a session sends the session's token in X-CSRF-Token (GET /api/session gives it)";
                return Err(Error::Forbidden(detail.into()));
            }
        }
        Ok(Authenticated(caller))
    }
}

/// Credentials refused: a 401 saying why (never repeating them); a failure of the store or of
/// the random generator is not the caller's fault.
pub(super) fn refused(e: AuthError) -> Error {
    match e {
        AuthError::Store(e) => e.into(),
        AuthError::Random(e) => Error::Internal(e.into()),
        refused => Error::Unauthorized(refused.to_string()),
    }
}

/// A caller with valid credentials, or `None` without any. A token that is presented but
/// refused is a 401, never a silent fall back to anonymous; a session cookie that ended is
/// ignored (a signed-out browser still reads what the public reads).
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeAuthenticated(Some(Authenticated::from_request_parts(parts, state).await?.0)));
        }
        Ok(MaybeAuthenticated(open_session(state, &parts.headers).await?.map(|(caller, _)| caller)))
    }
}

/// The caller of the open session the request's cookie holds, with its CSRF token; `None`
/// without a cookie or when the session ended (a failure of the store is an error).
pub(super) async fn open_session(state: &AppState, headers: &HeaderMap) -> Result<Option<(Caller, String)>> {
    let Some(cookie) = session_cookie(headers) else { return Ok(None) };
    match account::authenticate(state.store.as_ref(), cookie).await {
        Ok(found) => Ok(Some(found)),
        Err(e @ (AuthError::Store(_) | AuthError::Random(_))) => Err(refused(e)),
        Err(_) => Ok(None),
    }
}

/// What the presented credentials stand for.
#[utoipa::path(get, path = "/api/me", operation_id = "whoAmI", summary = "What the credentials stand for", tag = "accounts",
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "What the credentials stand for", body = Me),
        (status = 401, description = "No valid token or session", body = ErrorBody),
    ))]
async fn me(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Me>> {
    let authority = match &caller.authority {
        Some(code) => state.store.authority(code).await?.map(|a| AuthorityView { code: a.code, kind: a.kind, name: a.name }),
        None => None,
    };
    let (token, account) = match caller.credential {
        Credential::Token { id, prefix } => (Some(TokenView { id, prefix }), None),
        Credential::Session { account, email } => (None, Some(AccountRef { id: account, email })),
    };
    Ok(Json(Me { role: caller.role, authority, token, account }))
}

/// Who is asking: a token's or an account's, with the role and authority it stands for.
#[derive(Serialize, ToSchema)]
struct Me {
    /// `contributor`, `moderator` or `admin`.
    #[schema(value_type = String)]
    role: Role,
    /// The authority a contributor writes for.
    authority: Option<AuthorityView>,
    /// With a token: which one (never its secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<TokenView>,
    /// With a session: whose.
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<AccountRef>,
}

#[derive(Serialize, ToSchema)]
struct AuthorityView {
    code: String,
    /// `commune`, `epci`, `departement` or `region`.
    #[schema(value_type = String)]
    kind: AuthorityKind,
    name: String,
}

#[derive(Serialize, ToSchema)]
struct TokenView {
    id: i64,
    /// The token's first characters, to tell it apart (`atl_3f9c…`).
    prefix: String,
}

#[derive(Serialize, ToSchema)]
struct AccountRef {
    id: i64,
    email: String,
}
