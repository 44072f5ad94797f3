//! `GET /tiles/{z}/{x}/{y}.mvt` (vector tiles, cached, with ETag and gzip), `GET /tiles.json`
//! (TileJSON 3.0.0) and `GET /style.json` (the map's MapLibre style).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::encoding::{self, Coding};
use super::error::{Error, Result};
use super::extract::BaseUrl;
use super::openapi::schemas::ErrorBody;
use super::style::{Labels, Under};
use crate::app::AppState;
use crate::archive::mbtiles::Archive;
use crate::index::filter::query::{Params, take_filter};
use crate::tiles::{self, CachedTile, TileId, metadata};

/// How long clients and HTTP caches may reuse a live tile before revalidating it.
pub const TILE_MAX_AGE_S: u32 = 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tile)).routes(routes!(tilejson)).routes(routes!(style))
}

fn coordinate(name: &str, v: &str) -> Result<u32> {
    v.parse().map_err(|_| Error::bad_request(format!("tile {name} must be a whole number ≥ 0, not {v:?}")))
}

#[utoipa::path(get, path = "/tiles/{z}/{x}/{y}", operation_id = "tile", summary = "A vector tile", tag = "map",
    params(
        ("z" = u32, Path, description = "Zoom, 0 to 22"),
        ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, followed by `.mvt`: `5.mvt`"),
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile 2.1 (layers initiatives, authorities, boundaries); gzip when accepted, ETag, 304", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "A tile of a served archive that holds nothing"),
        (status = 304, description = "The client holds this tile (If-None-Match)"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "Not a .mvt path, or a zoom the served archive lacks", body = ErrorBody),
    ))]
async fn tile(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let y = file.strip_suffix(".mvt").ok_or_else(|| Error::not_found("tiles are at /tiles/{z}/{x}/{y}.mvt"))?;
    let id = TileId::new(coordinate("z", &z)?, coordinate("x", &x)?, coordinate("y", y)?).map_err(Error::BadRequest)?;
    if let Some(archive) = &state.archive {
        return archive_tile(archive, id, query.as_deref(), &headers).await;
    }
    let mut p = Params::parse(query.as_deref())?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    let key = filter_key(query.as_deref());
    let (tile, hit) = match state.tiles.cache.get(id, &key) {
        Some(t) => (t, true),
        None => {
            let index = state.index();
            let version = index.version();
            let tiles = state.tiles.clone();
            let t = match tiles.render_at_once(&index, id, &filter) {
                Some(t) => Arc::new(t),
                None => Arc::new(state.work.run(move || tiles.render_cached(&index, id, &filter)).await?),
            };
            state.tiles.cache.insert(id, &key, t.clone(), version);
            (t, false)
        }
    };
    Ok(tile_response(&tile, hit, &headers, &format!("public, max-age={TILE_MAX_AGE_S}")))
}

/// How long clients may reuse a tile of an archive: it changes only with a new export.
const ARCHIVE_MAX_AGE_S: u32 = 86_400;

/// A tile of the archive; 204 when the archive does not hold it (an empty tile).
async fn archive_tile(archive: &Archive, id: TileId, query: Option<&str>, headers: &HeaderMap) -> Result<Response> {
    if Params::parse(query)?.finish().is_err() {
        return Err(Error::bad_request("this server serves a fixed tile archive: tiles take no filters (the JSON API does)"));
    }
    let (min, max) = archive.zoom_range();
    if !(min..=max).contains(&id.z) {
        return Err(Error::not_found(format!("the tile archive holds zooms {min} to {max}")));
    }
    let Some(gzip) = archive.tile(id).await.map_err(|e| Error::Internal(e.into()))? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let mut raw = Vec::with_capacity(gzip.len() * 2);
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzip.as_slice()), &mut raw)
        .map_err(|e| Error::Internal(anyhow::anyhow!("a tile of the archive is not gzip: {e}")))?;
    let tile = CachedTile::from_parts(raw, gzip);
    Ok(tile_response(&tile, false, headers, &format!("public, max-age={ARCHIVE_MAX_AGE_S}")))
}

