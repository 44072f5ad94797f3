//! `GET /api/initiatives/{id}/preview`: a sheet's working copy as the public will see it once
//! published (the shape of `GET /api/initiatives/{id}`), with the "actions connexes" it would
//! then have. Like the working copy itself, it is for the sheet's authority and the
//! moderators: a draft is nobody else's business.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::contributions::workflow;
use super::error::{Error, Result};
use super::features::{SheetCollection, related_features};
use super::initiatives::{FullSheet, full_feature};
use super::openapi::schemas::ErrorBody;
use super::params::sheet_id;
use crate::app::AppState;
use crate::compare::related::{Unpublished, related_to_unpublished};
use crate::contributions::working_copy;
use crate::index::filter::query::Params;
use crate::model::{AuthorityKind, Status};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preview))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Preview<'a> {
    /// The sheet as `GET /api/initiatives/{id}` will answer it.
    initiative: FullSheet<'a>,
    related: SheetCollection<'a>,
}

#[utoipa::path(get, path = "/api/initiatives/{id}/preview", operation_id = "previewInitiative", summary = "A working copy as the public will see it", tag = "writing",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("limit" = Option<u32>, Query, description = "Related sheets, 1 to 100, default 5"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The working copy as the public will see it (`initiative`) and the actions connexes it will have (`related`)", body = Preview),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "No such sheet", body = ErrorBody),
    ))]
async fn preview(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let id = sheet_id(&id)?;
    let mut p = Params::parse(query.as_deref())?;
    let limit = p.take_limit(5, 100)?;
    p.finish()?;
    let editable = workflow(&state).working(&caller, id).await?;
    let mut public = editable.sheet.clone();
    working_copy(&editable).apply_to(&mut public.sheet);
    public.sheet.status = Status::Published;
    let authority = state.store.authority(&public.sheet.authority).await?;
    let (kind, population) = match &authority {
        Some(a) => (a.kind, a.population),
        None => state.gazetteer.authority(&public.sheet.authority).map_or((AuthorityKind::Commune, 0), |a| (a.kind, a.population)),
    };
    let s = &public.sheet;
    let index = state.index();
    let related = match s.places.first() {
        Some(main) => {
            let unpublished = Unpublished {
                id: Some(id),
                title: &s.title,
                services: &s.services,
                point: [main.lon, main.lat],
                commune: &main.commune,
                authority: &s.authority,
                kind,
                population,
            };
            related_to_unpublished(&index, &unpublished, limit)
        }
        None => vec![],
    };
    let answer = Preview {
        initiative: full_feature(&state, &public, authority),
        related: SheetCollection::new(related_features(&index, related), index.all_sample()),
    };
    // Serialized now, to release the index, and straight from the features (scores are f32).
    let body = serde_json::to_vec(&answer).map_err(|e| Error::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
