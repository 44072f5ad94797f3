//! The `boundaries` layer: régions at low zoom, then départements, then communes, from the
//! gazetteer's commune boundaries, so that the map needs no outside basemap.
//!
//! Départements are the union of their communes and régions the union of their départements
//! (geo's boolean operations, ~0.2 s for the country). Simplifying communes one by one leaves
//! thin gaps between neighbours, which the union turns into tiny holes: holes under
//! [`MIN_HOLE_DEG2`] are dropped, real enclaves are far larger. Each zoom band keeps its own
//! simplification, about half a pixel at its deepest zoom.

use std::collections::BTreeMap;
use std::sync::Arc;

use geo::{Area as _, BoundingRect, MultiPolygon, Polygon, Simplify, unary_union};
use mvt::{GeomEncoder, GeomType, Layer, Tile};
use pointy::BBox;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use super::{BUFFER, EXTENT, TileId};
use crate::gazetteer::{CommuneKind, Gazetteer};
use crate::index::zorder::mercator;

/// Holes smaller than this (about 1 km²) are slivers between simplified communes.
const MIN_HOLE_DEG2: f64 = 1e-4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Region,
    Departement,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Region => "region",
            Level::Departement => "departement",
            Level::Commune => "commune",
        }
    }
}

/// One area to draw: a région, a département or a commune.
struct Shape {
    level: Level,
    code: String,
    name: String,
    /// Shared by the bands that draw it unsimplified, and with the gazetteer for communes.
    shape: Arc<MultiPolygon>,
}

/// The areas drawn from `min_zoom` on, until the next band.
struct Band {
    min_zoom: u8,
    areas: Vec<Shape>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

/// Boundaries of every zoom band, built once from the gazetteer.
pub struct Boundaries {
    bands: Vec<Band>,
}

impl Boundaries {
    pub fn build(g: &Gazetteer) -> Self {
        let communes: Vec<Shape> = g
            .communes()
            .iter()
            .filter(|c| c.kind.is_current())
            .filter_map(|c| {
                g.shared_boundary(&c.code).map(|b| Shape {
                    level: Level::Commune,
                    code: c.code.clone(),
                    name: c.name.clone(),
                    shape: b.clone(),
                })
            })
            .collect();
        let departements = merge(communes.iter().filter(|a| is_whole_commune(g, &a.code)), Level::Departement, |code| {
            let c = g.commune(code).expect("areas come from the gazetteer");
            let name = g.departement(&c.departement).map_or_else(|| c.departement.clone(), |d| d.name.clone());
            (c.departement.clone(), name)
        });
        let regions = merge(departements.iter(), Level::Region, |code| {
            let region = g.departement(code).map(|d| d.region.clone()).unwrap_or_default();
            let name = g.region(&region).map_or_else(|| region.clone(), |r| r.name.clone());
            (region, name)
        });
        let band = |min_zoom, tolerance: f64, sets: &[&[Shape]]| {
            let areas: Vec<Shape> = sets.iter().flat_map(|s| s.iter()).filter_map(|a| simplified(a, tolerance)).collect();
            let boxes = areas
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    a.shape.bounding_rect().map(|r| GeomWithData::new(Rectangle::from_corners(r.min().into(), r.max().into()), i))
                })
                .collect();
            Band { min_zoom, areas, tree: RTree::bulk_load(boxes) }
        };
        // Tolerances are about half a pixel at the deepest zoom of each band (512 px tiles:
        // a pixel is 0.7° / 2^z). Zoom 5, the national view a first visit loads, has a band of
        // its own at 0.7 pixel: drawn with zoom 6's detail, its four tiles weighed 65 KB
        // gzipped instead of 42 KB, for outlines no one tells apart at that scale.
        let bands = vec![
            band(0, 0.1, &[&regions]),
            band(3, 0.02, &[&regions]),
            band(5, 0.016, &[&regions, &departements]),
            band(6, 0.0055, &[&regions, &departements]),
            band(7, 0.003, &[&regions, &departements]),
            band(8, 0.001, &[&regions, &departements, &communes]),
            band(10, 0.0, &[&regions, &departements, &communes]),
        ];
        Boundaries { bands }
    }

    /// The `boundaries` layer of a tile: every area whose box meets the tile and its buffer,
    /// clipped to that square.
    pub(super) fn layer(&self, tile: &Tile, t: TileId) -> Layer {
        let band = self.bands.iter().rev().find(|b| b.min_zoom <= t.z).expect("band 0 starts at zoom 0");
        let [west, south, east, north] = t.bounds(BUFFER);
        let envelope = AABB::from_corners([west, south], [east, north]);
        let mut hits: Vec<usize> = band.tree.locate_in_envelope_intersecting(&envelope).map(|r| r.data).collect();
        // Broader areas first, then by code: a stable order whatever the tree's.
        hits.sort_unstable_by(|&a, &b| (band.areas[a].level, &band.areas[a].code).cmp(&(band.areas[b].level, &band.areas[b].code)));
        let mut layer = tile.create_layer("boundaries");
        for i in hits {
            let area = &band.areas[i];
            let Some(geom) = encode(&area.shape, t, [west, south, east, north]) else { continue };
            let mut f = layer.into_feature(geom);
            f.add_tag_string("level", area.level.as_str());
            f.add_tag_string("code", &area.code);
            f.add_tag_string("name", &area.name);
            layer = f.into_layer();
        }
        layer
    }
}

