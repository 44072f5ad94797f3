//! `GET /api/communes?q=` (suggestions), `GET /api/communes/{insee}` (one commune, with its
//! boundary on request) and `GET /api/reverse` (the commune at a point).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::error::{Error, Result};
use super::features::CommuneRef;
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::gazetteer::{Commune, Gazetteer};
use crate::index::filter::query::{Params, check_position};
use crate::model::round_degrees;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search)).routes(routes!(one)).routes(routes!(reverse))
}

/// Longest query accepted by the suggestions (no commune name is longer than 50 characters).
const MAX_QUERY_CHARS: usize = 200;

fn summary(g: &Gazetteer, c: &Commune) -> Value {
    json!({
        "code": c.code,
        "name": c.name,
        "kind": c.kind,
        "departement": g.departement(&c.departement).map(|d| json!({ "code": d.code, "name": d.name })),
        "parent": c.parent.as_deref().and_then(|p| g.commune(p)).map(CommuneRef::from),
        "population": c.population,
        "postal_codes": c.postal_codes,
        "center": [round_degrees(c.point[0]), round_degrees(c.point[1])],
    })
}

/// A 400 for what cannot be an INSEE code, so that a typo is not told "no such commune".
pub(super) fn check_insee(insee: &str) -> Result<()> {
    let well_formed = insee.len() == 5 && insee.chars().all(|c| c.is_ascii_alphanumeric());
    if !well_formed {
        return Err(Error::bad_request(format!("{insee:?} is not an INSEE code (5 characters, such as 62548 or 2A004)")));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/communes", operation_id = "searchCommunes", summary = "Communes for a name, postal code or INSEE code", tag = "places",
    params(
        ("q" = String, Query, description = "A name in any spelling, a postal code or its first digits, an INSEE code, or a postal code with a name (`62730 Marck`)"),
        ("limit" = Option<u32>, Query, description = "1 to 50, default 10"),
    ),
    responses(
        (status = 200, description = "Communes best first: code, name, kind, département, parent, population, postal codes, centre", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
async fn search(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let q = p.take("q").ok_or_else(|| Error::bad_request("q is required: a commune name, postal code or INSEE code"))?;
    let limit = p.take_limit(10, 50)?;
    p.finish()?;
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::bad_request(format!("q is longer than {MAX_QUERY_CHARS} characters")));
    }
    let g = &state.gazetteer;
    let results: Vec<Value> = g.search(&q, limit).into_iter().map(|c| summary(g, c)).collect();
    Ok(Json(json!({ "query": q, "communes": results })))
}

#[utoipa::path(get, path = "/api/communes/{insee}", operation_id = "getCommune", summary = "One commune", tag = "places",
    params(
        ("insee" = String, Path, description = "INSEE code"),
        ("geometry" = Option<bool>, Query, description = "Add the simplified boundary"),
    ),
    responses(
        (status = 200, description = "The commune: code, name, kind, département, région, EPCI, parent, population, postal codes, centre, bbox", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No commune with that code", body = ErrorBody),
    ))]
async fn one(State(state): State<AppState>, Path(insee): Path<String>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let with_geometry = p.take_bool("geometry")?;
    p.finish()?;
    check_insee(&insee)?;
    let g = &state.gazetteer;
    let c = g.commune(&insee).ok_or_else(|| Error::not_found(format!("no commune with INSEE code {insee}")))?;
    let mut body = summary(g, c);
    body["name_type"] = json!(c.name_type);
    body["center_source"] = json!(c.point_source);
    body["region"] = json!(g.region(&c.region).map(|r| json!({ "code": r.code, "name": r.name })));
    body["epci"] = json!(c.epci.as_deref().and_then(|e| g.epci(e)).map(|e| json!({ "code": e.code, "name": e.name, "kind": e.kind })));
    body["bbox"] = json!(c.bbox.map(round_degrees));
    if with_geometry {
        body["geometry"] = match g.boundary(&c.code) {
            Some(b) => serde_json::to_value(geojson::Geometry::from(b)).map_err(anyhow::Error::from)?,
            None => Value::Null,
        };
    }
    Ok(Json(body))
}

#[utoipa::path(get, path = "/api/reverse", operation_id = "reverseGeocode", summary = "The commune at a point", tag = "places",
    params(
        ("lon" = f64, Query, description = "Longitude, WGS 84"),
        ("lat" = f64, Query, description = "Latitude, WGS 84"),
    ),
    responses(
        (status = 200, description = "The commune containing the point, and the arrondissement in Paris, Lyon and Marseille", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "At sea or abroad", body = ErrorBody),
    ))]
async fn reverse(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<Value>> {
    let mut p = Params::parse(query.as_deref())?;
    let (lon, lat) = (p.take_f64("lon")?, p.take_f64("lat")?);
    p.finish()?;
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(Error::bad_request("lon and lat are required"));
    };
    let [lon, lat] = check_position(lon, lat)?;
    let g = &state.gazetteer;
    let hit = g.reverse(lon, lat).ok_or_else(|| Error::not_found(format!("no French commune contains {lon},{lat} (at sea or abroad)")))?;
    Ok(Json(json!({
        "commune": summary(g, hit.commune),
        "arrondissement": hit.arrondissement.map(|a| summary(g, a)),
    })))
}
