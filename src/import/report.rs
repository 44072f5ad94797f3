//! What an import did or would do: counts, and every rejected row with its row number, column
//! and reason. Shown to people as text, to programs as JSON (`--report json`).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::Format;
use crate::model::reason::Reason;

/// Something wrong (an error) or worth knowing (a warning) about one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column as the file names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Its code and params, for clients that translate.
    #[serde(flatten)]
    pub why: Reason,
    /// In English.
    pub reason: String,
    /// Communes it may have meant, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

impl Problem {
    pub fn new(row: usize, line: Option<u64>, column: Option<String>, why: Reason) -> Self {
        Problem { row, line, column, reason: why.to_string(), why, candidates: vec![] }
    }

    pub fn with_candidates(mut self, candidates: Vec<String>) -> Self {
        self.candidates = candidates;
        self
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub file: String,
    pub format: Option<Format>,
    /// Encoding and separator of a CSV file, as given or detected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    pub source: String,
    pub dry_run: bool,
    pub skip_invalid: bool,
    /// Rows read (blank rows left out).
    pub rows: usize,
    /// Sheets the valid rows make (rows sharing an id are places of one sheet).
    pub sheets: usize,
    pub created: usize,
    pub updated: usize,
    /// Sheets already stored exactly so: not written again.
    pub unchanged: usize,
    pub rejected_rows: usize,
    /// Whether the store was changed.
    pub written: bool,
    /// Whether the sheets are (or would be) written as proposals awaiting a moderator, not
    /// as public sheets (a contributor of an authority that is not trusted).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub proposed: bool,
    /// Authorities the sheets needed that the store did not have, added from the gazetteer.
    pub new_authorities: Vec<String>,
    /// Sheets of this source in the store that the file does not mention (left as they are).
    pub not_in_file: usize,
    /// Places by geocoding method.
    pub geocoding: BTreeMap<String, usize>,
    /// Places by the geocoder's confidence (`"1"` for coordinates and INSEE codes, down to
    /// `"0.6"` for a name taken despite its postal code): the lower, the more a row deserves
    /// a look; each place below 0.8 also has a warning naming its row.
    pub confidence: BTreeMap<String, usize>,
    /// Columns no field takes: their values are kept with each sheet, under `source_data`.
    pub other_columns: Vec<String>,
    /// Mediation-place services that no referential service matches, with how many places
    /// give them (kept under `source_data`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unmatched_services: BTreeMap<String, usize>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(line) = self.line.filter(|&l| l != self.row as u64) {
            write!(f, " (line {line})")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column:?}")?;
        }
        write!(f, ": {}", self.reason)?;
        if !self.candidates.is_empty() {
            write!(f, " (did you mean {}?)", self.candidates.join(", "))?;
        }
        Ok(())
    }
}

/// Lines of a list shown in full up to this many, then counted.
const SHOWN: usize = 50;

fn list(f: &mut fmt::Formatter<'_>, title: &str, problems: &[Problem]) -> fmt::Result {
    if problems.is_empty() {
        return Ok(());
    }
    writeln!(f, "{title} ({}):", problems.len())?;
    for p in problems.iter().take(SHOWN) {
        writeln!(f, "  {p}")?;
    }
    if problems.len() > SHOWN {
        writeln!(f, "  … and {} more (--report json lists them all)", problems.len() - SHOWN)?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = self.format.map(|f| f.name()).unwrap_or("?");
        write!(f, "{}: {format}", self.file)?;
        if let (Some(e), Some(s)) = (self.encoding, &self.separator) {
            write!(f, ", {e}, separator {s}")?;
        }
        writeln!(f, ", source {:?}", self.source)?;
        writeln!(f, "{} rows → {} sheets; {} rows rejected", self.rows, self.sheets, self.rejected_rows)?;
        let verb = if self.written || self.created + self.updated == 0 { "" } else { "would be " };
        writeln!(f, "{verb}created {}, {verb}updated {}, unchanged {}", self.created, self.updated, self.unchanged)?;
        if !self.new_authorities.is_empty() {
            writeln!(f, "authorities {verb}added from the gazetteer: {}", self.new_authorities.len())?;
        }
        if self.not_in_file > 0 {
            writeln!(f, "{} sheets of this source are not in the file: left as they are", self.not_in_file)?;
        }
        if !self.geocoding.is_empty() {
            let methods: Vec<String> = self.geocoding.iter().map(|(m, n)| format!("{m} {n}")).collect();
            writeln!(f, "places located by: {}", methods.join(", "))?;
        }
        if !self.confidence.is_empty() {
            let levels: Vec<String> = self.confidence.iter().rev().map(|(c, n)| format!("{c}: {n}")).collect();
            writeln!(f, "places by confidence: {}", levels.join(", "))?;
        }
        if !self.other_columns.is_empty() {
            writeln!(f, "columns kept as source data: {}", self.other_columns.join(", "))?;
        }
        if !self.unmatched_services.is_empty() {
            let values: Vec<String> = self.unmatched_services.iter().map(|(v, n)| format!("{v:?} ({n})")).collect();
            writeln!(f, "services with no match in the referential (kept as source data): {}", values.join(", "))?;
        }
        if self.proposed {
            writeln!(f, "sheets go to the moderators as proposals: public once published")?;
        }
        list(f, "warnings", &self.warnings)?;
        list(f, "errors", &self.errors)?;
        let outcome = match (self.dry_run, self.written, self.errors.is_empty()) {
            _ if self.rows == 0 => "the file has no rows: nothing written",
            (true, _, true) => "dry run: nothing written; the file would import as above",
            (true, _, false) if self.skip_invalid => "dry run: nothing written; the rows without errors would import",
            (true, _, false) => "dry run: nothing written; as it stands the file would be refused (or use --skip-invalid)",
            (false, true, true) => "written",
            (false, true, false) => "written without the rejected rows (--skip-invalid)",
            (false, false, true) => "nothing to write: the store already holds these sheets",
            (false, false, false) if self.skip_invalid => "nothing written: no row is valid, or the valid ones are already stored",
            (false, false, false) => "nothing written: fix the rows above, or import the others with --skip-invalid",
        };
        writeln!(f, "{outcome}")
    }
}
