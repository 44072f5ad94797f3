//! `POST /api/import`: a CSV, JSON, GeoJSON or mediation-places file as the body, imported
//! by the same core as `atlaas import` and answered with the same report. The import runs in
//! the background: a file done within a couple of seconds is answered at once (200, or 422
//! when refused), a longer one with 202 and its progress at `GET /api/imports/{id}`; with
//! `Prefer: respond-async` (RFC 7240) the answer is 202 without waiting.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::error::{Error, Result};
use super::openapi::schemas::ErrorBody;
use crate::app::AppState;
use crate::app::imports::{start, visible_job};
use crate::auth::Caller;
use crate::import::{Encoding, Format, ImportOptions, Scope};
use crate::index::filter::query::Params;
use crate::model::Role;
use crate::model::job::{ImportJob, JobState};

/// Largest file accepted over HTTP (a larger one is split, or imported on the server).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// How long the request waits for the import before answering 202.
const WAIT: Duration = Duration::from_secs(2);

pub fn router() -> OpenApiRouter<AppState> {
    let (schemas, paths, import) = routes!(import);
    // A file may be larger than any other body.
    let import = import.layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES));
    OpenApiRouter::new().routes((schemas, paths, import)).routes(routes!(show))
}

/// The file, read whole (at most [`MAX_IMPORT_BYTES`], even when sent in chunks).
struct FileBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for FileBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { limit: MAX_IMPORT_BYTES },
            _ => Error::bad_request(format!("the file could not be read: {e}")),
        })?;
        if bytes.is_empty() {
            return Err(Error::bad_request("send the file as the request body (curl --data-binary @fichier.csv)"));
        }
        Ok(FileBody(bytes))
    }
}

#[utoipa::path(post, path = "/api/import", operation_id = "importFile", summary = "Import a file of sheets", tag = "imports",
    params(
        ("dry_run" = Option<bool>, Query, description = "Check and geocode everything, write nothing"),
        ("skip_invalid" = Option<bool>, Query, description = "Write the valid rows and report the others"),
        ("format" = Option<String>, Query, description = "csv, json, geojson or mednum (detected when not given)"),
        ("encoding" = Option<String>, Query, description = "utf-8 or windows-1252 for a CSV (detected when not given)"),
        ("source" = Option<String>, Query, description = "Where the sheets come from (the file name by default)"),
        ("file_name" = Option<String>, Query, description = "The file's name, for the report"),
        ("Prefer" = Option<String>, Header, description = "`respond-async` not to wait for the end"),
    ),
    security(("token" = []), ("session" = [])),
    request_body(content = Vec<u8>, description = "The file (CSV, JSON, GeoJSON)", content_type = "text/csv"),
    responses(
        (status = 200, description = "Done: the job and its report", body = Job, content_type = "application/json"),
        (status = 202, description = "Still running: the job, to follow at /api/imports/{id}", body = Job),
        (status = 400, description = "A parameter is unknown or malformed", body = ErrorBody),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 413, description = "A file over 64 MB", body = ErrorBody),
        (status = 422, description = "Refused, nothing written: the job's report says why row by row, or its `error` why the file was not read", body = Job),
        (status = 503, description = "Failed, nothing written: the job's `error` says why", body = Job),
    ))]
async fn import(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    FileBody(bytes): FileBody,
) -> Result<Response> {
    let options = options(&state, &caller, &headers, query.as_deref()).await?;
    let (job, finished) = start(&state, &caller, bytes.to_vec(), options).await?;
    let location = format!("/api/imports/{}", job.id);
    if !prefers_async(&headers) {
        let _ = tokio::time::timeout(WAIT, finished).await;
    }
    let job = visible_job(&state, &caller, &job.id).await?.unwrap_or(job);
    let status = match job.state {
        JobState::Running => StatusCode::ACCEPTED,
        JobState::Done => StatusCode::OK,
        JobState::Refused => StatusCode::UNPROCESSABLE_ENTITY,
        JobState::Failed => StatusCode::SERVICE_UNAVAILABLE,
    };
    Ok((status, [(header::LOCATION, location)], Json(Job::from(&job))).into_response())
}

#[utoipa::path(get, path = "/api/imports/{id}", operation_id = "getImport", summary = "An import job", tag = "imports",
    params(
        ("id" = String, Path, description = "The job"),
    ),
    security(("token" = []), ("session" = [])),
    responses(
        (status = 200, description = "The job: state, progress and report", body = Job, content_type = "application/json"),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 404, description = "No job the caller may see", body = ErrorBody),
    ))]