/// The answer for a tile: 304 when the client has it, gzip when it accepts it.
pub fn tile_response(tile: &CachedTile, hit: bool, headers: &HeaderMap, cache_control: &str) -> Response {
    let gzip = encoding::accepts(headers, "gzip");
    let etag = if gzip { Coding::Gzip } else { Coding::Identity }.etag(tile.hash);
    let mut res = if encoding::client_has(headers, tile.hash) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let mut res = tile.gzip.clone().into_response();
        res.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        res
    } else {
        tile.raw.clone().into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.mapbox-vector-tile"));
    h.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex digits"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_str(cache_control).expect("ASCII"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert("x-cache", HeaderValue::from_static(if hit { "hit" } else { "miss" }));
    res
}

/// The query with its pairs sorted: one cache key per filter however it is written.
fn filter_key(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(_, v)| !v.trim().is_empty());
    pairs.sort();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Validates the filters of a TileJSON or style request and returns them as a query suffix.
fn filters_suffix(state: &AppState, query: Option<&str>) -> Result<String> {
    let mut p = Params::parse(query)?;
    if state.archive.is_some() {
        return p
            .finish()
            .map(|_| String::new())
            .map_err(|_| Error::bad_request("this server serves a fixed tile archive: tiles take no filters"));
    }
    take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    let key = filter_key(query);
    Ok(if key.is_empty() { key } else { format!("?{key}") })
}

#[utoipa::path(get, path = "/tiles.json", operation_id = "tilejson", summary = "TileJSON of the vector tiles", tag = "map",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "TileJSON 3.0.0: the tile URL with the filters, vector_layers, bounds, attribution", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
async fn tilejson(State(state): State<AppState>, RawQuery(query): RawQuery, BaseUrl(base): BaseUrl) -> Result<Json<Value>> {
    let suffix = filters_suffix(&state, query.as_deref())?;
    Ok(Json(tilejson_document(&state, &format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt{suffix}"))))
}

/// TileJSON 3.0.0 for tiles at `tiles_url`.
pub fn tilejson_document(state: &AppState, tiles_url: &str) -> Value {
    let (min_zoom, max_zoom, layers) = match &state.archive {
        Some(a) => {
            let (min, max) = a.zoom_range();
            let layers =
                a.json().and_then(|j| j.get("vector_layers").cloned()).unwrap_or_else(|| metadata::vector_layers(&state.referential));
            (min, max, layers)
        }
        None => (0, tiles::MAX_ZOOM, metadata::vector_layers(&state.referential)),
    };
    json!({
        "tilejson": "3.0.0",
        "name": "Atlaas",
        "description": metadata::DESCRIPTION,
        "version": "1.0.0",
        "attribution": metadata::attribution(state.index().all_sample()),
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": min_zoom,
        "maxzoom": max_zoom,
        "bounds": state.tiles.bounds,
        "center": [2.35, 46.6, 5],
        "vector_layers": layers,
    })
}

#[utoipa::path(get, path = "/style.json", operation_id = "mapStyle", summary = "The MapLibre style", tag = "map",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "The map's MapLibre style (version 8), with a basemap under our layers when the server has one", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
    ))]
async fn style(State(state): State<AppState>, RawQuery(query): RawQuery, BaseUrl(base): BaseUrl) -> Result<Json<Value>> {
    let suffix = filters_suffix(&state, query.as_deref())?;
    let labels = state.fonts.label_font().map(|font| Labels { glyphs_url: format!("{base}/fonts/{{fontstack}}/{{range}}.pbf"), font });
    let basemap = state.basemap.get();
    let under = basemap.as_deref().map(|basemap| Under { basemap, base_url: &base });
    Ok(Json(super::style::document(&state.referential, &format!("{base}/tiles.json{suffix}"), labels, under)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keys_ignore_order_and_empty_values() {
        assert_eq!(filter_key(Some("year=2019&theme=1")), filter_key(Some("theme=1&year=2019&q=")));
        assert_eq!(filter_key(None), "");
    }
}
