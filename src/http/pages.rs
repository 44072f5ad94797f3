//! The web pages: `GET /` (the national map), `GET /embed` (the widget page, the only one
//! other sites may frame), `GET /widget.js`, `GET /oembed`, and the files they load
//! (`/static/…` from `web/static/`, `/vendor/maplibre-gl/…` from MapLibre's npm package,
//! served by [`Assets`]).

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::assets::Assets;
use super::error::{Error, Result};
use super::extract::BaseUrl;
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::index::filter::query::{Params, take_filter};

/// The CSP of our pages: our own scripts and data only; MapLibre needs blob: workers and
/// inline style attributes.
const CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                        worker-src 'self' blob:; child-src blob:; base-uri 'none'; form-action 'self'";

/// Default and largest radius of the embed page, in metres.
const EMBED_RADIUS_M: f64 = 15_000.0;
const EMBED_MAX_RADIUS_M: f64 = 200_000.0;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(map_page))
        .routes(routes!(embed_page))
        .routes(routes!(contributor_page))
        .routes(routes!(moderation_page))
        .routes(routes!(widget))
        .routes(routes!(oembed))
        .routes(routes!(static_file))
        .routes(routes!(maplibre_file))
        .routes(routes!(swagger_file))
        .layer(Extension(Arc::new(Assets::default())))
}

fn content_type(name: &str) -> Option<&'static str> {
    Some(match name.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" | "map" => "application/json",
        _ => return None,
    })
}

/// A file of a folder by its plain name (no sub-folders, no dot files), with a content type
/// we know; compressed, validated and kept in memory by [`Assets`].
async fn file_response(assets: &Arc<Assets>, dir: &Path, name: &str, cache_control: &'static str, headers: &HeaderMap) -> Result<Response> {
    let plain = !name.is_empty() && !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    let kind = content_type(name).filter(|_| plain).ok_or_else(|| Error::not_found(format!("no file {name:?}")))?;
    assets.respond(dir.join(name), kind, cache_control, headers).await
}

#[utoipa::path(get, path = "/static/{file}", operation_id = "staticFile", summary = "A file of the pages", tag = "pages",
    params(
        ("file" = String, Path, description = "A file of web/static"),
    ),
    responses(
        (status = 200, description = "The file, compressed when accepted, with an ETag", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 304, description = "The client holds it"),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
async fn static_file(
    State(state): State<AppState>,
    Extension(assets): Extension<Arc<Assets>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    file_response(&assets, &state.web_dir.join("static"), &file, "public, max-age=300", &headers).await
}

fn maplibre_dir(web_dir: &Path) -> std::path::PathBuf {
    web_dir.join("node_modules/maplibre-gl/dist")
}

#[utoipa::path(get, path = "/vendor/maplibre-gl/{file}", operation_id = "maplibreFile", summary = "A file of MapLibre GL JS", tag = "pages",
    params(
        ("file" = String, Path, description = "A file of MapLibre GL JS's dist folder"),
    ),
    responses(
        (status = 200, description = "The file, compressed when accepted, with an ETag", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 304, description = "The client holds it"),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
async fn maplibre_file(
    State(state): State<AppState>,
    Extension(assets): Extension<Arc<Assets>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    file_response(&assets, &maplibre_dir(&state.web_dir), &file, "public, max-age=86400", &headers).await
}

/// The files of Swagger UI, which draws the API's documentation page (`/api/docs`).
#[utoipa::path(get, path = "/vendor/swagger-ui/{file}", operation_id = "swaggerUiFile", summary = "A file of Swagger UI", tag = "pages",
    params(
        ("file" = String, Path, description = "A file of swagger-ui-dist"),
    ),
    responses(
        (status = 200, description = "The file, compressed when accepted, with an ETag", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 304, description = "The client holds it"),
        (status = 404, description = "No such file", body = ErrorBody),
    ))]
