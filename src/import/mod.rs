//! Bulk import of initiative sheets from CSV, JSON, GeoJSON and mediation-place files.
//!
//! [`prepare`] reads and checks every row and geocodes every place without touching the
//! store; [`write_prepared`] then settles the owning authorities, compares the sheets with
//! what the store holds for the source, and writes the new and changed ones in one
//! transaction ([`import`] does both). By default one bad row means nothing is written; with
//! `skip_invalid` the good rows are written and the bad ones reported. A contributor's import
//! ([`Scope`]) may only write its own authority's sheets, and, unless that authority is
//! trusted, writes proposals for moderators instead of public sheets.

mod changes;
pub mod decode;
pub mod export;
pub mod fields;
mod mednum;
pub mod read;
pub mod report;
mod rows;
mod write;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

pub use decode::Encoding;
pub use report::{Problem, Report};
use rows::{Context, RowSheet};
pub use write::write_prepared;

use crate::gazetteer::Gazetteer;
use crate::geocode::Geocoder;
use crate::geocode::addresses::AddressBase;
use crate::model::reason::Reason;
use crate::model::{Authority, Initiative};
use crate::referential::Referential;
use crate::store::{Store, StoreError};
use fields::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Geojson,
    Json,
    /// The "schéma des lieux de médiation numérique", as CSV or as a JSON array.
    Mednum,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Geojson, Format::Json, Format::Mednum];

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Geojson => "geojson",
            Format::Json => "json",
            Format::Mednum => "mednum",
        }
    }

    /// The format of a [`Self::name`].
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Detected from the file name and content when not given.
    pub format: Option<Format>,
    /// Detected when not given (see [`decode::decode`]).
    pub encoding: Option<Encoding>,
    /// With the external id, what makes a re-import update instead of duplicate.
    pub source: String,
    pub dry_run: bool,
    pub skip_invalid: bool,
    /// Who the store records as making the change.
    pub updated_by: String,
    /// The file's name, for the report and format detection.
    pub file_name: String,
    /// The year of sheets that give none.
    pub default_year: u16,
    /// Whose sheets it may write, and how (everything, directly, by default).
    pub scope: Scope,
    /// Where reading and checking the rows stands, for whoever waits on a long file.
    pub progress: Option<Arc<Progress>>,
    /// The national address base (`--addresses`): places with an address lie at it.
    pub addresses: Option<Arc<AddressBase>>,
}

/// Whose sheets an import may write, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only this authority's sheets (a contributor's import): a row of another authority's
    /// sheet, or naming the id of one, is an error.
    pub authority: Option<String>,
    /// Write proposals that moderators publish, not public sheets (a contributor of an
    /// authority that is not trusted). The file's `status` column is then not applied.
    pub propose: bool,
}

/// Rows read and rows checked so far.
#[derive(Debug, Default)]
pub struct Progress {
    /// Rows in the file; 0 until it is read.
    pub total: AtomicU64,
    pub checked: AtomicU64,
}

/// What refuses a whole file; a bad row is a [`Problem`] in the report instead.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Encoding(String),
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    Columns(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The checked sheets of a file, before the store is consulted.
pub struct Prepared {
    report: Report,
    sheets: Vec<Pending>,
}

impl Prepared {
    /// What reading and checking found: counts, and the problems of each row.
    pub fn report(&self) -> &Report {
        &self.report
    }
}

/// A sheet made of one or more rows.
struct Pending {
    rows: Vec<usize>,
    line: Option<u64>,
    external_id: String,
    first: RowSheet,
}

/// What [`import`] did.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    /// The sheets written, as stored (empty for a dry run or a refused file).
    pub written: Vec<Initiative>,
    /// The authorities added with them: a server shows both once it applies them to its index.
    pub new_authorities: Vec<Authority>,
}

/// The format a file's name or first bytes suggest.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Format {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".geojson") {
        return Format::Geojson;
    }
    if lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".txt") {
        return Format::Csv;
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Format::Json,
        Some(b'{') => Format::Geojson,
        _ => Format::Csv,
    }
}

