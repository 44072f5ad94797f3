//! `GET /api/initiatives.csv`, `.geojson` and `.fgb`: every published sheet that passes the
//! listing's filters, in id order, in the import format (one row or feature per place, the
//! sheet's id on each), so that an export imports again, or as FlatGeobuf for GIS. Sheets are
//! read from the store a page at a time, so a server's memory does not grow with the
//! selection: CSV and GeoJSON stream as they are read; FlatGeobuf, whose header comes first,
//! is written to a temporary file, then streamed. The selection is the index as it was when
//! the request came; a sheet unpublished since is left out.
//!
//! A server streams at most [`AT_ONCE`] exports at a time: each holds the index as it was when
//! it began (a whole index, if a new one has replaced it since) and a FlatGeobuf export a
//! temporary file the size of its selection. One more is refused at once with 503 `busy` and
//! `Retry-After`, rather than queued behind downloads that may take minutes.

use std::io::Write;
use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::import::export::flatgeobuf::FlatGeobuf;
use crate::import::export::{Format, Rows};
use crate::index::filter::query::{Params, take_filter};
use crate::index::{Filter, SpatialIndex};
use crate::model::{Initiative, SheetId};

/// Sheets read from the store at a time.
const PAGE: usize = 500;

/// Exports one server streams at once.
pub const AT_ONCE: usize = 4;

/// The turns of this server's exports: a permit is held until the answer's body is dropped
/// (sent whole, failed, or its client gone).
#[derive(Clone)]
struct Turns(Arc<Semaphore>);

impl Turns {
    fn take(&self) -> Result<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().map_err(|_| Error::Busy)
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(csv))
        .routes(routes!(geojson))
        .routes(routes!(flatgeobuf))
        .layer(Extension(Turns(Arc::new(Semaphore::new(AT_ONCE)))))
}

/// A body that holds its export's turn for as long as it lives.
fn holding<S: Stream + Send + 'static>(turn: OwnedSemaphorePermit, body: S) -> impl Stream<Item = S::Item> + Send + 'static {
    body.map(move |item| {
        let _held = &turn;
        item
    })
}

/// The filter of an export request (the listing's, without paging).
fn selection(state: &AppState, query: Option<&str>) -> Result<Arc<Filter>> {
    let mut p = Params::parse(query)?;
    let filter = take_filter(&mut p, &state.gazetteer, &state.referential, true)?;
    p.finish()?;
    Ok(Arc::new(filter))
}

fn download(body: Body, kind: &'static str, disposition: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    res
}

/// Every published sheet that passes the filters, one row per place, in the import format
/// (semicolons, UTF-8 with BOM, decimal commas), streamed.
#[utoipa::path(get, path = "/api/initiatives.csv", operation_id = "exportCsv", summary = "Export as CSV", tag = "sheets",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "A CSV file", body = String, content_type = "text/csv"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 503, description = "Too many exports at once", body = ErrorBody),
    ))]
async fn csv(state: State<AppState>, turns: Extension<Turns>, query: RawQuery) -> Result<Response> {
    export(state, turns, query, Format::Csv).await
}

/// The same as GeoJSON: one feature per place, the properties of the import format.
#[utoipa::path(get, path = "/api/initiatives.geojson", operation_id = "exportGeojson", summary = "Export as GeoJSON", tag = "sheets",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "A GeoJSON FeatureCollection, streamed", body = ExportCollection, content_type = "application/geo+json"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 503, description = "Too many exports at once", body = ErrorBody),
    ))]
async fn geojson(state: State<AppState>, turns: Extension<Turns>, query: RawQuery) -> Result<Response> {
    export(state, turns, query, Format::Geojson).await
}

async fn export(
    State(state): State<AppState>,
    Extension(turns): Extension<Turns>,
    RawQuery(query): RawQuery,
    format: Format,
) -> Result<Response> {
    let filter = selection(&state, query.as_deref())?;
    let turn = turns.take()?;
    let index = state.index();
    let body = Body::from_stream(holding(turn, pages(state, index, filter, format)));
    Ok(match format {
        Format::Csv => download(body, "text/csv; charset=utf-8", "attachment; filename=\"atlaas-initiatives.csv\""),
        Format::Geojson => download(body, "application/geo+json", "attachment; filename=\"atlaas-initiatives.geojson\""),
    })
}

#[utoipa::path(get, path = "/api/initiatives.fgb", operation_id = "exportFlatgeobuf", summary = "Export as FlatGeobuf", tag = "sheets",
    params(
        super::openapi::params::Filters,
        super::openapi::params::CommuneFilter,
    ),
    responses(
        (status = 200, description = "A FlatGeobuf file (one point per place, with a spatial index), for GIS", body = Vec<u8>, content_type = "application/octet-stream"),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 503, description = "Too many exports at once", body = ErrorBody),
    ))]
async fn flatgeobuf(State(state): State<AppState>, Extension(turns): Extension<Turns>, RawQuery(query): RawQuery) -> Result<Response> {
    let filter = selection(&state, query.as_deref())?;
    let turn = turns.take()?;
    let index = state.index();
    let body = Body::from_stream(holding(turn, flatgeobuf_file(state, index, filter)));
    Ok(download(body, "application/flatgeobuf", "attachment; filename=\"atlaas-initiatives.fgb\""))
}

