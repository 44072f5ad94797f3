//! `GET /api/initiatives/{id}/related`, `GET /api/communes/{insee}/peers` and
//! `GET /api/authorities/{code}/mosaic`: the comparisons of [`crate::compare`], answered from
//! the in-memory index whichever backend serves listings.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::error::{Error, Result};
use super::features::{SheetCollection, metres, related_features};
use super::openapi::schemas::ErrorBody;
use super::params::sheet_id;
use crate::app::AppState;
use crate::compare::classes::PopulationClass;
use crate::compare::mosaic::{self, Mosaic};
use crate::compare::peers::{Peer, PeerQuery, Subject, peers};
use crate::compare::related::related;
use crate::index::filter::query::{Params, take_filter};
use crate::index::{NO_THEME, SpatialIndex};
use crate::model::{SheetId, round_degrees};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(related_sheets)).routes(routes!(peer_towns)).routes(routes!(authority_mosaic))
}

/// Sheets listed per theme of a peer; `count` gives them all.
const SHEETS_PER_THEME: usize = 10;

#[utoipa::path(get, path = "/api/initiatives/{id}/related", operation_id = "relatedInitiatives", summary = "Related sheets (actions connexes)", tag = "compare",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 10"),
    ),
    responses(
        (status = 200, description = "The label's actions connexes, best first, with `distance_m`, `score` (0 to 1) and French `reasons`", body = super::features::SheetCollection, content_type = "application/geo+json"),
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

fn class_json(class: Option<&PopulationClass>) -> Value {
    json!(class.map(|c| json!({ "code": c.code, "label": c.label, "min": c.min, "max": (c.max != u32::MAX).then_some(c.max) })))
}

/// The subject of peers and mosaics: as the index knows it when it takes part in the label,
/// else from the gazetteer (any commune, EPCI, département or région may compare itself).
fn subject(state: &AppState, index: &SpatialIndex, code: &str) -> Option<Subject> {
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
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "Communes of the same population class, nearest first, with their @ and their sheets by theme", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No commune with that code", body = ErrorBody),
    ))]
async fn peer_towns(State(state): State<AppState>, Path(insee): Path<String>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let radius_m = p.take_radius()?;
    let limit = p.take_limit(20, 100)?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    super::communes::check_insee(&insee)?;
    let commune = state.gazetteer.commune(&insee).ok_or_else(|| Error::not_found(format!("no commune with INSEE code {insee:?}")))?;
    let index = state.index();
    let subject = subject(&state, &index, &commune.code).ok_or_else(|| {
        Error::not_found(format!("{} ({insee}) is not a commune of its own (an arrondissement or a former commune)", commune.name))
    })?;
    let answer = state.work.run(move || {
        let found = peers(&index, &PeerQuery { subject: &subject, radius_m, limit, filter: &filter, require_sheets: false });
        let list: Vec<Value> = found.iter().map(|peer| peer_json(&index, peer)).collect();
        json!({
            "commune": { "code": subject.code, "name": subject.name, "population": subject.population },
            "class": class_json(subject.class()),
            "radius_m": radius_m,
            "count": list.len(),
            "peers": list,
            "sample_data": index.all_sample(),
        })
    });
    Ok(Json(answer.await?))
}

fn peer_json(index: &SpatialIndex, peer: &Peer) -> Value {
    let a = &index.authorities()[peer.row as usize];
    let r = index.referential();
    let themes = &r.file().themes;
    // Grouped by the theme of each sheet's main service, in the referential's order.
    let mut groups: Vec<(u8, Vec<SheetId>)> = vec![];
    for &id in &peer.sheets {
        let theme = index.sheet(id).map_or(NO_THEME, |s| s.theme);
        match groups.iter_mut().find(|(t, _)| *t == theme) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((theme, vec![id])),
        }
    }
    groups.sort_by_key(|(t, _)| *t);
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(t, ids)| {
            let theme = themes.get(t as usize);
            let sheets: Vec<Value> = ids.iter().take(SHEETS_PER_THEME).filter_map(|&id| sheet_ref(index, id)).collect();
            json!({ "code": theme.map(|t| &t.code), "label": theme.map(|t| &t.label), "count": ids.len(), "sheets": sheets })
        })
        .collect();
    json!({
        "code": a.code, "name": a.name, "kind": a.kind, "population": a.population,
        "distance_m": metres(peer.distance_m),
        "center": a.point.map(|p| [round_degrees(p[0]), round_degrees(p[1])]),
        "arobases": a.arobases, "arobases_year": a.year,
        "sheet_count": peer.sheets.len(),
        "themes": groups,
    })
}

