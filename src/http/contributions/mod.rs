//! The write API of sheets: `POST /api/initiatives` (create), `PATCH /api/initiatives/{id}`
//! (JSON merge patch), `DELETE /api/initiatives/{id}` (archive), `POST …/submit` (propose a
//! draft), `GET …/revision` (the working copy, for its authority and moderators) and `GET
//! …/history`. Every write needs a token and names the version it was made from (`If-Match`),
//! except a creation; the rules of who may are in [`crate::contributions::policy`].

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Authenticated, MaybeAuthenticated};
use super::error::Result;
use super::extract::{IfMatch, JsonBody, with_etag};
use super::openapi::schemas::ErrorBody;
use super::params::sheet_id;
use crate::app::AppState;
use crate::contributions::input::PlaceReport;
use crate::contributions::{Outcome, Workflow};
use crate::index::filter::query::Params;
use crate::store::contributions::Editable;

mod answers;
mod bodies;

use answers::{AuthoritySheets, History};
pub use answers::{Queue, SheetView};
use bodies::SheetBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(edit, archive))
        .routes(routes!(submit))
        .routes(routes!(revision))
        .routes(routes!(history))
        .routes(routes!(sheets_of))
}

/// Largest page of an authority's sheets.
const MAX_SHEETS_PAGE: usize = 1000;

/// Every sheet of an authority with its state, in id order (`after` the last id of the
/// previous page), for its contributors and moderators.
#[utoipa::path(get, path = "/api/authorities/{code}/initiatives", operation_id = "authoritySheets", summary = "Every sheet of an authority, whatever its state", tag = "writing",
    params(
        ("code" = String, Path, description = "The authority"),
        ("after" = Option<i64>, Query, description = "The last id of the previous page"),
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 100"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "Every sheet of the authority with its state (draft, proposed, rejected with the reason, published, archived), version and last change; `next_after`", body = AuthoritySheets, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
    ))]
async fn sheets_of(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let after = p.take("after").map(|a| sheet_id(&a)).transpose()?;
    let limit = p.take_limit(100, MAX_SHEETS_PAGE)?;
    p.finish()?;
    let sheets = workflow(&state).sheets_of(&caller, &code, after, limit).await?;
    let next_after = (sheets.len() == limit).then(|| sheets.last().map(|s| s.sheet.id)).flatten();
    Ok(Json(AuthoritySheets::new(&code, &sheets, next_after)).into_response())
}

pub fn workflow(state: &AppState) -> Workflow<'_> {
    Workflow {
        store: state.store.as_ref(),
        gazetteer: &state.gazetteer,
        referential: &state.referential,
        addresses: state.addresses.as_deref(),
    }
}

/// `?draft=true` saves a working copy without proposing or publishing it.
fn take_draft(p: &mut Params) -> Result<bool> {
    Ok(p.take_bool("draft")?)
}

#[utoipa::path(post, path = "/api/initiatives", operation_id = "createInitiative", summary = "Write a new sheet", tag = "writing",
    params(
        ("authority" = Option<String>, Query, description = "The authority the sheet belongs to (moderators; a contributor writes for their own)"),
        ("draft" = Option<bool>, Query, description = "Keep it as a draft (default: proposed to the moderators)"),
    ),
    security(("token" = []), ("session" = [])),
    request_body(content = SheetBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The sheet made: state, content, version (ETag) and where each place landed", body = SheetView),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 422, description = "A field is not valid: see `fields`", body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type)", body = ErrorBody),
    ))]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody,
) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let authority = p.take("authority");
    let draft = take_draft(&mut p)?;
    p.finish()?;
    let outcome = workflow(&state).create(&caller, authority.as_deref(), &body, draft).await?;
    let location = format!("/api/initiatives/{}", outcome.sheet.sheet.id);
    let mut response = answer(&state, outcome).await?;
    *response.status_mut() = StatusCode::CREATED;
    response.headers_mut().insert(header::LOCATION, location.parse().expect("a path is a header value"));
    Ok(response)
}

