//! Content negotiation shared by the answers we compress ourselves (tiles, static files):
//! which encodings a client accepts (`Accept-Encoding`), and whether it already holds a
//! representation (`If-None-Match` against our content ETags).

use axum::http::{HeaderMap, header};

/// An encoding of a representation, as named in `Content-Encoding` and in our ETags' suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value; none for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }

    /// The strong ETag of this encoding of a content hash: each encoding is its own
    /// representation, and [`client_has`] takes any of them.
    pub fn etag(self, hash: u64) -> String {
        let suffix = match self {
            Coding::Identity => "",
            Coding::Gzip => "-gz",
            Coding::Brotli => "-br",
        };
        format!("\"{hash:016x}{suffix}\"")
    }
}

/// Whether the client accepts `coding` (by name or `*`, and not with `q=0`).
pub fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or("");
        let refused = parts.any(|p| matches!(p.replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

/// Whether `If-None-Match` names this content, in any of its encodings.
pub fn client_has(headers: &HeaderMap, hash: u64) -> bool {
    let ours = format!("{hash:016x}");
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|tag| {
        let tag = tag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        let bare = tag.strip_suffix("-gz").or_else(|| tag.strip_suffix("-br")).unwrap_or(tag);
        tag == "*" || bare == ours
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn an_encoding_is_used_only_when_accepted() {
        assert!(accepts(&headers(&[("accept-encoding", "gzip, deflate, br")]), "gzip"));
        assert!(accepts(&headers(&[("accept-encoding", "br;q=1.0, GZIP;q=0.5")]), "gzip"));
        assert!(accepts(&headers(&[("accept-encoding", "gzip;q=0, br")]), "br"));
        assert!(!accepts(&headers(&[("accept-encoding", "gzip;q=0, br")]), "gzip"));
        assert!(!accepts(&headers(&[("accept-encoding", "br;q=0.0")]), "br"));
        assert!(!accepts(&headers(&[("accept-encoding", "identity")]), "gzip"));
        assert!(accepts(&headers(&[("accept-encoding", "*")]), "br"));
        assert!(!accepts(&headers(&[]), "gzip"));
    }

    #[test]
    fn if_none_match_accepts_any_encoding_and_lists() {
        let h = 0xabcdu64;
        assert!(client_has(&headers(&[("if-none-match", "\"000000000000abcd\"")]), h));
        assert!(client_has(&headers(&[("if-none-match", "W/\"000000000000abcd-gz\"")]), h));
        assert!(client_has(&headers(&[("if-none-match", "\"000000000000abcd-br\"")]), h));
        assert!(client_has(&headers(&[("if-none-match", "\"x\", \"000000000000abcd\"")]), h));
        assert!(!client_has(&headers(&[("if-none-match", "\"000000000000abce\"")]), h));
        assert!(!client_has(&headers(&[("if-none-match", "\"000000000000abcd-zz\"")]), h));
        assert!(!client_has(&headers(&[]), h));
        assert_eq!(Coding::Brotli.etag(h), "\"000000000000abcd-br\"");
    }
}