fn sheet_ref(index: &SpatialIndex, id: SheetId) -> Option<Value> {
    index.sheet(id).map(|s| json!({ "id": id, "title": s.title, "year": s.year }))
}

#[utoipa::path(get, path = "/api/authorities/{code}/mosaic", operation_id = "authorityMosaic", summary = "The mosaic of an authority", tag = "compare",
    params(
        ("code" = String, Path, description = "A commune (INSEE code), an EPCI (SIREN), `dep-XX` or `reg-XX`"),
        ("year" = Option<u16>, Query, description = "The year of the comparison"),
    ),
    responses(
        (status = 200, description = "Every referential entry with its sheets, whether it is covered and the share of peers covering it; the suggestions (axes de progression)", body = serde_json::Value, content_type = "application/json"),
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
    let answer = state.work.run(move || mosaic_json(&index, &subject, year, &mosaic::mosaic(&index, &subject, year)));
    Ok(Json(answer.await?))
}

fn mosaic_json(index: &SpatialIndex, subject: &Subject, year: Option<u16>, m: &Mosaic) -> Value {
    let r = index.referential();
    let share = |with: usize| (!m.peers.is_empty()).then(|| ((with as f64 / m.peers.len() as f64) * 1000.0).round() / 1000.0);
    let entries: Vec<Value> = r
        .entries()
        .iter()
        .zip(&m.entries)
        .map(|(e, c)| {
            json!({
                "code": e.code, "label": e.label, "level": e.level, "parent": e.parent,
                "covered": c.covered(), "sheets": c.sheets, "other_sheets": c.other_sheets,
                "peers_with": c.peers_with, "peer_share": share(c.peers_with),
            })
        })
        .collect();
    let peers: Vec<Value> = m
        .peers
        .iter()
        .map(|peer| {
            let a = &index.authorities()[peer.row as usize];
            json!({ "code": a.code, "name": a.name, "population": a.population,
                    "distance_m": metres(peer.distance_m), "sheet_count": peer.sheets.len() })
        })
        .collect();
    let suggestions: Vec<Value> = m
        .suggestions
        .iter()
        .map(|s| {
            let e = &r.entries()[s.entry];
            let examples: Vec<Value> = s
                .examples
                .iter()
                .filter_map(|&(id, p)| {
                    let peer = &m.peers[p];
                    let a = &index.authorities()[peer.row as usize];
                    let mut sheet = sheet_ref(index, id)?;
                    sheet["authority"] = json!({ "code": a.code, "name": a.name });
                    sheet["distance_m"] = json!(metres(peer.distance_m));
                    Some(sheet)
                })
                .collect();
            json!({ "code": e.code, "label": e.label, "parent": e.parent, "peers_with": s.peers_with,
                    "peer_share": share(s.peers_with), "examples": examples })
        })
        .collect();
    json!({
        "authority": { "code": subject.code, "name": subject.name, "kind": subject.kind, "population": subject.population,
                       "class": class_json(subject.class()) },
        "year": year,
        "sheet_count": m.sheets.len(),
        "sheets": m.sheets.iter().filter_map(|&id| sheet_ref(index, id)).collect::<Vec<_>>(),
        "unclassified": m.unclassified,
        "peer_count": m.peers.len(),
        "peers": peers,
        "entries": entries,
        "suggestions": suggestions,
        "sample_data": index.all_sample(),
    })
}
