//! What stands before every write (any method but GET, HEAD and OPTIONS): a write from another
//! site's page is refused (its `Origin` is not ours), and each client address and each
//! credential may only write at a bounded rate (429 with `Retry-After`). Reads are open to
//! every origin, without credentials (CORS, in [`cors`]).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::cors::{Any, CorsLayer};

use super::error::Error;
use crate::auth::token;

/// How fast writes may come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePolicy {
    /// Writes a minute for one credential (0: no limit); one client address may make four
    /// times as many (several agents of a town behind one address).
    pub per_minute: u32,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Host` are believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for WritePolicy {
    fn default() -> Self {
        WritePolicy { per_minute: 120, trusted_proxies: vec![] }
    }
}

/// Rate limiters of writes, by client address and by credential.
pub struct WriteGuard {
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Keyed by the SHA-256 of the `Authorization` header: no secret is kept.
    by_credential: Option<DefaultKeyedRateLimiter<String>>,
    trusted_proxies: Vec<IpAddr>,
    checks: AtomicU64,
}

/// Checks between two sweeps of the limiters' idle keys.
const SWEEP_EVERY: u64 = 10_000;

impl WriteGuard {
    pub fn new(policy: &WritePolicy) -> Self {
        let quota = |n: u32| NonZeroU32::new(n).map(Quota::per_minute);
        WriteGuard {
            by_address: quota(policy.per_minute.saturating_mul(4)).map(RateLimiter::keyed),
            by_credential: quota(policy.per_minute).map(RateLimiter::keyed),
            trusted_proxies: policy.trusted_proxies.clone(),
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last
    /// address of `X-Forwarded-For` that is not a trusted proxy.
    fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
        let chain: Vec<IpAddr> = forwarded.filter_map(|a| a.trim().parse().ok()).collect();
        Some(chain.into_iter().rev().find(|a| !self.trusted_proxies.contains(a)).unwrap_or(peer))
    }

    /// Seconds to wait before this write may come, if it must wait.
    fn wait(&self, client: Option<IpAddr>, credential: Option<&str>) -> Option<u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.by_address.iter().for_each(|l| l.retain_recent());
            self.by_credential.iter().for_each(|l| l.retain_recent());
        }
        let now = DefaultClock::default().now();
        let seconds = |d: std::time::Duration| d.as_secs() + u64::from(d.subsec_nanos() > 0);
        if let (Some(limiter), Some(ip)) = (&self.by_address, client)
            && let Err(not_until) = limiter.check_key(&ip)
        {
            return Some(seconds(not_until.wait_time_from(now)));
        }
        if let (Some(limiter), Some(credential)) = (&self.by_credential, credential)
            && let Err(not_until) = limiter.check_key(&token::hash(credential))
        {
            return Some(seconds(not_until.wait_time_from(now)));
        }
        None
    }

    /// The host this request was sent to, as its `Origin` should name it.
    fn host<'h>(&self, peer: Option<IpAddr>, headers: &'h HeaderMap) -> Option<&'h str> {
        let proxied = peer.is_some_and(|p| self.trusted_proxies.contains(&p));
        let forwarded = proxied.then(|| headers.get("x-forwarded-host")).flatten();
        forwarded.or_else(|| headers.get(header::HOST)).and_then(|v| v.to_str().ok())
    }
}

/// Refuses writes from other sites' pages and writes past the rate, before any handler runs.
pub async fn guard_writes(State(guard): State<Arc<WriteGuard>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        // A browser says which page sent the request; programs send no Origin.
        let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, host)| host.trim_end_matches('/'));
        if origin_host.is_none() || origin_host != guard.host(peer, headers) {
            let detail = "writes come from this site's own pages or from programs, never from another site's pages";
            return Error::Forbidden(detail.into()).into_response();
        }
    }
    let credential = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(seconds) = guard.wait(guard.client(peer, headers), credential) {
        return Error::TooManyRequests { retry_after: seconds.max(1) }.into_response();
    }
    next.run(req).await
}

/// Reads may be made from any site's pages, without credentials (no cookie, no
/// `Authorization`); nothing but GET and HEAD is allowed across origins.
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::IF_NONE_MATCH])
        .expose_headers([header::ETAG])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(per_minute: u32, proxies: &[&str]) -> WriteGuard {
        WriteGuard::new(&WritePolicy { per_minute, trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect() })
    }

    fn forwarded(chain: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", chain.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let g = guard(10, &["10.0.0.1"]);
        assert_eq!(g.client(ip("10.0.0.1"), &forwarded("203.0.113.7, 10.0.0.1")), ip("203.0.113.7"));
        // A client cannot pose as another by writing the header itself: the proxy appends.
        assert_eq!(g.client(ip("10.0.0.1"), &forwarded("198.51.100.1, 203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(g.client(ip("192.0.2.9"), &forwarded("203.0.113.7")), ip("192.0.2.9"), "not a trusted proxy");
        assert_eq!(g.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
    }

    #[test]
    fn each_credential_and_each_address_has_its_own_allowance() {
        let g = guard(2, &[]);
        let a = Some("192.0.2.1".parse().unwrap());
        assert_eq!(g.wait(a, Some("Bearer one")), None);
        assert_eq!(g.wait(a, Some("Bearer one")), None);
        assert!(g.wait(a, Some("Bearer one")).is_some_and(|s| (1..=60).contains(&s)));
        assert_eq!(g.wait(a, Some("Bearer two")), None, "another credential");
        // The address allows four times the credential's rate: 8 in all, 4 already made.
        for _ in 0..4 {
            assert_eq!(g.wait(a, None), None);
        }
        assert!(g.wait(a, None).is_some());
        assert!(guard(0, &[]).wait(a, Some("Bearer one")).is_none(), "0 is no limit");
    }
}