/// Bytes of the FlatGeobuf file sent at a time.
const CHUNK: usize = 64 * 1024;

/// The FlatGeobuf body: the file is made first (the answer's headers are already sent, so no
/// request time limit cuts a long one), then read out.
fn flatgeobuf_file(state: AppState, index: Arc<SpatialIndex>, filter: Arc<Filter>) -> impl Stream<Item = std::io::Result<Bytes>> {
    stream::once(write_flatgeobuf(state, index, filter))
        .and_then(|file| async move {
            Ok(stream::try_unfold(tokio::fs::File::from_std(file), |mut file| async move {
                let mut chunk = vec![0; CHUNK];
                let n = tokio::io::AsyncReadExt::read(&mut file, &mut chunk).await?;
                chunk.truncate(n);
                Ok((n > 0).then(|| (Bytes::from(chunk), file)))
            }))
        })
        .try_flatten()
}

/// Writes the selection to an anonymous temporary file, rewound.
async fn write_flatgeobuf(state: AppState, index: Arc<SpatialIndex>, filter: Arc<Filter>) -> std::io::Result<std::fs::File> {
    let mut fgb = FlatGeobuf::new().map_err(failed)?;
    let mut after = None;
    loop {
        let (sheets, next) = read_page(&state, &index, &filter, after).await?;
        fgb.add(sheets.iter().map(|s| (s.id.to_string(), &s.sheet)), &state.gazetteer).map_err(failed)?;
        match next {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    tokio::task::spawn_blocking(move || {
        let mut file = tempfile::tempfile()?;
        let mut out = std::io::BufWriter::new(&mut file);
        fgb.finish(&mut out).map_err(failed)?;
        out.flush()?;
        drop(out);
        std::io::Seek::rewind(&mut file)?;
        Ok(file)
    })
    .await
    .map_err(failed)?
}

/// Where the stream is.
enum Step {
    Head,
    After(Option<SheetId>),
    Tail,
    Done,
}

/// The body: the format's head, a chunk per page of sheets, its tail. A store that fails
/// halfway ends the stream with an error, which cuts the connection: the client sees an
/// incomplete download, never a file that looks whole.
fn pages(state: AppState, index: Arc<SpatialIndex>, filter: Arc<Filter>, format: Format) -> impl Stream<Item = std::io::Result<Bytes>> {
    let rows = Rows::new(format);
    stream::try_unfold((Step::Head, rows), move |(step, mut rows)| {
        let (state, index, filter) = (state.clone(), index.clone(), filter.clone());
        async move {
            let (chunk, next) = match step {
                Step::Head => (rows.head(), Step::After(None)),
                Step::After(after) => {
                    let (sheets, next) = read_page(&state, &index, &filter, after).await?;
                    let chunk = rows.page(sheets.iter().map(|s| (s.id.to_string(), &s.sheet)), &state.gazetteer);
                    let next = match next {
                        Some(last) => Step::After(Some(last)),
                        None => Step::Tail,
                    };
                    (chunk, next)
                }
                Step::Tail => (rows.tail(), Step::Done),
                Step::Done => return Ok(None),
            };
            Ok(Some((Bytes::from(chunk), (next, rows))))
        }
    })
}

/// One page of the selection after `after`: the matching sheets as stored, and the last id
/// when more follow.
async fn read_page(
    state: &AppState,
    index: &Arc<SpatialIndex>,
    filter: &Arc<Filter>,
    after: Option<SheetId>,
) -> std::io::Result<(Vec<Initiative>, Option<SheetId>)> {
    let page = state.reads.page(index, filter, after, PAGE).await.map_err(failed)?;
    let sheets = state.store.published_among(&page.ids).await.map_err(failed)?;
    Ok((sheets, page.next_after))
}

fn failed(e: impl std::fmt::Display) -> std::io::Error {
    tracing::error!("an export stopped halfway: {e}");
    std::io::Error::other("the export could not be finished")
}

/// The GeoJSON export: one feature per place of each sheet.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes what `Rows` writes.
struct ExportCollection {
    #[schema(example = "FeatureCollection")]
    r#type: String,
    features: Vec<ExportFeature>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct ExportFeature {
    #[schema(example = "Feature")]
    r#type: String,
    geometry: super::features::PointGeometry,
    properties: ExportColumns,
}

/// The columns of the import format, each as text; empty ones are left out.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ExportColumns {
    /// The sheet's id, shared by its places.
    id: String,
    titre: String,
    #[schema(rename = "résumé")]
    resume: Option<String>,
    description: Option<String>,
    /// The code of the authority.
    #[schema(rename = "collectivité")]
    collectivite: String,
    /// Service codes, comma-separated; the first is the main one.
    services: String,
    #[schema(rename = "année")]
    annee: String,
    site_web: Option<String>,
    /// `publiée`.
    statut: String,
    lieu: Option<String>,
    adresse: Option<String>,
    code_postal: Option<String>,
    code_insee: String,
    /// The commune's name.
    commune: Option<String>,
}
