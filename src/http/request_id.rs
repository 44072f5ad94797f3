//! A request id on every request: the caller's `X-Request-Id` when it is a plain token (a
//! proxy's or a load balancer's), else a new random one; put in the request's log span and
//! sent back in the answer's `X-Request-Id`, so that a person reporting a problem and the
//! operator reading the logs name the same request.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

/// Longest id taken from a caller; longer or stranger ones are replaced.
const MAX_LEN: usize = 64;

fn acceptable(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The id a request goes by: its own when acceptable, else 16 random hex digits.
pub fn of(req: &Request) -> String {
    match req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        Some(given) if acceptable(given) => given.to_owned(),
        _ => format!("{:016x}", rand::random::<u64>()),
    }
}

/// Sets the request's id before anything logs it, and returns it with the answer.
pub async fn tag(mut req: Request, next: Next) -> Response {
    let id = HeaderValue::from_str(&of(&req)).expect("an acceptable id is a valid header value");
    req.headers_mut().insert(HEADER, id.clone());
    let mut res = next.run(req).await;
    res.headers_mut().insert(HEADER, id);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_s_id_is_kept_only_when_it_is_a_plain_token() {
        assert!(acceptable("3f2a-9c:lb.1_x"));
        for bad in ["", "a b", "id\"", "é", &"x".repeat(65), "id\r\nset-cookie: a"] {
            assert!(!acceptable(bad), "{bad:?}");
        }
    }
}
