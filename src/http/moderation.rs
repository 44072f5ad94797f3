//! Moderation: `GET /api/moderation` (proposals awaiting a moderator, longest waiting first,
//! with the published and the proposed version side by side), `POST
//! /api/initiatives/{id}/publish` and `POST /api/initiatives/{id}/reject` (with a reason the
//! authority reads). Moderators and admins only.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::contributions::{Queue, SheetView, answer, workflow};
use super::error::{Error, Result};
use super::extract::{IfMatch, JsonBody};
use super::openapi::schemas::ErrorBody;
use super::params::sheet_id;
use crate::app::AppState;
use crate::index::filter::query::Params;
use crate::store::contributions::ProposalQuery;

/// Largest page of the moderation queue.
const MAX_QUEUE: usize = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(queue)).routes(routes!(publish)).routes(routes!(reject))
}

#[utoipa::path(get, path = "/api/moderation", operation_id = "moderationQueue", summary = "Proposals awaiting a moderator", tag = "writing",
    params(
        ("authority" = Option<String>, Query, description = "Only this authority's proposals"),
        ("departement" = Option<String>, Query, description = "Only proposals of this département"),
        ("waiting_days" = Option<u32>, Query, description = "Only proposals waiting at least this many days"),
        ("limit" = Option<u32>, Query, description = "Page size"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Proposals awaiting a moderator, longest waiting first", body = Queue, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
    ))]
async fn queue(State(state): State<AppState>, Authenticated(caller): Authenticated, RawQuery(query): RawQuery) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let authority = p.take("authority");
    let departement = p.take("departement").map(|d| d.trim().to_ascii_uppercase());
    let waiting_since = match p.take("waiting_days") {
        None => None,
        Some(days) => {
            let days: i64 = days
                .parse()
                .ok()
                .filter(|d| (0..=3650).contains(d))
                .ok_or_else(|| Error::bad_request("waiting_days is a number of days, from 0 to 3650"))?;
            Some(crate::store::stamp(time::OffsetDateTime::now_utc() - time::Duration::days(days)))
        }
    };
    let limit = p.take_limit(50, MAX_QUEUE)?;
    p.finish()?;
    let query = ProposalQuery { authority, departement, waiting_since, limit };
    let proposals = workflow(&state).queue(&caller, &query).await?;
    Ok(Json(Queue::new(&state.gazetteer, &proposals)).into_response())
}

#[utoipa::path(post, path = "/api/initiatives/{id}/publish", operation_id = "publishInitiative", summary = "Publish a proposal (moderators)", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("If-Match" = String, Header, description = "The version the change was made from (the sheet's ETag)"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The sheet, published", body = SheetView),
        super::openapi::schemas::WriteErrors,
    ))]
async fn publish(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Response> {
    let outcome = workflow(&state).publish(&caller, sheet_id(&id)?, version).await?;
    answer(&state, outcome).await
}

/// Why a moderator rejects a proposal, for its authority.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Rejection {
    /// Shown to the authority with its working copy.
    reason: String,
}

#[utoipa::path(post, path = "/api/initiatives/{id}/reject", operation_id = "rejectInitiative", summary = "Reject a proposal with a reason (moderators)", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("If-Match" = String, Header, description = "The version the change was made from (the sheet's ETag)"),
    ),
    security(("token" = []), ("session" = [])),
    request_body(content = Rejection, content_type = "application/json"),
    responses(
        (status = 200, description = "The sheet, rejected with the reason", body = SheetView),
        super::openapi::schemas::WriteErrors,
        (status = 415, description = "The body is not JSON (Content-Type)", body = ErrorBody),
    ))]
async fn reject(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let Rejection { reason } =
        serde_json::from_value(body).map_err(|e| Error::bad_request(format!("the body is {{\"reason\": \"…\"}}: {e}")))?;
    let outcome = workflow(&state).reject(&caller, sheet_id(&id)?, version, &reason).await?;
    answer(&state, outcome).await
}
