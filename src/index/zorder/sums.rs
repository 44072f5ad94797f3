//! Running totals over the Z-order, every [`BLOCK`] places: what an unfiltered cluster shows
//! (how many places, their mean position, how many of each theme) comes from the totals before
//! its first and after its last place, and a walk over at most [`BLOCK`] places at each end,
//! instead of a walk over all of them. A tile at zoom 6 over Paris holds millions of places
//! at ten million sheets; its 100 cells cost a few thousand steps this way.
//!
//! Sums of positions are differences of large totals: positions are fractions of the world,
//! so a total over ten million places is rounded to a few centimetres on the ground, and that
//! error is shared by the 2 × [`BLOCK`] places or more of a cluster that uses the totals: under
//! a millimetre on its mean.

use std::ops::Range;

use super::ZPoint;
use crate::index::NO_THEME;

/// Places between two stored totals.
pub const BLOCK: usize = 64;

/// Totals of places before each multiple of [`BLOCK`].
#[derive(Debug, Clone, Default)]
pub struct RunningSums {
    /// Theme slots: one more than the largest theme of any place.
    themes: usize,
    /// Sum of x and y of the places before block k.
    xy: Vec<[f64; 2]>,
    /// Places of each theme before block k, `themes` a block.
    per_theme: Vec<u32>,
}

/// What a run of places adds up to.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub count: u32,
    pub sum: (f64, f64),
    /// Places of each theme, as many slots as the caller asked for.
    pub themes: Vec<u32>,
}

impl Totals {
    pub fn new(themes: usize) -> Self {
        Totals { count: 0, sum: (0.0, 0.0), themes: vec![0; themes] }
    }

    /// Counts one more place.
    pub fn push(&mut self, p: &ZPoint) {
        self.count += 1;
        self.add_position_and_theme(p);
    }

    fn add_position_and_theme(&mut self, p: &ZPoint) {
        let (x, y) = p.xy();
        self.sum = (self.sum.0 + x, self.sum.1 + y);
        if let Some(n) = self.themes.get_mut(p.theme as usize).filter(|_| p.theme != NO_THEME) {
            *n += 1;
        }
    }

    /// Adds the positions and themes of places already counted.
    fn add(&mut self, points: &[ZPoint]) {
        points.iter().for_each(|p| self.add_position_and_theme(p));
    }
}

impl RunningSums {
    pub fn new(points: &[ZPoint]) -> Self {
        let themes = points.iter().filter(|p| p.theme != NO_THEME).map(|p| p.theme as usize + 1).max().unwrap_or(0);
        let blocks = points.len() / BLOCK + 1;
        let (mut xy, mut per_theme) = (Vec::with_capacity(blocks), Vec::with_capacity(blocks * themes));
        let (mut sum, mut counts) = ([0.0, 0.0], vec![0u32; themes]);
        for block in points.chunks(BLOCK) {
            xy.push(sum);
            per_theme.extend_from_slice(&counts);
            for p in block {
                let (x, y) = p.xy();
                sum = [sum[0] + x, sum[1] + y];
                if p.theme != NO_THEME {
                    counts[p.theme as usize] += 1;
                }
            }
        }
        // The totals after the last place, when it ends a block.
        if points.len().is_multiple_of(BLOCK) {
            xy.push(sum);
            per_theme.extend_from_slice(&counts);
        }
        RunningSums { themes, xy, per_theme }
    }

    /// Totals of `points[range]`; `points` must be the places the sums were made from.
    /// `out` is reset first; its theme slots are left as they are in number.
    pub fn totals(&self, points: &[ZPoint], range: Range<usize>, out: &mut Totals) {
        out.count = range.len() as u32;
        out.sum = (0.0, 0.0);
        out.themes.fill(0);
        if range.len() < 2 * BLOCK {
            out.add(&points[range]);
            return;
        }
        // Whole blocks from the first block boundary at or after the start to the last one at
        // or before the end, then the places on either side of them.
        let (first, last) = (range.start.div_ceil(BLOCK), range.end / BLOCK);
        let (a, b) = (self.xy[first], self.xy[last]);
        out.sum = (b[0] - a[0], b[1] - a[1]);
        let slots = out.themes.len().min(self.themes);
        for (t, n) in out.themes.iter_mut().enumerate().take(slots) {
            *n = self.per_theme[last * self.themes + t] - self.per_theme[first * self.themes + t];
        }
        out.add(&points[range.start..first * BLOCK]);
        out.add(&points[last * BLOCK..range.end]);
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::index::zorder::ZOrder;

    /// Places around a few towns, some on one point, one in five without a theme.
    fn places(n: usize, rng: &mut ChaCha8Rng) -> Vec<ZPoint> {
        let towns = [[2.35, 48.85], [5.37, 43.3], [-1.55, 47.22], [7.75, 48.58]];
        (0..n)
            .map(|i| {
                let [lon, lat] = towns[rng.random_range(0..towns.len())];
                let spread = if rng.random_bool(0.3) { 0.0 } else { 0.5 };
                let at = [lon + rng.random_range(-1.0..=1.0) * spread, lat + rng.random_range(-1.0..=1.0) * spread];
                let theme = if rng.random_bool(0.2) { NO_THEME } else { rng.random_range(0..4) };
                ZPoint::new(i as i64, 0, at, theme)
            })
            .collect()
    }

    fn walked(points: &[ZPoint], themes: usize) -> Totals {
        let mut t = Totals::new(themes);
        points.iter().for_each(|p| t.push(p));
        t
    }

    fn assert_same(got: &Totals, want: &Totals, what: &str) {
        assert_eq!((got.count, &got.themes), (want.count, &want.themes), "{what}");
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(close(got.sum.0, want.sum.0) && close(got.sum.1, want.sum.1), "{what}: {:?} against {:?}", got.sum, want.sum);
    }

    #[test]
    fn totals_of_any_run_are_those_of_a_walk_over_it() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let z = ZOrder::from_unsorted(places(5_000, &mut rng));
        let points = &z.points;
        let mut ranges = vec![0..points.len(), 0..0, 0..2 * BLOCK, 1..2 * BLOCK + 1, BLOCK..3 * BLOCK, 63..4_097, 4_000..points.len()];
        ranges.extend((0..300).map(|_| {
            let a = rng.random_range(0..points.len());
            a..rng.random_range(a..=points.len())
        }));
        // Fewer theme slots than the places use (a referential with fewer themes), and more.
        for slots in [4, 2, 6] {
            let mut got = Totals::new(slots);
            for r in &ranges {
                z.totals(r.clone(), &mut got);
                assert_same(&got, &walked(&points[r.clone()], slots), &format!("{r:?} with {slots} slots"));
            }
        }
    }

    #[test]
    fn totals_follow_every_change_of_the_zorder() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let all = places(3_000, &mut rng);
        let mut z = ZOrder::from_unsorted(all[..2_000].to_vec());
        let check = |z: &ZOrder, what: &str| {
            let mut got = Totals::new(4);
            z.totals(0..z.len(), &mut got);
            assert_same(&got, &walked(&z.points, 4), what);
        };
        check(&z, "built");
        z.insert(all[2_000]);
        check(&z, "one inserted");
        z.remove(&all[5]);
        check(&z, "one removed");
        z.replace(all[10..20].to_vec(), all[2_001..2_010].to_vec());
        check(&z, "a few replaced");
        z.replace(all[20..400].to_vec(), all[2_010..].to_vec());
        check(&z, "many merged");
        assert_eq!(z.len(), 3_000 - 1 - 10 - 380);
    }
}
