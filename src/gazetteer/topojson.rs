//! Commune boundaries as a quantized TopoJSON topology: coordinates on an integer grid, each
//! ring an arc of deltas. Half the size of the same boundaries in GeoJSON once compressed, and
//! still a format GDAL and QGIS open (TopoJSON driver).

use std::collections::HashMap;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde::{Deserialize, Serialize};

/// Name of the object holding the communes in the topology.
const OBJECT: &str = "communes";

#[derive(Serialize, Deserialize)]
pub struct Topology {
    r#type: String,
    transform: Transform,
    objects: HashMap<String, GeometryCollection>,
    /// First position absolute on the grid, the others as deltas from the previous one.
    arcs: Vec<Vec<[i64; 2]>>,
}

#[derive(Serialize, Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Serialize, Deserialize)]
struct GeometryCollection {
    r#type: String,
    geometries: Vec<Geometry>,
}

#[derive(Serialize, Deserialize)]
struct Geometry {
    r#type: String,
    /// Polygons → rings → arc indexes (`!i`, i.e. `-i - 1`, for arc `i` reversed).
    arcs: Vec<Vec<Vec<i64>>>,
    properties: Properties,
}

#[derive(Serialize, Deserialize)]
struct Properties {
    code: String,
    name: String,
}

/// Builds a topology of `(code, name, boundary)` on a grid of `10^-decimals` degrees. Rings
/// that collapse to fewer than four positions on the grid are dropped.
pub fn encode<'a>(boundaries: impl IntoIterator<Item = (&'a str, &'a str, &'a MultiPolygon)>, decimals: i32) -> Topology {
    let step = 10f64.powi(-decimals);
    let translate = [-180.0, -90.0];
    let grid = |c: &Coord| [((c.x - translate[0]) / step).round() as i64, ((c.y - translate[1]) / step).round() as i64];
    let mut arcs = Vec::new();
    let mut geometries = Vec::new();
    for (code, name, mp) in boundaries {
        let mut polygons = Vec::new();
        for polygon in &mp.0 {
            let mut rings = Vec::new();
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let mut points: Vec<[i64; 2]> = ring.coords().map(grid).collect();
                points.dedup();
                if points.first() != points.last() {
                    points.push(points[0]);
                }
                if points.len() < 4 {
                    continue;
                }
                let deltas = std::iter::once(points[0]).chain(points.windows(2).map(|w| [w[1][0] - w[0][0], w[1][1] - w[0][1]]));
                rings.push(vec![arcs.len() as i64]);
                arcs.push(deltas.collect());
            }
            if !rings.is_empty() {
                polygons.push(rings);
            }
        }
        let properties = Properties { code: code.to_owned(), name: name.to_owned() };
        geometries.push(Geometry { r#type: "MultiPolygon".into(), arcs: polygons, properties });
    }
    let collection = GeometryCollection { r#type: "GeometryCollection".into(), geometries };
    Topology {
        r#type: "Topology".into(),
        transform: Transform { scale: [step, step], translate },
        objects: HashMap::from([(OBJECT.to_owned(), collection)]),
        arcs,
    }
}

/// Boundaries by INSEE code, or why the topology cannot be read.
pub fn decode(topology: Topology) -> Result<HashMap<String, MultiPolygon>, String> {
    if topology.r#type != "Topology" {
        return Err(format!("expected a Topology, found {}", topology.r#type));
    }
    let Transform { scale, translate } = topology.transform;
    let arcs: Vec<Vec<Coord>> = topology
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    Coord { x: x as f64 * scale[0] + translate[0], y: y as f64 * scale[1] + translate[1] }
                })
                .collect()
        })
        .collect();
    let ring = |indexes: &[i64]| -> Result<LineString, String> {
        let mut coords: Vec<Coord> = Vec::new();
        for &i in indexes {
            let (arc, reversed) = if i >= 0 { (i as usize, false) } else { (!i as usize, true) };
            let arc = arcs.get(arc).ok_or_else(|| format!("arc {i} does not exist"))?;
            let skip = usize::from(!coords.is_empty());
            if reversed {
                coords.extend(arc.iter().rev().skip(skip));
            } else {
                coords.extend(arc.iter().skip(skip));
            }
        }
        Ok(LineString::new(coords))
    };
    let collection = topology.objects.into_iter().find(|(k, _)| k == OBJECT).ok_or("no `communes` object")?.1;
    let mut out = HashMap::with_capacity(collection.geometries.len());
    for g in collection.geometries {
        if g.r#type != "MultiPolygon" {
            return Err(format!("{}: expected a MultiPolygon, found {}", g.properties.code, g.r#type));
        }
        let mut polygons = Vec::with_capacity(g.arcs.len());
        for rings in &g.arcs {
            let mut rings = rings.iter().map(|r| ring(r));
            let exterior = rings.next().ok_or_else(|| format!("{}: a polygon without rings", g.properties.code))??;
            polygons.push(Polygon::new(exterior, rings.collect::<Result<Vec<_>, _>>()?));
        }
        out.insert(g.properties.code, MultiPolygon::new(polygons));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn round_trips_on_the_grid() {
        let square = MultiPolygon::new(vec![polygon![
            exterior: [(x: 1.95, y: 50.94), (x: 1.96, y: 50.94), (x: 1.96, y: 50.95), (x: 1.95, y: 50.95), (x: 1.95, y: 50.94)],
            interiors: [[(x: 1.952, y: 50.942), (x: 1.953, y: 50.942), (x: 1.953, y: 50.943), (x: 1.952, y: 50.942)]],
        ]]);
        let back = decode(encode([("62548", "Marck", &square)], 4)).unwrap();
        let got = &back["62548"].0[0];
        assert_eq!(got.exterior().0.len(), 5);
        assert_eq!(got.interiors().len(), 1);
        for (a, b) in got.exterior().coords().zip(square.0[0].exterior().coords()) {
            assert!((a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn drops_rings_that_collapse_on_the_grid() {
        let tiny = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 0.00001, y: 0.0), (x: 0.0, y: 0.00001), (x: 0.0, y: 0.0)]]);
        assert!(decode(encode([("x", "x", &tiny)], 4)).unwrap()["x"].0.is_empty());
    }

    #[test]
    fn rejects_arcs_that_do_not_exist() {
        let mut t = encode([], 4);
        t.objects.get_mut(OBJECT).unwrap().geometries.push(Geometry {
            r#type: "MultiPolygon".into(),
            arcs: vec![vec![vec![7]]],
            properties: Properties { code: "x".into(), name: "x".into() },
        });
        assert!(decode(t).unwrap_err().contains("arc 7"));
    }
}
