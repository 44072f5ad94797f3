//! The OpenAPI 3.1 document of the service, `GET /openapi.json`, and the page that shows it,
//! `GET /api/docs`.
//!
//! The document is made from the handlers themselves: each carries a `#[utoipa::path]`
//! attribute, and each module's router registers its handlers with `utoipa_axum::routes!`,
//! which takes the path and method from that attribute. A route therefore cannot be served
//! without being documented, nor documented without being served (`tests/openapi.rs` checks
//! both, and the web tests validate the document).

pub mod params;
pub mod schemas;

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::encoding::Compressed;
use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atlaas",
        description = "The national map of French local authorities' digital initiatives (the label *Territoires, \
            Villes et Villages Internet*): published sheets, their places, the label's authorities, communes, \
            vector tiles, and the participatory write path.\n\n\
            JSON everywhere; GeoJSON is RFC 7946 (longitude first, WGS 84). Every error answers the `ErrorBody` \
            schema with a 4xx or 5xx status: unknown parameters and malformed values are 400s. Any request may \
            also answer 408 (past the time limit), 413 (a body over 1 MB, 20 MB for an import), 429 (writes \
            or sign-ins past their limit, with `Retry-After`), 503 `busy` (every computing thread taken, with \
            `Retry-After`) or 500 (with a reference to the server's log). Every answer carries an \
            `X-Request-Id`.",
        license(name = "MIT"),
    ),
    tags(
        (name = "sheets", description = "Published initiative sheets: listings, nearby, one sheet, open-data exports"),
        (name = "compare", description = "Related sheets, peer communes and the mosaic of an authority"),
        (name = "places", description = "Communes: search, one commune, reverse geocoding; the referential"),
        (name = "writing", description = "The participatory write path: sheets written by their authority, moderated"),
        (name = "accounts", description = "Who is asking: tokens, accounts, sessions"),
        (name = "imports", description = "Files of sheets imported over HTTP"),
        (name = "ogc", description = "OGC API – Features, Part 1 Core: the same data for GIS clients"),
        (name = "map", description = "Vector tiles, TileJSON, the MapLibre style, its glyphs, the basemap"),
        (name = "pages", description = "The French pages, the widget and their files"),
        (name = "operations", description = "Health, metrics and this document"),
    ),
    components(schemas(schemas::ErrorBody)),
    modifiers(&Credentials)
)]
struct ApiDoc;

/// The two ways to say who is asking: an API token (programs) or a session (people, on our
/// pages, whose writes also send the session's CSRF token in `X-CSRF-Token`).
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token (`atl_…`), made with `atlaas token create`; shown once, stored hashed"))
            .build();
        components.add_security_scheme("token", SecurityScheme::Http(bearer));
        let cookie = ApiKeyValue::with_description(
            super::auth::SESSION_COOKIE,
            "The session cookie set by POST /api/session; writes also send its csrf_token in X-CSRF-Token",
        );
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    }
}

/// The document's skeleton (information, tags, shared schemas), which the routers fill in.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(document)).routes(routes!(docs_page))
}

/// The finished document, serialized and compressed once.
pub struct Document(Compressed);

impl Document {
    pub fn new(api: &utoipa::openapi::OpenApi) -> Arc<Self> {
        let json = serde_json::to_vec(api).expect("an OpenAPI document serializes");
        Arc::new(Document(Compressed::new(json, true).expect("compressing in memory")))
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi", summary = "This OpenAPI document", tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/json"),
    ))]
async fn document(Extension(doc): Extension<Arc<Document>>, headers: HeaderMap) -> Response {
    doc.0.respond(&headers, "application/json", "no-cache")
}

/// The API's documentation page, drawn from this document by Swagger UI (served by us).
#[utoipa::path(get, path = "/api/docs", operation_id = "apiDocs", summary = "The API documentation page", tag = "operations",
    responses(
        (status = 200, description = "An HTML page", content_type = "text/html"),
    ))]
async fn docs_page() -> Response {
    let mut res = Bytes::from_static(DOCS_PAGE.as_bytes()).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    res
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Atlaas API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"#;
