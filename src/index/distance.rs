//! Distances in metres: geodesic on the WGS 84 ellipsoid (exact, what answers report) and
//! great-circle on the mean sphere (a few times cheaper, within [`SPHERE_MARGIN`] of it, for
//! ranking many candidates before measuring the few that may win).

use geo::{Distance, Geodesic, Point};

/// Mean Earth radius (IUGG), for great-circle distances from chord lengths.
pub(super) const MEAN_RADIUS_M: f64 = 6_371_008.8;

/// Largest relative gap between WGS 84 geodesic and mean-sphere great-circle distances is
/// about 0.56 %; 1 % leaves room for rounding.
pub const SPHERE_MARGIN: f64 = 0.01;

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

/// Unit vector of a WGS 84 position on the sphere: chord length orders points like
/// great-circle distance.
pub(super) fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle metres from a unit vector to a position.
pub(super) fn sphere_metres(from: [f64; 3], lon: f64, lat: f64) -> f64 {
    let to = unit_vector(lon, lat);
    chord_to_metres(from.iter().zip(to).map(|(a, b)| (a - b).powi(2)).sum())
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
}
