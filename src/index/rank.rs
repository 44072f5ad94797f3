//! The two ranking steps every "closest k" query shares: keeping a short sorted list of the
//! best candidates, and ranking candidates on the sphere before measuring the few that may
//! win on the ellipsoid.

use super::distance::SPHERE_MARGIN;

/// Inserts `item` into `best`, kept sorted by `key` (lowest first) and at most `limit` long.
/// An item that would land past the end is dropped.
pub fn insert_top<T, K: PartialOrd>(best: &mut Vec<T>, item: T, limit: usize, key: impl Fn(&T) -> K) {
    let k = key(&item);
    let at = best.partition_point(|b| key(b) < k);
    if at < limit {
        best.insert(at, item);
        best.truncate(limit);
    }
}

/// The `limit` closest of candidates known by their great-circle distance in metres, closest
/// first by `key` (whose first part should be the geodesic distance), within `radius_m` when
/// given.
///
/// Great-circle distances are within [`SPHERE_MARGIN`] of geodesic ones, so candidates are
/// sorted on the sphere and measured on the ellipsoid by `measure` in that order, only until
/// no later one can enter. `measure` gives the geodesic distance and what to keep, or `None`
/// for a candidate that turns out not to count.
pub fn closest_by_sphere<C, T, K: PartialOrd>(
    mut rough: Vec<(f64, C)>,
    limit: usize,
    radius_m: Option<f64>,
    mut measure: impl FnMut(C) -> Option<(f64, T)>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    rough.retain(|(sphere_m, _)| radius_m.is_none_or(|r| sphere_m * (1.0 - SPHERE_MARGIN) <= r));
    rough.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut found: Vec<(f64, T)> = Vec::with_capacity(limit + 1);
    for (sphere_m, candidate) in rough {
        if found.len() == limit && found.last().is_none_or(|(d, _)| sphere_m * (1.0 - SPHERE_MARGIN) > *d) {
            break;
        }
        if let Some((distance_m, item)) = measure(candidate)
            && radius_m.is_none_or(|r| distance_m <= r)
        {
            insert_top(&mut found, (distance_m, item), limit, |(_, t)| key(t));
        }
    }
    found.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_list_stays_sorted_and_bounded() {
        let mut best = vec![];
        for x in [5, 1, 9, 3, 7, 2] {
            insert_top(&mut best, x, 3, |&x| x);
        }
        assert_eq!(best, [1, 2, 3]);
        insert_top(&mut best, 0, 0, |&x| x);
        assert_eq!(best, [1, 2, 3], "a limit of 0 keeps nothing new");
    }

    #[test]
    fn candidates_far_on_the_sphere_are_never_measured() {
        // Rough distances in metres; the measure adds nothing (geodesic = sphere).
        let rough = vec![(900.0, 'c'), (100.0, 'a'), (5_000.0, 'e'), (300.0, 'b'), (1_000.0, 'd')];
        let mut measured = vec![];
        let got = closest_by_sphere(
            rough,
            2,
            None,
            |c| {
                measured.push(c);
                Some(([100.0, 300.0, 900.0, 1_000.0, 5_000.0][(c as u8 - b'a') as usize], c))
            },
            |&c| c,
        );
        assert_eq!(got, ['a', 'b']);
        assert_eq!(measured, ['a', 'b'], "900 m, less the margin, is past the second best (300 m)");
    }

    #[test]
    fn the_radius_holds_on_the_ellipsoid() {
        // Each candidate is its rough distance; measured 0.4 % longer, 998 m falls outside 1 km.
        let rough = vec![(100.0, 100.0), (998.0, 998.0), (2_000.0, 2_000.0)];
        let got = closest_by_sphere(rough, 10, Some(1_000.0), |d: f64| Some((d * 1.004, d as u32)), |&d| d);
        assert_eq!(got, [100]);
    }
}
