//! An optional basemap under our layers (`--basemap`), for streets and buildings when the map
//! is zoomed in on a town. By default the map draws only our own layers and nothing leaves
//! the server; an operator may add another style (its URL, or a style file) or a PMTiles
//! file of their own, which this server then serves itself.
//!
//! The basemap's layers go between our ground (sea and land) and our lines and places, their
//! ids and sources renamed `basemap-…` so that they never meet ours ([`adopt`]). Its labels
//! are drawn with our font: a style's glyph server rarely holds another style's fonts, and
//! one glyph source is all a MapLibre style may name.

pub mod adopt;
pub mod archive;
pub mod remote;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use arc_swap::ArcSwapOption;
use serde_json::{Map, Value, json};
use url::Url;

pub use archive::ArchiveBasemap;

/// Where `--basemap` says the basemap is.
#[derive(Debug, Clone, PartialEq)]
pub enum BasemapSource {
    /// A MapLibre style on the web, read when the server starts.
    Url(Url),
    /// A MapLibre style in a file (its URLs absolute).
    StyleFile(PathBuf),
    /// A PMTiles archive, vector or raster, served by us at `/basemap/{z}/{x}/{y}`.
    Archive(PathBuf),
}

impl BasemapSource {
    /// `https://…` (or `http://`) is a style's URL, a name ending in `.pmtiles` an archive,
    /// anything else a style file.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("--basemap needs a style URL, a style file or a .pmtiles file".into());
        }
        if s.starts_with("http://") || s.starts_with("https://") {
            return Url::parse(s).map(BasemapSource::Url).map_err(|e| format!("--basemap {s:?} is not a valid URL: {e}"));
        }
        let path = PathBuf::from(s);
        let is_archive = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pmtiles"));
        Ok(if is_archive { BasemapSource::Archive(path) } else { BasemapSource::StyleFile(path) })
    }
}

/// What a basemap adds to our style.
pub struct Basemap {
    kind: Kind,
    layers: Vec<Value>,
    sprite: Option<Value>,
    origins: Vec<String>,
}

enum Kind {
    /// Sources of another style, renamed, with absolute URLs.
    Style(Map<String, Value>),
    /// Our own archive: its source's URL is ours, which depends on how we are reached.
    Archive(Arc<ArchiveBasemap>),
}

impl Basemap {
    /// The sources to add to the style, named as the layers name them.
    pub fn sources(&self, base_url: &str) -> Map<String, Value> {
        match &self.kind {
            Kind::Style(sources) => sources.clone(),
            Kind::Archive(archive) => {
                let mut source = json!({"type": archive.source_type(), "url": format!("{base_url}/basemap.json")});
                if !archive.is_vector() {
                    source["tileSize"] = json!(archive::RASTER_TILE_SIZE);
                }
                Map::from_iter([(archive::SOURCE.to_string(), source)])
            }
        }
    }

    /// Its layers, in drawing order, every id beginning with `basemap-`.
    pub fn layers(&self) -> &[Value] {
        &self.layers
    }

    /// The style's `sprite`, when the basemap has icons.
    pub fn sprite(&self) -> Option<&Value> {
        self.sprite.as_ref()
    }

    /// The origins (`https://host`) a page drawing the basemap fetches from, besides ours.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// The archive this server serves tiles from, if the basemap is one.
    pub fn archive(&self) -> Option<&ArchiveBasemap> {
        match &self.kind {
            Kind::Archive(a) => Some(a),
            Kind::Style(_) => None,
        }
    }
}

/// The basemap a server draws, once it is read: a file at start-up, a URL perhaps later.
#[derive(Default)]
pub struct BasemapSlot(ArcSwapOption<Basemap>);

impl BasemapSlot {
    pub fn get(&self) -> Option<Arc<Basemap>> {
        self.0.load_full()
    }

    pub fn set(&self, basemap: Basemap) {
        self.0.store(Some(Arc::new(basemap)));
    }
}

