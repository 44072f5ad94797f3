//! OGC API – Features (Part 1, Core; GeoJSON and HTML encodings) under `/ogc`, so that QGIS,
//! ArcGIS and every GDAL-based tool read the Atlaas without a client of ours: the landing
//! page, `/conformance`, `/collections`, and for each collection its description, its
//! `/queryables` (Part 3: the filters it takes as query parameters), `/items` and
//! `/items/{id}`.
//!
//! Three collections: `initiatives` (one feature per published sheet, its places as one
//! MultiPoint), `authorities` (labelled authorities at their commune or seat, with their latest
//! @) and `communes` (current communes with their boundaries). Each is a module with the same
//! three functions: its queryables, a page of its items, and one item.

mod authorities;
mod communes;
mod html;
mod initiatives;
mod links;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use serde_json::{Value, json};

use super::error::{Error, Result};
use super::extract::BaseUrl;
use crate::app::AppState;
use crate::index::filter::query::Params;
use links::{Links, link};

/// Items a page has when the client does not say, and at most (a larger `limit` is lowered to
/// this, as the standard asks, rather than refused).
const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// The requirement classes this API meets.
const CONFORMANCE: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
];

/// The only coordinate reference system: WGS 84 longitude, latitude.
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{collection}", get(collection))
        .route("/ogc/collections/{collection}/queryables", get(queryables))
        .route("/ogc/collections/{collection}/items", get(items))
        .route("/ogc/collections/{collection}/items/{id}", get(item))
}

/// What a client asked for: `f=json|html`, else HTML when its `Accept` names it (a browser),
/// else JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Json,
    Html,
}

fn encoding(p: &mut Params, headers: &HeaderMap) -> Result<Encoding> {
    match p.take("f").as_deref() {
        Some("json") => Ok(Encoding::Json),
        Some("html") => Ok(Encoding::Html),
        Some(other) => Err(Error::bad_request(format!("f must be json or html, not {other:?}"))),
        None => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
            Ok(if accept.contains("text/html") { Encoding::Html } else { Encoding::Json })
        }
    }
}

/// The collections, by their id in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Initiatives,
    Authorities,
    Communes,
}

impl Collection {
    const ALL: [Collection; 3] = [Collection::Initiatives, Collection::Authorities, Collection::Communes];

    fn parse(id: &str) -> Result<Collection> {
        Collection::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| Error::not_found(format!("no collection {id:?}: the collections are initiatives, authorities and communes")))
    }

    fn id(self) -> &'static str {
        match self {
            Collection::Initiatives => "initiatives",
            Collection::Authorities => "authorities",
            Collection::Communes => "communes",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Collection::Initiatives => "Initiatives publiées",
            Collection::Authorities => "Collectivités labellisées",
            Collection::Communes => "Communes",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Collection::Initiatives => {
                "Une entité par fiche d'initiative publiée, ses lieux en un MultiPoint ; \
                 l'année (datetime) est l'édition du label de la fiche."
            }
            Collection::Authorities => {
                "Les collectivités labellisées Territoires, Villes et Villages Internet, à leur commune \
                 ou à leur siège, avec leur dernier niveau (1 à 5 @) ; l'année (datetime) est celle de ce label."
            }
            Collection::Communes => "Les communes en vigueur, avec leur contour simplifié, leur population et leurs codes postaux.",
        }
    }

    /// The years the items carry, as the collection's temporal extent (a walk over the sheets
    /// for initiatives, so on a computing thread).
    async fn years(self, state: &AppState) -> Result<Option<(u16, u16)>> {
        let index = state.index();
        Ok(match self {
            Collection::Initiatives => state.work.run(move || initiatives::years(&index)).await?,
            Collection::Authorities => authorities::years(&index),
            Collection::Communes => None,
        })
    }

    fn queryables(self, state: &AppState) -> Vec<(&'static str, Value)> {
        match self {
            Collection::Initiatives => initiatives::queryables(&state.referential),
            Collection::Authorities => authorities::queryables(),
            Collection::Communes => communes::queryables(),
        }
    }
}

/// A page of items as the collections give them.
pub(super) struct Items {
    pub features: Vec<Value>,
    pub matched: usize,
    /// The query parameter and value that ask for the next page, when there is one.
    pub next: Option<(&'static str, String)>,
}

/// What every OGC request carries: the base of its links, the encoding asked for, its query
/// as given (links repeat it) and its parameters, `f` taken.
struct OgcRequest {
    base: String,
    encoding: Encoding,
    query: Option<String>,
    params: Params,
}

impl<S: Send + Sync> FromRequestParts<S> for OgcRequest {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let Ok(BaseUrl(base)) = BaseUrl::from_request_parts(parts, state).await;
        let query = parts.uri.query().map(str::to_owned);
        let mut params = Params::parse(query.as_deref())?;
        let encoding = encoding(&mut params, &parts.headers)?;
        Ok(OgcRequest { base, encoding, query, params })
    }
}

impl OgcRequest {
    /// Fails on a parameter no one took.
    fn finish(&mut self) -> Result<()> {
        let params = std::mem::replace(&mut self.params, Params::parse(None)?);
        Ok(params.finish()?)
    }