#[utoipa::path(patch, path = "/api/initiatives/{id}", operation_id = "editInitiative", summary = "Change a sheet (JSON merge patch)", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("If-Match" = String, Header, description = "The version the change was made from (the sheet's ETag)"),
        ("draft" = Option<bool>, Query, description = "Keep the change as a draft"),
    ),
    security(("token" = []), ("session" = [])),
    request_body(content = Object, description = "A JSON merge patch (RFC 7396) of the sheet's content: any fields of `SheetBody`, `null` clearing an optional one", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The working copy after the change", body = SheetView),
        super::openapi::schemas::WriteErrors,
        (status = 415, description = "The body is not JSON (Content-Type)", body = ErrorBody),
    ))]
async fn edit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    RawQuery(query): RawQuery,
    JsonBody(patch): JsonBody,
) -> Result<Response> {
    let id = sheet_id(&id)?;
    let mut p = Params::parse(query.as_deref())?;
    let draft = take_draft(&mut p)?;
    p.finish()?;
    let outcome = workflow(&state).patch(&caller, id, if_match.required()?, &patch, draft).await?;
    answer(&state, outcome).await
}

#[utoipa::path(delete, path = "/api/initiatives/{id}", operation_id = "archiveInitiative", summary = "Archive a sheet", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("If-Match" = String, Header, description = "The version the change was made from (the sheet's ETag)"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The sheet, archived", body = SheetView),
        super::openapi::schemas::WriteErrors,
    ))]
async fn archive(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<Response> {
    let outcome = workflow(&state).archive(&caller, sheet_id(&id)?, if_match.required()?).await?;
    answer(&state, outcome).await
}

#[utoipa::path(post, path = "/api/initiatives/{id}/submit", operation_id = "submitInitiative", summary = "Propose a draft to the moderators", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("If-Match" = String, Header, description = "The version the change was made from (the sheet's ETag)"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The sheet, proposed to the moderators", body = SheetView),
        super::openapi::schemas::WriteErrors,
    ))]
async fn submit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Response> {
    let outcome = workflow(&state).submit(&caller, sheet_id(&id)?, version).await?;
    answer(&state, outcome).await
}

#[utoipa::path(get, path = "/api/initiatives/{id}/revision", operation_id = "initiativeRevision", summary = "The working copy of a sheet", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The working copy and its state", body = SheetView),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "No such sheet", body = ErrorBody),
    ))]
async fn revision(State(state): State<AppState>, Authenticated(caller): Authenticated, Path(id): Path<String>) -> Result<Response> {
    let sheet = workflow(&state).working(&caller, sheet_id(&id)?).await?;
    Ok(view(&state, &sheet, &[]))
}

#[utoipa::path(get, path = "/api/initiatives/{id}/history", operation_id = "initiativeHistory", summary = "The history of a sheet", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
    ),
    responses(
        (status = 200, description = "The changes to its published versions; the whole log for its authority and moderators", body = History),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No such sheet, or none the caller may see", body = ErrorBody),
    ))]
async fn history(
    State(state): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = sheet_id(&id)?;
    let (entries, whole) = workflow(&state).history(caller.as_ref(), id).await?;
    Ok(Json(History::new(id, &entries, whole)).into_response())
}

/// Brings this server's index in step with what a step wrote, then answers it.
pub async fn answer(state: &AppState, outcome: Outcome) -> Result<Response> {
    if outcome.row_changed {
        state.apply_written_sheet(&outcome.sheet.sheet).await?;
    }
    Ok(view(state, &outcome.sheet, &outcome.places))
}

/// A sheet as its authority and moderators see it, its version also as the `ETag`.
pub fn view(state: &AppState, sheet: &Editable, places: &[PlaceReport]) -> Response {
    let mut response = Json(SheetView::new(&state.gazetteer, sheet, places)).into_response();
    with_etag(response.headers_mut(), sheet.sheet.version);
    response
}
