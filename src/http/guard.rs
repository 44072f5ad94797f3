//! What stands before every write (any method but GET, HEAD and OPTIONS): a write from another
//! site's page is refused (its `Origin` is not ours), and each client address and each
//! credential may only write at a bounded rate (429 with `Retry-After`). Sign-in attempts are
//! bounded per account and per client address ([`Client::may_sign_in`]). Reads are open to
//! every origin, without credentials (CORS, in [`cors`]).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::cors::{Any, CorsLayer};

use super::auth::session_cookie;
use super::error::{Error, Result};
use crate::auth::secret;

/// How fast writes and sign-in attempts may come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritePolicy {
    /// Writes a minute for one credential (0: no limit); one client address may make four
    /// times as many (several agents of a town behind one address).
    pub per_minute: u32,
    /// Sign-in attempts a quarter hour for one account (0: no limit); one client address may
    /// make five times as many.
    pub sign_ins: u32,
    /// Proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for WritePolicy {
    fn default() -> Self {
        WritePolicy { per_minute: 120, sign_ins: 10, trusted_proxies: vec![] }
    }
}

/// Rate limiters of writes, by client address and by credential, and of sign-ins.
pub struct WriteGuard {
    by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Keyed by the SHA-256 of the credential: no secret is kept.
    by_credential: Option<DefaultKeyedRateLimiter<String>>,
    sign_ins_by_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Keyed by the e-mail address tried (lower case).
    sign_ins_by_account: Option<DefaultKeyedRateLimiter<String>>,
    trusted_proxies: Vec<IpAddr>,
    checks: AtomicU64,
}

/// Checks between two sweeps of the limiters' idle keys.
const SWEEP_EVERY: u64 = 10_000;

impl WriteGuard {
    pub fn new(policy: &WritePolicy) -> Self {
        let quota = |n: u32| NonZeroU32::new(n).map(Quota::per_minute);
        let per_quarter_hour = |n: u32| {
            let burst = NonZeroU32::new(n)?;
            Quota::with_period(std::time::Duration::from_secs(15 * 60) / n).map(|q| q.allow_burst(burst))
        };
        WriteGuard {
            by_address: quota(policy.per_minute.saturating_mul(4)).map(RateLimiter::keyed),
            by_credential: quota(policy.per_minute).map(RateLimiter::keyed),
            sign_ins_by_address: per_quarter_hour(policy.sign_ins.saturating_mul(5)).map(RateLimiter::keyed),
            sign_ins_by_account: per_quarter_hour(policy.sign_ins).map(RateLimiter::keyed),
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
        self.sweep_now_and_then();
        check(&self.by_address, client.as_ref()).or_else(|| check(&self.by_credential, credential.map(secret::hash).as_ref()))
    }

    /// Seconds to wait before this address may try to sign in from this client, if it must.
    fn sign_in_wait(&self, client: Option<IpAddr>, email: &str) -> Option<u64> {
        self.sweep_now_and_then();
        let account = email.trim().to_lowercase();
        check(&self.sign_ins_by_address, client.as_ref()).or_else(|| check(&self.sign_ins_by_account, Some(&account)))
    }

    /// Forgets the keys that are back to a full allowance, now and then, so that memory stays
    /// bounded by the recent callers.
    fn sweep_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.by_address.iter().chain(&self.sign_ins_by_address).for_each(|l| l.retain_recent());
            self.by_credential.iter().chain(&self.sign_ins_by_account).for_each(|l| l.retain_recent());
        }
    }

    /// Whether the client reached us over HTTPS: only a trusted proxy can say so (the service
    /// itself speaks plain HTTP).
    fn https(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        let proxied = peer.is_some_and(|p| self.trusted_proxies.contains(&p));
        let proto = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
        proxied && proto.is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
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
    let credential = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).or_else(|| session_cookie(headers));
    if let Some(seconds) = guard.wait(guard.client(peer, headers), credential) {
        return Error::TooManyRequests { retry_after: seconds }.into_response();
    }
    next.run(req).await
}

/// Seconds to wait from the limiter's answer for this key, if there is a limiter and the key
/// must wait.
fn check<K: Clone + std::hash::Hash + Eq>(limiter: &Option<DefaultKeyedRateLimiter<K>>, key: Option<&K>) -> Option<u64> {
    let (limiter, key) = (limiter.as_ref()?, key?);
    let not_until = limiter.check_key(key).err()?;
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
}

/// Who is on the other end, as the guard sees it: the client's address (through trusted
/// proxies) and whether it came over HTTPS. Handlers of sign-ins take it.
pub struct Client {
    guard: Arc<WriteGuard>,
    pub address: Option<IpAddr>,
    pub https: bool,
}

impl Client {
    /// A 429 when this client, or anyone, tried to sign in as `email` too often lately.
    pub fn may_sign_in(&self, email: &str) -> Result<()> {
        match self.guard.sign_in_wait(self.address, email) {
            Some(retry_after) => Err(Error::TooManyRequests { retry_after }),
            None => Ok(()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        let guard = parts
            .extensions
            .get::<Arc<WriteGuard>>()
            .cloned()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the write guard is not installed")))?;
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let (address, https) = (guard.client(peer, &parts.headers), guard.https(peer, &parts.headers));
        Ok(Client { guard, address, https })
    }
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
        let trusted_proxies = proxies.iter().map(|p| p.parse().unwrap()).collect();
        WriteGuard::new(&WritePolicy { per_minute, sign_ins: 3, trusted_proxies })
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

    #[test]
    fn sign_ins_are_bounded_per_account_and_per_address() {
        let g = guard(0, &[]);
        let (a, b) = (Some("192.0.2.1".parse().unwrap()), Some("192.0.2.2".parse().unwrap()));
        for _ in 0..3 {
            assert_eq!(g.sign_in_wait(a, "agent@marck.fr"), None);
        }
        // The fourth try at one account waits, from any address and however the address is typed.
        let wait = g.sign_in_wait(b, " Agent@Marck.fr");
        assert!(wait.is_some_and(|s| (1..=300).contains(&s)), "{wait:?}");
        assert_eq!(g.sign_in_wait(a, "autre@marck.fr"), None, "another account");
        // One address may try 5 × 3 = 15 times in all: 4 made, 11 left.
        for i in 0..11 {
            assert_eq!(g.sign_in_wait(a, &format!("agent{i}@gueugnon.fr")), None);
        }
        assert!(g.sign_in_wait(a, "encore@gueugnon.fr").is_some());
    }

    #[test]
    fn only_a_trusted_proxy_says_the_client_came_over_https() {
        let g = guard(10, &["10.0.0.1"]);
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(g.https(Some("10.0.0.1".parse().unwrap()), &h));
        assert!(!g.https(Some("192.0.2.9".parse().unwrap()), &h));
        assert!(!g.https(Some("10.0.0.1".parse().unwrap()), &HeaderMap::new()));
    }
}
