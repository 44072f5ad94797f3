//! The `authorities` layer: labelled authorities at their commune (or seat), highest @ first
//! so that the map places their symbols first. Drawn from zoom [`MIN_ZOOM`]; below zoom 10 a
//! tile keeps the [`MAX_LOW_ZOOM`] most labelled (then most populated) ones: the country at a
//! glance, not every village's ring.

use mvt::{Layer, Tile};

use super::{BUFFER, MAX_FEATURES, TileId, point_feature};

/// First zoom with authorities.
pub const MIN_ZOOM: u8 = 6;
/// Most authorities in a tile below zoom 10.
pub const MAX_LOW_ZOOM: usize = 200;
use crate::index::zorder::mercator;
use crate::index::{Filter, IndexedAuthority, SpatialIndex};

/// Whether the layer depends on `filter`: it honours the `arobases` and `bbox` filters; the
/// others are about sheets.
pub(super) fn honours(filter: &Filter) -> bool {
    filter.min_arobases.is_some() || filter.bbox.is_some()
}

/// Honours the `arobases` and `bbox` filters; the others are about sheets.
pub(super) fn layer(tile: &Tile, index: &SpatialIndex, t: TileId, filter: &Filter) -> Layer {
    let mut layer = tile.create_layer("authorities");
    if t.z < MIN_ZOOM {
        return layer;
    }
    let [west, south, east, north] = t.bounds(BUFFER);
    let min = filter.min_arobases.unwrap_or(1);
    // The buffer lies in the eight tiles around (the world does not wrap).
    let last = (1i64 << t.z) - 1;
    let around = |v: u32| (v as i64 - 1).max(0) as u32..=(v as i64 + 1).min(last) as u32;
    let squares = around(t.y).flat_map(|y| around(t.x).map(move |x| (x, y)));
    let mut shown: Vec<(&IndexedAuthority, [f64; 2])> = squares
        .flat_map(|(x, y)| index.authorities_in_square(t.z, x, y))
        .filter(|a| a.arobases >= min)
        .filter_map(|a| a.point.map(|p| (a, p)))
        .filter(|(_, [lon, lat])| (west..=east).contains(lon) && (south..=north).contains(lat))
        .filter(|(_, [lon, lat])| filter.bbox.is_none_or(|b| b.contains(*lon, *lat)))
        .collect();
    shown.sort_by(|(a, _), (b, _)| b.arobases.cmp(&a.arobases).then(b.population.cmp(&a.population)).then(a.code.cmp(&b.code)));
    shown.truncate(if t.z < 10 { MAX_LOW_ZOOM } else { MAX_FEATURES });
    for (a, [lon, lat]) in shown {
        let (mx, my) = mercator(lon, lat);
        let (x, y) = t.project(mx, my);
        let mut f = point_feature(layer, x, y);
        f.add_tag_string("code", &a.code);
        f.add_tag_string("name", &a.name);
        f.add_tag_string("kind", a.kind.as_str());
        f.add_tag_uint("arobases", a.arobases as u64);
        if let Some(year) = a.year {
            f.add_tag_uint("year", year as u64);
        }
        f.add_tag_string("mentions", &a.mentions);
        f.add_tag_uint("population", a.population as u64);
        layer = f.into_layer();
    }
    layer
}
