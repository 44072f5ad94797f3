//! `/ogc/collections/{collection}/items` and `/items/{id}`: pages of a collection's features
//! and one feature. Each collection also has its own items path in the OpenAPI document, with
//! the parameters it takes (its queryables and its way of paging).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::super::error::{Error, Result};
use super::super::openapi::params::{CommuneFilter, Filters};
use super::super::openapi::schemas::ErrorBody;
use super::{Collection, MAX_LIMIT, OgcRequest, authorities, communes, html, initiatives, link, links};
use crate::app::AppState;
use crate::index::filter::query::Params;

/// Items a page has when the client does not say (a larger `limit` than [`MAX_LIMIT`] is
/// lowered to it, as the standard asks, rather than refused).
const DEFAULT_LIMIT: usize = 100;

/// The items of a collection this API does not have: the three it has are at their own
/// paths (below), which name their parameters.
#[utoipa::path(get, path = "/ogc/collections/{collection}/items", operation_id = "ogcOtherItems", summary = "Items of an unknown collection", tag = "ogc",
    params(
        ("collection" = String, Path, description = "Not one of initiatives, authorities, communes"),
    ),
    responses(
        (status = 404, description = "No such collection: the answer names those there are", body = ErrorBody),
    ))]
pub(super) async fn items(State(state): State<AppState>, Path(id): Path<String>, req: OgcRequest) -> Result<Response> {
    page(&state, Collection::parse(&id)?, req).await
}