    fn links(&self) -> Links<'_> {
        Links::new(&self.base)
    }

    /// The links to this answer in its encoding and in the other one.
    fn this_and_other(&self, path: &str, title: &str) -> [Value; 2] {
        let links = self.links();
        [links.this(path, self.query.as_deref(), self.encoding, title), links.other(path, self.query.as_deref(), self.encoding, title)]
    }

    /// Sends JSON (with its media type) or the HTML page made from it.
    fn answer(&self, media: &'static str, body: Value, page: impl FnOnce(&Value) -> String) -> Response {
        match self.encoding {
            Encoding::Json => {
                let mut res = axum::Json(body).into_response();
                res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
                res
            }
            Encoding::Html => html::page(&self.base, page(&body)),
        }
    }
}

async fn landing(State(state): State<AppState>, mut req: OgcRequest) -> Result<Response> {
    req.finish()?;
    let links = req.links();
    let [this, other] = req.this_and_other("/ogc", "cette page");
    let body = json!({
        "title": "Atlaas — API OGC Features",
        "description": "Les fiches d'initiatives numériques des collectivités labellisées Territoires, Villes et Villages \
                        Internet, les collectivités et les communes, en GeoJSON et en HTML.",
        "links": [
            this,
            other,
            link(links.url("/ogc/conformance"), "conformance", "application/json", "classes de conformité"),
            link(links.url("/ogc/collections"), "data", "application/json", "collections"),
        ],
    });
    let sheets = state.index().len();
    Ok(req.answer("application/json", body, |b| html::landing(b, sheets)))
}

async fn conformance(mut req: OgcRequest) -> Result<Response> {
    req.finish()?;
    let [this, other] = req.this_and_other("/ogc/conformance", "classes de conformité");
    let body = json!({ "conformsTo": CONFORMANCE, "links": [this, other] });
    Ok(req.answer("application/json", body, html::conformance))
}

/// A collection's description, as `/collections` lists it and `/collections/{id}` gives it.
async fn describe(state: &AppState, links: &Links<'_>, c: Collection) -> Result<Value> {
    let path = format!("/ogc/collections/{}", c.id());
    let mut extent = json!({ "spatial": { "bbox": [state.gazetteer.extent()], "crs": CRS84 } });
    if let Some((from, to)) = c.years(state).await? {
        extent["temporal"] = json!({ "interval": [[format!("{from}-01-01T00:00:00Z"), format!("{to}-12-31T23:59:59Z")]] });
    }
    Ok(json!({
        "id": c.id(),
        "title": c.title(),
        "description": c.description(),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            link(links.url(&path), "self", "application/json", c.title()),
            link(links.url(&format!("{path}?f=html")), "alternate", "text/html", c.title()),
            link(links.url(&format!("{path}/items")), "items", "application/geo+json", "les entités en GeoJSON"),
            link(links.url(&format!("{path}/items?f=html")), "items", "text/html", "les entités en HTML"),
            link(links.url(&format!("{path}/queryables")), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "les filtres"),
        ],
    }))
}

async fn collections(State(state): State<AppState>, mut req: OgcRequest) -> Result<Response> {
    req.finish()?;
    let links = req.links();
    let mut described = Vec::with_capacity(Collection::ALL.len());
    for c in Collection::ALL {
        described.push(describe(&state, &links, c).await?);
    }
    let body = json!({ "collections": described, "links": req.this_and_other("/ogc/collections", "collections") });
    Ok(req.answer("application/json", body, |b| html::collections(b, &req.base)))
}

async fn collection(State(state): State<AppState>, Path(id): Path<String>, mut req: OgcRequest) -> Result<Response> {
    let c = Collection::parse(&id)?;
    req.finish()?;
    let body = describe(&state, &req.links(), c).await?;
    Ok(req.answer("application/json", body, html::collection))
}

async fn queryables(State(state): State<AppState>, Path(id): Path<String>, mut req: OgcRequest) -> Result<Response> {
    let c = Collection::parse(&id)?;
    req.finish()?;
    let properties: serde_json::Map<String, Value> = c.queryables(&state).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": req.links().url(&format!("/ogc/collections/{}/queryables", c.id())),
        "type": "object",
        "title": c.title(),
        "description": "Chaque propriété est un paramètre de /items : theme=2&year=2019-2021.",
        "properties": properties,
        "additionalProperties": false,
    });
    Ok(req.answer("application/schema+json", body, |b| html::queryables(b, c.title())))
}

async fn items(State(state): State<AppState>, Path(id): Path<String>, mut req: OgcRequest) -> Result<Response> {
    let c = Collection::parse(&id)?;
    let p = &mut req.params;
    let limit = take_limit(p)?;
    let years = p.take("datetime").map(|v| links::parse_datetime(&v)).transpose()?;
    let page = match c {
        Collection::Initiatives => initiatives::items(&state, p, years, limit).await?,
        Collection::Authorities => authorities::items(&state, p, years, limit)?,
        Collection::Communes => communes::items(&state, p, years, limit)?,
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

async fn item(State(state): State<AppState>, Path((collection, id)): Path<(String, String)>, mut req: OgcRequest) -> Result<Response> {
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
fn take_offset(p: &mut Params) -> Result<usize> {
    let Some(v) = p.take("offset") else { return Ok(0) };
    v.parse().map_err(|_| Error::bad_request(format!("offset must be a whole number from 0, not {v:?}")))
}

/// The next page of a collection paged by offset, when there is one.
fn next_offset(offset: usize, limit: usize, matched: usize) -> Option<(&'static str, String)> {
    let next = offset.saturating_add(limit);
    (next < matched).then(|| ("offset", next.to_string()))
}
