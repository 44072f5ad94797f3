//! Places in order of distance on the sphere from a point, read from the Z-order.
//!
//! The sorted codes are a quadtree: every square of the grid is one run of them and splits into
//! four runs. A best-first walk keeps squares and places in one queue, keyed by a lower bound of
//! the great-circle distance to anything they hold, and splits whatever comes out first. What
//! comes out is each place with its distance, nearest first, which is all a k-nearest search
//! needs to stop early (see [`crate::index::SpatialIndex::nearby`]). An R-tree over unit
//! vectors answered this before, for 89 bytes a place; the Z-order's entries grew by 16 (their
//! exact position) instead.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{BITS, ZOrder, ZPoint, lon_lat, quarters};
use crate::index::distance::{MEAN_RADIUS_M, sphere_metres, unit_vector};

/// Squares holding this many places or fewer are not split: their places are queued as they are.
/// Splitting costs more than measuring (three binary searches, a latitude, four bounds): at 1M
/// sheets 32 took 88 µs for 20 neighbours, 256 took 39 µs, and 512 no less.
const FEW: usize = 256;

impl ZOrder {
    /// Every place, in order of its great-circle distance from `[lon, lat]`, with that distance
    /// in metres.
    pub fn nearest(&self, origin: [f64; 2]) -> Nearest<'_> {
        let mut queue = BinaryHeap::new();
        if !self.points.is_empty() {
            let world = Square { points: &self.points, depth: 0, x: 0, y: 0, west: -180.0, east: 180.0, south: -90.0, north: 90.0 };
            queue.push(Queued { key: 0.0, item: Item::Square(world) });
        }
        Nearest { from: Origin::new(origin), queue, spot: (0.0, &[]) }
    }
}

/// The walk of [`ZOrder::nearest`].
pub struct Nearest<'a> {
    from: Origin,
    queue: BinaryHeap<Queued<'a>>,
    /// The places at one position being given out, with their distance.
    spot: (f64, &'a [ZPoint]),
}

impl<'a> Iterator for Nearest<'a> {
    type Item = (f64, &'a ZPoint);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            // The spot came out of the queue first: nothing left there is nearer.
            if let Some((first, rest)) = self.spot.1.split_first() {
                self.spot.1 = rest;
                return Some((self.spot.0, first));
            }
            let Queued { key, item } = self.queue.pop()?;
            match item {
                Item::Spot(places) => self.spot = (key, places),
                Item::Square(square) if square.is_leaf() => {
                    // Places often share a position (a town hall holds many sheets): one entry
                    // each. Never below the square's bound, so that keys come out in order
                    // whatever the rounding.
                    let spots = square.points.chunk_by(|a, b| a.at == b.at);
                    self.queue.extend(spots.map(|c| Queued { key: self.from.to_point(c[0].at).max(key), item: Item::Spot(c) }));
                }
                Item::Square(square) => {
                    for child in square.quarters() {
                        let key = self.from.to_square(&child).max(key);
                        self.queue.push(Queued { key, item: Item::Square(child) });
                    }
                }
            }
        }
    }
}

enum Item<'a> {
    Square(Square<'a>),
    /// Places at one position.
    Spot(&'a [ZPoint]),
}

/// A square of the grid with its places and the longitudes and latitudes its cells span.
struct Square<'a> {
    points: &'a [ZPoint],
    depth: u32,
    x: u32,
    y: u32,
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

impl<'a> Square<'a> {
    /// Whether its places are taken one by one rather than split further: when they are few,
    /// or all in one cell (a town hall with hundreds of sheets would otherwise be split down
    /// through every level of the grid).
    fn is_leaf(&self) -> bool {
        let (first, last) = (self.points[0].code, self.points[self.points.len() - 1].code);
        self.points.len() <= FEW || self.depth == BITS || first == last
    }

    /// Its quarters that hold places. They share the middle meridian and parallel, so a split
    /// costs one latitude; the first and last rows keep the poles as their outer edge, as they
    /// also hold the places beyond Web Mercator's latitudes (put there by its clamp).
    fn quarters(&self) -> impl Iterator<Item = Square<'a>> + '_ {
        let n = (1u64 << (self.depth + 1)) as f64;
        let mid_lon = (2.0 * f64::from(self.x) + 1.0) / n * 360.0 - 180.0;
        let mid_lat = lon_lat(0.0, (2.0 * f64::from(self.y) + 1.0) / n).1;
        quarters(self.points, self.depth, self.x, self.y).into_iter().filter(|(points, ..)| !points.is_empty()).map(
            move |(points, x, y)| {
                let (west, east) = if x & 1 == 0 { (self.west, mid_lon) } else { (mid_lon, self.east) };
                let (south, north) = if y & 1 == 0 { (mid_lat, self.north) } else { (self.south, mid_lat) };
                Square { points, depth: self.depth + 1, x, y, west, east, south, north }
            },
        )
    }
}

/// An entry of the queue; the smallest key is the greatest, as `BinaryHeap` pops the greatest.
struct Queued<'a> {
    key: f64,
    item: Item<'a>,
}

impl Ord for Queued<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.total_cmp(&self.key)
    }
}

impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued<'_> {}

/// The query point, with what every bound needs of it.
struct Origin {
    lon: f64,
    lat: f64,
    cos_lat: f64,
    unit: [f64; 3],
}

