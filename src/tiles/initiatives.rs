//! The `initiatives` layer: clusters at low zoom, one point per place above.
//!
//! Clusters are the squares of a grid 8 × 8 per tile (64 px cells on a 512 px tile), that is
//! the tiles of zoom z + 3. The grid nests from one zoom to the next, so clustering is
//! hierarchical: a cluster at z is the union of at most four at z + 1, and its
//! `expansion_zoom` is where its places stop sharing one cell (read from the first and last
//! Z-order codes of its members, no search). Without a filter, a cell's count, mean position
//! and counts per theme come from the Z-order's running totals ([`ZOrder::running_sums`]),
//! with no walk over its places; with one, each place is tested. A cluster is drawn at the mean
//! position of its places.
//!
//! Counts are counts of places: a sheet with places in two towns is on the map twice.

use std::ops::Range;

use mvt::{Layer, Tile};

use super::{CLUSTER_MAX_ZOOM, MAX_FEATURES, MAX_ZOOM, TileId, point_feature};
use crate::index::zorder::{self, Totals, ZOrder, ZPoint};
use crate::index::{Filter, SpatialIndex};

/// Cells per tile side are 2^CELL_BITS.
pub(super) const CELL_BITS: u8 = 3;

/// The cells of tile `t` and of its buffer, as tiles of zoom z + [`CELL_BITS`].
fn cells_around(t: TileId) -> impl Iterator<Item = (u8, u32, u32)> {
    let cz = t.z + CELL_BITS;
    let per_side = 1i64 << CELL_BITS;
    let last = (1i64 << cz) - 1;
    let span = |v: u32| ((v as i64 * per_side - 1).max(0))..=((v as i64 + 1) * per_side).min(last);
    let (xs, ys) = (span(t.x), span(t.y));
    ys.flat_map(move |cy| xs.clone().map(move |cx| (cz, cx as u32, cy as u32)))
}

/// The cells of tile `t` and of its buffer that hold places, with where those lie in the
/// Z-order, in the order of [`cells_around`]. The nine tiles the cells fall in are looked up
/// first, and each cell within its tile's run: an empty tile costs no search for its cells,
/// and the others' searches are short.
fn cells_with_places(zorder: &ZOrder, t: TileId) -> impl Iterator<Item = Range<usize>> + '_ {
    let last = (1i64 << t.z) - 1;
    let tile_range = |dx: i64, dy: i64| {
        let (x, y) = (t.x as i64 + dx, t.y as i64 + dy);
        if (0..=last).contains(&x) && (0..=last).contains(&y) { zorder.square_range(t.z, x as u32, y as u32) } else { 0..0 }
    };
    let tiles: [[Range<usize>; 3]; 3] = std::array::from_fn(|row| std::array::from_fn(|col| tile_range(col as i64 - 1, row as i64 - 1)));
    cells_around(t).filter_map(move |(cz, cx, cy)| {
        // The tile of this cell, relative to `t`: 0, 1 or 2 on each axis.
        let (col, row) = (((cx >> CELL_BITS) + 1 - t.x) as usize, ((cy >> CELL_BITS) + 1 - t.y) as usize);
        let within = &tiles[row][col];
        if within.is_empty() {
            return None;
        }
        let found = zorder.square_range_in(cz, cx, cy, within.clone());
        (!found.is_empty()).then_some(found)
    })
}

/// What a cell holds once filtered.
struct Cell<'a> {
    totals: Totals,
    first: &'a ZPoint,
    last: &'a ZPoint,
}

fn gather<'a>(index: &SpatialIndex, filter: &Filter, points: &'a [ZPoint], themes: usize) -> Option<Cell<'a>> {
    let unfiltered = filter.is_empty();
    let mut cell: Option<Cell> = None;
    for p in points {
        if !unfiltered && !index.place_matches(filter, p.sheet, p.place) {
            continue;
        }
        let c = cell.get_or_insert_with(|| Cell { totals: Totals::new(themes), first: p, last: p });
        c.totals.push(p);
        c.last = p;
    }
    cell
}

/// What an unfiltered cell holds, from the running totals.
fn summed(zorder: &ZOrder, range: std::ops::Range<usize>, themes: usize) -> Option<Cell<'_>> {
    if range.is_empty() {
        return None;
    }
    let mut totals = Totals::new(themes);
    let (first, last) = (zorder.at(range.start), zorder.at(range.end - 1));
    zorder.totals(range, &mut totals);
    Some(Cell { totals, first, last })
}

pub(super) fn layer(tile: &Tile, index: &SpatialIndex, t: TileId, filter: &Filter) -> Layer {
    let layer = tile.create_layer("initiatives");
    if t.z > CLUSTER_MAX_ZOOM
        && let Some(points) = single_points(index, t, filter)
    {
        return points.into_iter().fold(layer, |layer, (p, x, y)| add_place(layer, index, p, x, y));
    }
    let themes = index.referential().file().themes.len();
    // The per-theme tag names, made once per tile rather than once per cluster.
    let theme_keys: Vec<String> = index.referential().file().themes.iter().map(|t| format!("theme_{}", t.code)).collect();
    let mut layer = layer;
    let zorder = index.zorder();
    for range in cells_with_places(zorder, t) {
        let cell = if filter.is_empty() { summed(zorder, range, themes) } else { gather(index, filter, zorder.slice(range), themes) };
        let Some(cell) = cell else { continue };
        let Totals { count, sum, .. } = cell.totals;
        let (mx, my) = (sum.0 / count as f64, sum.1 / count as f64);
        let (x, y) = t.project(mx, my);
        if !TileId::in_buffer(x, y) {
            continue;
        }
        layer = if count == 1 { add_place(layer, index, cell.first, x, y) } else { add_cluster(layer, index, t, &cell, &theme_keys, x, y) };
    }
    layer
}

