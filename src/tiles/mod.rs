//! Mapbox Vector Tiles (spec 2.1) made on the fly from the in-memory index and the gazetteer.
//!
//! A tile has three layers: `initiatives` (clustered up to [`CLUSTER_MAX_ZOOM`], see
//! [`initiatives`]), `authorities` (labelled authorities at their commune or seat) and
//! `boundaries` (régions, then départements, then communes, from the gazetteer: the map needs
//! no outside basemap). Tiles are 512 px wide and encoded with an extent of [`EXTENT`].

pub mod authorities;
pub mod boundaries;
pub mod cache;
pub mod glyphs;
mod gzip;
mod initiatives;
pub mod metadata;

use std::sync::{Arc, OnceLock};

use mvt::{GeomEncoder, GeomType, Layer, Tile};

use crate::gazetteer::Gazetteer;
use crate::index::zorder;
use crate::index::{Filter, SpatialIndex};
pub use boundaries::Boundaries;
pub use cache::{CachedTile, TileCache};

/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 22;
/// Tile coordinates per side.
pub const EXTENT: u32 = 4096;
/// How far outside its square a tile carries features, in tile coordinates (64 px of 512): a
/// circle or label near the edge is drawn whole.
pub const BUFFER: f64 = EXTENT as f64 / 8.0;
/// Deepest zoom with clusters; from the next one, every place is its own point.
pub const CLUSTER_MAX_ZOOM: u8 = 14;
/// Most features of the `initiatives` layer in one tile. Past it, a tile of single points
/// falls back to clusters; clustered tiles hold at most 10 × 10 cells, far below it.
pub const MAX_FEATURES: usize = 1000;

/// Default byte budget of the tile cache (`--tile-cache-mb`).
pub const CACHE_BYTES: usize = 256 * 1024 * 1024;
/// Byte budget of the cache of boundary layers (they never change; filters do not apply).
const BOUNDARY_CACHE_BYTES: usize = 128 * 1024 * 1024;

/// What the server keeps for tiles: the cache and the boundaries, built on first use (or
/// ahead of it by [`Tiles::prepare`]).
pub struct Tiles {
    pub cache: TileCache,
    /// `[west, south, east, north]` of the gazetteer's communes, for TileJSON.
    pub bounds: [f64; 4],
    boundary_layers: TileCache,
    gazetteer: Arc<Gazetteer>,
    boundaries: OnceLock<Boundaries>,
}

impl Tiles {
    pub fn new(gazetteer: Arc<Gazetteer>, cache_bytes: usize) -> Self {
        Tiles {
            cache: TileCache::new(cache_bytes),
            bounds: metadata::france_bounds(&gazetteer),
            boundary_layers: TileCache::new(BOUNDARY_CACHE_BYTES),
            gazetteer,
            boundaries: OnceLock::new(),
        }
    }

    /// Encodes a tile. The boundaries layer, the same whatever the data and the filter, comes
    /// from its own cache: a protobuf message is the concatenation of its fields, so the bytes
    /// of the data layers followed by those of the boundaries layer are one valid tile.
    pub fn render(&self, index: &SpatialIndex, tile: TileId, filter: &Filter) -> Vec<u8> {
        let mut bytes = render(index, None, tile, filter);
        bytes.extend_from_slice(&self.boundary_layer(tile).raw);
        bytes
    }

    /// [`Self::render`] with its gzip form, for the tile cache and for clients that take gzip:
    /// only the data layers are compressed here, the boundaries were when first drawn.
    pub fn render_cached(&self, index: &SpatialIndex, tile: TileId, filter: &Filter) -> CachedTile {
        render_joined(index, tile, filter, &self.boundary_layer(tile))
    }

    /// [`Self::render_cached`] when the tile is cheap enough to draw on the thread that asks,
    /// rather than handing it to the work pool (a hand-off between threads costs more than such
    /// a tile: measured in the README); `None` otherwise. Without a filter, its clusters come
    /// from running totals and its single points stop at [`MAX_FEATURES`], whatever the number
    /// of sheets; its boundary layer, which may take milliseconds to draw the first time, must
    /// be drawn already.
    pub fn render_at_once(&self, index: &SpatialIndex, tile: TileId, filter: &Filter) -> Option<CachedTile> {
        if !filter.is_empty() {
            return None;
        }
        let boundaries = self.boundary_layers.get(tile, "")?;
        Some(render_joined(index, tile, filter, &boundaries))
    }

    /// The boundaries layer of a tile, plain and gzipped, from its cache or drawn now.
    fn boundary_layer(&self, tile: TileId) -> Arc<CachedTile> {
        self.boundary_layers.get(tile, "").unwrap_or_else(|| {
            let mut out = Tile::new(EXTENT);
            let layer = self.boundaries().layer(&out, tile);
            if layer.num_features() > 0 {
                out.add_layer(layer).expect("layers are made for this tile");
            }
            let encoded = Arc::new(CachedTile::new(out.to_bytes().expect("an in-memory tile encodes")));
            // Boundaries come from the gazetteer, never from the index: that cache is never invalidated.
            self.boundary_layers.insert(tile, "", encoded.clone(), 0);
            encoded
        })
    }

