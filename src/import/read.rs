//! Files to records: a CSV, a JSON array of objects or a GeoJSON FeatureCollection becomes a
//! list of records (column name → text), each knowing where it came from in the file. Nothing
//! is interpreted here but the file's own structure.

use serde_json::Value;

use super::ImportError;
use super::fields::{Field, field_of};
use crate::model::reason::Reason;

/// One row of a file.
#[derive(Debug, Clone)]
pub struct Record {
    /// Row as a spreadsheet numbers it (the header is row 1), or the item's number (from 1) in
    /// a JSON array or FeatureCollection.
    pub row: usize,
    /// Line of the file where the row starts (CSV only: a quoted field may span lines).
    pub line: Option<u64>,
    /// Non-empty cells, trimmed: the column as written, the field it means.
    pub cells: Vec<Cell>,
    /// Points of a GeoJSON geometry, `[lon, lat]`.
    pub points: Vec<[f64; 2]>,
    /// What makes the row unreadable as a whole (a wrong number of fields, a bad geometry).
    pub problem: Option<Reason>,
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub column: String,
    pub field: Option<Field>,
    pub value: String,
}

impl Record {
    fn new(row: usize, line: Option<u64>) -> Self {
        Record { row, line, cells: vec![], points: vec![], problem: None }
    }

    fn push(&mut self, column: &str, value: &str) {
        self.push_known(column, field_of(column), value);
    }

    /// Like `push` for a column whose field is already known (resolved once a file).
    fn push_known(&mut self, column: &str, field: Option<Field>, value: &str) {
        let value = value.trim();
        if !value.is_empty() {
            self.cells.push(Cell { column: column.to_owned(), field, value: value.to_owned() });
        }
    }
}

/// Reads a CSV text with the given separator. Quoted fields may hold separators, quotes
/// (doubled) and newlines. Rows with only empty fields (spreadsheets leave them) are skipped.
pub fn csv(text: &str, separator: u8) -> Result<(Vec<String>, Vec<Record>), ImportError> {
    let mut reader = csv::ReaderBuilder::new().delimiter(separator).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Malformed(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ImportError::Malformed("the file is empty: its first row must name the columns".into()));
    }
    let fields: Vec<Option<Field>> = headers.iter().map(|h| field_of(h)).collect();
    let mut records = vec![];
    for (i, result) in reader.records().enumerate() {
        let row = result.map_err(|e| ImportError::Malformed(format!("row {}: {e}", i + 2)))?;
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut record = Record::new(i + 2, row.position().map(|p| p.line()));
        // More fields than columns, even empty ones: a separator in an unquoted text shifted
        // the row, and reading it would put values in the wrong columns.
        if row.len() > headers.len() {
            record.problem = Some(Reason::FieldCount {
                fields: row.len(),
                columns: headers.len(),
                separator: if separator == b';' { "semicolon" } else { "comma" },
            });
        } else if row.len() < headers.len() {
            record.problem = Some(Reason::FieldsMissing { fields: row.len(), columns: headers.len() });
        }
        for ((header, field), value) in headers.iter().zip(&fields).zip(row.iter()) {
            // A cell our exports marked as text (`'=…`) says what follows the mark.
            record.push_known(header, *field, super::export::spreadsheet_text(value.trim()));
        }
        records.push(record);
    }
    Ok((headers, records))
}

/// A JSON value as a cell's text: arrays join with `;` (a list of services), objects stay JSON.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => Some(items.iter().filter_map(text_of).collect::<Vec<_>>().join(";")),
        Value::Object(_) => Some(value.to_string()),
    }
}

fn parse_json(text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text)
        .map_err(|e| ImportError::Malformed(format!("not valid JSON at line {}, column {}: {e}", e.line(), e.column())))
}

/// The keys met in a JSON file, in order, with the field each means (resolved once a key).
#[derive(Default)]
struct Keys {
    names: Vec<String>,
    fields: std::collections::HashMap<String, Option<Field>>,
}

impl Keys {
    fn field(&mut self, key: &str) -> Option<Field> {
        if let Some(f) = self.fields.get(key) {
            return *f;
        }
        self.names.push(key.to_owned());
        *self.fields.entry(key.to_owned()).or_insert_with(|| field_of(key))
    }
}

fn object_record(row: usize, object: &serde_json::Map<String, Value>, keys: &mut Keys) -> Record {
    let mut record = Record::new(row, None);
    for (key, value) in object {
        let field = keys.field(key);
        if let Some(text) = text_of(value) {
            record.push_known(key, field, &text);
        }
    }
    record
}

