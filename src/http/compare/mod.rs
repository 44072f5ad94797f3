//! `GET /api/initiatives/{id}/related`, `GET /api/communes/{insee}/peers` and
//! `GET /api/authorities/{code}/mosaic`: the comparisons of [`crate::compare`], answered from
//! the in-memory index whichever backend serves listings. Their answers are the types of
//! [`answers`].

pub(crate) mod answers;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::compare::mosaic;
use crate::compare::peers::{PeerQuery, Subject, peers};
use crate::compare::related::related;
use crate::http::error::{Error, Result};
use crate::http::features::{SheetCollection, related_features};
use crate::http::openapi::schemas::ErrorBody;
use crate::http::params::sheet_id;
use crate::index::SpatialIndex;
use crate::index::filter::query::{Params, take_filter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(related_sheets)).routes(routes!(peer_towns)).routes(routes!(authority_mosaic))
}

#[utoipa::path(get, path = "/api/initiatives/{id}/related", operation_id = "relatedInitiatives", summary = "Related sheets (actions connexes)", tag = "compare",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 10"),
    ),
    responses(
        (status = 200, description = "The label's actions connexes, best first, with `distance_m`, `score` (0 to 1) and French `reasons`", body = crate::http::features::SheetCollection, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No published sheet with that id", body = ErrorBody),
    ))]
async fn related_sheets(State(state): State<AppState>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Result<Response> {
    let id = sheet_id(&id)?;
    let mut p = Params::parse(query.as_deref())?;
    let limit = p.take_limit(10, 100)?;
    p.finish()?;
    let index = state.index();
    state
        .work
        .run(move || {
            // Drafts and archived sheets are not in the index: they are not public.
            let found = related(&index, id, limit).ok_or_else(|| Error::not_found(format!("no published initiative {id}")))?;
            let mut collection = SheetCollection::new(related_features(&index, found), index.all_sample());
            collection.related_to = Some(id);
            Ok(collection.into_response())
        })
        .await?
}

/// The subject of peers and mosaics: as the index knows it when it takes part in the label,
/// else from the gazetteer (any commune, EPCI, département or région may compare itself).
pub(crate) fn subject(state: &AppState, index: &SpatialIndex, code: &str) -> Option<Subject> {
    if let Some(row) = index.authority_row_of(code) {
        let a = &index.authorities()[row as usize];
        if a.population > 0 && a.point.is_some() {
            return Some(Subject {
                code: a.code.to_string(),
                name: a.name.to_string(),
                kind: a.kind,
                population: a.population,
                point: a.point,
            });
        }
    }
    let g = &state.gazetteer;
    let a = g.authority(code)?;
    let point = a.commune.as_deref().and_then(|c| g.commune(c)).map(|c| c.point);
    Some(Subject { code: a.code, name: a.name, kind: a.kind, population: a.population, point })
}

#[utoipa::path(get, path = "/api/communes/{insee}/peers", operation_id = "peerCommunes", summary = "Comparable communes nearby", tag = "compare",
    params(
        ("insee" = String, Path, description = "INSEE code"),
        ("radius_m" = Option<f64>, Query, description = "Only communes within this many metres"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 20"),
        crate::http::openapi::params::Filters,
        crate::http::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "Communes of the same population class, nearest first, with their @ and their sheets by theme", body = answers::PeersAnswer),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No commune with that code", body = ErrorBody),
    ))]
async fn peer_towns(State(state): State<AppState>, Path(insee): Path<String>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let radius_m = p.take_radius()?;
    let limit = p.take_limit(20, 100)?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    crate::http::communes::check_insee(&insee)?;
    let commune = state.gazetteer.commune(&insee).ok_or_else(|| Error::not_found(format!("no commune with INSEE code {insee:?}")))?;
    let index = state.index();
    let subject = subject(&state, &index, &commune.code).ok_or_else(|| {
        Error::not_found(format!("{} ({insee}) is not a commune of its own (an arrondissement or a former commune)", commune.name))
    })?;
    let answer = state.work.run(move || {
        let found = peers(&index, &PeerQuery { subject: &subject, radius_m, limit, filter: &filter, require_sheets: false });
        serde_json::to_value(answers::peers(&index, &subject, radius_m, &found))
    });
    Ok(Json(answer.await?.map_err(anyhow::Error::from)?))
}

#[utoipa::path(get, path = "/api/authorities/{code}/mosaic", operation_id = "authorityMosaic", summary = "The mosaic of an authority", tag = "compare",
    params(
        ("code" = String, Path, description = "A commune (INSEE code), an EPCI (SIREN), `dep-XX` or `reg-XX`"),
        ("year" = Option<u16>, Query, description = "The year of the comparison"),
    ),
    responses(
        (status = 200, description = "Every referential entry with its sheets, whether it is covered and the share of peers covering it; the suggestions (axes de progression)", body = answers::MosaicAnswer),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No such authority", body = ErrorBody),
    ))]
async fn authority_mosaic(State(state): State<AppState>, Path(code): Path<String>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let year = p
        .take("year")
        .map(|v| match v.parse::<u16>() {
            Ok(y @ 1990..=2100) => Ok(y),
            _ => Err(Error::bad_request(format!("year must be a label year such as 2024, not {v:?}"))),
        })
        .transpose()?;
    p.finish()?;
    let index = state.index();
    let subject = subject(&state, &index, &code)
        .ok_or_else(|| Error::not_found(format!("no authority {code:?}: give an INSEE code, an EPCI's SIREN, dep-XX or reg-XX")))?;
    let answer =
        state.work.run(move || serde_json::to_value(answers::mosaic(&index, &subject, year, &mosaic::mosaic(&index, &subject, year))));
    Ok(Json(answer.await?.map_err(anyhow::Error::from)?))
}