async fn swagger_file(
    State(state): State<AppState>,
    Extension(assets): Extension<Arc<Assets>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    file_response(&assets, &state.web_dir.join("node_modules/swagger-ui-dist"), &file, "public, max-age=86400", &headers).await
}

/// An HTML page; `embeddable` pages may be framed by any site, the others by none. Their
/// scripts fetch from us, and from the hosts of the basemap's style (`connect`), no others.
pub(super) fn html(status: StatusCode, body: String, embeddable: bool, connect: &[String]) -> Response {
    let mut res = (status, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let frame = if embeddable { "frame-ancestors *" } else { "frame-ancestors 'none'" };
    let connect: String = connect.iter().map(|origin| format!(" {origin}")).collect();
    let csp = format!("{CSP_BASE}; connect-src 'self'{connect}; {frame}");
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("origins are ASCII"));
    if !embeddable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A short French page for what cannot be shown.
pub(super) fn error_page(status: StatusCode, message: &str, embeddable: bool) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Atlaas</title>\
         <link rel=\"stylesheet\" href=\"/static/atlaas.css\"></head><body class=\"error-page\"><main><h1>Atlaas</h1><p>{}</p></main></body></html>",
        escape_html(message)
    );
    html(status, body, embeddable, &[])
}

/// The origins the basemap's style fetches from.
pub(super) fn basemap_origins(state: &AppState) -> Vec<String> {
    state.basemap.get().map(|b| b.origins().to_vec()).unwrap_or_default()
}

/// Reads a page template of the web folder.
pub(super) async fn template(state: &AppState, name: &str) -> Result<String> {
    let path = state.web_dir.join(name);
    tokio::fs::read_to_string(&path).await.map_err(|e| Error::Internal(anyhow::anyhow!("reading {}: {e}", path.display())))
}

/// Whether MapLibre's files are in place; the pages need them.
pub(super) fn maplibre_missing(state: &AppState) -> Option<Response> {
    if maplibre_dir(&state.web_dir).join("maplibre-gl.js").is_file() {
        return None;
    }
    let message = "La carte a besoin de MapLibre GL JS, qui n'est pas installé : lancez `npm ci --prefix web` \
                   (ou `scripts/serve`, qui le fait) puis rechargez la page. L'API JSON fonctionne sans.";
    Some(error_page(StatusCode::SERVICE_UNAVAILABLE, message, false))
}

