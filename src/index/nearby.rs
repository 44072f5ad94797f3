//! Nearest sheets to a point, in geodesic metres on the WGS 84 ellipsoid.
//!
//! The Z-order yields places in great-circle order ([`super::zorder::ZOrder::nearest`]); the
//! geodesic distance differs from the great-circle one by well under 1 %, so once a
//! candidate's great-circle distance, less that margin, is beyond the k-th geodesic distance
//! found, no later candidate can enter.

use super::distance::{SPHERE_MARGIN, geodesic_distance, sphere_metres, unit_vector};
use super::rank::{closest_by_sphere, insert_top};
use super::{Filter, ServiceSet, SpatialIndex};
use crate::model::SheetId;

/// A sheet near the query point, at its closest matching place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    pub sheet: SheetId,
    pub place: u16,
    pub distance_m: f64,
}

impl SpatialIndex {
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

    /// Up to `limit` sheets closest to `[lon, lat]`, within `radius_m` if given, closest first,
    /// one entry per sheet. Ties are broken by sheet id so that answers are repeatable.
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
        let filtered = !filter.is_empty();
        let mut found: Vec<Near> = Vec::with_capacity(limit + 1);
        // Places often share a point (a town hall holds many sheets): measure it once.
        let mut last: Option<([f64; 2], f64)> = None;
        for (key, z) in self.zorder.nearest(origin) {
            let lower_bound = key * (1.0 - SPHERE_MARGIN);
            if radius_m.is_some_and(|r| lower_bound > r) {
                break;
            }
            if found.len() == limit && lower_bound > found[limit - 1].distance_m {
                break;
            }
            if filtered && !self.place_matches(filter, z.sheet, z.place) {
                continue;
            }
            let distance_m = match last {
                Some((seen, d)) if seen == z.at => d,
                _ => {
                    let d = geodesic_distance(origin, z.at);
                    last = Some((z.at, d));
                    d
                }
            };
            if radius_m.is_some_and(|r| distance_m > r) {
                continue;
            }
            if found.len() == limit && (distance_m, z.sheet) >= (found[limit - 1].distance_m, found[limit - 1].sheet) {
                continue;
            }
            insert_closest(&mut found, Near { sheet: z.sheet, place: z.place, distance_m }, limit);
        }
        found
    }
}

impl SpatialIndex {
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
        let rough: Vec<(f64, SheetId)> = sheets
            .filter_map(|id| {
                let sheet = self.sheets.get(&id).filter(|s| filter.sheet_matches(self, s))?;
                let places = sheet.places.iter().filter(|p| filter.place_matches(self, p));
                places.map(|p| sphere_metres(query, p.lon, p.lat)).min_by(f64::total_cmp).map(|d| (d, id))
            })
            .collect();
        let measure = |id| self.closest_place(id, origin, filter).map(|near| (near.distance_m, near));
        closest_by_sphere(rough, limit, radius_m, measure, by_distance)
    }
}

/// The order of answers: closest first, then lowest sheet id.
fn by_distance(n: &Near) -> (f64, SheetId) {
    (n.distance_m, n.sheet)
}

/// Keeps `found` sorted by [`by_distance`], one entry per sheet, at most `limit` long.
fn insert_closest(found: &mut Vec<Near>, near: Near, limit: usize) {
    if let Some(i) = found.iter().position(|n| n.sheet == near.sheet) {
        if by_distance(&found[i]) <= by_distance(&near) {
            return;
        }
        found.remove(i);
    }
    insert_top(found, near, limit, by_distance);
}

#[cfg(test)]
mod tests {
    use super::*;

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
