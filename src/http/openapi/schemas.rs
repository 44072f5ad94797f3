//! Shapes the document names that no single Rust type of ours serializes: the error body
//! (made by `Error::into_response`) and answers written as JSON values. `tests/openapi.rs`
//! checks real answers against them.

use serde_json::Value;
use utoipa::{IntoResponses, ToSchema};

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

/// The errors every change to an existing sheet may answer (edit, archive, submit, publish,
/// reject), documented once.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// A parameter is unknown or malformed
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No valid token or session
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The caller may not do this
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// No such sheet
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The sheet's state does not allow it
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The version is not the current one
    #[response(status = 412)]
    PreconditionFailed(ErrorBody),
    /// A field is not valid: see `fields`
    #[response(status = 422)]
    Unprocessable(ErrorBody),
    /// If-Match is missing
    #[response(status = 428)]
    PreconditionRequired(ErrorBody),
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

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;
    use utoipa::PartialSchema;

    use super::ErrorCode;
    use crate::http::Error;

    /// One of each error; a new variant does not compile in `covered` until it is added here.
    fn every_error() -> Vec<Error> {
        let all = vec![
            Error::BadRequest(String::new()),
            Error::Unauthorized(String::new()),
            Error::Forbidden(String::new()),
            Error::NotFound(String::new()),
            Error::Conflict(String::new()),
            Error::Unprocessable(String::new()),
            Error::InvalidFields(vec![]),
            Error::PreconditionFailed(String::new()),
            Error::PreconditionRequired(String::new()),
            Error::UnsupportedMediaType(String::new()),
            Error::PayloadTooLarge { limit: 1 },
            Error::MethodNotAllowed(String::new()),
            Error::Unavailable(String::new()),
            Error::Busy,
            Error::TooManyRequests { retry_after: 1 },
            Error::Timeout { seconds: 1 },
            Error::Internal(anyhow::anyhow!("a bug")),
        ];
        for e in &all {
            covered(e);
        }
        all
    }

    fn covered(e: &Error) {
        match e {
            Error::BadRequest(_)
            | Error::Unauthorized(_)
            | Error::Forbidden(_)
            | Error::NotFound(_)
            | Error::Conflict(_)
            | Error::Unprocessable(_)
            | Error::InvalidFields(_)
            | Error::PreconditionFailed(_)
            | Error::PreconditionRequired(_)
            | Error::UnsupportedMediaType(_)
            | Error::PayloadTooLarge { .. }
            | Error::MethodNotAllowed(_)
            | Error::Unavailable(_)
            | Error::Busy
            | Error::TooManyRequests { .. }
            | Error::Timeout { .. }
            | Error::Internal(_) => {}
        }
    }

    #[tokio::test]
    async fn every_error_code_the_server_answers_is_in_the_document() {
        let schema = serde_json::to_string(&ErrorCode::schema()).unwrap();
        for e in every_error() {
            let body = axum::body::to_bytes(e.into_response().into_body(), 4096).await.unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            let code = body["error"].as_str().unwrap();
            assert!(schema.contains(&format!("\"{code}\"")), "{code} is not among the documented codes: {schema}");
        }
        assert!(schema.contains("\"not_implemented\""), "oEmbed's 501");
    }
}