#[utoipa::path(get, path = "/", operation_id = "mapPage", summary = "The national map (page)", tag = "pages",
    responses(
        (status = 200, description = "The national map (French)", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
async fn map_page(State(state): State<AppState>) -> Result<Response> {
    if let Some(res) = maplibre_missing(&state) {
        return Ok(res);
    }
    Ok(html(StatusCode::OK, template(&state, "index.html").await?, false, &basemap_origins(&state)))
}

/// The contributor's space: signing in, an authority's sheets, the sheet editor (whose map
/// needs MapLibre).
#[utoipa::path(get, path = "/contribuer", operation_id = "contributorPage", summary = "The contributor's space (page)", tag = "pages",
    params(
        ("fiche" = Option<i64>, Query, description = "Open the editor on this sheet (read by the page)"),
    ),
    responses(
        (status = 200, description = "The contributor's space (French)", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
async fn contributor_page(State(state): State<AppState>) -> Result<Response> {
    if let Some(res) = maplibre_missing(&state) {
        return Ok(res);
    }
    Ok(html(StatusCode::OK, template(&state, "contribuer.html").await?, false, &basemap_origins(&state)))
}

/// The moderators' page: the queue of proposals (whose places maps need MapLibre).
#[utoipa::path(get, path = "/moderation", operation_id = "moderationPage", summary = "The moderators' page", tag = "pages",
    responses(
        (status = 200, description = "The moderators' page (French)", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
async fn moderation_page(State(state): State<AppState>) -> Result<Response> {
    if let Some(res) = maplibre_missing(&state) {
        return Ok(res);
    }
    Ok(html(StatusCode::OK, template(&state, "moderation.html").await?, false, &basemap_origins(&state)))
}

/// The checked parameters of an embed URL.
struct Embed {
    commune: String,
    name: String,
}

/// Checks an embed query the way `/embed` reads it: `commune` (required), `radius_m`, `view`,
/// and the usual filters.
fn check_embed(state: &AppState, query: Option<&str>) -> Result<Embed> {
    let mut p = Params::parse(query)?;
    let code = p.take("commune").ok_or_else(|| Error::bad_request("commune (an INSEE code) is required"))?;
    let commune = state.gazetteer.commune(&code).ok_or_else(|| Error::bad_request(format!("commune {code:?} is not an INSEE code")))?;
    if let Some(r) = p.take_f64("radius_m")?
        && !(0.0..=EMBED_MAX_RADIUS_M).contains(&r)
    {
        return Err(Error::bad_request(format!("radius_m must be between 0 and {EMBED_MAX_RADIUS_M}")));
    }
    if let Some(v) = p.take("view")
        && v != "map"
        && v != "list"
    {
        return Err(Error::bad_request(format!("view must be map or list, not {v:?}")));
    }
    take_filter(&mut p, &state.gazetteer, &state.referential, false)?;
    p.finish()?;
    Ok(Embed { commune: commune.code.clone(), name: commune.name.clone() })
}

#[utoipa::path(get, path = "/embed", operation_id = "embedPage", summary = "The widget page", tag = "pages",
    params(
        ("commune" = String, Query, description = "INSEE code of the town"),
        ("radius_m" = Option<f64>, Query, description = "Sheets within this many metres too (default 15 km, at most 200 km)"),
        ("view" = Option<String>, Query, description = "`map` (default) or `list`"),
        super::openapi::params::Filters,
    ),
    responses(
        (status = 200, description = "The widget page, for an iframe (French)", body = String, content_type = "text/html"),
        (status = 400, description = "A French page saying what is wrong with the link", body = String, content_type = "text/html"),
        (status = 503, description = "MapLibre is not installed (npm ci --prefix web): a French page says so", body = String, content_type = "text/html"),
    ))]
async fn embed_page(State(state): State<AppState>, RawQuery(query): RawQuery, BaseUrl(base): BaseUrl) -> Result<Response> {
    if let Some(res) = maplibre_missing(&state) {
        return Ok(res);
    }
    let embed = match check_embed(&state, query.as_deref()) {
        Ok(e) => e,
        Err(e) => return Ok(error_page(StatusCode::BAD_REQUEST, &format!("Ce lien de widget n'est pas valide : {e}"), true)),
    };
    let page_url = format!("{base}/embed?{}", query.unwrap_or_default());
    let oembed_url = format!("{base}/oembed?format=json&url={}", encode_component(&page_url));
    let page = template(&state, "embed.html")
        .await?
        .replace("{{title}}", &escape_html(&format!("Initiatives numériques à {} et autour", embed.name)))
        .replace("{{oembed_url}}", &escape_html(&oembed_url))
        .replace("{{commune}}", &escape_html(&embed.commune))
        .replace("{{default_radius_m}}", &format!("{EMBED_RADIUS_M}"));
    Ok(html(StatusCode::OK, page, true, &basemap_origins(&state)))
}

fn encode_component(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_owned()).unwrap_or_default()
}

#[utoipa::path(get, path = "/widget.js", operation_id = "widgetScript", summary = "The embed script", tag = "pages",
    responses(
        (status = 200, description = "The embed script", body = String, content_type = "text/javascript"),
        (status = 304, description = "The client holds it"),
    ))]
async fn widget(State(state): State<AppState>, Extension(assets): Extension<Arc<Assets>>, headers: HeaderMap) -> Result<Response> {
    file_response(&assets, &state.web_dir, "widget.js", "public, max-age=3600", &headers).await
}

/// oEmbed 1.0 (`rich`) for the embed page's URLs on this server.
#[utoipa::path(get, path = "/oembed", operation_id = "oembed", summary = "oEmbed for a widget URL", tag = "pages",
    params(
        ("url" = String, Query, description = "An /embed URL of this server"),
        ("format" = Option<String>, Query, description = "`json` (the only one offered)"),
        ("maxwidth" = Option<u32>, Query, description = "Largest width"),
        ("maxheight" = Option<u32>, Query, description = "Largest height"),
    ),
    responses(
        (status = 200, description = "oEmbed 1.0 `rich`", body = OEmbed, content_type = "application/json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 404, description = "Not an /embed URL of this server", body = ErrorBody),
        (status = 501, description = "format=xml", body = ErrorBody),
    ))]
