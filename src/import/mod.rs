//! Bulk import of initiative sheets from CSV, JSON, GeoJSON and mediation-place files.
//!
//! [`prepare`] reads and checks every row and geocodes every place without touching the
//! store; [`import`] then settles the
//! owning authorities, compares the sheets with what the store holds for the source, and
//! writes the new and changed ones in one transaction. By default one bad row means nothing is
//! written; with `skip_invalid` the good rows are written and the bad ones reported.

mod changes;
pub mod decode;
pub mod export;
pub mod fields;
mod mednum;
pub mod read;
pub mod report;
mod rows;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use changes::{history_entry, same_content};
pub use decode::Encoding;
pub use report::{Problem, Report};
use rows::{Context, RowSheet};

use crate::gazetteer::{CommuneKind, Gazetteer};
use crate::geocode::Geocoder;
use crate::model::contribution::{Actor, Channel};
use crate::model::{Authority, Initiative, NewInitiative};
use crate::referential::Referential;
use crate::store::{BatchHistory, Store, StoreError, WriteBatch};
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
    let ctx = Context::new(Geocoder::new(gazetteer), referential, format == Format::Mednum, options.default_year, &columns);
    let mut sheets: Vec<Pending> = vec![];
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut rejected: HashSet<usize> = HashSet::new();
    for record in &records {
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
        Some(format!("row {first_row} has the same title in the same commune: add an id column to tell them apart"))
    } else {
        conflicting_field(&sheet.first, &row).map(|f| format!("the id {external_id:?} was given at row {first_row} with another {f}"))
    };
    match conflict {
        Some(reason) => {
            let column = row.id.as_ref().map(|_| "id".to_owned());
            report.errors.push(Problem { row: row.row, line: row.line, column, reason, candidates: vec![] });
            rejected.insert(i);
        }
        None => sheet.first.places.extend(row.places),
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

/// The authority a sheet belongs to: the one it names, else the commune of its main place (the
/// city, for a place in an arrondissement).
fn owner_code(gazetteer: &Gazetteer, sheet: &RowSheet) -> String {
    if let Some(code) = &sheet.authority {
        return code.clone();
    }
    let commune = &sheet.places[0].commune;
    match gazetteer.commune(commune) {
        Some(c) if c.kind == CommuneKind::Arrondissement => c.parent.clone().unwrap_or_else(|| commune.clone()),
        _ => commune.clone(),
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
    let Prepared { mut report, sheets } = prepare(gazetteer, referential, bytes, options)?;
    tracing::debug!("{} rows read, checked and geocoded in {:?}", report.rows, started.elapsed());
    let started = std::time::Instant::now();
    let stored_authorities: HashSet<String> = store.authorities().await?.into_iter().map(|a| a.code).collect();
    let existing: HashMap<String, Initiative> =
        store.initiatives_of_source(&options.source).await?.into_iter().map(|s| (s.sheet.external_id.clone(), s)).collect();
    tracing::debug!("{} stored sheets of source {:?} read in {:?}", existing.len(), options.source, started.elapsed());
    let mut from_gazetteer: BTreeMap<String, Option<Authority>> = BTreeMap::new();
    let mut to_write = vec![];
    let mut history = vec![];
    let mut seen = HashSet::new();
    let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
    let mut geocoding: BTreeMap<String, usize> = BTreeMap::new();
    for pending in sheets {
        let code = owner_code(gazetteer, &pending.first);
        if !stored_authorities.contains(&code) && from_gazetteer.entry(code.clone()).or_insert_with(|| gazetteer.authority(&code)).is_none()
        {
            report.errors.push(Problem {
                row: pending.rows[0],
                line: pending.line,
                column: Some("authority".into()),
                reason: format!("{code:?} is not an authority: give the INSEE code of a commune, the SIREN of an EPCI, dep-XX or reg-XX"),
                candidates: vec![],
            });
            report.rejected_rows += pending.rows.len();
            continue;
        }
        report.sheets += 1;
        seen.insert(pending.external_id.clone());
        for value in &pending.first.unmatched {
            *unmatched.entry(value.clone()).or_default() += 1;
        }
        for place in &pending.first.places {
            *geocoding.entry(crate::store::rows::serde_name(&place.method)).or_default() += 1;
        }
        let sheet = new_initiative(pending, code, options);
        match existing.get(&sheet.external_id) {
            Some(stored) if same_content(&stored.sheet, &sheet) => report.unchanged += 1,
            stored => {
                if stored.is_some() {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                history.push(history_entry(stored.map(|s| &s.sheet), &sheet));
                to_write.push(sheet);
            }
        }
    }
    report.unmatched_services = unmatched;
    report.geocoding = geocoding;
    report.not_in_file = existing.keys().filter(|id| !seen.contains(*id)).count();
    report.errors.sort_by_key(|p| p.row);
    let needed: HashSet<&str> = to_write.iter().map(|s| s.authority.as_str()).collect();
    let new_authorities: Vec<Authority> = from_gazetteer.into_values().flatten().filter(|a| needed.contains(a.code.as_str())).collect();
    report.new_authorities = new_authorities.iter().map(|a| a.code.clone()).collect();
    let refused = !report.errors.is_empty() && !options.skip_invalid;
    if options.dry_run || refused || to_write.is_empty() {
        return Ok(Outcome { report, written: vec![], new_authorities: vec![] });
    }
    let started = std::time::Instant::now();
    let actor = Actor { id: options.updated_by.clone(), channel: Channel::Import };
    let history = Some(BatchHistory { actor, entries: history });
    let batch = WriteBatch { authorities: vec![], new_authorities: new_authorities.clone(), initiatives: to_write, history };
    let written = store.write(batch).await?;
    tracing::debug!("{} sheets written in {:?}", written.len(), started.elapsed());
    report.written = true;
    Ok(Outcome { report, written, new_authorities })
}

fn new_initiative(pending: Pending, authority: String, options: &ImportOptions) -> NewInitiative {
    let row = pending.first;
    NewInitiative {
        source: options.source.clone(),
        external_id: pending.external_id,
        authority,
        title: row.title,
        summary: row.summary,
        body: row.body,
        services: row.services,
        year: row.year,
        website: row.website,
        places: row.places,
        status: row.status,
        sample: false,
        updated_by: options.updated_by.clone(),
        source_data: row.source_data,
    }
}
