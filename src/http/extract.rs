//! What requests carry besides their path: a JSON body (refused with our JSON error, never
//! axum's plain text), the version a write was made from (`If-Match`), and the base of the
//! absolute URLs an answer writes ([`BaseUrl`]).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use super::MAX_BODY_BYTES;
use super::error::{Error, Result};

/// A JSON body: `Content-Type: application/json` (or `application/merge-patch+json`), at most
/// [`MAX_BODY_BYTES`] even when sent in chunks. Requiring the type also keeps plain HTML forms
/// of other sites from posting here.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let media = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence != "application/json" && essence != "application/merge-patch+json" {
            return Err(Error::UnsupportedMediaType(format!(
                "send the body as Content-Type: application/json (or application/merge-patch+json), not {media:?}"
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { limit: MAX_BODY_BYTES },
            _ => Error::bad_request(format!("the body could not be read: {e}")),
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| Error::bad_request(format!("the body is not valid JSON: {e}")))
    }
}

/// The version named by `If-Match: "N"`, as an earlier answer's `ETag` gave it; `None` when
/// the header is absent.
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let version = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().strip_prefix('"')?.strip_suffix('"')?.parse::<i64>().ok())
            .filter(|&v| v >= 1)
            .ok_or_else(|| Error::bad_request("If-Match must be the ETag of the sheet as an answer gave it, such as \"3\""))?;
        Ok(IfMatch(Some(version)))
    }
}

impl IfMatch {
    /// The version, which this write must give.
    pub fn required(self) -> Result<i64> {
        self.0.ok_or_else(|| {
            Error::PreconditionRequired(
                "send If-Match with the sheet's ETag (from GET /api/initiatives/{id} or /revision), so that nobody's change is lost".into(),
            )
        })
    }
}

/// Adds the `ETag` of a sheet at `version`.
pub fn with_etag(headers: &mut HeaderMap, version: i64) {
    headers.insert(header::ETAG, HeaderValue::from_str(&format!("\"{version}\"")).expect("digits make a header value"));
}

/// The service's public address (`--public-url`): an http(s) URL with a host, perhaps a path
/// prefix, no query, no fragment, no credentials; kept without its trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(pub std::sync::Arc<str>);

impl PublicUrl {
    pub fn parse(raw: &str) -> std::result::Result<PublicUrl, String> {
        let url = url::Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{raw:?} must be an http:// or https:// address with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{raw:?} must be a plain address: no query, fragment or credentials"));
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').into()))
    }
}

/// `scheme://host[/prefix]` that the absolute URLs of an answer begin with: the public URL
/// when the operator gave one, else the request's `Host` (and `X-Forwarded-Proto`).
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> std::result::Result<Self, Self::Rejection> {
        Ok(BaseUrl(match parts.extensions.get::<PublicUrl>() {
            Some(url) => url.0.to_string(),
            None => from_host(&parts.headers),
        }))
    }
}

/// `scheme://host` of the request.
pub fn from_host(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}