async fn oembed(State(state): State<AppState>, RawQuery(query): RawQuery, BaseUrl(base): BaseUrl) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let url = p.take("url").ok_or_else(|| Error::bad_request("url (an /embed URL of this server) is required"))?;
    let format = p.take("format").unwrap_or_else(|| "json".into());
    let max_width = p.take_f64("maxwidth")?;
    let max_height = p.take_f64("maxheight")?;
    p.finish()?;
    if format != "json" {
        // What the oEmbed specification asks for a format the provider does not offer.
        return Ok((StatusCode::NOT_IMPLEMENTED, Json(json!({"error": "not_implemented", "detail": "only format=json is offered"})))
            .into_response());
    }
    let embed_query = url
        .strip_prefix(&format!("{base}/embed"))
        .and_then(|rest| if rest.is_empty() { Some("") } else { rest.strip_prefix('?') })
        .ok_or_else(|| Error::not_found(format!("{url:?} is not an embed URL of this server ({base}/embed?commune=…)")))?;
    let embed = check_embed(&state, Some(embed_query)).map_err(|e| Error::not_found(format!("{url:?} is not a valid embed URL: {e}")))?;
    let width = max_width.map_or(600.0, |w| w.clamp(200.0, 600.0)).round() as u32;
    let height = max_height.map_or(480.0, |h| h.clamp(240.0, 480.0)).round() as u32;
    let title = format!("Initiatives numériques à {} et autour", embed.name);
    let iframe = format!(
        "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" title=\"{}\" style=\"border:0\" loading=\"lazy\" referrerpolicy=\"no-referrer\"></iframe>",
        escape_html(&url),
        escape_html(&title)
    );
    let body = OEmbed {
        version: "1.0",
        r#type: "rich",
        provider_name: "Atlaas",
        provider_url: format!("{base}/"),
        title,
        html: iframe,
        width,
        height,
        cache_age: 86400,
    };
    Ok(Json(body).into_response())
}

/// An oEmbed 1.0 answer of type `rich`: an iframe of the embed page.
#[derive(Serialize, ToSchema)]
struct OEmbed {
    #[schema(example = "1.0")]
    version: &'static str,
    #[schema(example = "rich")]
    r#type: &'static str,
    provider_name: &'static str,
    provider_url: String,
    title: String,
    /// The `<iframe>` to paste.
    html: String,
    width: u32,
    height: u32,
    /// Seconds a consumer may keep this answer.
    cache_age: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_typed() {
        assert_eq!(content_type("app.js"), Some("text/javascript; charset=utf-8"));
        assert_eq!(content_type("notes.txt"), None);
        assert_eq!(escape_html("<a href=\"x\">L'Haÿ & co</a>"), "&lt;a href=&quot;x&quot;&gt;L&#39;Haÿ &amp; co&lt;/a&gt;");
        assert_eq!(encode_component("http://h/embed?commune=62548&view=list"), "http%3A%2F%2Fh%2Fembed%3Fcommune%3D62548%26view%3Dlist");
    }
}
