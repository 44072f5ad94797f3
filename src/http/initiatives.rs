//! `GET /api/initiatives` (listing with filters and paging), `GET /api/initiatives/{id}` (one
//! whole sheet, from the store) and `GET /api/nearby` (closest sheets to a point or commune).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::extract::with_etag;
use super::features::{PlaceView, PointGeometry, SheetCollection, SheetFeature, place_view};
use super::openapi::schemas::ErrorBody;
use super::params::{Cursor, MAX_LIMIT, sheet_id, take_cursor};
use crate::app::AppState;
use crate::index::filter::query::{Params, check_position, take_filter};
use crate::model::{Authority, AuthorityKind, Initiative, LabelAward, SheetId, Status, round_degrees};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(one)).routes(routes!(nearby))
}

#[utoipa::path(get, path = "/api/initiatives", operation_id = "listInitiatives", summary = "Published sheets, filtered and paged", tag = "sheets",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 100"),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("order" = Option<String>, Query, description = "`id` (default without `q`) or `relevance` (default with `q`)"),
    ),
    responses(
        (status = 200, description = "Published sheets, one feature per sheet at its first place that passes the filters; `next_cursor` gives the next page", body = super::features::SheetCollection, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 503, description = "Every computing thread is busy (busy), or the database is unreachable (unavailable)", body = ErrorBody),
    ))]
async fn list(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let filter = Arc::new(take_filter(&mut p, &state.gazetteer, &state.referential, true)?);
    let limit = p.take_limit(100, MAX_LIMIT)?;
    let by_relevance = match p.take("order").as_deref() {
        None => filter.text.is_some(),
        Some("id") => false,
        Some("relevance") if filter.text.is_some() => true,
        Some("relevance") => return Err(Error::bad_request("order=relevance needs a text query q")),
        Some(other) => return Err(Error::bad_request(format!("order must be id or relevance, not {other:?}"))),
    };
    let cursor = take_cursor(&mut p)?;
    p.finish()?;
    // One view of the index for the whole request: what the read finds is shown as it has it.
    let index = state.index();
    let (ids, next) = match (by_relevance, cursor) {
        (true, None | Some(Cursor::Rank(_))) => {
            let offset = match cursor {
                Some(Cursor::Rank(n)) => n,
                _ => 0,
            };
            let (ids, next) = state.reads.page_by_relevance(&index, &filter, offset, limit).await?;
            (ids, next.map(Cursor::Rank))
        }
        (false, None | Some(Cursor::After(_))) => {
            let after = match cursor {
                Some(Cursor::After(id)) => Some(id),
                _ => None,
            };
            let page = state.reads.page(&index, &filter, after, limit).await?;
            (page.ids, page.next_after.map(Cursor::After))
        }
        _ => return Err(Error::bad_request("this cursor belongs to a listing in another order")),
    };
    let hits = filter.text_hits(&index);
    let features = ids
        .iter()
        // A sheet the change feed has not brought into memory yet is left out.
        .filter_map(|&id| index.sheet(id).map(|sheet| (id, sheet)))
        .map(|(id, sheet)| {
            // Shown at its first place that matches the filter (the main place when unfiltered).
            let place = filter.first_matching_place(&index, sheet).unwrap_or(0);
            SheetFeature::new(&index, id, sheet, place, None).with_score(hits.and_then(|h| h.score(sheet.doc)))
        })
        .collect();
    let mut collection = SheetCollection::new(features, index.all_sample());
    collection.next_cursor = Some(next.map(Cursor::encode));
    Ok(collection.into_response())
}

#[utoipa::path(get, path = "/api/initiatives/{id}", operation_id = "getInitiative", summary = "One published sheet, whole", tag = "sheets",
    params(
        ("id" = i64, Path, description = "The sheet's id"),
    ),
    responses(
        (status = 200, description = "The whole sheet: summary, body, services with labels, places, the authority's label history, `version` (also the `ETag`)", body = FullSheet),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No published sheet with that id", body = ErrorBody),
    ))]
async fn one(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let id = sheet_id(&id)?;
    let missing = || Error::not_found(format!("no published initiative {id}"));
    let sheet = state.store.initiative(id).await?.ok_or_else(missing)?;
    // Drafts and archived sheets are not public.
    if sheet.sheet.status != Status::Published {
        return Err(missing());
    }
    let authority = state.store.authority(&sheet.sheet.authority).await?;
    let mut response = Json(full_feature(&state, &sheet, authority)).into_response();
    // What a write sends back in If-Match.
    with_etag(response.headers_mut(), sheet.version);
    Ok(response)
}

/// A sheet whole, as `GET /api/initiatives/{id}` and the preview give it.
#[derive(Serialize, ToSchema)]
pub(super) struct FullSheet<'a> {
    #[schema(example = "Feature")]
    r#type: &'static str,
    #[schema(value_type = i64)]
    id: SheetId,
    /// Its main place.
    geometry: PointGeometry,
    properties: FullProperties<'a>,
}

