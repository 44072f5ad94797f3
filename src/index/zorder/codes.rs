//! The arithmetic of Morton codes: positions to codes, squares of the tile grid to ranges of
//! codes, and ranges of codes to runs of a sorted slice.

use super::BITS;

/// Largest latitude of Web Mercator (the square world).
const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Web Mercator position of a WGS 84 point as a fraction of the world (x east, y south).
pub fn mercator(lon: f64, lat: f64) -> (f64, f64) {
    let x = (lon + 180.0) / 360.0;
    let sin = lat.clamp(-MAX_LAT, MAX_LAT).to_radians().sin();
    let y = 0.5 - ((1.0 + sin) / (1.0 - sin)).ln() / (4.0 * std::f64::consts::PI);
    (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0))
}

/// Inverse of [`mercator`].
pub fn lon_lat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees();
    (lon, lat)
}

/// A fraction of the world `[0, 1]` as a cell of the grid of 2³² cells a side.
pub fn quantize(v: f64) -> u32 {
    (v * (1u64 << BITS) as f64).min(u32::MAX as f64) as u32
}

/// Morton code of a WGS 84 point.
pub fn code(lon: f64, lat: f64) -> u64 {
    let (x, y) = mercator(lon, lat);
    spread(quantize(x)) | (spread(quantize(y)) << 1)
}

/// Spaces the 32 bits of `v` out to the even bits of a u64.
pub(super) fn spread(v: u32) -> u64 {
    let mut v = v as u64;
    v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
    v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
    v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    (v | (v << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bits of `v`: the inverse of [`spread`].
pub(super) fn compact(v: u64) -> u32 {
    let mut v = v & 0x5555_5555_5555_5555;
    v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
    v = (v | (v >> 2)) & 0x0f0f_0f0f_0f0f_0f0f;
    v = (v | (v >> 4)) & 0x00ff_00ff_00ff_00ff;
    v = (v | (v >> 8)) & 0x0000_ffff_0000_ffff;
    ((v | (v >> 16)) & 0x0000_0000_ffff_ffff) as u32
}

/// The range of codes of grid square (x, y) at `zoom` (0 ≤ zoom ≤ 32).
pub fn square(zoom: u8, x: u32, y: u32) -> std::ops::Range<u64> {
    let shift = 2 * (BITS - zoom as u32);
    let prefix = spread(x) | (spread(y) << 1);
    let start = prefix.checked_shl(shift).unwrap_or(0);
    let len = 1u128 << shift;
    start..(start as u128 + len).min(u64::MAX as u128) as u64
}

/// The deepest zoom whose grid square holds both codes (0 for different halves of the world).
pub fn common_zoom(a: u64, b: u64) -> u8 {
    ((a ^ b).leading_zeros() / 2) as u8
}

/// Where the items whose codes lie in `codes` (as [`square`] gives) are in `items`, sorted by
/// code.
pub fn sorted_range<T>(items: &[T], code: impl Fn(&T) -> u64, codes: std::ops::Range<u64>) -> std::ops::Range<usize> {
    let start = items.partition_point(|i| code(i) < codes.start);
    // The last square of the world ends at u64::MAX itself.
    let end = if codes.end == u64::MAX {
        items.partition_point(|i| code(i) <= codes.end)
    } else {
        items.partition_point(|i| code(i) < codes.end)
    };
    start..end
}