async fn show(State(state): State<AppState>, Authenticated(caller): Authenticated, Path(id): Path<String>) -> Result<Response> {
    let job = visible_job(&state, &caller, &id).await?.ok_or_else(|| Error::not_found(format!("no import {id}")))?;
    Ok(Json(Job::from(&job)).into_response())
}

/// Whether the client asked not to wait (`Prefer: respond-async`).
fn prefers_async(headers: &HeaderMap) -> bool {
    let preferences = headers.get_all("prefer").into_iter().filter_map(|v| v.to_str().ok());
    preferences.flat_map(|v| v.split(',')).any(|p| p.trim().eq_ignore_ascii_case("respond-async"))
}

/// The import's options from the query string and the caller: a contributor imports its own
/// authority's sheets only, as proposals unless the authority is trusted, under a source of
/// its own (prefixed with the authority's code, so that no two towns' files mix).
async fn options(state: &AppState, caller: &Caller, headers: &HeaderMap, query: Option<&str>) -> Result<ImportOptions> {
    let mut p = Params::parse(query)?;
    let format = p
        .take("format")
        .map(|f| Format::from_name(&f).ok_or_else(|| Error::bad_request(format!("format is csv, geojson, json or mednum, not {f:?}"))))
        .transpose()?;
    let encoding = p
        .take("encoding")
        .map(|e| Encoding::from_name(&e).ok_or_else(|| Error::bad_request(format!("encoding is utf-8, windows-1252 or utf-16, not {e:?}"))))
        .transpose()?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let file_name = p.take("file_name").unwrap_or_else(|| default_file_name(&media).into());
    let source = p.take("source").unwrap_or_else(|| match format {
        Some(Format::Mednum) => "mednum".into(),
        _ => file_name.clone(),
    });
    let dry_run = p.take_bool("dry_run")?;
    let skip_invalid = p.take_bool("skip_invalid")?;
    p.finish()?;
    if source.trim().is_empty() || source.len() > 200 {
        return Err(Error::bad_request("source is a name of 1 to 200 characters"));
    }
    let (source, scope) = match (caller.role, &caller.authority) {
        (Role::Contributor, Some(own)) => {
            let propose = !state.store.trusted(own).await?;
            (format!("{own}/{source}"), Scope { authority: Some(own.clone()), propose })
        }
        (Role::Contributor, None) => return Err(Error::Forbidden("these credentials write for no authority".into())),
        _ => (source, Scope::default()),
    };
    Ok(ImportOptions {
        format,
        encoding,
        source,
        dry_run,
        skip_invalid,
        updated_by: caller.actor().id,
        file_name,
        default_year: crate::model::rules::this_year(),
        scope,
        progress: None,
        addresses: state.addresses.clone(),
    })
}

/// A file name that lets the format be told from the media type, when none is given.
fn default_file_name(media: &str) -> &'static str {
    match media.split(';').next().unwrap_or("").trim() {
        "text/csv" | "text/tab-separated-values" => "import.csv",
        "application/geo+json" => "import.geojson",
        "application/json" => "import.json",
        _ => "import",
    }
}

/// An import job as the API shows it.
#[derive(Serialize, ToSchema)]
struct Job<'a> {
    /// 32 hex digits.
    id: &'a str,
    /// `running`, `done`, `refused` (nothing written: see `report` or `error`) or `failed`
    /// (the service could not finish; nothing written).
    #[schema(value_type = String)]
    state: JobState,
    /// The file's name.
    file: &'a str,
    dry_run: bool,
    progress: Progress,
    /// Once finished: the report `atlaas import --report json` prints (rows read, written,
    /// skipped, errors row by row, geocoding by method and confidence).
    #[schema(value_type = Option<Object>)]
    report: Option<&'a Value>,
    /// Why the file was refused or the job failed.
    error: Option<&'a str>,
    created_at: &'a str,
    updated_at: &'a str,
    links: JobLinks,
}

#[derive(Serialize, ToSchema)]
struct Progress {
    /// Rows in the file, once read.
    rows_total: Option<u64>,
    /// Rows checked and geocoded so far.
    rows_checked: u64,
}

#[derive(Serialize, ToSchema)]
struct JobLinks {
    /// Where to follow the job.
    #[serde(rename = "self")]
    #[schema(rename = "self")]
    this: String,
}

impl<'a> From<&'a ImportJob> for Job<'a> {
    fn from(job: &'a ImportJob) -> Self {
        Job {
            id: &job.id,
            state: job.state,
            file: &job.file,
            dry_run: job.dry_run,
            progress: Progress { rows_total: job.rows_total, rows_checked: job.rows_checked },
            report: job.report.as_ref(),
            error: job.error.as_deref(),
            created_at: &job.created_at,
            updated_at: &job.updated_at,
            links: JobLinks { this: format!("/api/imports/{}", job.id) },
        }
    }
}
