//! `GET /api/initiatives.csv` and `GET /api/initiatives.geojson`: every published sheet that
//! passes the listing's filters, in id order, in the import format (one row or feature per
//! place, the sheet's id on each), so that an export imports again. The answer is streamed:
//! sheets are read from the store a page at a time while the client downloads, so a server's
//! memory does not grow with the selection. The selection is the index as it was when the
//! request came; a sheet unpublished since is left out.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use futures_util::stream::{self, Stream};

use super::error::Result;
use crate::app::AppState;
use crate::import::export::{Format, Rows};
use crate::index::filter::query::{Params, take_filter};
use crate::index::{Filter, SpatialIndex};
use crate::model::SheetId;

/// Sheets read from the store at a time.
const PAGE: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/initiatives.csv", get(|s: State<AppState>, q: RawQuery| export(s, q, Format::Csv)))
        .route("/api/initiatives.geojson", get(|s: State<AppState>, q: RawQuery| export(s, q, Format::Geojson)))
}

async fn export(State(state): State<AppState>, RawQuery(query): RawQuery, format: Format) -> Result<Response> {
    let mut p = Params::parse(query.as_deref())?;
    let filter = Arc::new(take_filter(&mut p, &state.gazetteer, &state.referential, true)?);
    p.finish()?;
    let index = state.index();
    let mut res = Body::from_stream(pages(state, index, filter, format)).into_response();
    let (kind, name) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "attachment; filename=\"atlaas-initiatives.csv\""),
        Format::Geojson => ("application/geo+json", "attachment; filename=\"atlaas-initiatives.geojson\""),
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(name));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(res)
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
                    let page = state.reads.page(&index, &filter, after, PAGE).await.map_err(failed)?;
                    let sheets = state.store.published_among(&page.ids).await.map_err(failed)?;
                    let chunk = rows.page(sheets.iter().map(|s| (s.id.to_string(), &s.sheet)), &state.gazetteer);
                    let next = match page.next_after {
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

fn failed(e: impl std::fmt::Display) -> std::io::Error {
    tracing::error!("an export stopped halfway: {e}");
    std::io::Error::other("the export could not be finished")
}