/// Reads a JSON array of objects whose keys are column names.
pub fn json(text: &str) -> Result<(Vec<String>, Vec<Record>), ImportError> {
    let Value::Array(items) = parse_json(text)? else {
        return Err(ImportError::Malformed(
            "a JSON import is an array of objects, one per row (a GeoJSON file takes --format geojson)".into(),
        ));
    };
    let mut keys = Keys::default();
    let records = items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::Object(object) => object_record(i + 1, object, &mut keys),
            _ => {
                let mut record = Record::new(i + 1, None);
                record.problem = Some(Reason::ItemNotAnObject);
                record
            }
        })
        .collect();
    Ok((keys.names, records))
}

/// Reads a GeoJSON FeatureCollection: properties are the columns, a Point or MultiPoint
/// geometry gives the places (and wins over latitude/longitude properties), the feature's `id`
/// stands for a missing id property.
pub fn geojson(text: &str) -> Result<(Vec<String>, Vec<Record>), ImportError> {
    let collection = geojson::FeatureCollection::from_json_value(parse_json(text)?)
        .map_err(|e| ImportError::Malformed(format!("not a GeoJSON FeatureCollection: {e}")))?;
    let mut keys = Keys::default();
    let records = collection
        .features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let empty = serde_json::Map::new();
            let mut record = object_record(i + 1, feature.properties.as_ref().unwrap_or(&empty), &mut keys);
            if let Some(id) = &feature.id
                && !record.cells.iter().any(|c| c.field == Some(Field::Id))
            {
                let id = match id {
                    geojson::feature::Id::String(s) => s.clone(),
                    geojson::feature::Id::Number(n) => n.to_string(),
                };
                record.push("id", &id);
            }
            match feature.geometry.as_ref().map(|g| &g.value) {
                None => {}
                Some(geojson::Value::Point(p)) => record.points.push([p[0], p[1]]),
                Some(geojson::Value::MultiPoint(ps)) => record.points.extend(ps.iter().map(|p| [p[0], p[1]])),
                Some(other) => record.problem = Some(Reason::NotAPoint { geometry: other.type_name().to_owned() }),
            }
            if !record.points.is_empty() {
                record.cells.retain(|c| !matches!(c.field, Some(Field::Latitude | Field::Longitude)));
            }
            record
        })
        .collect();
    Ok((keys.names, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_separators_quotes_and_newlines() {
        let text = "titre;résumé;commune\n\"Budget; participatif\";\"Une ligne\nune autre, \"\"citée\"\"\";Marck\n;;\n";
        let (headers, records) = csv(text, b';').unwrap();
        assert_eq!(headers, ["titre", "résumé", "commune"]);
        assert_eq!(records.len(), 1, "the empty row is skipped");
        let r = &records[0];
        assert_eq!((r.row, r.line), (2, Some(2)));
        assert_eq!(r.cells[0].value, "Budget; participatif");
        assert_eq!(r.cells[1].value, "Une ligne\nune autre, \"citée\"");
        assert_eq!(r.cells[1].field, Some(Field::Summary));
    }

    #[test]
    fn a_row_with_too_many_fields_is_named() {
        let (_, records) = csv("titre;commune\nBudget; participatif;Marck\nWifi;Calais\n", b';').unwrap();
        assert!(records[0].problem.as_ref().unwrap().to_string().contains("3 fields"));
        assert!(records[1].problem.is_none());
    }

    #[test]
    fn geojson_points_win_over_coordinate_properties() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":"f1","geometry":{"type":"Point","coordinates":[1.85,50.95]},"properties":{"titre":"A","latitude":0}},
            {"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{"titre":"B"}}]}"#;
        let (_, records) = geojson(text).unwrap();
        assert_eq!(records[0].points, vec![[1.85, 50.95]]);
        assert!(records[0].cells.iter().any(|c| c.field == Some(Field::Id) && c.value == "f1"));
        assert!(!records[0].cells.iter().any(|c| c.field == Some(Field::Latitude)));
        assert!(records[1].problem.as_ref().unwrap().to_string().contains("LineString"));
    }

    #[test]
    fn json_arrays_turn_values_into_text() {
        let (_, records) = json(r#"[{"titre":"A","services":["1.b.2.1","1.b.2.2"],"annee":2024,"site":null}, 3]"#).unwrap();
        let mut values: Vec<(&str, &str)> = records[0].cells.iter().map(|c| (c.column.as_str(), c.value.as_str())).collect();
        values.sort_unstable();
        assert_eq!(values, [("annee", "2024"), ("services", "1.b.2.1;1.b.2.2"), ("titre", "A")]);
        assert!(records[1].problem.is_some());
        assert!(json(r#"{"titre":"A"}"#).is_err());
    }
}
