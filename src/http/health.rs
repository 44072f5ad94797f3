//! `GET /health` (also `/health/ready`): whether the service can answer, and what it holds;
//! `GET /health/live`: whether the process answers at all, without asking the database.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;
use crate::app::health::{DownReason, FeedState};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How long `/health` waits for the database before saying it is unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready)).routes(routes!(live))
}

/// Liveness, for an orchestrator that restarts a stuck process: a server whose database is
/// down is still alive (it serves from memory), so this never looks past the process.
#[utoipa::path(get, path = "/health/live", operation_id = "live", summary = "Liveness", tag = "operations",
    responses(
        (status = 200, description = "The process answers: `{\"status\": \"live\"}`", body = serde_json::Value, content_type = "application/json"),
    ))]
async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "live" }))
}

/// Readiness, for a load balancer: the same as `/health`.
#[utoipa::path(get, path = "/health/ready", operation_id = "ready", summary = "Readiness", tag = "operations",
    responses(
        (status = 200, description = "Ready, as `/health`", body = serde_json::Value),
        (status = 503, description = "Not ready, as `/health`", body = serde_json::Value),
    ))]
async fn ready(state: State<AppState>) -> Response {
    health(state).await
}

/// Readiness: the index is built (a server answers only once it is), the store answers and
/// the change feed is followed; 503 with a reason otherwise.
#[utoipa::path(get, path = "/health", operation_id = "health", summary = "Health and readiness", tag = "operations",
    responses(
        (status = 200, description = "Ready: `status` ok, the backend, sheets, places, whether they are sample data, the change feed", body = serde_json::Value, content_type = "application/json"),
        (status = 503, description = "The store is unreachable or the change feed lost: `status`, `reason`, `message`", body = serde_json::Value),
    ))]
async fn health(State(state): State<AppState>) -> Response {
    let (sheets, places, sample) = {
        let index = state.index();
        (index.len(), index.place_count(), index.all_sample())
    };
    let feed = state.feed.as_ref().map(|f| f.get());
    let body = |status: &str| {
        json!({
            "feed": feed,
            "status": status,
            "backend": state.store.backend(),
            "sheets": sheets,
            "places": places,
            "sample_data": sample,
            "referential_edition": state.referential.edition(),
            "communes": state.gazetteer.communes().len(),
        })
    };
    // A load balancer's probe wants an answer, not a wait for the database's connection timeout.
    let ping = match tokio::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
    };
    match ping {
        Ok(()) => match &feed {
            Some(FeedState::Down { reason, since }) => {
                let mut b = body("degraded");
                b["reason"] = json!(reason);
                b["message"] = json!(format!(
                    "not following the database's changes for {} s; reads are served from memory",
                    since.elapsed().as_secs()
                ));
                (StatusCode::SERVICE_UNAVAILABLE, Json(b)).into_response()
            }
            _ => Json(body("ok")).into_response(),
        },
        Err(e) => {
            tracing::warn!(error = e, "health check: store unreachable");
            let mut b = body("unavailable");
            b["reason"] = json!(DownReason::DatabaseUnreachable);
            b["message"] = json!("the database is unreachable; reads are served from memory");
            (StatusCode::SERVICE_UNAVAILABLE, Json(b)).into_response()
        }
    }
}
