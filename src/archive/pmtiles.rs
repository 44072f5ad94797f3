//! Tile archives in PMTiles 3: one file of gzip-compressed tiles in Hilbert order with a
//! directory, made to be served as it is by a static host or object storage (readers fetch
//! byte ranges) and read by MapLibre through the `pmtiles` protocol of the `pmtiles` npm
//! package. Written with the `pmtiles` crate; the metadata carries the same `vector_layers`,
//! attribution and description as the TileJSON of the live tiles.

use std::io::BufWriter;
use std::path::Path;

use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
use serde_json::{Map, Value};

use super::{ArchiveError, ExportOptions, ExportReport, Pyramid, bounds, complete, partial, standard_metadata};
use crate::index::SpatialIndex;
use crate::tiles::{Boundaries, TileId};

/// Tiles drawn at a time.
const BATCH: usize = 256;

/// The PMTiles id of a tile: its place along the Hilbert curves of all zooms, the order
/// readers find tiles fastest in.
fn hilbert(t: TileId) -> u64 {
    TileCoord::new(t.z, t.x, t.y).map_or(u64::MAX, |c| pmtiles::TileId::from(c).value())
}

/// Writes a PMTiles archive of the index's tiles. Boundaries are included.
pub fn export(index: &SpatialIndex, boundaries: &Boundaries, out: &Path, options: &ExportOptions) -> Result<ExportReport, ArchiveError> {
    let mut pyramid = Pyramid::new(index, boundaries, options, hilbert)?;
    let partial = partial(out)?;
    let format_error = |e: pmtiles::PmtError| ArchiveError::Format { path: partial.display().to_string(), detail: e.to_string() };
    let file = std::fs::File::create(&partial).map_err(|source| ArchiveError::Io { path: partial.display().to_string(), source })?;
    let [w, s, e, n] = bounds(index, options);
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .tile_compression(Compression::Gzip)
        .internal_compression(Compression::Gzip)
        .min_zoom(options.min_zoom)
        .max_zoom(options.max_zoom)
        .bounds(w, s, e, n)
        .center(2.35, 46.6)
        .center_zoom(options.min_zoom.max(5).min(options.max_zoom))
        .metadata(&metadata_json(index, options))
        .create(BufWriter::new(file))
        .map_err(format_error)?;
    while let Some(batch) = pyramid.next_batch(BATCH) {
        for (t, gzip) in &batch {
            let coord = TileCoord::new(t.z, t.x, t.y).map_err(format_error)?;
            writer.add_raw_tile(coord, gzip).map_err(format_error)?;
        }
    }
    writer.finalize().map_err(format_error)?;
    complete(&partial, out)?;
    Ok(pyramid.report)
}

/// The metadata as PMTiles readers expect it: a JSON object, `vector_layers` an array.
fn metadata_json(index: &SpatialIndex, options: &ExportOptions) -> String {
    let mut object: Map<String, Value> = standard_metadata(index, options)
        .into_iter()
        .filter(|(k, _)| !["json", "bounds", "center", "minzoom", "maxzoom", "format"].contains(&k.as_str()))
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    object.insert("vector_layers".into(), crate::tiles::metadata::vector_layers(index.referential()));
    Value::Object(object).to_string()
}