/// Reads a basemap: a style from the web or a file, or an archive.
pub async fn load(source: &BasemapSource) -> Result<Basemap> {
    match source {
        BasemapSource::Url(url) => {
            let fetcher = remote::Fetcher::new()?;
            let style = fetcher.json(url).await.with_context(|| format!("fetching the basemap style {url}"))?;
            from_style(&style, Some(url), &fetcher).await
        }
        BasemapSource::StyleFile(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading the basemap style {}", path.display()))?;
            let style: Value = serde_json::from_str(&text).with_context(|| format!("the basemap style {} is not JSON", path.display()))?;
            from_style(&style, None, &remote::Fetcher::new()?).await.with_context(|| format!("the basemap style {}", path.display()))
        }
        BasemapSource::Archive(path) => {
            let archive = ArchiveBasemap::open(path).await?;
            let layers = archive.layers();
            Ok(Basemap { kind: Kind::Archive(Arc::new(archive)), layers, sprite: None, origins: vec![] })
        }
    }
}

/// Another style's sources and layers, and the hosts its tiles come from: the TileJSON its
/// sources name is read too, since the tiles it lists may be elsewhere.
async fn from_style(style: &Value, base: Option<&Url>, fetcher: &remote::Fetcher) -> Result<Basemap> {
    let adopted = adopt::adopt(style, base).map_err(anyhow::Error::msg)?;
    let mut origins = adopted.origins;
    for url in &adopted.tilejson {
        let tilejson = fetcher.json(url).await.with_context(|| format!("fetching the basemap's TileJSON {url}"))?;
        origins.extend(adopt::tile_origins(&tilejson, url));
    }
    origins.sort();
    origins.dedup();
    Ok(Basemap { kind: Kind::Style(adopted.sources), layers: adopted.layers, sprite: adopted.sprite, origins })
}

/// Start-up: an archive or a file must be read, or the server does not start; a style on the
/// web is tried once before serving, then again in the background until it comes, so that a
/// host that is down for a while leaves the map without streets rather than without a server.
pub async fn start(source: &BasemapSource) -> Result<Arc<BasemapSlot>> {
    let slot = Arc::new(BasemapSlot::default());
    match source {
        BasemapSource::Url(_) => {
            if let Err(e) = try_once(source, &slot).await {
                tracing::warn!(error = format!("{e:#}"), "basemap not read; trying again in the background");
                tokio::spawn(keep_trying(source.clone(), slot.clone()));
            }
        }
        _ => try_once(source, &slot).await?,
    }
    Ok(slot)
}

async fn try_once(source: &BasemapSource, slot: &BasemapSlot) -> Result<()> {
    slot.set(load(source).await?);
    tracing::info!(basemap = ?source, "basemap read");
    Ok(())
}

/// Tries every 30 s, then less and less often, up to every 10 minutes.
async fn keep_trying(source: BasemapSource, slot: Arc<BasemapSlot>) {
    let mut wait = Duration::from_secs(30);
    loop {
        tokio::time::sleep(wait).await;
        match try_once(&source, &slot).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = format!("{e:#}"), retry_in_s = wait.as_secs(), "basemap still not read"),
        }
        wait = (wait * 2).min(Duration::from_secs(600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_told_by_its_form() {
        assert!(matches!(BasemapSource::parse("https://data.geopf.fr/styles/plan.json"), Ok(BasemapSource::Url(_))));
        assert_eq!(BasemapSource::parse("rues.PMTiles"), Ok(BasemapSource::Archive("rues.PMTiles".into())));
        assert_eq!(BasemapSource::parse("styles/plan.json"), Ok(BasemapSource::StyleFile("styles/plan.json".into())));
        assert!(BasemapSource::parse("  ").is_err());
        assert!(BasemapSource::parse("https://exa mple.org/style.json").is_err());
    }
}