#[derive(Serialize, ToSchema)]
struct FullProperties<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    /// The label's edition the sheet belongs to.
    year: u16,
    website: Option<&'a str>,
    /// The main one first.
    services: Vec<ServiceLabel<'a>>,
    /// The main one first.
    places: Vec<PlaceView<'a>>,
    authority: Option<AuthorityAwards>,
    /// `published` here; `draft`, `proposed`, `rejected` or `archived` in a preview.
    #[schema(value_type = String)]
    status: Status,
    /// Generated sample data, not a real sheet.
    sample: bool,
    /// Where the sheet comes from (a file name, an API client) and its id there.
    source: &'a str,
    external_id: &'a str,
    /// What the source said that has no field here, as given.
    source_data: &'a BTreeMap<String, String>,
    /// RFC 3339, UTC.
    created_at: &'a str,
    updated_at: &'a str,
    updated_by: &'a str,
    /// What a write sends back in `If-Match` (also the `ETag`).
    version: i64,
}

/// A service of the referential with its label and the branches above it.
#[derive(Serialize, ToSchema)]
struct ServiceLabel<'a> {
    code: &'a str,
    /// `null` for a code the referential no longer has.
    label: Option<&'a str>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    use_: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    theme: Option<&'a str>,
}

/// The authority of a sheet and its label history.
#[derive(Serialize, ToSchema)]
struct AuthorityAwards {
    code: String,
    /// `commune`, `epci`, `departement` or `region`.
    #[schema(value_type = String)]
    kind: AuthorityKind,
    name: String,
    population: u32,
    /// Every year it was labelled: `year`, `arobases` (1 to 5), `mentions`.
    #[schema(value_type = Vec<Object>)]
    awards: Vec<LabelAward>,
}

pub(super) fn full_feature<'a>(state: &'a AppState, sheet: &'a Initiative, authority: Option<Authority>) -> FullSheet<'a> {
    let s = &sheet.sheet;
    let r = &state.referential;
    let service = |code: &'a String| match r.service_index(code) {
        Some(i) => {
            let [t, c, u] = r.ancestry(i);
            let label = Some(r.service(i).label.as_str());
            ServiceLabel { code, label, use_: Some(&u.code), challenge: Some(&c.code), theme: Some(&t.code) }
        }
        None => ServiceLabel { code, label: None, use_: None, challenge: None, theme: None },
    };
    let main = &s.places[0];
    FullSheet {
        r#type: "Feature",
        id: sheet.id,
        geometry: PointGeometry::new(main.lon, main.lat),
        properties: FullProperties {
            id: sheet.id,
            title: &s.title,
            summary: &s.summary,
            body: &s.body,
            year: s.year,
            website: s.website.as_deref(),
            services: s.services.iter().map(service).collect(),
            places: s.places.iter().map(|p| place_view(&state.gazetteer, p)).collect(),
            authority: authority.map(|a| AuthorityAwards {
                code: a.code,
                kind: a.kind,
                name: a.name,
                population: a.population,
                awards: a.awards,
            }),
            status: s.status,
            sample: s.sample,
            source: &s.source,
            external_id: &s.external_id,
            source_data: &s.source_data,
            created_at: &sheet.created_at,
            updated_at: &sheet.updated_at,
            updated_by: &s.updated_by,
            version: sheet.version,
        },
    }
}

#[utoipa::path(get, path = "/api/nearby", operation_id = "nearbyInitiatives", summary = "Sheets closest to a point or commune", tag = "sheets",
    params(
        ("lon" = Option<f64>, Query, description = "Longitude of the origin (with lat)"),
        ("lat" = Option<f64>, Query, description = "Latitude of the origin"),
        ("commune" = Option<String>, Query, description = "Or the INSEE code of the origin commune"),
        ("radius_m" = Option<f64>, Query, description = "Only sheets within this many metres"),
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 20"),
        super::openapi::params::Filters,
    ),
    responses(
        (status = 200, description = "Sheets closest first, each at its closest place with `distance_m` (geodesic metres)", body = super::features::SheetCollection, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No commune with that code", body = ErrorBody),
        (status = 503, description = "Every computing thread is busy (busy), or the database is unreachable (unavailable)", body = ErrorBody),
    ))]
async fn nearby(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let (lon, lat, commune) = (p.take_f64("lon")?, p.take_f64("lat")?, p.take("commune"));
    let origin = match (lon, lat, commune) {
        (Some(lon), Some(lat), None) => check_position(lon, lat)?,
        (None, None, Some(code)) => {
            let c = state.gazetteer.commune(&code).ok_or_else(|| Error::not_found(format!("no commune with INSEE code {code:?}")))?;
            c.point
        }
        _ => return Err(Error::bad_request("give either lon and lat, or commune (an INSEE code)")),
    };
    let radius_m = p.take_radius()?;
    let filter = Arc::new(take_filter(&mut p, &state.gazetteer, &state.referential, false)?);
    let limit = p.take_limit(20, MAX_LIMIT)?;
    p.finish()?;
    // One view of the index for the whole request.
    let index = state.index();
    let found = state.reads.nearby(&index, origin, radius_m, limit, &filter).await?;
    let hits = filter.text_hits(&index);
    let features = found
        .into_iter()
        .filter_map(|n| {
            let sheet = index.sheet(n.sheet)?;
            let feature = SheetFeature::new(&index, n.sheet, sheet, n.place as usize, Some(n.distance_m));
            Some(feature.with_score(hits.and_then(|h| h.score(sheet.doc))))
        })
        .collect();
    let mut collection = SheetCollection::new(features, index.all_sample());
    collection.origin = Some([round_degrees(origin[0]), round_degrees(origin[1])]);
    Ok(collection.into_response())
}
