//! `GET /metrics`: the service as Prometheus sees it (OpenMetrics text). Requests are counted
//! and timed by route template (`/api/initiatives/{id}`, never the raw path, so that the
//! series stay few) and status; the rest is read from the running service at each scrape:
//! the tile cache, the index, the change feed, the store's pool, the compute threads and the
//! imports this server ran.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::app::AppState;
use crate::app::health::FeedState;

/// Upper bounds of the latency buckets, in seconds: a cached tile takes well under a
/// millisecond, a cold listing tens of milliseconds, the request limit is 30 s.
const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The registry of one router, and the request series it records into.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
}

impl Metrics {
    /// Request series, and the service's own readings when there is a service to read.
    pub fn new(state: Option<&AppState>) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("atlaas");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by route template, method and status", requests.clone());
        let latency: Latency = Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer, by route template and method",
            Unit::Seconds,
            latency.clone(),
        );
        if let Some(state) = state {
            registry.register_collector(Box::new(ServiceCollector(state.clone())));
        }
        Arc::new(Metrics { registry, requests, latency })
    }

    fn record(&self, route: String, method: &Method, status: u16, seconds: f64) {
        let method = match *method {
            Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS => method.as_str(),
            _ => "other",
        };
        self.latency.get_or_create(&RouteLabels { route: route.clone(), method: method.to_owned() }).observe(seconds);
        self.requests.get_or_create(&RequestLabels { route, method: method.to_owned(), status: status.to_string() }).inc();
    }
}

/// Counts and times every request, whatever answers it (a handler, a limit, a timeout).
pub async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Paths no route matches are one series, not one per path a scanner tries.
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let res = next.run(req).await;
    metrics.record(route, &method, res.status().as_u16(), started.elapsed().as_secs_f64());
    res
}

#[utoipa::path(get, path = "/metrics", operation_id = "metrics", summary = "Prometheus metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus metrics (OpenMetrics text): requests and latency by route and status, tile cache, index, change feed, store pool, imports", body = String, content_type = "application/openmetrics-text"),
    ))]
pub async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &metrics.registry) {
        return super::Error::Internal(anyhow::anyhow!("encoding the metrics: {e}")).into_response();
    }
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Reads the running service at each scrape.
struct ServiceCollector(AppState);

impl std::fmt::Debug for ServiceCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceCollector")
    }
}

