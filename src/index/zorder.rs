//! Places in Z-order (Morton order) of their Web Mercator position, for tiles.
//!
//! Interleaving the bits of x and y makes every square of the tile grid, at every zoom, one
//! contiguous run of the sorted array: a tile, or a cluster cell inside it, is two binary
//! searches away, and what falls in a cell depends on nothing outside it. That is what lets
//! clustering be hierarchical and stable across tile edges, work with any filter, and let a
//! write invalidate exactly the tiles around it.

mod codes;
mod nearest;
mod sums;

use std::sync::OnceLock;

use crate::model::SheetId;
pub use codes::{code, common_zoom, lon_lat, mercator, quantize, sorted_range, square};
use codes::{compact, spread};
pub use nearest::Nearest;
pub use sums::{RunningSums, Totals};

/// Bits per axis of a position: 2⁻³² of the world is under a centimetre.
pub const BITS: u32 = 32;

/// One place of a published sheet, ordered by code, then sheet and place (which name it).
#[derive(Debug, Clone, Copy)]
pub struct ZPoint {
    /// Interleaved x (even bits) and y (odd bits), y growing southwards.
    pub code: u64,
    pub sheet: SheetId,
    /// Its exact position, `[lon, lat]` (the code rounds it to the centimetre), so that
    /// distances and box edges need no look-up of the sheet.
    pub at: [f64; 2],
    pub place: u16,
    /// Position of the sheet's main theme in the referential, for per-theme counts.
    pub theme: u8,
}

impl ZPoint {
    /// The entry of place `place` of sheet `sheet` at `[lon, lat]`.
    pub fn new(sheet: SheetId, place: u16, at: [f64; 2], theme: u8) -> Self {
        ZPoint { code: code(at[0], at[1]), sheet, at, place, theme }
    }

    fn key(&self) -> (u64, SheetId, u16) {
        (self.code, self.sheet, self.place)
    }
    /// Its cell of the 2³² grid.
    pub fn cell(&self) -> (u32, u32) {
        (compact(self.code), compact(self.code >> 1))
    }

    /// Position of its cell's centre as a fraction of the world, `[0, 1)` on both axes.
    pub fn xy(&self) -> (f64, f64) {
        let scale = (1u64 << BITS) as f64;
        ((compact(self.code) as f64 + 0.5) / scale, (compact(self.code >> 1) as f64 + 0.5) / scale)
    }
}

impl PartialEq for ZPoint {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for ZPoint {}

impl PartialOrd for ZPoint {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ZPoint {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// A rectangle of cells of the 2³² grid, bounds included (y grows southwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridRect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl GridRect {
    fn holds(&self, x: u32, y: u32) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }
}

/// Every indexed place, sorted by code.
#[derive(Debug, Default, Clone)]
pub struct ZOrder {
    points: Vec<ZPoint>,
    /// Made on first use after each change (see [`Self::running_sums`]).
    sums: OnceLock<RunningSums>,
}

impl ZOrder {
    pub fn from_unsorted(mut points: Vec<ZPoint>) -> Self {
        // Gathered by pushes, the vector may have nearly twice the room it needs: 170 MB at
        // ten million places. Copied once here, it is never grown again (writes merge into
        // a new one of the right size).
        points.shrink_to_fit();
        points.sort_unstable();
        ZOrder { points, sums: OnceLock::new() }
    }

    /// Running totals of the places, for clusters without a filter. Made once per state of
    /// the Z-order (a pass over every place: 7 ms at 1.25 million); writers make them
    /// before publishing an index, so that no tile request waits for them.
    pub fn running_sums(&self) -> &RunningSums {
        self.sums.get_or_init(|| RunningSums::new(&self.points))
    }

    /// Totals of the places at `range` of the whole Z-order (as [`Self::square_range`] gives).
    pub fn totals(&self, range: std::ops::Range<usize>, out: &mut Totals) {
        self.running_sums().totals(&self.points, range, out);
    }

    /// Where the places of grid square (x, y) at `zoom` lie in the whole Z-order.
    pub fn square_range(&self, zoom: u8, x: u32, y: u32) -> std::ops::Range<usize> {
        sorted_range(&self.points, |p| p.code, square(zoom, x, y))
    }

