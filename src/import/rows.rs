//! One record to one checked sheet: every field is validated and every place geocoded, and all
//! that is wrong with the row is reported at once, each problem with its column.

use std::collections::{BTreeMap, HashMap};

use super::fields::{Field, name_of};
use super::mednum;
use super::read::Record;
use super::report::Problem;
use crate::gazetteer::names::fold;
use crate::geocode::{Geocoded, Geocoder, Note, PlaceInput, five as code};
use crate::model::reason::Reason;
use crate::model::rules::{MAX_BODY, MAX_ID, MAX_SUMMARY, MAX_TITLE, website};
use crate::model::{Place, Status};
use crate::referential::{Level, Referential};

/// What reading rows needs, built once per import.
pub struct Context<'a> {
    pub geocoder: Geocoder<'a>,
    pub referential: &'a Referential,
    /// Folded service labels to their codes.
    service_labels: HashMap<String, String>,
    pub mednum: bool,
    /// The year of sheets that give none.
    pub default_year: u16,
    /// The file's name for each field it has a column for, for rows that leave it empty.
    columns: HashMap<Field, String>,
}

impl<'a> Context<'a> {
    pub fn new(geocoder: Geocoder<'a>, referential: &'a Referential, mednum: bool, default_year: u16, columns: &[String]) -> Self {
        let mut by_field = HashMap::new();
        for c in columns {
            if let Some(f) = super::fields::field_of(c) {
                by_field.entry(f).or_insert_with(|| c.clone());
            }
        }
        let service_labels =
            referential.entries().iter().filter(|e| e.level == Level::Service).map(|e| (fold(&e.label), e.code.clone())).collect();
        Context { geocoder, referential, service_labels, mednum, default_year, columns: by_field }
    }
}

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct RowSheet {
    pub row: usize,
    pub line: Option<u64>,
    pub id: Option<String>,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub authority: Option<String>,
    pub services: Vec<String>,
    pub year: u16,
    pub website: Option<String>,
    pub status: Status,
    pub places: Vec<Place>,
    /// How sure the geocoder was of each place, in the order of `places`.
    pub confidences: Vec<f32>,
    pub source_data: BTreeMap<String, String>,
    pub warnings: Vec<Problem>,
    /// Mediation services that matched no referential service.
    pub unmatched: Vec<String>,
}

/// The cells of a record by field, with the column each came from.
struct Cells<'r> {
    record: &'r Record,
    columns: &'r HashMap<Field, String>,
    by_field: HashMap<Field, (&'r str, &'r str)>,
    problems: Vec<Problem>,
}

impl<'r> Cells<'r> {
    fn new(record: &'r Record, columns: &'r HashMap<Field, String>) -> Self {
        let mut cells = Cells { record, columns, by_field: HashMap::new(), problems: vec![] };
        for cell in &record.cells {
            let Some(field) = cell.field else { continue };
            match cells.by_field.get(&field) {
                Some((column, value)) if *value != cell.value => {
                    let reason = Reason::ColumnsDiffer { first: (*column).to_owned(), second: cell.column.clone(), field: name_of(field) };
                    cells.problem(Some(field), reason);
                }
                _ => {
                    cells.by_field.insert(field, (&cell.column, &cell.value));
                }
            }
        }
        cells
    }

    fn get(&self, field: Field) -> Option<&'r str> {
        self.by_field.get(&field).map(|(_, v)| *v)
    }

    /// The column as the file names it, else the field's English name.
    fn column(&self, field: Field) -> String {
        match self.by_field.get(&field) {
            Some((c, _)) => (*c).to_owned(),
            None => self.columns.get(&field).cloned().unwrap_or_else(|| name_of(field).to_owned()),
        }
    }

    /// A cell no field takes, by its folded column name.
    fn other(&self, folded: &str) -> Option<&'r str> {
        self.record.cells.iter().find(|c| c.field.is_none() && super::fields::fold_name(&c.column) == folded).map(|c| c.value.as_str())
    }

    fn problem(&mut self, field: Option<Field>, reason: Reason) {
        self.problem_with(field, reason, vec![]);
    }

    fn problem_with(&mut self, field: Option<Field>, reason: Reason, candidates: Vec<String>) {
        let column = field.map(|f| self.column(f));
        self.problems.push(Problem::new(self.record.row, self.record.line, column, reason).with_candidates(candidates));
    }

    fn text(&mut self, field: Field, max: usize) -> String {
        let value = self.get(field).unwrap_or("").to_owned();
        if value.chars().count() > max {
            self.problem(Some(field), Reason::TooLong { max });
        }
        value
    }
}

/// A decimal number as spreadsheets write it (`45.76` or, in French, `45,76`).
fn decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let normalised = if text.contains('.') { text.to_owned() } else { text.replacen(',', ".", 1) };
    normalised.parse::<f64>().ok()
}

