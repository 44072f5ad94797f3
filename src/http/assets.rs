//! Static files (the pages' scripts and styles, MapLibre's files, the widget), kept in memory
//! once read and compressed once, with brotli and gzip, when first asked for: the same bytes
//! then serve every request, with a content ETag (304 when the client has it) and the
//! smallest encoding the client accepts. A file changed on disk (a new `npm ci`, an edited
//! page script) is read again: its size or modification time tells.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

#[cfg(test)]
use super::encoding::Coding;
use super::encoding::Compressed;
use super::error::{Error, Result};

/// One file as read, with its compressed forms.
struct Asset {
    modified: Option<SystemTime>,
    len: u64,
    content_type: &'static str,
    body: Compressed,
}

impl Asset {
    fn read(path: &Path, content_type: &'static str) -> std::io::Result<Asset> {
        let meta = std::fs::metadata(path)?;
        let bytes = std::fs::read(path)?;
        let body = Compressed::new(bytes, !content_type.starts_with("image/png"))?;
        Ok(Asset { modified: meta.modified().ok(), len: meta.len(), content_type, body })
    }

    fn is_current(&self, meta: &std::fs::Metadata) -> bool {
        self.len == meta.len() && self.modified == meta.modified().ok()
    }
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
        let mut res = asset.body.respond(headers, asset.content_type, cache_control);
        res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
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

    #[test]
    fn a_png_is_sent_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        std::fs::write(&path, "not really a png, but very compressible ".repeat(100)).unwrap();
        let asset = Asset::read(&path, "image/png").unwrap();
        let mut accept = HeaderMap::new();
        accept.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip"));
        assert_eq!(asset.body.pick(&accept).0, Coding::Identity);
    }
}
