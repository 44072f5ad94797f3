//! The write API of sheets: `POST /api/initiatives` (create), `PATCH /api/initiatives/{id}`
//! (JSON merge patch), `DELETE /api/initiatives/{id}` (archive), `POST …/submit` (propose a
//! draft), `GET …/revision` (the working copy, for its authority and moderators) and `GET
//! …/history`. Every write needs a token and names the version it was made from (`If-Match`),
//! except a creation; the rules of who may are in [`crate::contributions::policy`].

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::auth::{Authenticated, MaybeAuthenticated};
use super::error::Result;
use super::extract::{IfMatch, JsonBody, with_etag};
use super::features::place_json;
use super::params::sheet_id;
use crate::app::AppState;
use crate::contributions::input::PlaceReport;
use crate::contributions::{Outcome, Workflow, working_copy};
use crate::index::filter::query::Params;
use crate::model::contribution::SheetContent;
use crate::store::contributions::Editable;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/initiatives", post(create))
        .route("/api/initiatives/{id}", patch(edit).delete(archive))
        .route("/api/initiatives/{id}/submit", post(submit))
        .route("/api/initiatives/{id}/revision", get(revision))
        .route("/api/initiatives/{id}/history", get(history))
        .route("/api/authorities/{code}/initiatives", get(sheets_of))
}

/// Largest page of an authority's sheets.
const MAX_SHEETS_PAGE: usize = 1000;

/// Every sheet of an authority with its state, in id order (`after` the last id of the
/// previous page), for its contributors and moderators.
async fn sheets_of(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(code): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let after = p.take("after").map(|a| sheet_id(&a)).transpose()?;
    let limit = p.take_limit(100, MAX_SHEETS_PAGE)?;
    p.finish()?;
    let sheets = workflow(&state).sheets_of(&caller, &code, after, limit).await?;
    let next_after = (sheets.len() == limit).then(|| sheets.last().map(|s| s.sheet.id)).flatten();
    let items: Vec<Value> = sheets
        .iter()
        .map(|e| {
            let content = working_copy(e);
            json!({
                "id": e.sheet.id,
                "version": e.sheet.version,
                "state": e.state(),
                "status": e.sheet.sheet.status,
                "title": content.title,
                "year": content.year,
                "reason": e.revision.as_ref().and_then(|r| r.reason.clone()),
                "updated_at": e.revision.as_ref().map_or(&e.sheet.updated_at, |r| &r.updated_at),
                "updated_by": e.revision.as_ref().map_or(&e.sheet.sheet.updated_by, |r| &r.updated_by),
            })
        })
        .collect();
    Ok(Json(json!({ "authority": code, "initiatives": items, "next_after": next_after })))
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

async fn archive(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> Result<Response> {
    let outcome = workflow(&state).archive(&caller, sheet_id(&id)?, if_match.required()?).await?;
    answer(&state, outcome).await
}

async fn submit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<Response> {
    let outcome = workflow(&state).submit(&caller, sheet_id(&id)?, version).await?;
    answer(&state, outcome).await
}

async fn revision(State(state): State<AppState>, Authenticated(caller): Authenticated, Path(id): Path<String>) -> Result<Response> {
    let sheet = workflow(&state).working(&caller, sheet_id(&id)?).await?;
    Ok(view(&state, &sheet, &[]))
}

async fn history(
    State(state): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let id = sheet_id(&id)?;
    let (entries, whole) = workflow(&state).history(caller.as_ref(), id).await?;
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = json!({
                "version": e.version, "at": e.at, "action": e.action, "public": e.public,
                "changes": e.changes, "reason": e.reason,
            });
            // Who and through what, for those who may see the whole log.
            if whole {
                v["actor"] = Value::from(e.actor.as_str());
                v["channel"] = json!(e.channel);
            }
            v
        })
        .collect();
    Ok(Json(json!({ "initiative": id, "entries": entries })))
}

/// Brings this server's index in step with what a step wrote, then answers it.
pub async fn answer(state: &AppState, outcome: Outcome) -> Result<Response> {
    if outcome.row_changed {
        state.apply_written_sheet(&outcome.sheet.sheet).await?;
    }
    Ok(view(state, &outcome.sheet, &outcome.places))
}

/// A sheet as its authority and moderators see it: its state, its working copy and its
/// version (also as the `ETag` to send back in `If-Match`).
pub fn view(state: &AppState, sheet: &Editable, places: &[PlaceReport]) -> Response {
    let row = &sheet.sheet;
    let review = sheet
        .revision
        .as_ref()
        .map(|r| json!({ "state": r.state, "reason": r.reason, "updated_at": r.updated_at, "updated_by": r.updated_by }));
    let body = json!({
        "id": row.id,
        "version": row.version,
        "authority": row.sheet.authority,
        "state": sheet.state(),
        "status": row.sheet.status,
        "review": review,
        "trusted": sheet.trusted,
        "content": content_json(state, &working_copy(sheet)),
        "places": places,
        "created_at": row.created_at, "updated_at": row.updated_at, "updated_by": row.sheet.updated_by,
    });
    let mut response = Json(body).into_response();
    with_etag(response.headers_mut(), row.version);
    response
}

/// The editable fields of a sheet, places with their commune's name.
pub fn content_json(state: &AppState, c: &SheetContent) -> Value {
    let places: Vec<Value> = c.places.iter().map(|p| place_json(&state.gazetteer, p)).collect();
    json!({
        "title": c.title, "summary": c.summary, "body": c.body, "services": c.services,
        "year": c.year, "website": c.website, "places": places,
    })
}