/// Every matching place of the tile and its buffer, or `None` past [`MAX_FEATURES`].
fn single_points<'a>(index: &'a SpatialIndex, t: TileId, filter: &Filter) -> Option<Vec<(&'a ZPoint, f64, f64)>> {
    let unfiltered = filter.is_empty();
    let mut found = vec![];
    for range in cells_with_places(index.zorder(), t) {
        for p in index.zorder().slice(range) {
            let (mx, my) = p.xy();
            let (x, y) = t.project(mx, my);
            if TileId::in_buffer(x, y) && (unfiltered || index.place_matches(filter, p.sheet, p.place)) {
                found.push((p, x, y));
                if found.len() > MAX_FEATURES {
                    return None;
                }
            }
        }
    }
    Some(found)
}

fn add_place(layer: Layer, index: &SpatialIndex, p: &ZPoint, x: f64, y: f64) -> Layer {
    let sheet = index.sheet(p.sheet).expect("the Z-order holds indexed sheets");
    let mut f = point_feature(layer, x, y);
    f.set_id(p.sheet as u64);
    f.add_tag_uint("id", p.sheet as u64);
    f.add_tag_string("title", &sheet.title);
    if let Some(theme) = index.referential().file().themes.get(p.theme as usize) {
        f.add_tag_string("theme", &theme.code);
    }
    f.add_tag_uint("year", sheet.year as u64);
    let place = &sheet.places[p.place as usize];
    if let Some(c) = index.gazetteer().communes().get(place.commune as usize) {
        f.add_tag_string("commune", &c.name);
    }
    // Few tags: encoding them is most of a tile's cost. The sheet's id leads to the rest.
    f.add_tag_uint("arobases", index.authority(sheet).arobases as u64);
    f.into_layer()
}

fn add_cluster(layer: Layer, index: &SpatialIndex, t: TileId, cell: &Cell, theme_keys: &[String], x: f64, y: f64) -> Layer {
    // Members split where their first and last codes stop sharing a cell; identical points
    // never split, and single points take over past CLUSTER_MAX_ZOOM.
    let split = zorder::common_zoom(cell.first.code, cell.last.code).saturating_add(1).saturating_sub(CELL_BITS);
    let ceiling = if t.z <= CLUSTER_MAX_ZOOM { CLUSTER_MAX_ZOOM + 1 } else { MAX_ZOOM };
    let expansion = split.clamp(t.z + 1, ceiling.max(t.z + 1));
    let mut f = point_feature(layer, x, y);
    f.add_tag_bool("cluster", true);
    f.add_tag_uint("count", cell.totals.count as u64);
    f.add_tag_uint("expansion_zoom", expansion as u64);
    let themes = &index.referential().file().themes;
    let mut dominant: Option<(usize, u32)> = None;
    for (i, &n) in cell.totals.themes.iter().enumerate() {
        f.add_tag_uint(&theme_keys[i], n as u64);
        if n > 0 && dominant.is_none_or(|(_, best)| n > best) {
            dominant = Some((i, n));
        }
    }
    if let Some((i, _)) = dominant {
        f.add_tag_string("theme", &themes[i].code);
    }
    f.into_layer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::zorder::ZPoint;

    /// Looking cells up within their tile finds what a search of the whole Z-order finds, at
    /// the edges of the world too.
    #[test]
    fn cells_found_within_their_tile_are_the_cells_found_in_the_whole() {
        let mut seed = 11u64;
        let mut next = || {
            (seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407), (seed >> 11) as f64 / (1u64 << 53) as f64).1
        };
        // Clumps over France and points on the world's corners and edges.
        let mut points: Vec<ZPoint> =
            (0..20_000).map(|i| ZPoint::new(i, 0, [-5.0 + 14.0 * next().powi(3), 42.0 + 9.0 * next()], 0)).collect();
        for (i, at) in [[-180.0, 85.05], [179.999, -85.05], [0.0, 0.0], [-180.0, 0.0], [179.999, 85.05]].into_iter().enumerate() {
            points.push(ZPoint::new(100_000 + i as i64, 0, at, 0));
        }
        let zorder = ZOrder::from_unsorted(points);
        let mut tiles = vec![
            TileId::new(0, 0, 0).unwrap(),
            TileId::new(1, 1, 1).unwrap(),
            TileId::new(3, 7, 0).unwrap(),
            TileId::new(4, 0, 15).unwrap(),
        ];
        for z in [5u8, 7, 9, 11, 13, 16] {
            tiles.extend((0..30).map(|_| TileId::containing(z, -5.0 + 14.0 * next(), 42.0 + 9.0 * next())));
        }
        for t in tiles {
            let whole: Vec<Range<usize>> =
                cells_around(t).map(|(z, x, y)| zorder.square_range(z, x, y)).filter(|r| !r.is_empty()).collect();
            let within: Vec<Range<usize>> = cells_with_places(&zorder, t).collect();
            assert_eq!(within, whole, "{t:?}");
        }
    }
}
