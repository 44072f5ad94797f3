//! Tile archives: a pyramid of the live tiles written to one file for static hosting, and
//! read back by a server that serves a fixed pyramid instead of live tiles.
//!
//! Kept apart from [`crate::tiles`], which makes tiles and knows nothing of storage: an archive
//! is a storage format, filled by calling the tile maker. Two formats share the pyramid
//! ([`Pyramid`]) and the way a file is written (to `<out>.partial`, renamed once complete: a
//! crash or a bad option never leaves a half-written archive under the final name):
//! [`mbtiles`] (an SQLite file, which `atlaas serve --tiles-archive` serves) and [`pmtiles`]
//! (one file that a static host or object storage serves by byte ranges, read by MapLibre's
//! `pmtiles` protocol).

pub mod mbtiles;
pub mod pmtiles;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::index::{Filter, SpatialIndex};
use crate::model::Bbox;
use crate::tiles::{self, Boundaries, CachedTile, TileId, metadata, render};

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write or read the archive {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the archive {path}: {source}")]
    Database { path: String, source: sqlx::Error },
    #[error("the archive {path}: {detail}")]
    Format { path: String, detail: String },
}

/// The file formats of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveFormat {
    Mbtiles,
    Pmtiles,
}

impl ArchiveFormat {
    /// The format a file name suggests (`.pmtiles`), MBTiles otherwise.
    pub fn of(path: &Path) -> ArchiveFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("pmtiles") => ArchiveFormat::Pmtiles,
            _ => ArchiveFormat::Mbtiles,
        }
    }
}

/// What to export.
pub struct ExportOptions {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Only tiles meeting this box (default: every commune's box).
    pub bbox: Option<Bbox>,
    pub filter: Filter,
    /// Metadata added to (or replacing) the standard entries: name, description, attribution,
    /// bounds, center, json (vector_layers).
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct ExportReport {
    pub tiles: u64,
    pub empty_skipped: u64,
    pub bytes: u64,
    pub per_zoom: BTreeMap<u8, u64>,
}

/// Writes an archive of the index's tiles, boundaries included, in `format`.
pub async fn export(
    index: &SpatialIndex,
    boundaries: &Boundaries,
    out: &Path,
    options: &ExportOptions,
    format: ArchiveFormat,
) -> Result<ExportReport, ArchiveError> {
    match format {
        ArchiveFormat::Mbtiles => mbtiles::export(index, boundaries, out, options).await,
        ArchiveFormat::Pmtiles => pmtiles::export(index, boundaries, out, options),
    }
}

/// The tiles of an export, drawn a batch at a time: zoom by zoom, each zoom's tiles in the
/// order `key` gives (the format's preferred one), empty tiles left out.
pub(crate) struct Pyramid<'a> {
    index: &'a SpatialIndex,
    boundaries: &'a Boundaries,
    options: &'a ExportOptions,
    key: fn(TileId) -> u64,
    zoom: u8,
    pending: VecDeque<TileId>,
    pub report: ExportReport,
}

impl<'a> Pyramid<'a> {
    pub fn new(
        index: &'a SpatialIndex,
        boundaries: &'a Boundaries,
        options: &'a ExportOptions,
        key: fn(TileId) -> u64,
    ) -> Result<Self, ArchiveError> {
        if options.min_zoom > options.max_zoom || options.max_zoom > tiles::MAX_ZOOM {
            return Err(ArchiveError::Invalid(format!("zooms must satisfy 0 ≤ min ≤ max ≤ {}", tiles::MAX_ZOOM)));
        }
        Ok(Pyramid { index, boundaries, options, key, zoom: options.min_zoom, pending: VecDeque::new(), report: ExportReport::default() })
    }

