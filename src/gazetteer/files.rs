//! The committed gazetteer files: gzipped CSV for attributes (readable by any spreadsheet or
//! GDAL) and gzipped TopoJSON for the simplified boundaries (readable by QGIS and `ogr2ogr`
//! through `/vsigzip/`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, read::GzDecoder, write::GzEncoder};
use geo::MultiPolygon;
use serde::{Deserialize, Serialize};

use super::{Commune, CommuneKind, Departement, Epci, PointSource, Region, topojson};
use crate::model::round_degrees;

pub const COMMUNES: &str = "communes.csv.gz";
pub const BOUNDARIES: &str = "boundaries.topojson.gz";
pub const DEPARTEMENTS: &str = "departements.csv";
pub const REGIONS: &str = "regions.csv";
pub const EPCIS: &str = "epci.csv";

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{path}: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// What the files hold, before indexes are built.
pub struct Parts {
    pub communes: Vec<Commune>,
    pub boundaries: HashMap<String, MultiPolygon>,
    pub departements: Vec<Departement>,
    pub regions: Vec<Region>,
    pub epcis: Vec<Epci>,
}

/// One line of `communes.csv`; lists are space-separated so the file stays one value a cell.
#[derive(Serialize, Deserialize)]
struct CommuneRow {
    code: String,
    kind: CommuneKind,
    name: String,
    name_type: u8,
    departement: String,
    region: String,
    epci: String,
    parent: String,
    population: u32,
    postal_codes: String,
    lon: f64,
    lat: f64,
    point_source: PointSource,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
}

impl From<CommuneRow> for Commune {
    fn from(r: CommuneRow) -> Self {
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        Commune {
            postal_codes: r.postal_codes.split_whitespace().map(str::to_owned).collect(),
            code: r.code,
            kind: r.kind,
            name: r.name,
            name_type: r.name_type,
            departement: r.departement,
            region: r.region,
            epci: non_empty(r.epci),
            parent: non_empty(r.parent),
            population: r.population,
            point: [r.lon, r.lat],
            point_source: r.point_source,
            bbox: [r.min_lon, r.min_lat, r.max_lon, r.max_lat],
        }
    }
}

impl From<&Commune> for CommuneRow {
    fn from(c: &Commune) -> Self {
        CommuneRow {
            code: c.code.clone(),
            kind: c.kind,
            name: c.name.clone(),
            name_type: c.name_type,
            departement: c.departement.clone(),
            region: c.region.clone(),
            epci: c.epci.clone().unwrap_or_default(),
            parent: c.parent.clone().unwrap_or_default(),
            population: c.population,
            postal_codes: c.postal_codes.join(" "),
            lon: round_degrees(c.point[0]),
            lat: round_degrees(c.point[1]),
            point_source: c.point_source,
            min_lon: round_degrees(c.bbox[0]),
            min_lat: round_degrees(c.bbox[1]),
            max_lon: round_degrees(c.bbox[2]),
            max_lat: round_degrees(c.bbox[3]),
        }
    }
}

fn open(path: &Path) -> Result<File, GazetteerError> {
    File::open(path).map_err(|source| GazetteerError::Io { path: path.to_owned(), source })
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, GazetteerError> {
    let csv_err = |source| GazetteerError::Csv { path: path.to_owned(), source };
    let file = BufReader::new(open(path)?);
    let input: Box<dyn Read> = if is_gzip(path) { Box::new(GzDecoder::new(file)) } else { Box::new(file) };
    let mut reader = csv::Reader::from_reader(input);
    reader.deserialize().collect::<Result<Vec<T>, _>>().map_err(csv_err)
}

fn write_csv<T: Serialize>(path: &Path, rows: impl IntoIterator<Item = T>) -> Result<(), GazetteerError> {
    let csv_err = |source| GazetteerError::Csv { path: path.to_owned(), source };
    let file = File::create(path).map_err(|source| GazetteerError::Io { path: path.to_owned(), source })?;
    let io_err = |source| GazetteerError::Io { path: path.to_owned(), source };
    let output: Box<dyn Write> =
        if is_gzip(path) { Box::new(GzEncoder::new(BufWriter::new(file), Compression::best())) } else { Box::new(BufWriter::new(file)) };
    let mut writer = csv::Writer::from_writer(output);
    for row in rows {
        writer.serialize(row).map_err(csv_err)?;
    }
    // Dropping the writer finishes the gzip stream; flush first to see its errors.
    writer.flush().map_err(io_err)
}

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

pub fn read_dir(dir: &Path) -> Result<Parts, GazetteerError> {
    // Boundaries are most of the work: parse them beside the attributes.
    let (boundaries, rows) = std::thread::scope(|scope| {
        let boundaries = scope.spawn(|| read_boundaries(&dir.join(BOUNDARIES)));
        let rows: Result<Vec<CommuneRow>, _> = read_csv(&dir.join(COMMUNES));
        (boundaries.join().expect("the boundary reader does not panic"), rows)
    });
    Ok(Parts {
        communes: rows?.into_iter().map(Commune::from).collect(),
        boundaries: boundaries?,
        departements: read_csv(&dir.join(DEPARTEMENTS))?,
        regions: read_csv(&dir.join(REGIONS))?,
        epcis: read_csv(&dir.join(EPCIS))?,
    })
}

fn read_boundaries(path: &Path) -> Result<HashMap<String, MultiPolygon>, GazetteerError> {
    let mut text = Vec::new();
    GzDecoder::new(BufReader::new(open(path)?))
        .read_to_end(&mut text)
        .map_err(|source| GazetteerError::Io { path: path.to_owned(), source })?;
    let topology: topojson::Topology =
        serde_json::from_slice(&text).map_err(|source| GazetteerError::Json { path: path.to_owned(), source })?;
    topojson::decode(topology).map_err(|reason| GazetteerError::Invalid { path: path.to_owned(), reason })
}

/// Writes every file of the gazetteer into `dir`; boundaries are rounded to `decimals`.
pub fn write_dir(dir: &Path, parts: &Parts, decimals: i32) -> Result<(), GazetteerError> {
    std::fs::create_dir_all(dir).map_err(|source| GazetteerError::Io { path: dir.to_owned(), source })?;
    write_csv(&dir.join(COMMUNES), parts.communes.iter().map(CommuneRow::from))?;
    write_csv(&dir.join(DEPARTEMENTS), &parts.departements)?;
    write_csv(&dir.join(REGIONS), &parts.regions)?;
    write_csv(&dir.join(EPCIS), &parts.epcis)?;
    write_boundaries(&dir.join(BOUNDARIES), parts, decimals)
}

fn write_boundaries(path: &Path, parts: &Parts, decimals: i32) -> Result<(), GazetteerError> {
    let current = parts.communes.iter().filter(|c| c.kind.is_current());
    let boundaries = current.filter_map(|c| Some((c.code.as_str(), c.name.as_str(), parts.boundaries.get(&c.code)?)));
    let topology = topojson::encode(boundaries, decimals);
    let io_err = |source| GazetteerError::Io { path: path.to_owned(), source };
    let file = File::create(path).map_err(io_err)?;
    let mut gz = GzEncoder::new(BufWriter::new(file), Compression::best());
    serde_json::to_writer(&mut gz, &topology).map_err(|source| GazetteerError::Json { path: path.to_owned(), source })?;
    gz.finish().map_err(io_err)?.flush().map_err(io_err)
}
