//! `GET /health` (also `/health/ready`): whether the service can answer, and what it holds;
//! `GET /health/live`: whether the process answers at all, without asking the database.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::app::health::{DownReason, FeedState};

/// How long `/health` waits for the database before saying it is unreachable.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready)).routes(routes!(live))
}

/// Liveness, for an orchestrator that restarts a stuck process: a server whose database is
/// down is still alive (it serves from memory), so this never looks past the process.
#[utoipa::path(get, path = "/health/live", operation_id = "live", summary = "Liveness", tag = "operations",
    responses(
        (status = 200, description = "The process answers", body = Live),
    ))]
async fn live() -> Json<Live> {
    Json(Live { status: "live" })
}

#[derive(Serialize, ToSchema)]
struct Live {
    /// Always `live`.
    #[schema(example = "live")]
    status: &'static str,
}

/// What the service holds and whether it can answer.
#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok`; `degraded` (the change feed is lost: reads come from memory) or `unavailable`
    /// (the store does not answer) with a 503.
    status: &'static str,
    /// `sqlite` or `postgres`.
    backend: &'static str,
    sheets: usize,
    places: usize,
    /// True while every sheet is generated sample data.
    sample_data: bool,
    referential_edition: u16,
    communes: usize,
    /// The change feed this server follows, and its state; `null` for a store in memory.
    #[schema(value_type = Option<Object>)]
    feed: Option<FeedState>,
    /// Why it is not ready (with a 503).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    reason: Option<DownReason>,
    /// The same for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Readiness, for a load balancer: the same as `/health`.
#[utoipa::path(get, path = "/health/ready", operation_id = "ready", summary = "Readiness", tag = "operations",
    responses(
        (status = 200, description = "Ready, as `/health`", body = Health),
        (status = 503, description = "Not ready, as `/health`", body = Health),
    ))]
async fn ready(state: State<AppState>) -> Response {
    health(state).await
}

/// Readiness: the index is built (a server answers only once it is), the store answers and
/// the change feed is followed; 503 with a reason otherwise.
#[utoipa::path(get, path = "/health", operation_id = "health", summary = "Health and readiness", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The store is unreachable or the change feed lost", body = Health),
    ))]
async fn health(State(state): State<AppState>) -> Response {
    let (sheets, places, sample) = {
        let index = state.index();
        (index.len(), index.place_count(), index.all_sample())
    };
    let feed = state.feed.as_ref().map(|f| f.get());
    let body = |status: &'static str| Health {
        feed: feed.clone(),
        status,
        backend: state.store.backend(),
        sheets,
        places,
        sample_data: sample,
        referential_edition: state.referential.edition(),
        communes: state.gazetteer.communes().len(),
        reason: None,
        message: None,
    };
    // A load balancer's probe wants an answer, not a wait for the database's connection timeout.
    let ping = match tokio::time::timeout(PING_TIMEOUT, state.store.ping()).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
    };
    match ping {
        Ok(()) => match &feed {
            Some(FeedState::Down { reason, since }) => {
                let message =
                    format!("not following the database's changes for {} s; reads are served from memory", since.elapsed().as_secs());
                let b = Health { reason: Some(*reason), message: Some(message), ..body("degraded") };
                (StatusCode::SERVICE_UNAVAILABLE, Json(b)).into_response()
            }
            _ => Json(body("ok")).into_response(),
        },
        Err(e) => {
            tracing::warn!(error = e, "health check: store unreachable");
            let message = "the database is unreachable; reads are served from memory".to_owned();
            let b = Health { reason: Some(DownReason::DatabaseUnreachable), message: Some(message), ..body("unavailable") };
            (StatusCode::SERVICE_UNAVAILABLE, Json(b)).into_response()
        }
    }
}