/// The year in `2024`, `2024-05-01` or `01/05/2024`: the first four-digit number.
fn year_in(text: &str) -> Option<u16> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 4).and_then(|w| w.parse().ok())
}

fn status(text: &str) -> Option<Status> {
    match fold(text).as_str() {
        "published" | "publie" | "publiee" | "publication" | "en ligne" => Some(Status::Published),
        "draft" | "brouillon" => Some(Status::Draft),
        "archived" | "archive" | "archivee" => Some(Status::Archived),
        _ => None,
    }
}

/// An authority code as written: `dep-`/`reg-` codes in any case, or a commune or EPCI code.
fn authority_code(text: &str) -> String {
    let t = text.trim();
    match t.get(..4).map(str::to_ascii_lowercase) {
        Some(prefix) if prefix == "dep-" || prefix == "reg-" => format!("{prefix}{}", t[4..].to_ascii_uppercase()),
        _ => code(t),
    }
}

pub fn read_row(ctx: &Context, record: &Record) -> Result<RowSheet, Vec<Problem>> {
    let mut cells = Cells::new(record, &ctx.columns);
    if let Some(problem) = &record.problem {
        cells.problem(None, problem.clone());
        return Err(cells.problems);
    }
    let title = cells.text(Field::Title, MAX_TITLE);
    if title.is_empty() {
        cells.problem(Some(Field::Title), Reason::Empty);
    }
    let summary = cells.text(Field::Summary, MAX_SUMMARY);
    let body = cells.text(Field::Body, MAX_BODY);
    let id = cells.get(Field::Id).map(str::to_owned);
    if id.as_ref().is_some_and(|id| id.chars().count() > MAX_ID) {
        cells.problem(Some(Field::Id), Reason::TooLong { max: MAX_ID });
    }
    let mut source_data: BTreeMap<String, String> =
        record.cells.iter().filter(|c| c.field.is_none()).map(|c| (c.column.clone(), c.value.clone())).collect();
    let (services, unmatched) = services(ctx, &mut cells, &mut source_data);
    let year = year(ctx, &mut cells);
    let status = match cells.get(Field::Status) {
        None => Status::Published,
        Some(s) => status(s).unwrap_or_else(|| {
            cells.problem(Some(Field::Status), Reason::NotAStatus { value: s.to_owned() });
            Status::Published
        }),
    };
    let website = match cells.get(Field::Website) {
        None => None,
        Some(given) => {
            // The mediation schema lists several sites separated by semicolons: keep the first,
            // and the list as given.
            let first = given.split(';').next().unwrap_or(given);
            if first != given {
                source_data.insert(cells.column(Field::Website), given.to_owned());
            }
            let url = website(first);
            if url.is_none() {
                cells.problem(Some(Field::Website), Reason::NotAWebsite { value: first.to_owned() });
            }
            url
        }
    };
    if let Some(date) = cells.get(Field::UpdatedOn) {
        source_data.insert(cells.column(Field::UpdatedOn), date.to_owned());
    }
    let mut warnings = vec![];
    let (places, confidences) = places(ctx, &mut cells, &title, &mut warnings).into_iter().unzip();
    let authority = cells.get(Field::Authority).map(authority_code);
    if !cells.problems.is_empty() {
        return Err(cells.problems);
    }
    Ok(RowSheet {
        row: record.row,
        line: record.line,
        id,
        title,
        summary,
        body,
        authority,
        services,
        year,
        website,
        status,
        places,
        confidences,
        source_data,
        warnings,
        unmatched,
    })
}

/// Referential services: codes or labels, separated by `;`, `,` or `|`; for a mediation place,
/// its own vocabulary mapped onto the referential.
fn services(ctx: &Context, cells: &mut Cells, source_data: &mut BTreeMap<String, String>) -> (Vec<String>, Vec<String>) {
    let given = cells.get(Field::Services).unwrap_or("");
    if ctx.mednum {
        let labels = cells.other("labels_nationaux").unwrap_or("");
        let typology = cells.other("typologie").unwrap_or("");
        let (codes, unmatched) = mednum::services(given, labels, typology, ctx.referential);
        if !given.is_empty() {
            source_data.insert(cells.column(Field::Services), given.to_owned());
        }
        if codes.is_empty() {
            cells.problem(Some(Field::Services), Reason::NoMediationService);
        }
        return (codes, unmatched);
    }
    let mut codes: Vec<String> = vec![];
    for value in given.split([';', ',', '|', '\n']).map(str::trim).filter(|v| !v.is_empty()) {
        let code = if ctx.referential.service_index(value).is_some() {
            Some(value.to_owned())
        } else {
            ctx.service_labels.get(&fold(value)).cloned()
        };
        match code {
            Some(c) if !codes.contains(&c) => codes.push(c),
            Some(_) => {}
            None => cells.problem(Some(Field::Services), Reason::NotAServiceOrName { value: value.to_owned() }),
        }
    }
    if given.is_empty() {
        cells.problem(Some(Field::Services), Reason::NoService);
    }
    (codes, vec![])
}

