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
mod parts;

use std::sync::{Arc, OnceLock};

use mvt::{GeomEncoder, GeomType, Layer, Tile};

use crate::gazetteer::Gazetteer;
use crate::index::zorder;
use crate::index::{Filter, SpatialIndex};
pub use boundaries::Boundaries;
pub use cache::{CachedTile, TileCache};
use parts::Parts;

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

/// What the server keeps for tiles: the cache, the boundaries (built on first use or ahead of
/// it by [`Tiles::prepare`]) and the parts of tiles that sheets do not change.
pub struct Tiles {
    pub cache: TileCache,
    /// `[west, south, east, north]` of the gazetteer's communes, for TileJSON.
    pub bounds: [f64; 4],
    parts: Parts,
    gazetteer: Arc<Gazetteer>,
    boundaries: OnceLock<Boundaries>,
}

impl Tiles {
    pub fn new(gazetteer: Arc<Gazetteer>, cache_bytes: usize) -> Self {
        Tiles {
            cache: TileCache::new(cache_bytes),
            bounds: metadata::france_bounds(&gazetteer),
            parts: Parts::new(),
            gazetteer,
            boundaries: OnceLock::new(),
        }
    }

    /// A tile, plain and gzipped, for the tile cache and for clients. Only its `initiatives`
    /// layer is drawn here: the rest comes from [`parts`], drawn and compressed before (a
    /// protobuf message is the concatenation of its fields, so layers' bytes one after the
    /// other are one valid tile). With a filter that the authorities layer honours, that layer
    /// is drawn here too.
    pub fn render_cached(&self, index: &SpatialIndex, tile: TileId, filter: &Filter) -> CachedTile {
        self.render_on(index, tile, filter, &self.boundary_layer(tile))
    }

    /// [`Self::render_cached`] when the tile is cheap enough to draw on the thread that asks,
    /// rather than handing it to the work pool (a hand-off between threads costs more than such
    /// a tile: measured in the README); `None` otherwise. Without a filter, its clusters come
    /// from running totals and its single points stop at [`MAX_FEATURES`], whatever the number
    /// of sheets; its boundary layer, which may take milliseconds to draw the first time, must
    /// be drawn already (its authorities, a few hundred at most, may be drawn now).
    pub fn render_at_once(&self, index: &SpatialIndex, tile: TileId, filter: &Filter) -> Option<CachedTile> {
        if !filter.is_empty() {
            return None;
        }
        let boundaries = self.parts.boundaries(tile)?;
        Some(self.render_on(index, tile, filter, &boundaries))
    }

    fn render_on(&self, index: &SpatialIndex, tile: TileId, filter: &Filter, boundaries: &CachedTile) -> CachedTile {
        if authorities::honours(filter) {
            let data = encode(|out| vec![initiatives::layer(out, index, tile, filter), authorities::layer(out, index, tile, filter)]);
            join(&data, boundaries)
        } else {
            let data = encode(|out| vec![initiatives::layer(out, index, tile, filter)]);
            join(&data, &self.parts.with_authorities(index, tile, boundaries))
        }
    }

    /// Forgets the authorities drawn before their labels changed in the index at `version`.
    pub fn forget_authorities(&self, version: u64) {
        self.parts.forget_authorities(version);
    }

    /// The boundaries layer of a tile, plain and gzipped, kept or drawn now.
    fn boundary_layer(&self, tile: TileId) -> Arc<CachedTile> {
        self.parts.boundaries(tile).unwrap_or_else(|| {
            let layer = Arc::new(CachedTile::new(encode(|out| vec![self.boundaries().layer(out, tile)])));
            self.parts.keep_boundaries(tile, layer.clone());
            layer
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
/// `None` (callers that only want the data).
pub fn render(index: &SpatialIndex, boundaries: Option<&Boundaries>, tile: TileId, filter: &Filter) -> Vec<u8> {
    encode(|out| {
        let data = [initiatives::layer(out, index, tile, filter), authorities::layer(out, index, tile, filter)];
        data.into_iter().chain(boundaries.map(|b| b.layer(out, tile))).collect()
    })
}

/// The tile of the layers that `draw` makes, in its order. Empty layers are left out, as the
/// spec allows; a tile may end up with none.
fn encode(draw: impl FnOnce(&Tile) -> Vec<Layer>) -> Vec<u8> {
    let mut out = Tile::new(EXTENT);
    for layer in draw(&out) {
        if layer.num_features() > 0 {
            out.add_layer(layer).expect("layers are made for this tile");
        }
    }
    out.to_bytes().expect("an in-memory tile encodes")
}

/// The tile of layers drawn now followed by a part drawn before, plain and gzipped.
fn join(data: &[u8], part: &CachedTile) -> CachedTile {
    match gzip::join(data, &part.gzip) {
        Some(gzip) => CachedTile::joined(data, part, gzip),
        None => CachedTile::new([data, &part.raw[..]].concat()),
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
