//! The one error type of the HTTP layer: a JSON body `{"error", "detail"}` with the right
//! status. Internal errors are logged with a reference the client gets instead of the cause.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::contributions::ContributionError;
use crate::contributions::input::FieldError;
use crate::store::StoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A body with problems in its fields, each named.
    #[error("the sheet is not valid: see fields")]
    InvalidFields(Vec<FieldError>),
    /// `If-Match` names a version that is no longer the current one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A write that must say which version it was made from did not.
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Unavailable(String),
    /// Every computing thread is busy and the queue is full (see [`crate::app::work`]).
    #[error("the server is busy: try again in {BUSY_RETRY_AFTER_S} s")]
    Busy,
    #[error("too many requests: try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("the request took longer than {seconds} s")]
    Timeout { seconds: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Error::BadRequest(detail.into())
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Error::NotFound(detail.into())
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Error::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::Unprocessable(_) | Error::InvalidFields(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            Error::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            Error::PreconditionRequired(_) => (StatusCode::PRECONDITION_REQUIRED, "precondition_required"),
            Error::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            Error::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Error::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Error::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Error::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Error::Timeout { .. } => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            Error::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

/// What a client told the server is busy should wait: a queue drains in well under a second.
pub const BUSY_RETRY_AFTER_S: u64 = 1;

impl From<crate::app::work::Busy> for Error {
    fn from(_: crate::app::work::Busy) -> Self {
        Error::Busy
    }
}

impl From<crate::app::reads::ReadError> for Error {
    fn from(e: crate::app::reads::ReadError) -> Self {
        match e {
            crate::app::reads::ReadError::Store(e) => e.into(),
            crate::app::reads::ReadError::Busy(_) => Error::Busy,
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Invalid(m) => Error::Unprocessable(m),
            StoreError::NotFound(m) => Error::NotFound(m),
            e @ StoreError::Stale { .. } => Error::PreconditionFailed(e.to_string()),
            StoreError::Unavailable(_) => Error::Unavailable("the database is unavailable; try again shortly".into()),
            other => Error::Internal(other.into()),
        }
    }
}

impl From<ContributionError> for Error {
    fn from(e: ContributionError) -> Self {
        match e {
            ContributionError::Invalid(fields) => Error::InvalidFields(fields),
            ContributionError::BadRequest(m) => Error::BadRequest(m),
            ContributionError::Forbidden(m) => Error::Forbidden(m),
            ContributionError::NotFound(m) => Error::NotFound(m),
            ContributionError::Conflict(m) => Error::Conflict(m),
            ContributionError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            Error::Internal(cause) => {
                let reference = format!("{:016x}", rand::random::<u64>());
                tracing::error!(reference, error = ?cause, "internal error");
                format!("an internal error occurred (reference {reference})")
            }
            other => other.to_string(),
        };
        let body = match &self {
            Error::InvalidFields(fields) => json!({ "error": code, "detail": detail, "fields": fields }),
            _ => json!({ "error": code, "detail": detail }),
        };
        let mut response = (status, Json(body)).into_response();
        match self {
            Error::TooManyRequests { retry_after } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Error::Busy => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_AFTER_S));
            }
            _ => {}
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: say which scheme the API takes.
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"atlaas\""));
        }
        response
    }
}

/// The largest plain-text rejection read back to be put in JSON.
const REJECTION_TEXT_MAX: usize = 16 * 1024;

/// Rejections made before a handler runs (axum's extractors: a path segment that is not
/// UTF-8, a JSON body that does not parse, a missing content type, a body read past its
/// limit) come as plain text: they leave here with the same JSON shape and status as every
/// other error, their headers kept.
pub async fn json_rejections(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let plain = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/plain"));
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, REJECTION_TEXT_MAX).await.unwrap_or_default();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let body = Json(json!({ "error": code_of(status), "detail": detail }));
    (parts, body).into_response()
}

/// The error code of a status this service answers with.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    }
}