/// Municipal arrondissements are inside their city's boundary: unions skip them.
fn is_whole_commune(g: &Gazetteer, code: &str) -> bool {
    g.commune(code).is_some_and(|c| c.kind == CommuneKind::Commune)
}

/// Unions of areas grouped by the (code, name) that `group` gives.
fn merge<'a>(areas: impl Iterator<Item = &'a Shape>, level: Level, group: impl Fn(&str) -> (String, String)) -> Vec<Shape> {
    let mut groups: BTreeMap<(String, String), Vec<&Polygon>> = BTreeMap::new();
    for a in areas {
        groups.entry(group(&a.code)).or_default().extend(a.shape.0.iter());
    }
    groups
        .into_iter()
        .map(|((code, name), polygons)| {
            let union = unary_union(polygons);
            let shape = Arc::new(MultiPolygon(union.0.into_iter().map(without_slivers).collect()));
            Shape { level, code, name, shape }
        })
        .collect()
}

fn without_slivers(p: Polygon) -> Polygon {
    let (exterior, holes) = p.into_inner();
    let holes = holes.into_iter().filter(|h| Polygon::new(h.clone(), vec![]).unsigned_area() >= MIN_HOLE_DEG2).collect();
    Polygon::new(exterior, holes)
}

/// The area simplified by `tolerance` degrees, without the parts that vanish at that scale.
fn simplified(a: &Shape, tolerance: f64) -> Option<Shape> {
    let shape = if tolerance == 0.0 {
        a.shape.clone()
    } else {
        let min_area = tolerance * tolerance;
        let parts = a.shape.simplify(&tolerance).0.into_iter().filter(|p| p.exterior().0.len() >= 4 && p.unsigned_area() >= min_area);
        Arc::new(MultiPolygon(parts.collect()))
    };
    (!shape.0.is_empty()).then(|| Shape { level: a.level, code: a.code.clone(), name: a.name.clone(), shape })
}

/// Encodes the parts of `shape` that meet the box, exterior rings clockwise on screen as the
/// spec wants (positive area in tile coordinates), holes the other way.
fn encode(shape: &MultiPolygon, t: TileId, [west, south, east, north]: [f64; 4]) -> Option<mvt::GeomData> {
    let clip = BBox::new([(-BUFFER, -BUFFER), (EXTENT as f64 + BUFFER, EXTENT as f64 + BUFFER)]);
    let mut enc = GeomEncoder::new(GeomType::Polygon).bbox(clip);
    let mut any = false;
    for polygon in &shape.0 {
        let Some(r) = polygon.bounding_rect() else { continue };
        if r.max().x < west || r.min().x > east || r.max().y < south || r.min().y > north {
            continue;
        }
        for (i, ring) in std::iter::once(polygon.exterior()).chain(polygon.interiors()).enumerate() {
            let mut pts: Vec<(f64, f64)> = ring.coords().map(|c| mercator(c.x, c.y)).map(|(mx, my)| t.project(mx, my)).collect();
            let area2: f64 = pts.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
            if area2 == 0.0 {
                // A degenerate exterior takes its holes with it.
                if i == 0 {
                    break;
                }
                continue;
            }
            if (i == 0) != (area2 > 0.0) {
                pts.reverse();
            }
            for (x, y) in pts {
                enc.add_point(x, y).ok()?;
            }
            enc.complete_geom().ok()?;
            any = true;
        }
    }
    any.then(|| enc.encode().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::default_data_dir;

    #[test]
    fn the_deepest_band_draws_the_gazetteers_own_commune_boundaries() {
        let g = Gazetteer::load_data_dir(&default_data_dir()).unwrap();
        let b = Boundaries::build(&g);
        fn communes(band: &Band) -> Vec<&Shape> {
            band.areas.iter().filter(|a| a.level == Level::Commune).collect()
        }
        let deepest = communes(b.bands.last().unwrap());
        assert!(deepest.len() > 30_000, "{} communes", deepest.len());
        for a in &deepest {
            assert!(Arc::ptr_eq(&a.shape, g.shared_boundary(&a.code).unwrap()), "{} is a copy", a.code);
        }
        let simplified = communes(b.bands.iter().rev().nth(1).unwrap());
        assert!(simplified.iter().all(|a| !Arc::ptr_eq(&a.shape, g.shared_boundary(&a.code).unwrap())));
    }
}
