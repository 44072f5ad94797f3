//! Nearest sheets to a point, in geodesic metres on the WGS 84 ellipsoid.
//!
//! The sphere R-tree yields places in great-circle order; the geodesic distance differs from
//! the great-circle one by well under 1 %, so once a candidate's great-circle distance, less
//! that margin, is beyond the k-th geodesic distance found, no later candidate can enter.

use geo::{Distance, Geodesic, Point};

use super::{Filter, ServiceSet, SpatialIndex, unit_vector};
use crate::model::SheetId;

/// Mean Earth radius (IUGG), for great-circle distances from chord lengths.
const MEAN_RADIUS_M: f64 = 6_371_008.8;

/// Largest relative gap between WGS 84 geodesic and mean-sphere great-circle distances is
/// about 0.56 %; 1 % leaves room for rounding.
pub const SPHERE_MARGIN: f64 = 0.01;

/// A sheet near the query point, at its closest matching place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub sheet: SheetId,
    pub place: u16,
    pub distance_m: f64,
}

/// Geodesic distance in metres between two `[lon, lat]` positions (Karney's algorithm).
///
/// ```
/// // Paris (Notre-Dame) to Marseille (Vieux-Port): about 661 km.
/// let d = atlaas::index::geodesic_distance([2.3499, 48.8530], [5.3698, 43.2951]);
/// assert!((d - 661_000.0).abs() < 2_000.0);
/// ```
pub fn geodesic_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// Great-circle distance in metres on the mean sphere: a few times cheaper than
/// [`geodesic_distance`] and within [`SPHERE_MARGIN`] of it, for ranking many candidates.
pub fn great_circle_distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    sphere_metres(unit_vector(a[0], a[1]), b[0], b[1])
}

fn chord_to_metres(chord_squared: f64) -> f64 {
    2.0 * MEAN_RADIUS_M * (chord_squared.sqrt() / 2.0).min(1.0).asin()
}

impl SpatialIndex {
    /// Up to `limit` sheets closest to `[lon, lat]`, within `radius_m` if given, closest first,
    /// one entry per sheet. Ties are broken by sheet id so that answers are repeatable.
    /// The place of a sheet closest to `origin` among those that pass the filter's place
    /// constraints (for answers found elsewhere, such as PostGIS).
    pub fn closest_place(&self, sheet: SheetId, origin: [f64; 2], filter: &Filter) -> Option<Near> {
        let s = self.sheets.get(&sheet)?;
        s.places
            .iter()
            .enumerate()
            .filter(|(_, p)| filter.place_matches(self, p))
            .map(|(i, p)| Near { sheet, place: i as u16, distance_m: geodesic_distance(origin, [p.lon, p.lat]) })
            .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m))
    }

    pub fn nearby(&self, origin: [f64; 2], radius_m: Option<f64>, limit: usize, filter: &Filter) -> Vec<Near> {
        if limit == 0 {
            return vec![];
        }
        // Walking the tree costs about limit / selectivity candidates, measuring the text
        // query's hits costs one per hit: few hits are cheaper to measure one by one.
        if let Some(hits) = filter.text_hits(self)
            && (hits.len() as f64).powi(2) <= (limit * self.len()) as f64
        {
            return self.nearby_among(hits.sheets(), origin, radius_m, limit, filter);
        }
        // The same for the sheets of a rare service, from the lists by service.
        if let Some((listed, set)) = filter.services.iter().map(|set| (self.listed_under(set), set)).min_by_key(|(n, _)| *n)
            && (listed as f64).powi(2) <= (limit * self.len()) as f64
        {
            let mut ids: Vec<SheetId> = set.iter().flat_map(|s| self.sheets_with_service(s)).copied().collect();
            ids.sort_unstable();
            ids.dedup();
            return self.nearby_among(ids.into_iter(), origin, radius_m, limit, filter);
        }
        // With a filter, most points walked fail it: checking it first spares their distance.
        let filtered = !filter.is_empty();
        let query = unit_vector(origin[0], origin[1]);
        let mut found: Vec<Near> = Vec::with_capacity(limit + 1);
        // Places often share a point (a town hall holds many sheets): compute its distance once.
        let mut last: Option<([f64; 3], f64)> = None;
        for (point, chord2) in self.sphere.nearest_neighbor_iter_with_distance_2(&query) {
            let lower_bound = chord_to_metres(chord2) * (1.0 - SPHERE_MARGIN);
            if radius_m.is_some_and(|r| lower_bound > r) {
                break;
            }
            if found.len() == limit && lower_bound > found[limit - 1].distance_m {
                break;
            }
            let r = point.data;
            if filtered && !self.place_passes(filter, r.sheet, r.place) {
                continue;
            }
            let v = *point.geom();
            let distance_m = match last {
                Some((seen, d)) if seen == v => d,
                _ => {
                    let d = geodesic_distance(origin, lon_lat(v));
                    last = Some((v, d));
                    d
                }
            };
            if radius_m.is_some_and(|r| distance_m > r) {
                continue;
            }
            if found.len() == limit && (distance_m, r.sheet) >= (found[limit - 1].distance_m, found[limit - 1].sheet) {
                continue;
            }
            insert_closest(&mut found, Near { sheet: r.sheet, place: r.place, distance_m }, limit);
        }
        found
    }
}

