//! The HTTP server: one module per resource, each with its own `router()`, merged here.

mod assets;
mod auth;
mod basemap;
mod communes;
mod compare;
mod contributions;
mod encoding;
pub mod error;
mod exports;
pub mod extract;
mod features;
mod fonts;
pub mod guard;
mod health;
mod imports;
mod initiatives;
mod label;
mod metrics;
mod moderation;
mod ogc;
pub mod openapi;
mod pages;
mod params;
mod preview;
mod referential;
pub mod request_id;
mod session;
mod style;
mod tiles;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
pub use error::Error;
pub use exports::AT_ONCE as EXPORTS_AT_ONCE;

/// Largest request body accepted: a sheet with its places fits many times over.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Limits of the server, documented in the README, and the address it is reached at.
#[derive(Debug, Clone)]
pub struct Limits {
    pub request_timeout: Duration,
    pub writes: guard::WritePolicy,
    /// What absolute URLs begin with (`--public-url`); the request's Host when `None`.
    pub public_url: Option<extract::PublicUrl>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { request_timeout: Duration::from_secs(10), writes: guard::WritePolicy::default(), public_url: None }
    }
}

pub fn router(state: AppState, limits: Limits) -> Router {
    let metrics = metrics::Metrics::new(Some(&state));
    // Every route is registered with its OpenAPI description (see `openapi`).
    let (routes, api) = OpenApiRouter::with_openapi(openapi::base())
        .merge(health::router())
        .merge(auth::router())
        .merge(session::router())
        .merge(initiatives::router())
        .merge(exports::router())
        .merge(ogc::router())
        .merge(contributions::router())
        .merge(preview::router())
        .merge(imports::router())
        .merge(moderation::router())
        .merge(communes::router())
        .merge(compare::router())
        .merge(label::router())
        .merge(referential::router())
        .merge(tiles::router())
        .merge(basemap::router())
        .merge(fonts::router())
        .merge(pages::router())
        .merge(openapi::router())
        .with_state(state)
        .merge(OpenApiRouter::new().routes(routes!(metrics::scrape)).with_state(metrics.clone()))
        .split_for_parts();
    let routes = routes
        .layer(Extension(openapi::Document::new(&api)))
        .fallback(|| async { Error::not_found("no such endpoint; see /api/docs for the API") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed("this endpoint does not accept that method".into()) });
    with_layers(routes, &limits, metrics)
}

/// The limits, guards and answers every route shares: JSON rejections, the write guard, body
/// and time limits, panics as JSON 500s, compression, CORS, metrics and request logs.
fn with_layers(routes: Router, limits: &Limits, metrics: Arc<metrics::Metrics>) -> Router {
    let guard = Arc::new(guard::WriteGuard::new(&limits.writes));
    let routes = match &limits.public_url {
        Some(url) => routes.layer(Extension(url.clone())),
        None => routes,
    };
    routes
        .layer(middleware::from_fn(error::json_rejections))
        .layer(middleware::from_fn_with_state(guard.clone(), guard::guard_writes))
        // Sign-in handlers count attempts in the same guard.
        .layer(Extension(guard))
        .layer(middleware::from_fn(reject_oversized_bodies))
        // Bodies sent in chunks, without a Content-Length, stop at the same limit as they are read.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(limits.request_timeout, time_limit))
        // A bug that panics in a handler still gets a JSON answer, and the panic is logged once.
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            Error::Internal(anyhow::anyhow!("handler panicked: {}", message.unwrap_or_default())).into_response()
        }))
        // JSON and pages compressed as they go (brotli at quality 4, gzip) when the client asks;
        // tiles and static files come already compressed and are left as they are.
        .layer(CompressionLayer::new())
        .layer(guard::cors())
        // Sees every answer as the client gets it: limits, timeouts and panics included.
        .layer(middleware::from_fn_with_state(metrics, metrics::record))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
            let id = req.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", request_id = id, method = %req.method(), route, uri = %req.uri())
        }))
        // Outermost: the id is set before the span that logs it.
        .layer(middleware::from_fn(request_id::tag))
}

/// Answers 408 with our JSON body when a request takes longer than the limit.
async fn time_limit(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => Error::Timeout { seconds: limit.as_secs() }.into_response(),
    }
}

/// Refuses a declared body over the limit before anything reads it: [`MAX_BODY_BYTES`], or
/// [`imports::MAX_IMPORT_BYTES`] for a file sent to `/api/import`.
async fn reject_oversized_bodies(req: Request, next: Next) -> Response {
    let limit = if req.uri().path() == "/api/import" { imports::MAX_IMPORT_BYTES } else { MAX_BODY_BYTES };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Error::PayloadTooLarge { limit }.into_response();
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

    async fn boom() -> &'static str {
        panic!("secret detail")
    }

    /// A bug that panics, in a handler or on the threads where requests compute, answers a JSON
    /// 500 with a reference to the log, never the panic's text, and the server goes on.
    #[tokio::test]
    async fn a_panicking_handler_is_a_json_500() {
        let work = Arc::new(crate::app::work::Work::new(1, 4));
        let buggy = Router::new()
            .route("/boom", get(boom))
            .route(
                "/boom-computing",
                get(move || {
                    let work = work.clone();
                    async move { work.run(|| -> u8 { panic!("secret detail") }).await.map(|n| n.to_string()).map_err(Error::from) }
                }),
            )
            .route("/fine", get(|| async { "fine" }));
        let app = with_layers(buggy, &Limits::default(), metrics::Metrics::new(None));
        for path in ["/boom", "/boom-computing", "/boom"] {
            let res = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(res.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{path}");
            let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
            let json: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
            assert_eq!(json["error"], "internal_error");
            let detail = json["detail"].as_str().unwrap();
            assert!(detail.contains("reference") && !detail.contains("secret"), "{detail}");
        }
        let res = app.oneshot(Request::get("/fine").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), axum::http::StatusCode::OK);
    }
}
