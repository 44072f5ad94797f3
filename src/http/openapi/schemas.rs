//! Shapes the document names that no single Rust type of ours serializes: the error body
//! (made by `Error::into_response`) and answers written as JSON values. `tests/openapi.rs`
//! checks real answers against them.

use serde_json::Value;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(ToSchema)]
#[schema(example = json!({"error": "bad_request", "detail": "limit must be between 1 and 1000, not \"0\""}))]
#[allow(dead_code)]
pub struct ErrorBody {
    /// A stable code, one per kind of error.
    #[schema(inline)]
    error: ErrorCode,
    /// A sentence for people, in English.
    detail: String,
    /// For a sheet refused field by field (422 `unprocessable`): each field's problem.
    fields: Option<Vec<FieldProblem>>,
}

/// The codes of [`ErrorBody`], with their status.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ErrorCode {
    /// 400
    BadRequest,
    /// 401, with `WWW-Authenticate: Bearer`
    Unauthorized,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 408
    RequestTimeout,
    /// 409
    Conflict,
    /// 412: `If-Match` names a version that is no longer the current one
    PreconditionFailed,
    /// 413
    PayloadTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 422
    Unprocessable,
    /// 428: a write that must say which version it was made from did not
    PreconditionRequired,
    /// 429, with `Retry-After`
    TooManyRequests,
    /// 500, with a reference to the server's log
    InternalError,
    /// 501
    NotImplemented,
    /// 503: the database is unreachable
    Unavailable,
    /// 503, with `Retry-After`: every computing thread is busy
    Busy,
}

/// Why one field of a sheet was refused.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FieldProblem {
    /// The field, as a path: `title`, `places[1].postal_code`.
    field: String,
    /// A stable code a client can translate (`too_long`, `unknown_commune`…).
    code: String,
    /// The values the code names (`{"max": 300}`).
    params: Option<Value>,
    /// The same in an English sentence.
    reason: String,
    /// Communes the client may have meant, `"Name (INSEE code)"`.
    candidates: Option<Vec<String>>,
}
