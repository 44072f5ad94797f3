//! Listings page by page: in id order (a cursor is the last id shown), or by relevance to a
//! text query (a cursor is the number of sheets shown).

use super::zorder::{self, GridRect};
use super::{Filter, IndexedSheet, SpatialIndex};
use crate::model::{Bbox, SheetId};

/// Cells of the 2³² grid (about a centimetre each) within which a place's rounding could put
/// it on the wrong side of a box's edge: places that near an edge are checked exactly.
const EDGE: u32 = 2;

/// One page of a listing.
pub struct Page {
    pub ids: Vec<SheetId>,
    /// The last id of this page when more follow.
    pub next_after: Option<SheetId>,
}

impl Page {
    /// A page from up to `limit + 1` ids in order: the extra one only says that more follow.
    pub fn from_overfetch(mut ids: Vec<SheetId>, limit: usize) -> Page {
        let next_after = if ids.len() > limit {
            ids.truncate(limit);
            ids.last().copied()
        } else {
            None
        };
        Page { ids, next_after }
    }
}

impl SpatialIndex {
    /// Matching sheets most relevant first (the filter must have a text query), `limit` at
    /// most after the first `offset`; the offset of the next page when more follow.
    pub fn page_by_relevance(&self, filter: &Filter, offset: usize, limit: usize) -> (Vec<SheetId>, Option<usize>) {
        let Some(hits) = filter.text_hits(self) else { return (vec![], None) };
        let wanted = offset + limit + 1;
        // The best few hits, widened while the other filters reject too many of them.
        let mut take = (wanted * 4).max(64);
        let mut ids: Vec<SheetId> = loop {
            let matching: Vec<SheetId> = hits
                .top(take)
                .into_iter()
                .map(|(id, _)| id)
                .filter(|id| self.sheets.get(id).is_some_and(|s| filter.matches(self, s)))
                .collect();
            if matching.len() >= wanted || take >= hits.len() {
                break matching;
            }
            take *= 8;
        };
        ids.drain(..offset.min(ids.len()));
        let more = ids.len() > limit;
        ids.truncate(limit);
        (ids, more.then_some(offset + limit))
    }

    /// Matching sheets in id order, `limit` at most, after the id `after`.
    pub fn page(&self, filter: &Filter, after: Option<SheetId>, limit: usize) -> Page {
        let start = after.map_or(SheetId::MIN, |a| a.saturating_add(1));
        Page::from_overfetch(self.matching_from(filter, start).take(limit + 1).collect(), limit)
    }

    /// How many sheets match: all of them without a walk when nothing is filtered.
    pub fn count(&self, filter: &Filter) -> usize {
        if filter.is_empty() {
            return self.sheets.len();
        }
        self.matching_from(filter, SheetId::MIN).count()
    }

    /// Every matching sheet, in id order.
    pub fn matching<'a>(&'a self, filter: &'a Filter) -> impl Iterator<Item = (SheetId, &'a IndexedSheet)> + 'a {
        self.matching_from(filter, SheetId::MIN).map(|id| (id, &self.sheets[&id]))
    }

    /// The sheets with a place in `b` (bounds included), once per place, in no order.
    ///
    /// Read from the Z-order: the box in Web Mercator, widened by [`EDGE`] cells of the grid,
    /// is walked as a quadtree. Places well inside are in the box whatever the rounding of
    /// their cell; those within [`EDGE`] cells of an edge are checked against their own
    /// longitude and latitude, so that a place on the edge is in and one a hair outside is not.
    pub fn sheets_in_bbox(&self, b: &Bbox) -> Vec<SheetId> {
        let ((west, north), (east, south)) = (zorder::mercator(b.min_lon, b.max_lat), zorder::mercator(b.max_lon, b.min_lat));
        let (x0, y0, x1, y1) = (zorder::quantize(west), zorder::quantize(north), zorder::quantize(east), zorder::quantize(south));
        let widened =
            GridRect { x0: x0.saturating_sub(EDGE), y0: y0.saturating_sub(EDGE), x1: x1.saturating_add(EDGE), y1: y1.saturating_add(EDGE) };
        let well_inside = |x: u32, y: u32| {
            x > x0.saturating_add(EDGE) && x < x1.saturating_sub(EDGE) && y > y0.saturating_add(EDGE) && y < y1.saturating_sub(EDGE)
        };
        let mut ids = vec![];
        self.zorder.in_rect(widened, &mut |p| {
            let (x, y) = p.cell();
            let [lon, lat] = p.at;
            let inside = well_inside(x, y) || ((b.min_lon..=b.max_lon).contains(&lon) && (b.min_lat..=b.max_lat).contains(&lat));
            if inside {
                ids.push(p.sheet);
            }
        });
        ids
    }

    /// Matching sheets in id order from the id `start`.
    fn matching_from<'a>(&'a self, filter: &'a Filter, start: SheetId) -> Box<dyn Iterator<Item = SheetId> + 'a> {
        match &filter.bbox {
            Some(b) => {
                // The box narrows to the sheets with a place in it; sort for paging.
                let mut ids = self.sheets_in_bbox(b);
                ids.retain(|&id| id >= start);
                ids.sort_unstable();
                ids.dedup();
                Box::new(ids.into_iter().filter(|id| filter.matches(self, &self.sheets[id])))
            }
            None => Box::new(self.sheets.range(start..).filter(|(_, s)| filter.matches(self, s)).map(|(&id, _)| id)),
        }
    }
}
