//! Callers of the write API: an `Authorization: Bearer atl_…` header checked against the store
//! on every request ([`Authenticated`]), and `GET /api/me`, which tells the holder of a token
//! what it stands for.

use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

use super::error::{Error, Result};
use crate::app::AppState;
use crate::auth::{AuthError, Caller, token};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me", get(me))
}

/// A caller whose token the store holds, neither revoked nor expired; a 401 otherwise.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| Error::Unauthorized("this endpoint needs an API token: Authorization: Bearer atl_…".into()))?;
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| Error::Unauthorized("the Authorization header must be: Bearer atl_…".into()))?;
        match token::authenticate(state.store.as_ref(), presented.trim()).await {
            Ok(caller) => Ok(Authenticated(caller)),
            Err(AuthError::Store(e)) => Err(e.into()),
            Err(refused) => Err(Error::Unauthorized(refused.to_string())),
        }
    }
}

/// A caller with valid credentials, or `None` without an `Authorization` header; credentials
/// that are presented but refused are a 401, never a silent fall back to anonymous.
pub struct MaybeAuthenticated(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeAuthenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeAuthenticated(None));
        }
        Ok(MaybeAuthenticated(Some(Authenticated::from_request_parts(parts, state).await?.0)))
    }
}

/// What the presented token stands for.
async fn me(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Value>> {
    let authority = match &caller.authority {
        Some(code) => state.store.authority(code).await?.map(|a| json!({ "code": a.code, "kind": a.kind, "name": a.name })),
        None => None,
    };
    Ok(Json(json!({
        "role": caller.role,
        "authority": authority,
        "token": { "id": caller.token, "prefix": caller.token_prefix },
    })))
}