    /// Up to `n` more tiles, gzip-compressed; `None` once every zoom is done.
    pub fn next_batch(&mut self, n: usize) -> Option<Vec<(TileId, Vec<u8>)>> {
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            let Some(tile) = self.next_tile() else { break };
            let raw = render(self.index, Some(self.boundaries), tile, &self.options.filter);
            if raw.is_empty() {
                self.report.empty_skipped += 1;
                continue;
            }
            let gzip = Vec::from(CachedTile::new(raw).gzip);
            self.report.tiles += 1;
            self.report.bytes += gzip.len() as u64;
            *self.report.per_zoom.entry(tile.z).or_default() += 1;
            batch.push((tile, gzip));
        }
        (!batch.is_empty()).then_some(batch)
    }

    fn next_tile(&mut self) -> Option<TileId> {
        while self.pending.is_empty() {
            if self.zoom > self.options.max_zoom {
                return None;
            }
            let mut tiles: Vec<TileId> = tiles_to_export(self.index, self.zoom, self.options.bbox.as_ref())
                .into_iter()
                .map(|(x, y)| TileId { z: self.zoom, x, y })
                .collect();
            tiles.sort_by_key(|&t| (self.key)(t));
            self.pending = tiles.into();
            self.zoom += 1;
        }
        self.pending.pop_front()
    }
}

/// The tiles of `zoom` that meet the communes (or `bbox`): the map's extent, overseas included,
/// without the empty ocean in between.
fn tiles_to_export(index: &SpatialIndex, zoom: u8, bbox: Option<&Bbox>) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    let boxes: Vec<[f64; 4]> = match bbox {
        Some(b) => vec![[b.min_lon, b.min_lat, b.max_lon, b.max_lat]],
        None => index.gazetteer().communes().iter().filter(|c| c.kind.is_current()).map(|c| c.bbox).collect(),
    };
    for [w, s, e, n] in boxes {
        let nw = TileId::containing(zoom, w, n);
        let se = TileId::containing(zoom, e, s);
        for x in nw.x..=se.x {
            for y in nw.y..=se.y {
                out.insert((x, y));
            }
        }
    }
    out
}

/// The metadata archive readers expect, from the index and the options (theirs last).
fn standard_metadata(index: &SpatialIndex, options: &ExportOptions) -> BTreeMap<String, String> {
    let [w, s, e, n] = bounds(index, options);
    let center_zoom = options.min_zoom.max(5).min(options.max_zoom);
    let mut m = BTreeMap::from([
        ("name".to_owned(), "atlaas".to_owned()),
        ("description".to_owned(), metadata::DESCRIPTION.to_owned()),
        ("attribution".to_owned(), metadata::attribution(index.all_sample())),
        ("bounds".to_owned(), format!("{w},{s},{e},{n}")),
        ("center".to_owned(), format!("2.35,46.6,{center_zoom}")),
        ("json".to_owned(), serde_json::json!({ "vector_layers": metadata::vector_layers(index.referential()) }).to_string()),
        ("format".to_owned(), "pbf".to_owned()),
        ("minzoom".to_owned(), options.min_zoom.to_string()),
        ("maxzoom".to_owned(), options.max_zoom.to_string()),
        ("type".to_owned(), "overlay".to_owned()),
        ("version".to_owned(), "1".to_owned()),
    ]);
    m.extend(options.metadata.clone());
    m
}

/// West, south, east, north of an export.
fn bounds(index: &SpatialIndex, options: &ExportOptions) -> [f64; 4] {
    options.bbox.map(|b| [b.min_lon, b.min_lat, b.max_lon, b.max_lat]).unwrap_or_else(|| metadata::france_bounds(index.gazetteer()))
}

/// Where an archive is written until it is complete, emptied of a previous attempt, its
/// folder created.
fn partial(out: &Path) -> Result<PathBuf, ArchiveError> {
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let io = |source| ArchiveError::Io { path: partial.display().to_string(), source };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
        _ => Ok(partial),
    }
}

/// Gives a complete archive its final name.
fn complete(partial: &Path, out: &Path) -> Result<(), ArchiveError> {
    std::fs::rename(partial, out).map_err(|source| ArchiveError::Io { path: out.display().to_string(), source })
}