/// A counter or gauge read at scrape time: one unlabelled value, or a labelled family.
fn emit(encoder: &mut DescriptorEncoder, name: &str, help: &str, kind: MetricType, series: &[(&[(&str, &str)], f64)]) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    let value = |v: f64, into: MetricEncoder| match kind {
        MetricType::Counter => ConstCounter::new(v as u64).encode(into),
        _ => ConstGauge::new(v).encode(into),
    };
    if let [(labels, v)] = series
        && labels.is_empty()
    {
        return value(*v, metric);
    }
    for (labels, v) in series {
        let labels: Vec<(&str, &str)> = labels.to_vec();
        value(*v, metric.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for ServiceCollector {
    fn encode(&self, mut e: DescriptorEncoder) -> std::fmt::Result {
        use MetricType::{Counter, Gauge};
        let state = &self.0;
        let none: &[(&str, &str)] = &[];

        let cache = state.tiles.cache.stats();
        emit(&mut e, "tile_cache_hits", "Tiles answered from the cache", Counter, &[(none, cache.hits as f64)])?;
        emit(&mut e, "tile_cache_misses", "Tiles drawn because the cache did not hold them", Counter, &[(none, cache.misses as f64)])?;
        emit(&mut e, "tile_cache_evictions", "Tiles dropped to stay within the cache's budget", Counter, &[(none, cache.evicted as f64)])?;
        emit(
            &mut e,
            "tile_cache_invalidations",
            "Tiles dropped because sheets they draw changed",
            Counter,
            &[(none, cache.invalidated as f64)],
        )?;
        emit(&mut e, "tile_cache_entries", "Tiles the cache holds", Gauge, &[(none, cache.entries as f64)])?;
        emit(&mut e, "tile_cache_bytes", "Bytes the cached tiles weigh", Gauge, &[(none, cache.bytes as f64)])?;
        emit(&mut e, "tile_cache_budget_bytes", "The most the cache holds (--tile-cache-mb)", Gauge, &[(none, cache.budget as f64)])?;

        let index = state.index();
        emit(&mut e, "index_sheets", "Published sheets in the index", Gauge, &[(none, index.len() as f64)])?;
        emit(&mut e, "index_places", "Places of the published sheets in the index", Gauge, &[(none, index.place_count() as f64)])?;
        emit(&mut e, "index_authorities", "Authorities the index knows", Gauge, &[(none, index.authorities().len() as f64)])?;
        emit(&mut e, "index_version", "Changes applied to the index since start-up", Counter, &[(none, index.version() as f64)])?;
        drop(index);

        if let Some(feed) = &state.feed {
            let (up, applied, unreadable) = match feed.get() {
                FeedState::Live { applied, unreadable } => (1.0, Some(applied), unreadable.len()),
                FeedState::Down { .. } => (0.0, None, 0),
            };
            emit(&mut e, "feed_up", "1 while the change feed is followed, 0 while reads come from memory only", Gauge, &[(none, up)])?;
            if let Some(applied) = applied {
                emit(
                    &mut e,
                    "feed_applied_position",
                    "The last entry of the change log applied to the index",
                    Gauge,
                    &[(none, applied as f64)],
                )?;
            }
            emit(
                &mut e,
                "feed_unreadable_sheets",
                "Stored sheets the feed could not read (their last good version is served)",
                Gauge,
                &[(none, unreadable as f64)],
            )?;
            emit(
                &mut e,
                "feed_caught_up_timestamp_seconds",
                "When the index last caught up with the change log (alert on time() minus this)",
                Gauge,
                &[(none, feed.caught_up_at())],
            )?;
        }

        let pool = state.store.pool_use();
        let backend = state.store.backend();
        let in_use = pool.open.saturating_sub(pool.idle);
        emit(
            &mut e,
            "store_connections",
            "Connections of the store's pool, lent to a request or idle",
            Gauge,
            &[
                (&[("backend", backend), ("state", "in_use")], f64::from(in_use)),
                (&[("backend", backend), ("state", "idle")], f64::from(pool.idle)),
            ],
        )?;
        emit(
            &mut e,
            "store_connections_max",
            "The most connections the store's pool opens",
            Gauge,
            &[(&[("backend", backend)], f64::from(pool.max))],
        )?;

        let (busy, threads) = state.work.busy();
        emit(&mut e, "work_threads", "Threads that compute tiles, listings and searches", Gauge, &[(none, threads as f64)])?;
        emit(&mut e, "work_threads_busy", "Of them, computing now", Gauge, &[(none, busy as f64)])?;
        emit(
            &mut e,
            "work_waiting",
            "Computations waiting for a thread (past 256, requests get 503 busy)",
            Gauge,
            &[(none, state.work.waiting() as f64)],
        )?;

        let imports = &state.imports;
        let n = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as f64;
        emit(
            &mut e,
            "imports",
            "Imports sent to this server, by outcome",
            Counter,
            &[
                (&[("outcome", "done")], n(&imports.done)),
                (&[("outcome", "refused")], n(&imports.refused)),
                (&[("outcome", "failed")], n(&imports.failed)),
            ],
        )?;
        emit(&mut e, "import_rows_checked", "Rows of imported files checked", Counter, &[(none, n(&imports.rows_checked))])?;
        emit(&mut e, "import_sheets_written", "Sheets written by imports", Counter, &[(none, n(&imports.sheets_written))])?;

        let info = prometheus_client::metrics::info::Info::new(vec![("version".to_owned(), env!("CARGO_PKG_VERSION").to_owned())]);
        let metric = e.encode_descriptor("build", "The running version", None, info.metric_type())?;
        info.encode(metric)
    }
}