/// Reads, checks and geocodes every row of a file. Pure: the store is not consulted.
pub fn prepare(gazetteer: &Gazetteer, referential: &Referential, bytes: &[u8], options: &ImportOptions) -> Result<Prepared, ImportError> {
    let format = options.format.unwrap_or_else(|| detect_format(&options.file_name, bytes));
    let mut report = Report {
        file: options.file_name.clone(),
        format: Some(format),
        source: options.source.clone(),
        dry_run: options.dry_run,
        skip_invalid: options.skip_invalid,
        ..Report::default()
    };
    let (text, encoding) = decode::decode(bytes, options.encoding)?;
    let as_json = match format {
        Format::Json | Format::Geojson => true,
        Format::Csv => false,
        Format::Mednum => text.trim_start().starts_with('['),
    };
    let (columns, records) = if as_json {
        if format == Format::Geojson { read::geojson(&text)? } else { read::json(&text)? }
    } else {
        let separator = decode::separator(&text);
        report.encoding = Some(encoding.name());
        report.separator = Some(if separator == b'\t' { "tab".to_owned() } else { format!("'{}'", char::from(separator)) });
        read::csv(&text, separator)?
    };
    check_columns(&columns, format)?;
    report.other_columns = columns.iter().filter(|c| fields::field_of(c).is_none()).cloned().collect();
    report.rows = records.len();
    if let Some(p) = &options.progress {
        p.total.store(records.len() as u64, Ordering::Relaxed);
    }
    let geocoder = Geocoder::new(gazetteer).with_addresses(options.addresses.as_deref());
    let ctx = Context::new(geocoder, referential, format == Format::Mednum, options.default_year, &columns);
    let mut sheets: Vec<Pending> = vec![];
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut rejected: HashSet<usize> = HashSet::new();
    for record in &records {
        if let Some(p) = &options.progress {
            p.checked.fetch_add(1, Ordering::Relaxed);
        }
        match rows::read_row(&ctx, record) {
            Ok(row) => group(row, &mut sheets, &mut by_id, &mut rejected, &mut report),
            Err(problems) => {
                report.errors.extend(problems);
                report.rejected_rows += 1;
            }
        }
    }
    let mut kept = vec![];
    for (i, sheet) in sheets.into_iter().enumerate() {
        if rejected.contains(&i) {
            report.rejected_rows += sheet.rows.len();
        } else {
            kept.push(sheet);
        }
    }
    Ok(Prepared { report, sheets: kept })
}

/// A file must say what each sheet is called and where it is.
fn check_columns(columns: &[String], format: Format) -> Result<(), ImportError> {
    let has = |wanted: &[Field]| columns.iter().any(|c| fields::field_of(c).is_some_and(|f| wanted.contains(&f)));
    if columns.is_empty() {
        return Ok(());
    }
    if !has(&[Field::Title]) {
        return Err(ImportError::Columns(format!(
            "no column gives the title (name it titre, title or nom); the file's columns are: {}",
            columns.join(", ")
        )));
    }
    let place = [Field::Latitude, Field::Insee, Field::PostalCode, Field::Commune];
    if format != Format::Geojson && !has(&place) {
        return Err(ImportError::Columns(format!(
            "no column says where: give latitude and longitude, code_insee, code_postal or commune; the file's columns are: {}",
            columns.join(", ")
        )));
    }
    Ok(())
}

/// A readable, stable external id for rows without one: the title's words and the commune.
fn derived_id(row: &RowSheet) -> String {
    let words = crate::gazetteer::names::fold(&row.title).replace(' ', "-");
    let words: String = words.chars().take(80).collect();
    format!("{}-{}", words.trim_end_matches('-'), row.places.first().map(|p| p.commune.as_str()).unwrap_or(""))
}

/// Adds a row to the sheets: a new sheet, or another place of the sheet its id names.
fn group(row: RowSheet, sheets: &mut Vec<Pending>, by_id: &mut HashMap<String, usize>, rejected: &mut HashSet<usize>, report: &mut Report) {
    report.warnings.extend(row.warnings.iter().cloned());
    let external_id = row.id.clone().unwrap_or_else(|| derived_id(&row));
    let Some(&i) = by_id.get(&external_id) else {
        by_id.insert(external_id.clone(), sheets.len());
        sheets.push(Pending { rows: vec![row.row], line: row.line, external_id, first: row });
        return;
    };
    let sheet = &mut sheets[i];
    sheet.rows.push(row.row);
    let first_row = sheet.rows[0];
    let conflict = if row.id.is_none() {
        Some(Reason::SameTitleSameCommune { first_row })
    } else {
        conflicting_field(&sheet.first, &row).map(|field| Reason::IdGivenTwice { id: external_id.clone(), first_row, field })
    };
    match conflict {
        Some(reason) => {
            let column = row.id.as_ref().map(|_| "id".to_owned());
            report.errors.push(Problem::new(row.row, row.line, column, reason));
            rejected.insert(i);
        }
        None => {
            sheet.first.places.extend(row.places);
            sheet.first.confidences.extend(row.confidences);
        }
    }
}

/// The first sheet-level field a further row of the same sheet gives differently.
fn conflicting_field(first: &RowSheet, more: &RowSheet) -> Option<&'static str> {
    let differs = |a: &str, b: &str| !b.is_empty() && a != b;
    if first.title != more.title {
        Some("title")
    } else if differs(&first.summary, &more.summary) {
        Some("summary")
    } else if differs(&first.body, &more.body) {
        Some("body")
    } else if more.authority.is_some() && first.authority != more.authority {
        Some("authority")
    } else if first.services != more.services {
        Some("services")
    } else if first.year != more.year {
        Some("year")
    } else if more.website.is_some() && first.website != more.website {
        Some("website")
    } else if first.status != more.status {
        Some("status")
    } else {
        None
    }
}

/// Imports a file: checks it all, then writes what changed in one transaction (unless it is a
/// dry run, or a row is bad and `skip_invalid` is off).
pub async fn import(
    store: &dyn Store,
    gazetteer: &Gazetteer,
    referential: &Referential,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Outcome, ImportError> {
    let started = std::time::Instant::now();
    let prepared = prepare(gazetteer, referential, bytes, options)?;
    tracing::debug!("{} rows read, checked and geocoded in {:?}", prepared.report.rows, started.elapsed());
    write_prepared(store, gazetteer, prepared, options).await
}
