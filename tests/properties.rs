//! Property tests of what reads untrusted text: the import readers (CSV, JSON, GeoJSON) on
//! random bytes and on mutations of valid files, and the query-string parser on random
//! parameters. Never a panic, and every refusal says where: a row problem names a row of the
//! file, a refused file says which row or line, a refused query names its parameter.

mod common;

use std::sync::{Arc, OnceLock};

use atlaas::gazetteer::default_data_dir;
use atlaas::import::{Format, ImportError, ImportOptions, prepare};
use atlaas::index::filter::query::parse_filter;
use atlaas::referential::Referential;
use proptest::prelude::*;

fn referential() -> Arc<Referential> {
    static R: OnceLock<Arc<Referential>> = OnceLock::new();
    R.get_or_init(|| Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap())).clone()
}

fn options(format: Format) -> ImportOptions {
    ImportOptions {
        format: Some(format),
        encoding: None,
        source: "proptest".into(),
        dry_run: true,
        skip_invalid: false,
        updated_by: "proptest".into(),
        file_name: "fuzz".into(),
        default_year: 2026,
        scope: Default::default(),
        progress: None,
        addresses: None,
    }
}

/// Reads `bytes` as `format` and checks that whatever comes out says where.
fn check_import(bytes: &[u8], format: Format) -> Result<(), TestCaseError> {
    match prepare(&common::gazetteer(), &referential(), bytes, &options(format)) {
        Ok(prepared) => {
            let report = prepared.report();
            // A CSV file numbers its rows from the header (row 1), blank rows included, and a
            // row takes one line at least; JSON and GeoJSON number their items from 1. A lone
            // carriage return (old Mac files) ends a CSV row as a line feed does.
            let lines = line_count(bytes);
            let rows = if format == Format::Csv { 2..=lines } else { 1..=report.rows };
            for p in report.errors.iter().chain(&report.warnings) {
                prop_assert!(rows.contains(&p.row), "problem of row {} where rows are {rows:?}: {p:?}", p.row);
                prop_assert!(p.line.is_none_or(|l| (1..=lines as u64).contains(&l)), "line {:?} of {lines}", p.line);
                prop_assert!(!p.reason.is_empty());
            }
        }
        Err(ImportError::Malformed(m)) => {
            let says_where = ["row", "line", "empty", "array", "FeatureCollection"].iter().any(|w| m.contains(w));
            prop_assert!(says_where, "a malformed file must say where: {m}");
        }
        Err(ImportError::Encoding(m)) | Err(ImportError::Columns(m)) => prop_assert!(!m.is_empty()),
        Err(ImportError::Store(e)) => prop_assert!(false, "reading a file never touches the store: {e}"),
    }
    Ok(())
}

/// Lines as a CSV reader sees them: ended by `\n`, `\r\n` or a lone `\r`.
fn line_count(bytes: &[u8]) -> usize {
    let lone_cr = bytes.iter().enumerate().filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n')).count();
    bytes.iter().filter(|&&b| b == b'\n').count() + lone_cr + 1
}

const CSV: &str = "id,titre,services,année,code_postal,commune,code_insee,latitude,longitude\n\
a,Budget participatif,1.a.1.1,2024,62730,Marck,,,\n\
b,\"Wifi, public\",4.c.1.2|1.a.1.1,2023,,,42218,,\n\
c,Ateliers,2.b.2.3,,,,,50.95,1.95\n\
a,Budget participatif,1.a.1.1,2024,,,62193,,\n";

const JSON: &str = r#"[{"id":"a","titre":"Budget participatif","services":["1.a.1.1"],"code_insee":"62548","année":2024},
{"id":"b","titre":"Wifi","services":"4.c.1.2","latitude":45.43,"longitude":4.39},
{"titre":"Ateliers","commune":"Calais","code_postal":"62100"}]"#;

const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","id":"a","properties":{"titre":"Budget participatif","services":"1.a.1.1"},"geometry":{"type":"Point","coordinates":[1.9557,50.9491]}},
{"type":"Feature","properties":{"id":"b","titre":"Wifi","services":["4.c.1.2"]},"geometry":{"type":"MultiPoint","coordinates":[[4.39,45.43],[1.85,50.95]]}},
{"type":"Feature","properties":{"titre":"Ateliers","code_insee":"62193"},"geometry":null}]}"#;

/// Bytes that matter to the three formats, and some that do not.
const PALETTE: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\n",
    "\r\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    "|",
    "-",
    ".",
    "0",
    "9",
    "e",
    "é",
    "\u{feff}",
    " ",
    "null",
    "1e999",
    "NaN",
    "-91",
    "[1]",
    "[]",
    "\"Point\"",
    "\"coordinates\"",
    "\u{0}",
    "\u{ff}",
];