/// Published sheets, one feature per sheet with its places as one MultiPoint; `datetime` is
/// the sheet's edition year; the filters of `/api/initiatives` are its queryables.
#[utoipa::path(get, path = "/ogc/collections/initiatives/items", operation_id = "ogcInitiatives", summary = "Published sheets as OGC features", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html`"),
        ("limit" = Option<u32>, Query, description = "1 to 1000 (larger is lowered), default 100"),
        ("cursor" = Option<String>, Query, description = "Where the next link resumes"),
        ("datetime" = Option<String>, Query, description = "An edition year or a span (2017/2020, ../2019)"),
        Filters,
        CommuneFilter,
    ),
    responses(
        (status = 200, description = "A page of features, numberMatched, numberReturned and the next link (HTML with f=html)", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
pub(super) async fn initiative_items(State(state): State<AppState>, req: OgcRequest) -> Result<Response> {
    page(&state, Collection::Initiatives, req).await
}

/// Labelled authorities at their commune or seat, with their latest @; `datetime` is the
/// year of that label.
#[utoipa::path(get, path = "/ogc/collections/authorities/items", operation_id = "ogcAuthorities", summary = "Labelled authorities as OGC features", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html`"),
        ("limit" = Option<u32>, Query, description = "1 to 1000 (larger is lowered), default 100"),
        ("offset" = Option<u32>, Query, description = "Items to skip (the next link sets it)"),
        ("datetime" = Option<String>, Query, description = "A year or a span of the latest label"),
        ("bbox" = Option<String>, Query, description = "minlon,minlat,maxlon,maxlat"),
        ("kind" = Option<String>, Query, description = "commune, epci, departement or region"),
        ("arobases" = Option<u8>, Query, description = "Minimum @, 1 to 5"),
    ),
    responses(
        (status = 200, description = "A page of features, numberMatched, numberReturned and the next link (HTML with f=html)", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
pub(super) async fn authority_items(State(state): State<AppState>, req: OgcRequest) -> Result<Response> {
    page(&state, Collection::Authorities, req).await
}

/// Current communes with their simplified boundaries, population and postal codes.
#[utoipa::path(get, path = "/ogc/collections/communes/items", operation_id = "ogcCommunes", summary = "Communes as OGC features", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html`"),
        ("limit" = Option<u32>, Query, description = "1 to 1000 (larger is lowered), default 100"),
        ("offset" = Option<u32>, Query, description = "Items to skip (the next link sets it)"),
        ("datetime" = Option<String>, Query, description = "Communes have no time: any value matches"),
        ("bbox" = Option<String>, Query, description = "minlon,minlat,maxlon,maxlat"),
        ("departement" = Option<String>, Query, description = "Département code"),
        ("region" = Option<String>, Query, description = "Région code"),
        ("epci" = Option<String>, Query, description = "SIREN of the EPCI"),
    ),
    responses(
        (status = 200, description = "A page of features, numberMatched, numberReturned and the next link (HTML with f=html)", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
pub(super) async fn commune_items(State(state): State<AppState>, req: OgcRequest) -> Result<Response> {
    page(&state, Collection::Communes, req).await
}

async fn page(state: &AppState, c: Collection, mut req: OgcRequest) -> Result<Response> {
    let p = &mut req.params;
    let limit = take_limit(p)?;
    let years = p.take("datetime").map(|v| links::parse_datetime(&v)).transpose()?;
    let page = match c {
        Collection::Initiatives => initiatives::items(state, p, years, limit).await?,
        Collection::Authorities => authorities::items(state, p, years, limit)?,
        Collection::Communes => communes::items(state, p, years, limit)?,
    };
    req.finish()?;
    let links = req.links();
    let path = format!("/ogc/collections/{}/items", c.id());
    let mut page_links = req.this_and_other(&path, "cette page").to_vec();
    if let Some((key, value)) = &page.next {
        page_links.push(links.next(&path, req.query.as_deref(), req.encoding, key, value));
    }
    page_links.push(link(links.url(&format!("/ogc/collections/{}", c.id())), "collection", "application/json", c.title()));
    let body = json!({
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": page.features.len(),
        "timeStamp": links::now(),
        "features": page.features,
        "links": page_links,
    });
    Ok(req.answer("application/geo+json", body, |b| html::items(b, c.title(), &links.url(&path))))
}

#[utoipa::path(get, path = "/ogc/collections/{collection}/items/{id}", operation_id = "ogcItem", summary = "One OGC feature", tag = "ogc",
    params(
        ("collection" = String, Path, description = "`initiatives`, `authorities` or `communes`"),
        ("id" = String, Path, description = "The feature id"),
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "One feature (HTML with f=html)", body = serde_json::Value, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No such collection or feature", body = ErrorBody),
    ))]
pub(super) async fn item(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    mut req: OgcRequest,
) -> Result<Response> {
    let c = Collection::parse(&collection)?;
    req.finish()?;
    let mut feature = match c {
        Collection::Initiatives => initiatives::item(&state, &id)?,
        Collection::Authorities => authorities::item(&state, &id)?,
        Collection::Communes => communes::item(&state, &id)?,
    };
    let links = req.links();
    let items = links.url(&format!("/ogc/collections/{}/items", c.id()));
    // Only a known id gets here, and known ids (numbers, INSEE codes, SIREN, dep-62) are URL-safe.
    let mut feature_links = req.this_and_other(&format!("/ogc/collections/{}/items/{id}", c.id()), "cette entité").to_vec();
    feature_links.push(link(links.url(&format!("/ogc/collections/{}", c.id())), "collection", "application/json", c.title()));
    if c == Collection::Initiatives {
        feature_links.push(link(links.url(&format!("/api/initiatives/{id}")), "describedby", "application/geo+json", "la fiche entière"));
    }
    feature["links"] = Value::Array(feature_links);
    Ok(req.answer("application/geo+json", feature, |b| html::item(b, c.title(), &items)))
}

/// `limit`: a whole number from 1; above [`MAX_LIMIT`], the maximum.
fn take_limit(p: &mut Params) -> Result<usize> {
    let Some(v) = p.take("limit") else { return Ok(DEFAULT_LIMIT) };
    let digits = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
    match v.trim_start_matches('0') {
        // More digits than any number: the maximum too.
        n if digits && !n.is_empty() => Ok(n.parse::<usize>().unwrap_or(MAX_LIMIT).min(MAX_LIMIT)),
        _ => Err(Error::bad_request(format!("limit must be a whole number from 1 (at most {MAX_LIMIT} are sent), not {v:?}"))),
    }
}

/// `offset`: how many items of the selection to skip (the next link of a collection paged by
/// offset gives it).
pub(super) fn take_offset(p: &mut Params) -> Result<usize> {
    let Some(v) = p.take("offset") else { return Ok(0) };
    v.parse().map_err(|_| Error::bad_request(format!("offset must be a whole number from 0, not {v:?}")))
}

/// The next page of a collection paged by offset, when there is one.
pub(super) fn next_offset(offset: usize, limit: usize, matched: usize) -> Option<(&'static str, String)> {
    let next = offset.saturating_add(limit);
    (next < matched).then(|| ("offset", next.to_string()))
}
