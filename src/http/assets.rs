//! Static files (the pages' scripts and styles, MapLibre's files, the widget), kept in memory
//! once read and compressed once, with brotli and gzip, when first asked for: the same bytes
//! then serve every request, with a content ETag (304 when the client has it) and the
//! smallest encoding the client accepts. A file changed on disk (a new `npm ci`, an edited
//! page script) is read again: its size or modification time tells.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::encoding::{self, Coding};
use super::error::{Error, Result};
use crate::hash::fnv1a;

/// Brotli's quality for files compressed once and served many times: 11 is the smallest and
/// takes about a second for MapLibre's script, once per process.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

/// One file as read, with its compressed forms when they are smaller.
struct Asset {
    modified: Option<SystemTime>,
    len: u64,
    hash: u64,
    content_type: &'static str,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Asset {
    fn read(path: &Path, content_type: &'static str) -> std::io::Result<Asset> {
        let meta = std::fs::metadata(path)?;
        let bytes = std::fs::read(path)?;
        let (gzip, brotli) =
            if compressible(content_type) { (smaller(gzip(&bytes)?, &bytes), smaller(brotli(&bytes)?, &bytes)) } else { (None, None) };
        Ok(Asset {
            modified: meta.modified().ok(),
            len: meta.len(),
            hash: fnv1a(&bytes),
            content_type,
            identity: Bytes::from(bytes),
            gzip,
            brotli,
        })
    }

    fn is_current(&self, meta: &std::fs::Metadata) -> bool {
        self.len == meta.len() && self.modified == meta.modified().ok()
    }

    /// The smallest form the client accepts.
    fn pick(&self, headers: &HeaderMap) -> (Coding, &Bytes) {
        match (&self.brotli, &self.gzip) {
            (Some(br), _) if encoding::accepts(headers, "br") => (Coding::Brotli, br),
            (_, Some(gz)) if encoding::accepts(headers, "gzip") => (Coding::Gzip, gz),
            _ => (Coding::Identity, &self.identity),
        }
    }
}

fn compressible(content_type: &str) -> bool {
    !content_type.starts_with("image/png")
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

/// The files served so far, by path.
#[derive(Default)]
pub struct Assets {
    files: Mutex<HashMap<PathBuf, Arc<Asset>>>,
}

impl Assets {
    /// The answer for a file: 304 when the client holds it, else its smallest accepted form.
    pub async fn respond(
        self: &Arc<Self>,
        path: PathBuf,
        content_type: &'static str,
        cache_control: &'static str,
        headers: &HeaderMap,
    ) -> Result<Response> {
        let asset = self.get(path, content_type).await?;
        let (coding, body) = asset.pick(headers);
        let mut res =
            if encoding::client_has(headers, asset.hash) { StatusCode::NOT_MODIFIED.into_response() } else { body.clone().into_response() };
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
        h.insert(header::ETAG, HeaderValue::from_str(&coding.etag(asset.hash)).expect("hex digits"));
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if let Some(name) = coding.header() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        Ok(res)
    }

    /// The file as currently on disk: from memory when unchanged, else read and compressed on
    /// a blocking thread.
    async fn get(self: &Arc<Self>, path: PathBuf, content_type: &'static str) -> Result<Arc<Asset>> {
        let missing = || Error::not_found(format!("no file {:?}", path.file_name().unwrap_or_default()));
        let meta = tokio::fs::metadata(&path).await.map_err(|_| missing())?;
        if !meta.is_file() {
            return Err(missing());
        }
        if let Some(asset) = self.files.lock().expect("not poisoned").get(&path).filter(|a| a.is_current(&meta)) {
            return Ok(asset.clone());
        }
        let read_path = path.clone();
        let asset = tokio::task::spawn_blocking(move || Asset::read(&read_path, content_type))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|_| missing())?;
        let asset = Arc::new(asset);
        self.files.lock().expect("not poisoned").insert(path, asset.clone());
        Ok(asset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn each_form_decodes_to_the_file_and_the_smallest_accepted_is_picked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.js");
        let text = "function atlaas() { return 'carte'; }\n".repeat(200);
        std::fs::write(&path, &text).unwrap();
        let asset = Asset::read(&path, "text/javascript").unwrap();
        let (coding, br) = asset.pick(&accept("gzip, deflate, br"));
        assert_eq!(coding, Coding::Brotli);
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut br.as_ref(), &mut decoded).unwrap();
        assert_eq!(decoded, text.as_bytes());
        let (coding, gz) = asset.pick(&accept("gzip"));
        assert_eq!(coding, Coding::Gzip);
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz.as_ref()), &mut decoded).unwrap();
        assert_eq!(decoded, text);
        assert_eq!(asset.pick(&HeaderMap::new()).0, Coding::Identity);
        assert!(br.len() < gz.len() && gz.len() < text.len() / 10, "{} {} {}", br.len(), gz.len(), text.len());
    }

    #[test]
    fn a_file_that_compression_would_grow_is_sent_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.css");
        std::fs::write(&path, "a{}").unwrap();
        let asset = Asset::read(&path, "text/css").unwrap();
        assert!(asset.gzip.is_none() && asset.brotli.is_none());
        assert_eq!(asset.pick(&accept("br, gzip")).0, Coding::Identity);
    }
}