/// One edit of a file: where (a fraction of its length) and what.
#[derive(Debug, Clone)]
enum Edit {
    Insert(f64, usize),
    Delete(f64, usize),
    DuplicateLine(f64),
    Truncate(f64),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (0.0..1.0, 0..PALETTE.len()).prop_map(|(at, i)| Edit::Insert(at, i)),
        (0.0..1.0, 1usize..12).prop_map(|(at, n)| Edit::Delete(at, n)),
        (0.0..1.0).prop_map(Edit::DuplicateLine),
        (0.0..1.0).prop_map(Edit::Truncate),
    ];
    proptest::collection::vec(edit, 1..6)
}

fn apply(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let at = |f: f64, len: usize| ((len as f64 * f) as usize).min(len);
        match *e {
            Edit::Insert(f, i) => {
                let at = at(f, bytes.len());
                bytes.splice(at..at, PALETTE[i].bytes());
            }
            Edit::Delete(f, n) => {
                let start = at(f, bytes.len());
                bytes.drain(start..(start + n).min(bytes.len()));
            }
            Edit::DuplicateLine(f) => {
                let lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
                let i = at(f, lines.len() - 1);
                let mut out = lines.clone();
                out.insert(i, lines[i].clone());
                bytes = out.join(&b'\n');
            }
            Edit::Truncate(f) => bytes.truncate(at(f, bytes.len())),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused_or_read_with_rows_named(bytes in proptest::collection::vec(any::<u8>(), 0..600), which in 0..3usize) {
        check_import(&bytes, [Format::Csv, Format::Json, Format::Geojson][which])?;
    }

    #[test]
    fn a_damaged_csv_file_says_which_rows(edits in edits()) {
        check_import(&apply(CSV, &edits), Format::Csv)?;
    }

    #[test]
    fn a_damaged_json_file_says_which_rows(edits in edits()) {
        check_import(&apply(JSON, &edits), Format::Json)?;
    }

    #[test]
    fn a_damaged_geojson_file_says_which_rows(edits in edits()) {
        check_import(&apply(GEOJSON, &edits), Format::Geojson)?;
    }
}

const KEYS: &[&str] = &[
    "bbox",
    "theme",
    "challenge",
    "service",
    "year",
    "arobases",
    "population",
    "q",
    "commune",
    "departement",
    "region",
    "limit",
    "cursor",
    "x",
    "Theme",
    "",
];

const VALUES: &[&str] = &[
    "",
    "1",
    "2",
    "2.b",
    "1.a.1.1",
    "9",
    "0",
    "-1",
    "6",
    "2010-2024",
    "2024-2010",
    "1800",
    "5000-",
    "-",
    "1,43,3,49",
    "1,2,3",
    "NaN,1,2,3",
    "inf",
    "1e308",
    "62548",
    "2A",
    "32",
    "99999",
    ",,,",
    "numérique",
    "é",
    "%",
    "&",
    "=",
    "\u{0}",
    "18446744073709551616",
];

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    let pair = (0..KEYS.len(), proptest::collection::vec(0..VALUES.len(), 1..4))
        .prop_map(|(k, vs)| (KEYS[k].to_owned(), vs.iter().map(|&v| VALUES[v]).collect::<Vec<_>>().join(",")));
    proptest::collection::vec(pair, 0..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A refused query names one of its parameters (or says the query string is malformed).
    #[test]
    fn a_refused_query_names_its_parameter(pairs in query()) {
        let raw = serde_urlencoded::to_string(&pairs).unwrap();
        if let Err(e) = parse_filter(&raw, &common::gazetteer(), &referential()) {
            let m = e.to_string();
            let named = pairs.iter().any(|(k, _)| m.contains(&format!("`{k}`")) || (!k.is_empty() && m.contains(k.as_str())))
                || m.contains("query string");
            prop_assert!(named, "{raw:?} refused without naming a parameter: {m}");
        }
    }

    #[test]
    fn any_query_string_is_parsed_or_refused(raw in "[ -~é%&=]{0,80}") {
        let _ = parse_filter(&raw, &common::gazetteer(), &referential());
    }
}

/// Positions the GeoJSON grammar allows but a place cannot be: too short, not numbers, out of
/// range. Each is a row's problem or the file's, never a panic.
#[test]
fn odd_geojson_positions_are_problems_not_panics() {
    for coordinates in ["[1]", "[]", "[1e999, 2]", "[200, 100]", "[[1],[2,3]]", "[null, 2]"] {
        let kind = if coordinates.starts_with("[[") { "MultiPoint" } else { "Point" };
        let file = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"titre":"T"}},"geometry":{{"type":"{kind}","coordinates":{coordinates}}}}}]}}"#
        );
        check_import(file.as_bytes(), Format::Geojson).unwrap_or_else(|e| panic!("{coordinates}: {e}"));
    }
}

/// Found by the property above: a bbox corner out of range was refused without naming `bbox`.
#[test]
fn a_bbox_corner_out_of_range_names_the_bbox() {
    let e = parse_filter("bbox=1e308,1,2,3", &common::gazetteer(), &referential()).unwrap_err().to_string();
    assert!(e.starts_with("bbox \"1e308,1,2,3\": longitude 1e308 is outside"), "{e}");
}
