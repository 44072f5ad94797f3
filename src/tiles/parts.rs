//! The parts of a tile that sheets do not change, drawn once and kept plain and gzipped: its
//! boundary layer (from the gazetteer, which never changes while the server runs) and its
//! authorities layer followed by the boundary layer (which changes only with the
//! authorities' labels). A cold tile draws its `initiatives` layer alone and joins it to the
//! second (see [`super::gzip`]): the authorities' tags, a few hundred per tile at low zoom,
//! are encoded once rather than on every request.

use std::sync::Arc;

use super::{CachedTile, TileCache, TileId, authorities, encode, join};
use crate::index::{Filter, SpatialIndex};

/// Byte budget of the boundary layers.
const BOUNDARY_BYTES: usize = 128 * 1024 * 1024;
/// Byte budget of the authorities-and-boundaries parts (each holds a copy of its boundary
/// layer: smaller than the boundaries' own, since such a part is quick to make again).
const WITH_AUTHORITIES_BYTES: usize = 64 * 1024 * 1024;

pub(super) struct Parts {
    boundaries: TileCache,
    /// Keyed by the index's [`SpatialIndex::authorities_version`]: a part drawn before a
    /// change of labels is never joined to a tile drawn after it, whatever the order in which
    /// readers and the writer get there.
    with_authorities: TileCache,
}

impl Parts {
    pub fn new() -> Self {
        Parts { boundaries: TileCache::new(BOUNDARY_BYTES), with_authorities: TileCache::new(WITH_AUTHORITIES_BYTES) }
    }

    /// The boundary layer of a tile, if drawn already.
    pub fn boundaries(&self, tile: TileId) -> Option<Arc<CachedTile>> {
        self.boundaries.get(tile, "")
    }

    pub fn keep_boundaries(&self, tile: TileId, layer: Arc<CachedTile>) {
        // Boundaries come from the gazetteer, never from the index: never invalidated.
        self.boundaries.insert(tile, "", layer, 0);
    }

    /// The authorities layer of `tile` as `index` has it, followed by the tile's boundary
    /// layer; drawn now if not kept.
    pub fn with_authorities(&self, index: &SpatialIndex, tile: TileId, boundaries: &CachedTile) -> Arc<CachedTile> {
        let key = index.authorities_version().to_string();
        if let Some(part) = self.with_authorities.get(tile, &key) {
            return part;
        }
        let layer = encode(|out| vec![authorities::layer(out, index, tile, &Filter::default())]);
        let part = Arc::new(join(&layer, boundaries));
        self.with_authorities.insert(tile, &key, part.clone(), index.version());
        part
    }

    /// Drops the authorities parts after their labels changed in the index at `version`.
    pub fn forget_authorities(&self, version: u64) {
        self.with_authorities.clear(version);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Tiles, render};
    use super::*;
    use crate::index::tests::inputs;
    use crate::model::{Authority, Initiative, LabelAward};

    fn index() -> (SpatialIndex, Vec<Authority>) {
        let (g, r) = inputs();
        let s = crate::sample::generate(&g, &r, 3_000, 5);
        let sheets = (s.initiatives.into_iter().enumerate())
            .map(|(i, sheet)| Initiative { id: i as i64 + 1, sheet, created_at: String::new(), updated_at: String::new(), version: 1 })
            .collect();
        (SpatialIndex::build(g, r, s.authorities.clone(), sheets), s.authorities)
    }

    /// A reader may hold the index of after a change of labels before the writer has told the
    /// tiles: what it draws must still be the tile drawn afresh from that index.
    #[test]
    fn a_tile_joins_the_authorities_of_its_own_index() {
        let (index, authorities) = index();
        let tiles = Tiles::new(index.gazetteer.clone(), 0);
        let mut authority =
            authorities.into_iter().find(|a| a.latest_award().is_some() && a.commune.is_some()).expect("a labelled authority");
        let [lon, lat] = index.gazetteer().commune(authority.commune.as_deref().unwrap()).expect("its commune").point;
        let tile = TileId::containing(9, lon, lat);
        let fresh = |index: &SpatialIndex, filter: &Filter| render(index, Some(tiles.boundaries()), tile, filter);
        let by_arobases = Filter { min_arobases: Some(2), ..Filter::default() };
        for filter in [Filter::default(), by_arobases.clone()] {
            assert_eq!(tiles.render_cached(&index, tile, &filter).raw, fresh(&index, &filter));
        }

        let mut changed = index.clone();
        authority.name.push_str(" (renamed)");
        authority.awards.push(LabelAward { year: 2031, arobases: 5, mentions: vec![] });
        changed.upsert_authorities(&[authority]);
        assert_ne!(fresh(&changed, &Filter::default()), fresh(&index, &Filter::default()), "the label shows in the tile");
        // No forget_authorities: the part kept for the old index must not serve the new one.
        for filter in [Filter::default(), by_arobases] {
            assert_eq!(tiles.render_cached(&changed, tile, &filter).raw, fresh(&changed, &filter));
            assert_eq!(
                tiles.render_at_once(&changed, tile, &filter).map(|t| t.raw),
                filter.is_empty().then(|| fresh(&changed, &filter).into())
            );
            assert_eq!(tiles.render_cached(&index, tile, &filter).raw, fresh(&index, &filter), "nor the new the old");
        }
    }
}
