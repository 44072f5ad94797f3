//! `GET /fonts` (the fonts served, for whoever writes a style) and
//! `GET /fonts/{fontstack}/{start}-{end}.pbf` (the SDF glyphs a MapLibre renderer asks for
//! when a style's `glyphs` points here; see [`crate::tiles::glyphs`]). A range is drawn,
//! compressed with brotli and gzip, and kept the first time it is asked for: the map page's
//! labels cost one small download, and no work after the first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::encoding::Compressed;
use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::tiles::glyphs::{GlyphError, Stack, parse_range};

/// Glyphs do not change while a server runs: caches may keep them a day.
const CACHE_CONTROL: &str = "public, max-age=86400";
/// Ranges kept compressed: every range of a few font stacks (a Latin range and its two
/// compressed forms weigh about 140 KB; most ranges of a font are empty). Past it (stacks
/// made of many fonts in many orders), ranges are compressed each time from the fonts' own
/// kept ranges.
const KEPT: usize = 512;

/// Compressed answers by stack and range start.
#[derive(Default)]
struct Kept(Mutex<HashMap<(Stack, u32), Arc<Compressed>>>);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(catalogue)).routes(routes!(glyphs)).layer(Extension(Arc::new(Kept::default())))
}

#[utoipa::path(get, path = "/fonts", operation_id = "listFonts", summary = "The fonts of the labels", tag = "map",
    responses(
        (status = 200, description = "The fonts served for labels: name (as text-font writes it), family, style, glyph count", body = Catalogue),
    ))]
async fn catalogue(State(state): State<AppState>) -> Json<Catalogue> {
    let fonts = state
        .fonts
        .catalogue()
        .into_iter()
        .map(|f| FontEntry { name: f.name, family: f.family, style: f.style, glyphs: f.glyphs })
        .collect();
    Json(Catalogue { fonts })
}

/// The fonts this server draws labels with.
#[derive(Serialize, ToSchema)]
struct Catalogue {
    fonts: Vec<FontEntry>,
}

#[derive(Serialize, ToSchema)]
struct FontEntry {
    /// As a style's `text-font` names it: `DejaVu Sans Book`.
    name: String,
    family: String,
    style: String,
    /// How many characters it draws.
    glyphs: usize,
}

#[utoipa::path(get, path = "/fonts/{fontstack}/{range}", operation_id = "glyphs", summary = "SDF glyphs of a font stack", tag = "map",
    params(
        ("fontstack" = String, Path, description = "Font names, comma-separated"),
        ("range" = String, Path, description = "`{start}-{end}.pbf`, 256 code points: `0-255.pbf`"),
    ),
    responses(
        (status = 200, description = "SDF glyphs (protocol buffers), compressed when accepted", body = Vec<u8>, content_type = "application/x-protobuf"),
        (status = 304, description = "The client holds them"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "No font of the stack is served", body = ErrorBody),
    ))]
async fn glyphs(
    State(state): State<AppState>,
    Extension(kept): Extension<Arc<Kept>>,
    Path((stack, range)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response> {
    let start = parse_range(&range).map_err(refusal)?;
    let stack = state.fonts.stack(&stack).map_err(refusal)?;
    let key = (stack, start);
    let known = kept.0.lock().expect("never poisoned").get(&key).cloned();
    let body = match known {
        Some(body) => body,
        None => {
            let fonts = state.fonts.clone();
            let stack = key.0.clone();
            let body = state.work.run(move || fonts.range(&stack, start).map(|b| Compressed::new(b, true))).await?.map_err(refusal)?;
            let body = Arc::new(body.map_err(|e| Error::Internal(e.into()))?);
            let mut kept = kept.0.lock().expect("never poisoned");
            if kept.len() < KEPT {
                kept.insert(key, body.clone());
            }
            body
        }
    };
    Ok(body.respond(&headers, "application/x-protobuf", CACHE_CONTROL))
}

fn refusal(e: GlyphError) -> Error {
    match e {
        GlyphError::UnknownFont { .. } => Error::not_found(e.to_string()),
        GlyphError::BadRange(_) => Error::bad_request(e.to_string()),
        GlyphError::Font { .. } => Error::Internal(e.into()),
    }
}