    /// [`Self::square_range`] searched only within `within`, a range that holds the whole
    /// square (that of a square around it): fewer steps than over the whole Z-order.
    pub fn square_range_in(&self, zoom: u8, x: u32, y: u32, within: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let offset = within.start;
        let found = sorted_range(&self.points[within], |p| p.code, square(zoom, x, y));
        offset + found.start..offset + found.end
    }

    /// The places at `range` of the whole Z-order.
    pub fn slice(&self, range: std::ops::Range<usize>) -> &[ZPoint] {
        &self.points[range]
    }

    /// The place at a position of the whole Z-order.
    pub fn at(&self, i: usize) -> &ZPoint {
        &self.points[i]
    }

    pub fn insert(&mut self, point: ZPoint) {
        self.sums.take();
        let at = self.points.partition_point(|p| p < &point);
        self.points.insert(at, point);
    }

    pub fn remove(&mut self, point: &ZPoint) {
        self.sums.take();
        if let Ok(at) = self.points.binary_search(point) {
            self.points.remove(at);
        }
    }

    /// Removes the places of `gone` (those held) and adds those of `added`. Each insertion or
    /// removal shifts the array behind it, so past a few hundred changes the array is made
    /// again in one merge: a 100,000-sheet import would otherwise move gigabytes.
    pub fn replace(&mut self, mut gone: Vec<ZPoint>, mut added: Vec<ZPoint>) {
        self.sums.take();
        if gone.len() + added.len() <= FEW_CHANGES {
            gone.iter().for_each(|p| self.remove(p));
            added.into_iter().for_each(|p| self.insert(p));
            return;
        }
        gone.sort_unstable();
        added.sort_unstable();
        let mut gone = gone.into_iter().peekable();
        let kept = std::mem::take(&mut self.points).into_iter().filter(|p| {
            while gone.next_if(|g| g < p).is_some() {}
            gone.next_if_eq(p).is_none()
        });
        self.points = merge(kept, added);
    }

    /// The places in grid square (x, y) at `zoom`, in code order.
    pub fn in_square(&self, zoom: u8, x: u32, y: u32) -> &[ZPoint] {
        &self.points[self.square_range(zoom, x, y)]
    }