impl SpatialIndex {
    /// Whether a place and its sheet pass the filter.
    fn place_passes(&self, filter: &Filter, sheet: SheetId, place: u16) -> bool {
        let sheet = &self.sheets[&sheet];
        filter.place_matches(self, &sheet.places[place as usize]) && filter.sheet_matches(self, sheet)
    }

    /// How many sheets the lists by service hold for a set (a sheet under two of its services
    /// counts twice): what measuring them one by one would cost.
    fn listed_under(&self, set: &ServiceSet) -> usize {
        set.iter().map(|s| self.sheets_with_service(s).len()).sum()
    }

    /// [`Self::nearby`] over given sheets only, measuring each: the same answer, ties and all.
    fn nearby_among(
        &self,
        sheets: impl Iterator<Item = SheetId>,
        origin: [f64; 2],
        radius_m: Option<f64>,
        limit: usize,
        filter: &Filter,
    ) -> Vec<Near> {
        // Ranked on the sphere first: only sheets that may be among the closest are measured
        // on the ellipsoid.
        let query = unit_vector(origin[0], origin[1]);
        let mut rough: Vec<(f64, SheetId)> = sheets
            .filter_map(|id| {
                let sheet = self.sheets.get(&id).filter(|s| filter.sheet_matches(self, s))?;
                let places = sheet.places.iter().filter(|p| filter.place_matches(self, p));
                places.map(|p| sphere_metres(query, p.lon, p.lat)).min_by(f64::total_cmp).map(|d| (d, id))
            })
            .filter(|&(d, _)| radius_m.is_none_or(|r| d * (1.0 - SPHERE_MARGIN) <= r))
            .collect();
        rough.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut found: Vec<Near> = Vec::with_capacity(limit + 1);
        for (sphere_m, id) in rough {
            if found.len() == limit && sphere_m * (1.0 - SPHERE_MARGIN) > found[limit - 1].distance_m {
                break;
            }
            if let Some(near) = self.closest_place(id, origin, filter)
                && radius_m.is_none_or(|r| near.distance_m <= r)
            {
                insert_closest(&mut found, near, limit);
            }
        }
        found
    }
}

/// Great-circle metres from a unit vector to a position.
fn sphere_metres(from: [f64; 3], lon: f64, lat: f64) -> f64 {
    let to = unit_vector(lon, lat);
    chord_to_metres(from.iter().zip(to).map(|(a, b)| (a - b).powi(2)).sum())
}

/// Back from a unit vector to `[lon, lat]` in degrees; `atan2` keeps full precision at any
/// latitude, where `asin` would lose it near the poles.
fn lon_lat(v: [f64; 3]) -> [f64; 2] {
    let [x, y, z] = v;
    [y.atan2(x).to_degrees(), z.atan2(x.hypot(y)).to_degrees()]
}

/// Keeps `found` sorted by (distance, sheet), one entry per sheet, at most `limit` long.
fn insert_closest(found: &mut Vec<Near>, near: Near, limit: usize) {
    let key = |n: &Near| (n.distance_m, n.sheet);
    if let Some(i) = found.iter().position(|n| n.sheet == near.sheet) {
        if key(&found[i]) <= key(&near) {
            return;
        }
        found.remove(i);
    }
    let at = found.partition_point(|n| key(n) < key(&near));
    if at < limit {
        found.insert(at, near);
        found.truncate(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_lengths_give_great_circle_metres() {
        let a = unit_vector(0.0, 0.0);
        let b = unit_vector(1.0, 0.0);
        let chord2: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
        // One degree of the equator on the mean sphere.
        assert!((chord_to_metres(chord2) - 111_195.0).abs() < 1.0);
    }

    #[test]
    fn the_sphere_margin_covers_the_ellipsoid() {
        // North-south near the pole and east-west on the equator are the two extremes.
        for (a, b) in [([0.0, 89.0], [0.0, 90.0]), ([0.0, 0.0], [1.0, 0.0]), ([2.35, 48.85], [1.95, 50.95])] {
            let geodesic = geodesic_distance(a, b);
            let u = unit_vector(a[0], a[1]);
            let v = unit_vector(b[0], b[1]);
            let sphere = chord_to_metres(u.iter().zip(v).map(|(x, y)| (x - y).powi(2)).sum());
            assert!((geodesic - sphere).abs() / sphere < SPHERE_MARGIN, "{a:?} {b:?}: {geodesic} vs {sphere}");
        }
    }

    #[test]
    fn unit_vectors_convert_back_without_loss() {
        for p in [[1.955739, 50.949117], [-61.53, 16.25], [179.9, -89.99], [0.0, 0.0], [45.0, 89.999_999]] {
            let back = lon_lat(unit_vector(p[0], p[1]));
            assert!((back[0] - p[0]).abs() < 1e-9 && (back[1] - p[1]).abs() < 1e-9, "{p:?} -> {back:?}");
        }
    }

    #[test]
    fn keeps_one_entry_per_sheet_sorted_and_bounded() {
        let near = |sheet, distance_m| Near { sheet, place: 0, distance_m };
        let mut found = vec![];
        for n in [near(1, 50.0), near(2, 10.0), near(1, 5.0), near(3, 70.0), near(4, 20.0)] {
            insert_closest(&mut found, n, 3);
        }
        let got: Vec<_> = found.iter().map(|n| (n.sheet, n.distance_m)).collect();
        assert_eq!(got, [(1, 5.0), (2, 10.0), (4, 20.0)]);
    }
}
