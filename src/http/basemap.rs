//! `GET /basemap.json` and `GET /basemap/{z}/{x}/{y}.{ext}`: the tiles of a PMTiles basemap
//! (`--basemap FILE.pmtiles`), for clients that read tiles by URL (every MapLibre, QGIS,
//! OpenLayers), with a content ETag and gzip when the client takes it.

use std::io::Read;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::encoding::{self, Coding};
use super::error::{Error, Result};
use super::extract::BaseUrl;
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::basemap::{Basemap, BasemapSlot};
use crate::hash::fnv1a;

/// A basemap file changes only when the server restarts with another.
const MAX_AGE_S: u32 = 86_400;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tilejson)).routes(routes!(tile))
}

fn archive_basemap(slot: &BasemapSlot) -> Result<std::sync::Arc<Basemap>> {
    slot.get()
        .filter(|b| b.archive().is_some())
        .ok_or_else(|| Error::not_found("this server has no basemap file (atlaas serve --basemap FILE.pmtiles)"))
}

#[utoipa::path(get, path = "/basemap.json", operation_id = "basemapTilejson", summary = "TileJSON of the basemap file", tag = "map",
    responses(
        (status = 200, description = "TileJSON 3.0.0 of the basemap file", body = serde_json::Value, content_type = "application/json"),
        (status = 404, description = "The server has no basemap file", body = ErrorBody),
    ))]
async fn tilejson(State(state): State<AppState>, BaseUrl(base): BaseUrl) -> Result<Json<Value>> {
    let basemap = archive_basemap(&state.basemap)?;
    let archive = basemap.archive().expect("checked");
    let (ext, _) = archive.format();
    Ok(Json(archive.tilejson(&format!("{base}/basemap/{{z}}/{{x}}/{{y}}.{ext}"))))
}

#[utoipa::path(get, path = "/basemap/{z}/{x}/{y}", operation_id = "basemapTile", summary = "A tile of the basemap file", tag = "map",
    params(
        ("z" = u32, Path, description = "Zoom"),
        ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, followed by the tiles' extension: `5.mvt`, `5.png`, `5.jpg`, `5.webp`, `5.avif`"),
    ),
    responses(
        (status = 200, description = "A tile of the basemap file, as stored (gzip when accepted)", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 204, description = "The file holds no tile there"),
        (status = 304, description = "The client holds this tile"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No basemap file, another extension, or a zoom the file lacks", body = ErrorBody),
    ))]
async fn tile(State(state): State<AppState>, Path((z, x, file)): Path<(String, String, String)>, headers: HeaderMap) -> Result<Response> {
    let basemap = archive_basemap(&state.basemap)?;
    let archive = basemap.archive().expect("checked");
    let (ext, media_type) = archive.format();
    let y = file
        .strip_suffix(&format!(".{ext}"))
        .ok_or_else(|| Error::not_found(format!("the basemap's tiles are at /basemap/{{z}}/{{x}}/{{y}}.{ext}")))?;
    let number = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| Error::bad_request(format!("tile {name} must be a whole number ≥ 0, not {v:?}")))
    };
    let (z, x, y) = (number("z", &z)?, number("x", &x)?, number("y", y)?);
    if !(u32::from(archive.min_zoom)..=u32::from(archive.max_zoom.min(pmtiles::MAX_ZOOM))).contains(&z) {
        return Err(Error::not_found(format!("the basemap holds zooms {} to {}", archive.min_zoom, archive.max_zoom)));
    }
    if x >= 1 << z || y >= 1 << z {
        return Err(Error::bad_request(format!("tile {z}/{x}/{y} is outside the world: x and y go up to {} at zoom {z}", (1u32 << z) - 1)));
    }
    let stored = archive.tile(z as u8, x, y).await.map_err(Error::Internal)?;
    let Some(stored) = stored else { return Ok(StatusCode::NO_CONTENT.into_response()) };
    respond(stored, archive.gzip, media_type, &headers)
}

/// A stored tile as the client takes it: gzip as stored when accepted, else decompressed.
fn respond(stored: Vec<u8>, gzip: bool, media_type: &'static str, headers: &HeaderMap) -> Result<Response> {
    // The ETag is the hash of the plain tile, whichever encoding goes out.
    let plain = if gzip {
        let mut raw = Vec::with_capacity(stored.len() * 3);
        flate2::read::GzDecoder::new(stored.as_slice())
            .read_to_end(&mut raw)
            .map_err(|e| Error::Internal(anyhow::anyhow!("a tile of the basemap is not gzip: {e}")))?;
        Some(raw)
    } else {
        None
    };
    let hash = fnv1a(plain.as_deref().unwrap_or(&stored));
    let send_gzip = gzip && encoding::accepts(headers, "gzip");
    let coding = if send_gzip { Coding::Gzip } else { Coding::Identity };
    let mut res = if encoding::client_has(headers, hash) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if send_gzip {
        stored.into_response()
    } else {
        plain.unwrap_or(stored).into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(header::ETAG, HeaderValue::from_str(&coding.etag(hash)).expect("hex digits"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_str(&format!("public, max-age={MAX_AGE_S}")).expect("ASCII"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(name) = coding.header() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    Ok(res)
}
