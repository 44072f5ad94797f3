//! Sheets written in the import format, so that what is exported imports again: the CSV a
//! French spreadsheet opens as it is (UTF-8 with a byte order mark, semicolons, decimal commas,
//! French column names) and GeoJSON with the same columns as properties, one row or feature
//! per place, the rows of one sheet sharing its id. `atlaas sample --out sheets.csv` writes
//! one file at once; `GET /api/initiatives.csv` and `.geojson` write the same rows page by page
//! ([`Rows`]), streaming. For GIS, [`flatgeobuf`] writes the same columns as FlatGeobuf.

pub mod flatgeobuf;

use std::io::Write;

use serde_json::{Map, Value, json};

use crate::gazetteer::Gazetteer;
use crate::model::{NewInitiative, Place};

pub const COLUMNS: [&str; 16] = [
    "id",
    "titre",
    "résumé",
    "description",
    "collectivité",
    "services",
    "année",
    "site_web",
    "statut",
    "lieu",
    "adresse",
    "code_postal",
    "code_insee",
    "commune",
    "latitude",
    "longitude",
];

/// The byte order mark that tells a spreadsheet the file is UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn status_fr(sheet: &NewInitiative) -> &'static str {
    match sheet.status {
        crate::model::Status::Published => "publiée",
        crate::model::Status::Draft => "brouillon",
        crate::model::Status::Archived => "archivée",
    }
}

/// A text cell as a spreadsheet must not take it for a formula: one that begins with `=`,
/// `+`, `-`, `@` (or a tab or carriage return, which some strip first) gets a leading `'`,
/// the spreadsheets' own mark of a text; so does one that begins with `'`, so that the import
/// ([`spreadsheet_text`]), which takes one such mark off, gives back what was written.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// What a cell written by [`neutralised`] said.
pub fn spreadsheet_text(cell: &str) -> &str {
    let mut chars = cell.chars();
    match (chars.next(), chars.next()) {
        (Some('\''), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'')) => &cell[1..],
        _ => cell,
    }
}

/// A coordinate as a French spreadsheet writes it (`50,9491`), to the last digit stored.
fn decimal_comma(degrees: f64) -> String {
    degrees.to_string().replacen('.', ",", 1)
}

/// The cells of one place of a sheet, in [`COLUMNS`] order (coordinates apart).
pub(crate) fn text_cells<'a>(
    id: &'a str,
    s: &'a NewInitiative,
    p: &'a Place,
    services: &'a str,
    year: &'a str,
    commune: &'a str,
) -> [&'a str; 14] {
    [
        id,
        &s.title,
        &s.summary,
        &s.body,
        &s.authority,
        services,
        year,
        s.website.as_deref().unwrap_or(""),
        status_fr(s),
        p.label.as_deref().unwrap_or(""),
        p.address.as_deref().unwrap_or(""),
        p.postal_code.as_deref().unwrap_or(""),
        &p.commune,
        commune,
    ]
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Geojson,
}

/// Writes sheets a page at a time: [`Rows::head`] once, [`Rows::page`] for each page, then
/// [`Rows::tail`]; each returns the bytes to send.
pub struct Rows {
    format: Format,
    features: usize,
}

impl Rows {
    pub fn new(format: Format) -> Self {
        Rows { format, features: 0 }
    }

    pub fn head(&self) -> Vec<u8> {
        match self.format {
            Format::Csv => {
                let mut out = BOM.to_vec();
                let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
                w.write_record(COLUMNS).expect("writing to memory");
                drop(w);
                out
            }
            Format::Geojson => br#"{"type":"FeatureCollection","features":["#.to_vec(),
        }
    }

    /// The rows of these sheets, each with the id it is exported under; the gazetteer names
    /// their communes.
    pub fn page<'s>(&mut self, sheets: impl IntoIterator<Item = (String, &'s NewInitiative)>, gazetteer: &Gazetteer) -> Vec<u8> {
        let mut out = Vec::new();
        match self.format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().delimiter(b';').has_headers(false).from_writer(&mut out);
                for (id, s) in sheets {
                    let (services, year) = (s.services.join(","), s.year.to_string());
                    for p in &s.places {
                        let commune = gazetteer.commune(&p.commune).map_or("", |c| c.name.as_str());
                        let mut record: Vec<std::borrow::Cow<str>> =
                            text_cells(&id, s, p, &services, &year, commune).into_iter().map(neutralised).collect();
                        record.push(decimal_comma(p.lat).into());
                        record.push(decimal_comma(p.lon).into());
                        w.write_record(record.iter().map(|c| c.as_bytes())).expect("writing to memory");
                    }
                }
                drop(w);
            }
            Format::Geojson => {
                for (id, s) in sheets {
                    let (services, year) = (s.services.join(","), s.year.to_string());
                    for p in &s.places {
                        let commune = gazetteer.commune(&p.commune).map_or("", |c| c.name.as_str());
                        let cells = text_cells(&id, s, p, &services, &year, commune);
                        let properties: Map<String, Value> = COLUMNS
                            .iter()
                            .zip(cells)
                            .filter(|(_, v)| !v.is_empty())
                            .map(|(k, v)| ((*k).to_owned(), Value::String(v.to_owned())))
                            .collect();
                        let feature = json!({
                            "type": "Feature",
                            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                            "properties": properties,
                        });
                        if self.features > 0 {
                            out.push(b',');
                        }
                        out.push(b'\n');
                        serde_json::to_writer(&mut out, &feature).expect("writing to memory");
                        self.features += 1;
                    }
                }
            }
        }
        out
    }

    pub fn tail(&self) -> Vec<u8> {
        match self.format {
            Format::Csv => vec![],
            Format::Geojson => b"\n]}\n".to_vec(),
        }
    }
}

/// Writes sheets as one import file (CSV), under their own ids.
pub fn write_csv<W: Write>(mut out: W, sheets: &[NewInitiative], gazetteer: &Gazetteer) -> std::io::Result<()> {
    let mut rows = Rows::new(Format::Csv);
    out.write_all(&rows.head())?;
    out.write_all(&rows.page(sheets.iter().map(|s| (s.external_id.clone(), s)), gazetteer))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back_as_written() {
        for text in ["=HYPERLINK(\"http://x\")", "+33 3 21", "-12", "@SUM(A1)", "\tx", "'=déjà", "'texte", "Marck", "", "a=b"] {
            let cell = neutralised(text);
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{text:?} → {cell:?}");
            assert_eq!(spreadsheet_text(&cell), text, "{text:?} → {cell:?}");
        }
        assert_eq!(neutralised("Marck"), "Marck");
        assert_eq!(decimal_comma(50.949_123_456), "50,949123456");
        assert_eq!(decimal_comma(-1.5), "-1,5");
    }
}
