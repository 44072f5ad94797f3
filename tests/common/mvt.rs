//! Decoding of the vector tiles the tests check, with the Web Mercator arithmetic written
//! again here (independently of the server's) to map tile coordinates back to lon/lat.

use std::collections::HashMap;

use mvt_reader::Reader;
use mvt_reader::feature::{Feature, Value};

pub const EXTENT: f64 = 4096.0;

pub struct Decoded {
    pub layers: HashMap<String, Vec<Feature<f64>>>,
}

impl Decoded {
    pub fn layer(&self, name: &str) -> &[Feature<f64>] {
        self.layers.get(name).map_or(&[], Vec::as_slice)
    }
}

pub fn decode(bytes: &[u8]) -> Decoded {
    let reader = Reader::new(bytes.to_vec()).expect("a valid vector tile");
    let mut layers = HashMap::new();
    for meta in reader.get_layer_metadata().expect("layer metadata") {
        assert_eq!(meta.extent, EXTENT as u32, "layer {} extent", meta.name);
        assert_eq!(meta.version, 2, "MVT version 2");
        layers.insert(meta.name.clone(), reader.get_features_as::<f64>(meta.layer_index).expect("features decode"));
    }
    Decoded { layers }
}

pub fn prop<'a>(f: &'a Feature<f64>, key: &str) -> Option<&'a Value> {
    f.properties.as_ref()?.get(key)
}

pub fn uint(f: &Feature<f64>, key: &str) -> Option<u64> {
    match prop(f, key)? {
        Value::UInt(v) => Some(*v),
        Value::Int(v) | Value::SInt(v) => Some(*v as u64),
        _ => None,
    }
}

pub fn string<'a>(f: &'a Feature<f64>, key: &str) -> Option<&'a str> {
    match prop(f, key)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

pub fn is_cluster(f: &Feature<f64>) -> bool {
    matches!(prop(f, "cluster"), Some(Value::Bool(true)))
}

/// Tile coordinates of a point feature.
pub fn point(f: &Feature<f64>) -> (f64, f64) {
    match &f.geometry {
        geo_types::Geometry::Point(p) => (p.x(), p.y()),
        // The reader gives every point feature as a multipoint.
        geo_types::Geometry::MultiPoint(m) if m.0.len() == 1 => (m.0[0].x(), m.0[0].y()),
        other => panic!("not a point: {other:?}"),
    }
}

/// The XYZ tile holding a WGS 84 point.
pub fn tile_of(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let n = 2f64.powi(z as i32);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x as u32, y as u32)
}

/// Tile coordinates of a WGS 84 point in tile (z, x, y).
pub fn to_tile(z: u8, x: u32, y: u32, lon: f64, lat: f64) -> (f64, f64) {
    let n = 2f64.powi(z as i32);
    let fx = (lon + 180.0) / 360.0 * n;
    let fy = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    ((fx - x as f64) * EXTENT, (fy - y as f64) * EXTENT)
}

/// WGS 84 position of tile coordinates in tile (z, x, y).
pub fn to_lon_lat(z: u8, x: u32, y: u32, px: f64, py: f64) -> [f64; 2] {
    let n = 2f64.powi(z as i32);
    let fx = (x as f64 + px / EXTENT) / n;
    let fy = (y as f64 + py / EXTENT) / n;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * fy)).sinh().atan().to_degrees();
    [fx * 360.0 - 180.0, lat]
}
