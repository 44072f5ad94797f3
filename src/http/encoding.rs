//! Content negotiation shared by the answers we compress ourselves (tiles, static files,
//! glyphs): which encodings a client accepts (`Accept-Encoding`), whether it already holds a
//! representation (`If-None-Match` against our content ETags), and bodies compressed once to
//! be served many times ([`Compressed`]).

use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::hash::fnv1a;

/// Brotli's quality for bodies compressed once and served many times: 11 is the smallest and
/// takes about a second for MapLibre's script, once per process.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

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

/// A body kept with its brotli and gzip forms (when they are smaller) and a content hash.
pub struct Compressed {
    pub hash: u64,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Compressed {
    /// Compresses `bytes` when `compress` (not for formats already compressed, as PNG).
    pub fn new(bytes: Vec<u8>, compress: bool) -> std::io::Result<Self> {
        let (gzip, brotli) = if compress { (smaller(gzip(&bytes)?, &bytes), smaller(brotli(&bytes)?, &bytes)) } else { (None, None) };
        Ok(Compressed { hash: fnv1a(&bytes), identity: Bytes::from(bytes), gzip, brotli })
    }

    /// The smallest form the client accepts.
    pub fn pick(&self, headers: &HeaderMap) -> (Coding, &Bytes) {
        match (&self.brotli, &self.gzip) {
            (Some(br), _) if accepts(headers, "br") => (Coding::Brotli, br),
            (_, Some(gz)) if accepts(headers, "gzip") => (Coding::Gzip, gz),
            _ => (Coding::Identity, &self.identity),
        }
    }

    /// 304 when the client holds it, else its smallest accepted form, with a content ETag.
    pub fn respond(&self, headers: &HeaderMap, content_type: &'static str, cache_control: &str) -> Response {
        let (coding, body) = self.pick(headers);
        let mut res = if client_has(headers, self.hash) { StatusCode::NOT_MODIFIED.into_response() } else { body.clone().into_response() };
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(value) = HeaderValue::from_str(cache_control) {
            h.insert(header::CACHE_CONTROL, value);
        }
        h.insert(header::ETAG, HeaderValue::from_str(&coding.etag(self.hash)).expect("hex digits"));
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if let Some(name) = coding.header() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        res
    }
}

fn smaller(compressed: Vec<u8>, original: &[u8]) -> Option<Bytes> {
    (compressed.len() < original.len()).then(|| Bytes::from(compressed))
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(bytes)?;
    }
    Ok(out)
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

    #[test]
    fn each_form_decodes_to_the_body_and_the_smallest_accepted_is_picked() {
        let text = "function atlaas() { return 'carte'; }\n".repeat(200);
        let body = Compressed::new(text.clone().into_bytes(), true).unwrap();
        let (coding, br) = body.pick(&headers(&[("accept-encoding", "gzip, deflate, br")]));
        assert_eq!(coding, Coding::Brotli);
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut br.as_ref(), &mut decoded).unwrap();
        assert_eq!(decoded, text.as_bytes());
        let (coding, gz) = body.pick(&headers(&[("accept-encoding", "gzip")]));
        assert_eq!(coding, Coding::Gzip);
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz.as_ref()), &mut decoded).unwrap();
        assert_eq!(decoded, text);
        assert_eq!(body.pick(&HeaderMap::new()).0, Coding::Identity);
        assert!(br.len() < gz.len() && gz.len() < text.len() / 10, "{} {} {}", br.len(), gz.len(), text.len());
    }

    #[test]
    fn a_body_that_compression_would_grow_is_sent_as_it_is() {
        let body = Compressed::new(b"a{}".to_vec(), true).unwrap();
        assert!(body.gzip.is_none() && body.brotli.is_none());
        assert_eq!(body.pick(&headers(&[("accept-encoding", "br, gzip")])).0, Coding::Identity);
    }
}
