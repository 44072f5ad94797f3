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
mod items;
mod links;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::extract::BaseUrl;
use crate::app::AppState;
use crate::index::filter::query::Params;
use items::{next_offset, take_offset};
use links::{Links, link};

/// Items a page has at most (a larger `limit` is lowered to this, as the standard asks).
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(landing))
        .routes(routes!(conformance))
        .routes(routes!(collections))
        .routes(routes!(collection))
        .routes(routes!(queryables))
        .routes(routes!(items::items))
        .routes(routes!(items::initiative_items))
        .routes(routes!(items::authority_items))
        .routes(routes!(items::commune_items))
        .routes(routes!(items::item))
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

#[utoipa::path(get, path = "/ogc", operation_id = "ogcLanding", summary = "OGC API landing page", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "The landing page: links to the conformance, the collections and this API's OpenAPI document (HTML with f=html)", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = super::openapi::schemas::ErrorBody),
    ))]
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
            // The OpenAPI document is 3.1, so the conformance class oas30 (for 3.0) is not claimed.
            link(links.url("/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.1", "définition de l'API (OpenAPI 3.1)"),
            link(links.url("/api/docs"), "service-doc", "text/html", "documentation de l'API"),
            link(links.url("/ogc/conformance"), "conformance", "application/json", "classes de conformité"),
            link(links.url("/ogc/collections"), "data", "application/json", "collections"),
        ],
    });
    let sheets = state.index().len();
    Ok(req.answer("application/json", body, |b| html::landing(b, sheets)))
}

#[utoipa::path(get, path = "/ogc/conformance", operation_id = "ogcConformance", summary = "OGC conformance classes", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "The requirement classes met (HTML with f=html)", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = super::openapi::schemas::ErrorBody),
    ))]
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

#[utoipa::path(get, path = "/ogc/collections", operation_id = "ogcCollections", summary = "OGC collections", tag = "ogc",
    params(
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "The collections: initiatives, authorities, communes, with their extents (HTML with f=html)", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = super::openapi::schemas::ErrorBody),
    ))]
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

#[utoipa::path(get, path = "/ogc/collections/{collection}", operation_id = "ogcCollection", summary = "One OGC collection", tag = "ogc",
    params(
        ("collection" = String, Path, description = "`initiatives`, `authorities` or `communes`"),
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "One collection (HTML with f=html)", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = super::openapi::schemas::ErrorBody),
        (status = 404, description = "No such collection", body = super::openapi::schemas::ErrorBody),
    ))]
async fn collection(State(state): State<AppState>, Path(id): Path<String>, mut req: OgcRequest) -> Result<Response> {
    let c = Collection::parse(&id)?;
    req.finish()?;
    let body = describe(&state, &req.links(), c).await?;
    Ok(req.answer("application/json", body, html::collection))
}

#[utoipa::path(get, path = "/ogc/collections/{collection}/queryables", operation_id = "ogcQueryables", summary = "The queryables of a collection", tag = "ogc",
    params(
        ("collection" = String, Path, description = "`initiatives`, `authorities` or `communes`"),
        ("f" = Option<String>, Query, description = "`json` or `html` (default: from the Accept header)"),
    ),
    responses(
        (status = 200, description = "The properties that filter items (JSON Schema) (HTML with f=html)", body = serde_json::Value, content_type = "application/schema+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = super::openapi::schemas::ErrorBody),
        (status = 404, description = "No such collection", body = super::openapi::schemas::ErrorBody),
    ))]
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