fn year(ctx: &Context, cells: &mut Cells) -> u16 {
    let (field, text) = match (cells.get(Field::Year), cells.get(Field::UpdatedOn)) {
        (Some(y), _) => (Field::Year, y),
        (None, Some(date)) => (Field::UpdatedOn, date),
        (None, None) => return ctx.default_year,
    };
    match year_in(text).filter(|y| (1999..=2100).contains(y)) {
        Some(y) => y,
        None => {
            cells.problem(Some(field), Reason::NotAYear { value: text.to_owned() });
            ctx.default_year
        }
    }
}

/// The row's places: one from its columns, or one per point of a GeoJSON geometry.
fn places(ctx: &Context, cells: &mut Cells, title: &str, warnings: &mut Vec<Problem>) -> Vec<(Place, f32)> {
    let coordinate = |cells: &mut Cells, field: Field| {
        let text = cells.get(field)?;
        let value = decimal(text);
        if value.is_none() {
            cells.problem(Some(field), Reason::NotADecimal { value: text.to_owned() });
        }
        value
    };
    let points: Vec<(Option<f64>, Option<f64>)> = if cells.record.points.is_empty() {
        let lat = coordinate(cells, Field::Latitude);
        let lon = coordinate(cells, Field::Longitude);
        vec![(lon, lat)]
    } else {
        cells.record.points.iter().map(|&[lon, lat]| (Some(lon), Some(lat))).collect()
    };
    if !cells.problems.is_empty() {
        return vec![];
    }
    let postal_code = cells.get(Field::PostalCode).map(code);
    let address = match (cells.get(Field::Address), cells.get(Field::AddressComplement)) {
        (Some(a), Some(c)) => Some(format!("{a}, {c}")),
        (a, c) => a.or(c).map(str::to_owned),
    };
    let label = cells.get(Field::PlaceLabel).map(str::to_owned).or_else(|| ctx.mednum.then(|| title.to_owned()));
    let mut places = vec![];
    for (lon, lat) in points {
        let input = PlaceInput {
            lon,
            lat,
            insee: cells.get(Field::Insee),
            postal_code: postal_code.as_deref(),
            commune: cells.get(Field::Commune),
            departement: cells.get(Field::Departement),
            address: cells.get(Field::Address),
        };
        match ctx.geocoder.geocode(&input) {
            Ok(found) => {
                warnings.extend(found.notes.iter().map(|n| note(cells, n)));
                let confidence = found.confidence;
                places.push((place(found, &label, &address, &postal_code), confidence));
            }
            Err(e) => {
                let field = [Field::Latitude, Field::Insee, Field::PostalCode, Field::Commune]
                    .into_iter()
                    .find(|&f| cells.get(f).is_some() || (f == Field::Latitude && lat.is_some()));
                cells.problem_with(field.or(Some(Field::Commune)), e.reason, e.candidates);
            }
        }
    }
    places
}

fn place(found: Geocoded, label: &Option<String>, address: &Option<String>, postal_code: &Option<String>) -> Place {
    Place {
        label: label.clone(),
        address: address.clone(),
        postal_code: postal_code.clone(),
        commune: found.commune,
        lon: found.lon,
        lat: found.lat,
        precision: found.precision,
        method: found.method,
    }
}

fn note(cells: &Cells, note: &Note) -> Problem {
    let field = match note {
        Note::SwappedCoordinates => Field::Latitude,
        Note::AddressNotFound { .. } => Field::Address,
        _ => Field::Commune,
    };
    Problem::new(cells.record.row, cells.record.line, Some(cells.column(field)), note.reason())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_spreadsheet_values() {
        assert_eq!(decimal("45,7640"), Some(45.764));
        assert_eq!(decimal(" 4.8357 "), Some(4.8357));
        assert_eq!(decimal("45°45'"), None);
        assert_eq!(year_in("2024-05-01"), Some(2024));
        assert_eq!(year_in("01/05/2024"), Some(2024));
        assert_eq!(year_in("24"), None);
        assert_eq!(status("Publiée"), Some(Status::Published));
        assert_eq!(status("BROUILLON"), Some(Status::Draft));
        assert_eq!(code("1001"), "01001");
        assert_eq!(code("2a004"), "2A004");
        assert_eq!(authority_code("DEP-2a"), "dep-2A");
        assert_eq!(authority_code(" reg-32 "), "reg-32");
    }
}