impl Origin {
    fn new([lon, lat]: [f64; 2]) -> Self {
        Origin { lon, lat, cos_lat: lat.to_radians().cos(), unit: unit_vector(lon, lat) }
    }

    /// Great-circle metres to a position.
    fn to_point(&self, [lon, lat]: [f64; 2]) -> f64 {
        sphere_metres(self.unit, lon, lat)
    }

    /// A lower bound in metres of the great-circle distance to any point of a square. No path
    /// is shorter than the latitudes it must cover; and one from outside the square's
    /// longitudes enters them across a bounding meridian, so it is no shorter than the distance
    /// to that meridian's great circle, asin(cos φ · |sin Δλ|).
    fn to_square(&self, s: &Square) -> f64 {
        let degrees = if self.lat > s.north {
            self.lat - s.north
        } else if self.lat < s.south {
            s.south - self.lat
        } else {
            0.0
        };
        let mut angle = degrees.to_radians();
        if !(s.west..=s.east).contains(&self.lon) {
            let to_meridian = |edge: f64| (self.cos_lat * (self.lon - edge).to_radians().sin().abs()).min(1.0).asin();
            angle = angle.max(to_meridian(s.west).min(to_meridian(s.east)));
        }
        // Rounding must never make a bound exceed the distance it bounds.
        (angle * MEAN_RADIUS_M * (1.0 - 1e-9) - 1e-6).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::great_circle_distance;

    /// A deterministic spread of places: clusters (many on one point), scattered ones, and a
    /// few far away (overseas, near the antimeridian and the poles).
    fn places() -> Vec<[f64; 2]> {
        let mut seed = 7u64;
        let mut rnd = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut out = vec![];
        for i in 0..3_000 {
            let p = match i % 5 {
                0 => [2.35, 48.85],
                1 | 2 => [2.0 + rnd() * 0.5, 48.6 + rnd() * 0.4],
                _ => [-5.0 + rnd() * 13.0, 42.0 + rnd() * 9.0],
            };
            out.push(p);
        }
        out.extend([[-61.53, 16.25], [55.45, -20.88], [179.999, -16.5], [-179.999, -16.6], [0.0, 89.9], [120.0, -89.5], [-73.0, 85.06]]);
        out
    }

    #[test]
    fn places_come_in_order_of_their_distance() {
        let places = places();
        let points = places.iter().enumerate().map(|(i, &at)| ZPoint::new(i as i64, 0, at, 0));
        let z = ZOrder::from_unsorted(points.collect());
        for origin in [[2.35, 48.85], [2.2, 48.8], [7.5, 43.7], [-179.99, -16.55], [0.0, 0.0], [10.0, 89.95], [55.4, -20.9]] {
            let walked: Vec<(f64, i64)> = z.nearest(origin).map(|(key, p)| (key, p.sheet)).collect();
            let mut seen: Vec<i64> = walked.iter().map(|w| w.1).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!((walked.len(), seen.len()), (places.len(), places.len()), "every place comes out once from {origin:?}");
            for pair in walked.windows(2) {
                assert!(pair[0].0 <= pair[1].0, "from {origin:?}, {pair:?} out of order");
            }
            for &(key, sheet) in &walked {
                let d = great_circle_distance(origin, places[sheet as usize]);
                assert!((key - d).abs() <= 1e-6 * d.max(1.0), "from {origin:?}, {:?} at {key} m, not {d} m", places[sheet as usize]);
            }
        }
    }

    #[test]
    fn square_bounds_never_exceed_true_distances() {
        let square = Square { points: &[], depth: 0, x: 0, y: 0, west: 1.0, east: 3.0, south: 47.0, north: 49.0 };
        let inside = [[1.0, 47.0], [3.0, 49.0], [2.0, 48.0], [1.0, 49.0], [3.0, 47.0], [2.5, 47.0]];
        for origin in [[2.0, 48.0], [0.0, 48.0], [10.0, 60.0], [-170.0, 10.0], [2.0, -80.0], [179.0, 48.0]] {
            let bound = Origin::new(origin).to_square(&square);
            for p in inside {
                assert!(bound <= great_circle_distance(origin, p), "{origin:?} to {p:?}");
            }
        }
        // Tight where it matters: due west of the square, the bound is the distance to its edge.
        let to_edge = great_circle_distance([0.0, 48.0], [1.0, 48.0]);
        assert!((Origin::new([0.0, 48.0]).to_square(&square) - to_edge).abs() / to_edge < 1e-3);
    }

    #[test]
    fn quarters_span_their_places() {
        let places = places();
        let z = ZOrder::from_unsorted(places.iter().enumerate().map(|(i, &at)| ZPoint::new(i as i64, 0, at, 0)).collect());
        let mut squares = vec![Square { points: &z.points, depth: 0, x: 0, y: 0, west: -180.0, east: 180.0, south: -90.0, north: 90.0 }];
        while let Some(square) = squares.pop() {
            for p in square.points {
                let [lon, lat] = p.at;
                assert!((square.west..=square.east).contains(&lon), "{lon} in {} {}", square.west, square.east);
                assert!(
                    (square.south..=square.north).contains(&lat),
                    "{lat} in {} {} at depth {}",
                    square.south,
                    square.north,
                    square.depth
                );
            }
            if square.points.len() > 1 && square.depth < 20 {
                squares.extend(square.quarters());
            }
        }
    }
}