    pub fn boundaries(&self) -> &Boundaries {
        self.boundaries.get_or_init(|| Boundaries::build(&self.gazetteer))
    }

    /// Builds the boundaries in the background so that the first tiles need not wait.
    pub fn prepare(self: &Arc<Self>) {
        let tiles = self.clone();
        std::thread::spawn(move || {
            tiles.boundaries();
        });
    }
}

/// Address of a tile in the XYZ scheme (y grows southwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// Checks the zoom and that x and y are on its grid.
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, String> {
        if z > MAX_ZOOM as u32 {
            return Err(format!("zoom {z} is past the deepest zoom served ({MAX_ZOOM})"));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(format!("tile {x}/{y} is outside the grid of zoom {z} (0 to {})", n - 1));
        }
        Ok(TileId { z: z as u8, x, y })
    }

    /// The tile containing a WGS 84 point at `z`.
    pub fn containing(z: u8, lon: f64, lat: f64) -> Self {
        let (mx, my) = zorder::mercator(lon, lat);
        let n = (1u64 << z) as f64;
        let last = (1u32 << z) - 1;
        TileId { z, x: ((mx * n) as u32).min(last), y: ((my * n) as u32).min(last) }
    }

    /// Tile coordinates of a world fraction position (see [`zorder::mercator`]).
    pub fn project(&self, mx: f64, my: f64) -> (f64, f64) {
        let n = (1u64 << self.z) as f64;
        ((mx * n - self.x as f64) * EXTENT as f64, (my * n - self.y as f64) * EXTENT as f64)
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` of the tile grown by `margin` tile coordinates.
    pub fn bounds(&self, margin: f64) -> [f64; 4] {
        let n = (1u64 << self.z) as f64;
        let m = margin / EXTENT as f64;
        let (west, north) = zorder::lon_lat((self.x as f64 - m) / n, (self.y as f64 - m) / n);
        let (east, south) = zorder::lon_lat((self.x as f64 + 1.0 + m) / n, (self.y as f64 + 1.0 + m) / n);
        [west.max(-180.0), south, east.min(180.0), north]
    }

    /// Whether tile coordinates fall inside the tile and its buffer.
    fn in_buffer(x: f64, y: f64) -> bool {
        let range = -BUFFER..EXTENT as f64 + BUFFER;
        range.contains(&x) && range.contains(&y)
    }
}

/// Encodes one tile with its three layers. Boundaries are left out when `boundaries` is
/// `None` (exports and callers that only want the data).
pub fn render(index: &SpatialIndex, boundaries: Option<&Boundaries>, tile: TileId, filter: &Filter) -> Vec<u8> {
    let mut out = Tile::new(EXTENT);
    let layers = [
        Some(initiatives::layer(&out, index, tile, filter)),
        Some(authorities::layer(&out, index, tile, filter)),
        boundaries.map(|b| b.layer(&out, tile)),
    ];
    for layer in layers.into_iter().flatten() {
        // Empty layers are left out, as the spec allows; a tile may end up with none.
        if layer.num_features() > 0 {
            out.add_layer(layer).expect("layers are made for this tile");
        }
    }
    out.to_bytes().expect("an in-memory tile encodes")
}

/// The data layers of a tile drawn now, followed by its boundary layer drawn before, plain
/// and gzipped.
fn render_joined(index: &SpatialIndex, tile: TileId, filter: &Filter, boundaries: &CachedTile) -> CachedTile {
    let data = render(index, None, tile, filter);
    match gzip::join(&data, &boundaries.gzip) {
        Some(gzip) => CachedTile::joined(&data, boundaries, gzip),
        None => CachedTile::new([&data, &boundaries.raw[..]].concat()),
    }
}

/// A point feature at tile coordinates, added to `layer`.
fn point_feature(layer: Layer, x: f64, y: f64) -> mvt::Feature {
    let geom = GeomEncoder::new(GeomType::Point).point(x, y).and_then(|e| e.encode()).expect("finite tile coordinates");
    layer.into_feature(geom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_stay_on_the_grid() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
        assert!(TileId::new(23, 0, 0).unwrap_err().contains("deepest zoom"));
        assert!(TileId::new(3, 8, 0).unwrap_err().contains("outside the grid"));
        assert!(TileId::new(40, 0, 0).is_err());
    }

    #[test]
    fn a_point_projects_inside_the_tile_that_contains_it() {
        for z in [0u8, 5, 12, 22] {
            let t = TileId::containing(z, 1.9557, 50.9491);
            let (mx, my) = zorder::mercator(1.9557, 50.9491);
            let (x, y) = t.project(mx, my);
            assert!((0.0..EXTENT as f64).contains(&x) && (0.0..EXTENT as f64).contains(&y), "z{z}: {x},{y}");
            let [w, s, e, n] = t.bounds(0.0);
            assert!(w <= 1.9557 && 1.9557 <= e && s <= 50.9491 && 50.9491 <= n);
        }
    }
}