    /// Calls `found` with every place whose cell is in `rect`, in code order. The grid is
    /// walked as a quadtree over the sorted codes: a square wholly inside is one run taken
    /// whole, a square outside is skipped, and a square across the edge is split until it holds
    /// few places, which are then tested one by one.
    pub fn in_rect(&self, rect: GridRect, found: &mut impl FnMut(&ZPoint)) {
        visit(&self.points, 0, 0, 0, rect, found);
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Bytes on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * size_of::<ZPoint>()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// Changes [`ZOrder::replace`] makes one by one; more are merged.
const FEW_CHANGES: usize = 256;

/// The points of two sorted sequences, sorted.
fn merge(a: impl Iterator<Item = ZPoint>, b: Vec<ZPoint>) -> Vec<ZPoint> {
    let mut out = Vec::with_capacity(a.size_hint().0 + b.len());
    let mut b = b.into_iter().peekable();
    for p in a {
        while let Some(q) = b.next_if(|q| q < &p) {
            out.push(q);
        }
        out.push(p);
    }
    out.extend(b);
    out
}

/// Places of a square split no further: testing each costs less than finding sub-runs.
const FEW: usize = 32;

/// [`ZOrder::in_rect`] in the square (x, y) at `depth` of the quadtree, whose places are `points`.
fn visit(points: &[ZPoint], depth: u32, x: u32, y: u32, rect: GridRect, found: &mut impl FnMut(&ZPoint)) {
    if points.is_empty() {
        return;
    }
    let side = 1u64 << (BITS - depth);
    let (left, top) = (u64::from(x) * side, u64::from(y) * side);
    let (right, bottom) = (left + side - 1, top + side - 1);
    let (x0, y0, x1, y1) = (u64::from(rect.x0), u64::from(rect.y0), u64::from(rect.x1), u64::from(rect.y1));
    if right < x0 || left > x1 || bottom < y0 || top > y1 {
        return;
    }
    if left >= x0 && right <= x1 && top >= y0 && bottom <= y1 {
        points.iter().for_each(found);
        return;
    }
    if points.len() <= FEW || depth == BITS {
        for p in points {
            let (px, py) = p.cell();
            if rect.holds(px, py) {
                found(p);
            }
        }
        return;
    }
    for (inside, qx, qy) in quarters(points, depth, x, y) {
        visit(inside, depth + 1, qx, qy, rect, found);
    }
}

/// The four quarters of the square (x, y) at `depth` (below [`BITS`]) whose places are
/// `points`, each with its (x, y) at `depth + 1`. They are consecutive runs of codes, in the
/// order of y's bit then x's.
pub(super) fn quarters(points: &[ZPoint], depth: u32, x: u32, y: u32) -> [(&[ZPoint], u32, u32); 4] {
    let shift = 2 * (BITS - depth - 1);
    let start = (u128::from(spread(x) | (spread(y) << 1)) << (2 * (BITS - depth))) as u64;
    let mut split = [(&points[..0], 0, 0); 4];
    let mut rest = points;
    for (quarter, slot) in (0..4u64).zip(&mut split) {
        let end = if quarter == 3 { rest.len() } else { rest.partition_point(|p| p.code < start + ((quarter + 1) << shift)) };
        let (inside, after) = rest.split_at(end);
        *slot = (inside, 2 * x + (quarter & 1) as u32, 2 * y + (quarter >> 1) as u32);
        rest = after;
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_to_the_centimetre() {
        for (lon, lat) in [(1.9557, 50.9491), (-61.5, 16.25), (55.45, -20.88), (0.0, 0.0), (-179.9, -84.0)] {
            let p = ZPoint::new(1, 0, [lon, lat], 0);
            let (x, y) = p.xy();
            let (lon2, lat2) = lon_lat(x, y);
            assert!((lon - lon2).abs() < 1e-7 && (lat - lat2).abs() < 1e-7, "{lon},{lat} came back as {lon2},{lat2}");
        }
    }

    #[test]
    fn a_grid_square_is_one_run_of_codes() {
        let marck = code(1.9557, 50.9491);
        let (x, y) = mercator(1.9557, 50.9491);
        for zoom in [0u8, 3, 10, 22, 32] {
            let n = (1u64 << zoom) as f64;
            let (tx, ty) = ((x * n) as u32, (y * n) as u32);
            assert!(square(zoom, tx, ty).contains(&marck), "zoom {zoom}");
            if tx > 0 {
                assert!(!square(zoom, tx - 1, ty).contains(&marck));
            }
        }
        assert_eq!(square(0, 0, 0), 0..u64::MAX);
    }

    #[test]
    fn many_changes_at_once_leave_the_same_order_as_one_by_one() {
        let point = |i: u64| ZPoint {
            code: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            sheet: i as i64,
            at: [0.0, 0.0],
            place: (i % 3) as u16,
            theme: 0,
        };
        let start: Vec<ZPoint> = (0..2_000).map(point).collect();
        // Gone: every third held point and some never held; added: new ones and one re-added.
        let gone: Vec<ZPoint> = (0..2_000).step_by(3).map(point).chain((5_000..5_010).map(point)).collect();
        let added: Vec<ZPoint> = (2_000..2_700).map(point).chain([point(3)]).collect();
        for (gone, added) in [(gone.clone(), added.clone()), (gone[..40].to_vec(), added[..50].to_vec())] {
            let mut one_by_one = ZOrder::from_unsorted(start.clone());
            gone.iter().for_each(|p| one_by_one.remove(p));
            added.iter().for_each(|&p| one_by_one.insert(p));
            let mut at_once = ZOrder::from_unsorted(start.clone());
            at_once.replace(gone, added);
            assert_eq!(at_once.points, one_by_one.points);
            assert!(at_once.points.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn squares_select_their_points() {
        let places = [(1.9557, 50.9491), (1.8587, 50.9513), (2.3795, 48.8585), (-61.5, 16.25)];
        let points = places.iter().enumerate().map(|(i, &(lon, lat))| ZPoint::new(i as i64, 0, [lon, lat], 0));
        let z = ZOrder::from_unsorted(points.collect());
        assert_eq!(z.in_square(0, 0, 0).len(), 4);
        // At zoom 1, the north-east quarter of the world holds the three in mainland France
        // (x ≥ 0.5 is east of Greenwich, y < 0.5 is north).
        assert_eq!(z.in_square(1, 1, 0).len(), 3);
        assert_eq!(z.in_square(1, 0, 0).len(), 1);
        assert_eq!(common_zoom(code(1.9557, 50.9491), code(1.9557, 50.9491)), 32);
        assert!(common_zoom(code(1.9557, 50.9491), code(1.8587, 50.9513)) >= 8);
    }
}
