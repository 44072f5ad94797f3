//! `GET /api/communes?q=` (suggestions), `GET /api/communes/{insee}` (one commune, with its
//! boundary on request) and `GET /api/reverse` (the commune at a point).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::features::{CommuneRef, Named};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::gazetteer::{Commune, CommuneKind, Gazetteer, PointSource};
use crate::index::filter::query::{Params, check_position};
use crate::model::round_degrees;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search)).routes(routes!(one)).routes(routes!(reverse))
}

/// Longest query accepted by the suggestions (no commune name is longer than 50 characters).
const MAX_QUERY_CHARS: usize = 200;

/// A commune as the search, reverse geocoding and the other answers show it.
#[derive(Serialize, ToSchema)]
struct CommuneSummary<'a> {
    /// INSEE code.
    code: &'a str,
    name: &'a str,
    /// `commune`, `arrondissement`, `delegated` or `associated` (the last two are former
    /// communes, with their `parent`).
    #[schema(value_type = String)]
    kind: CommuneKind,
    departement: Option<Named<'a>>,
    parent: Option<CommuneRef<'a>>,
    population: u32,
    postal_codes: &'a [String],
    /// Where places located by the commune's name lie: longitude, latitude.
    center: [f64; 2],
}

fn summary<'a>(g: &'a Gazetteer, c: &'a Commune) -> CommuneSummary<'a> {
    CommuneSummary {
        code: &c.code,
        name: &c.name,
        kind: c.kind,
        departement: g.departement(&c.departement).map(|d| Named { code: &d.code, name: &d.name }),
        parent: c.parent.as_deref().and_then(|p| g.commune(p)).map(CommuneRef::from),
        population: c.population,
        postal_codes: &c.postal_codes,
        center: [round_degrees(c.point[0]), round_degrees(c.point[1])],
    }
}

/// The communes found for a query, best first.
#[derive(Serialize, ToSchema)]
struct Found<'a> {
    query: String,
    communes: Vec<CommuneSummary<'a>>,
}

/// One commune, whole.
#[derive(Serialize, ToSchema)]
struct CommuneDetail<'a> {
    #[serde(flatten)]
    summary: CommuneSummary<'a>,
    /// INSEE's type of name (TNCC, 0 to 8: which article the name takes).
    name_type: u8,
    /// `town_hall`, `interior` (a point inside the boundary) or `related` (another row's).
    #[schema(value_type = String)]
    center_source: PointSource,
    region: Option<Named<'a>>,
    epci: Option<EpciRef<'a>>,
    /// minlon, minlat, maxlon, maxlat.
    bbox: [f64; 4],
    /// The simplified boundary (GeoJSON), with `geometry=true`; `null` for a former commune.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    geometry: Option<Value>,
}

#[derive(Serialize, ToSchema)]
struct EpciRef<'a> {
    /// SIREN.
    code: &'a str,
    name: &'a str,
    /// `CC`, `CA`, `CU`, `METRO`…
    kind: &'a str,
}

/// The commune at a point.
#[derive(Serialize, ToSchema)]
struct AtPoint<'a> {
    commune: CommuneSummary<'a>,
    /// In Paris, Lyon and Marseille, the arrondissement.
    arrondissement: Option<CommuneSummary<'a>>,
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
        (status = 200, description = "Communes best first", body = Found),
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
    let communes = g.search(&q, limit).into_iter().map(|c| summary(g, c)).collect();
    Ok(Json(serde_json::to_value(Found { query: q, communes }).map_err(anyhow::Error::from)?))
}

#[utoipa::path(get, path = "/api/communes/{insee}", operation_id = "getCommune", summary = "One commune", tag = "places",
    params(
        ("insee" = String, Path, description = "INSEE code"),
        ("geometry" = Option<bool>, Query, description = "Add the simplified boundary"),
    ),
    responses(
        (status = 200, description = "The commune", body = CommuneDetail),
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
    let geometry = match (with_geometry, g.boundary(&c.code)) {
        (false, _) => None,
        (true, Some(b)) => Some(serde_json::to_value(geojson::Geometry::from(b)).map_err(anyhow::Error::from)?),
        (true, None) => Some(Value::Null),
    };
    let detail = CommuneDetail {
        summary: summary(g, c),
        name_type: c.name_type,
        center_source: c.point_source,
        region: g.region(&c.region).map(|r| Named { code: &r.code, name: &r.name }),
        epci: c.epci.as_deref().and_then(|e| g.epci(e)).map(|e| EpciRef { code: &e.code, name: &e.name, kind: &e.kind }),
        bbox: c.bbox.map(round_degrees),
        geometry,
    };
    Ok(Json(serde_json::to_value(detail).map_err(anyhow::Error::from)?))
}

#[utoipa::path(get, path = "/api/reverse", operation_id = "reverseGeocode", summary = "The commune at a point", tag = "places",
    params(
        ("lon" = f64, Query, description = "Longitude, WGS 84"),
        ("lat" = f64, Query, description = "Latitude, WGS 84"),
    ),
    responses(
        (status = 200, description = "The commune containing the point, and the arrondissement in Paris, Lyon and Marseille", body = AtPoint),
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
    let found = AtPoint { commune: summary(g, hit.commune), arrondissement: hit.arrondissement.map(|a| summary(g, a)) };
    Ok(Json(serde_json::to_value(found).map_err(anyhow::Error::from)?))
}
