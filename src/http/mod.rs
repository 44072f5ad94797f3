//! The HTTP server: one module per resource, each with its own `router()`, merged here.

mod communes;
mod compare;
pub mod error;
mod features;
mod health;
mod initiatives;
mod pages;
mod params;
mod referential;
mod style;
mod tiles;

use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::gazetteer::Gazetteer;
use crate::index::SpatialIndex;
use crate::model::{Authority, Initiative, SheetId};
use crate::referential::Referential;
use crate::replica::FeedHealth;
use crate::store::Store;
use crate::store::postgres::PostgresStore;
use crate::tiles::Tiles;
use crate::tiles::mbtiles::Archive;
pub use error::Error;

/// Parses filters written as in the API's query strings (`theme=1&year=2019`), for commands
/// that take the same filters; the error is the API's 400 detail.
pub fn parse_filter(query: &str, g: &Gazetteer, r: &Referential) -> Result<crate::index::Filter, String> {
    let mut p = params::Params::parse(Some(query)).map_err(|e| e.to_string())?;
    let filter = params::take_filter(&mut p, g, r, true).map_err(|e| e.to_string())?;
    p.finish().map_err(|e| e.to_string())?;
    Ok(filter)
}

/// Largest request body accepted (no endpoint of this build reads one).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub index: Arc<RwLock<SpatialIndex>>,
    pub gazetteer: Arc<Gazetteer>,
    pub referential: Arc<Referential>,
    pub tiles: Arc<Tiles>,
    /// Folder of the web pages and of MapLibre's files.
    pub web_dir: Arc<PathBuf>,
    /// A tile archive served instead of live tiles (`--tiles-archive`).
    pub archive: Option<Arc<Archive>>,
    /// The PostgreSQL change feed this replica follows (none on SQLite).
    pub feed: Option<Arc<FeedHealth>>,
    /// Set when listings and nearby queries are answered by PostGIS (`--reads postgis`)
    /// rather than by the in-memory index.
    pub postgis: Option<Arc<PostgresStore>>,
}

impl AppState {
    /// Read access to the index. A writer that panicked leaves data that is still consistent
    /// (each write replaces whole sheets), so a poisoned lock is read anyway.
    pub fn index(&self) -> RwLockReadGuard<'_, SpatialIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Brings the index in step with sheets just written to the store, and drops the cached
    /// tiles that draw them.
    pub fn apply_written(&self, sheets: &[Initiative]) {
        self.apply_changes(sheets, &[], &[]);
    }

    /// [`Self::apply_written`], plus sheets gone from the store and authorities changed (whose
    /// @ every tile may show: the tile cache is emptied).
    pub fn apply_changes(&self, sheets: &[Initiative], removed: &[SheetId], authorities: &[Authority]) {
        let touched = {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            index.upsert_authorities(authorities);
            let mut touched = index.apply(sheets);
            for &id in removed {
                touched.extend(index.remove(id));
            }
            touched
        };
        if authorities.is_empty() {
            let dropped = self.tiles.cache.invalidate(&touched);
            tracing::debug!(sheets = sheets.len(), removed = removed.len(), tiles_dropped = dropped, "index updated");
        } else {
            self.tiles.cache.clear();
        }
    }
}

/// Limits of the server, documented in the README.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { request_timeout: Duration::from_secs(10) }
    }
}

pub fn router(state: AppState, limits: Limits) -> Router {
    Router::new()
        .merge(health::router())
        .merge(initiatives::router())
        .merge(communes::router())
        .merge(compare::router())
        .merge(referential::router())
        .merge(tiles::router())
        .merge(pages::router())
        .fallback(|| async { Error::not_found("no such endpoint; see the README for the API") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed("this endpoint does not accept that method".into()) })
        .with_state(state)
        .layer(middleware::from_fn(reject_oversized_bodies))
        .layer(middleware::from_fn_with_state(limits.request_timeout, time_limit))
        // A bug that panics in a handler still gets a JSON answer, and the panic is logged once.
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            Error::Internal(anyhow::anyhow!("handler panicked: {}", message.unwrap_or_default())).into_response()
        }))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
            tracing::info_span!("request", method = %req.method(), route, uri = %req.uri())
        }))
}

/// Answers 408 with our JSON body when a request takes longer than the limit.
async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => Error::Timeout { seconds: limit.as_secs() }.into_response(),
    }
}

/// Refuses a declared body over the limit before anything reads it.
async fn reject_oversized_bodies(req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Error::PayloadTooLarge { limit: MAX_BODY_BYTES }.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_request_past_the_time_limit_is_a_json_408() {
        let slow = Router::new()
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }))
            .layer(middleware::from_fn_with_state(Duration::from_millis(20), time_limit));
        let res = slow.oneshot(Request::get("/slow").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), axum::http::StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"], "request_timeout");
    }
}
