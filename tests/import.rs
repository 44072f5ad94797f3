//! Bulk import through the library core: encodings and separators, French spellings, the
//! report, all-or-nothing, idempotent re-imports, GeoJSON/JSON and the mediation-places schema.
//! SQLite here, and once on PostgreSQL + PostGIS to show both stores take the same sheets.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use atlaas::import::{self, Encoding, Format, ImportError, ImportOptions, Outcome};
use atlaas::model::{AuthorityKind, GeocodeMethod, Initiative, LabelAward, NewInitiative};
use atlaas::referential::Referential;
use atlaas::store::{self, Store, WriteBatch};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn referential() -> Arc<Referential> {
    static R: std::sync::OnceLock<Arc<Referential>> = std::sync::OnceLock::new();
    R.get_or_init(|| Arc::new(Referential::load(&atlaas::gazetteer::default_data_dir().join("referential-2024.json")).unwrap())).clone()
}

async fn sqlite() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = store::open(&format!("sqlite://{}", dir.path().join("atlaas.db").display())).await.unwrap();
    (dir, store)
}

fn options(file_name: &str) -> ImportOptions {
    ImportOptions {
        format: None,
        encoding: None,
        source: "fixture".into(),
        dry_run: false,
        skip_invalid: false,
        updated_by: "test".into(),
        file_name: file_name.into(),
        default_year: 2026,
        scope: Default::default(),
        progress: None,
        addresses: None,
    }
}

async fn run(store: &dyn Store, bytes: &[u8], options: &ImportOptions) -> Result<Outcome, ImportError> {
    import::import(store, &common::gazetteer(), &referential(), bytes, options).await
}

async fn sheets(store: &dyn Store) -> BTreeMap<String, Initiative> {
    store.initiatives_of_source("fixture").await.unwrap().into_iter().map(|s| (s.sheet.external_id.clone(), s)).collect()
}

/// What a sheet says, without what the store adds.
fn content(sheets: &BTreeMap<String, Initiative>) -> Vec<NewInitiative> {
    sheets.values().map(|s| s.sheet.clone()).collect()
}

#[tokio::test]
async fn the_excel_csv_imports_like_its_utf8_twin() {
    let (_a, excel_store) = sqlite().await;
    let excel = run(excel_store.as_ref(), &fixture("initiatives-excel.csv"), &options("initiatives-excel.csv")).await.unwrap();
    assert_eq!((excel.report.encoding, excel.report.separator.as_deref()), (Some("windows-1252"), Some("';'")));
    assert_eq!((excel.report.rows, excel.report.sheets, excel.report.created), (11, 10, 10));
    assert!(excel.report.errors.is_empty(), "{:?}", excel.report.errors);
    assert!(excel.report.written);

    let (_b, utf8_store) = sqlite().await;
    let utf8 = run(utf8_store.as_ref(), &fixture("initiatives.csv"), &options("initiatives.csv")).await.unwrap();
    assert_eq!((utf8.report.encoding, utf8.report.separator.as_deref()), (Some("utf-8"), Some("','")));

    // What Excel writes with "CSV UTF-8": a byte order mark and semicolons.
    let text = String::from_utf8(fixture("initiatives.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(&mut bom);
        w.write_record(rows.headers().unwrap()).unwrap();
        for r in rows.records() {
            w.write_record(&r.unwrap()).unwrap();
        }
    }
    let (_c, bom_store) = sqlite().await;
    run(bom_store.as_ref(), &bom, &options("initiatives-bom.csv")).await.unwrap();

    let expected = content(&sheets(utf8_store.as_ref()).await);
    assert_eq!(expected.len(), 10);
    assert_eq!(content(&sheets(excel_store.as_ref()).await), expected);
    assert_eq!(content(&sheets(bom_store.as_ref()).await), expected);
}

#[tokio::test]
async fn french_spellings_reach_the_right_communes_and_owners() {
    let (_dir, store) = sqlite().await;
    let outcome = run(store.as_ref(), &fixture("initiatives.csv"), &options("initiatives.csv")).await.unwrap();
    let s = sheets(store.as_ref()).await;
    let places = |id: &str| s[id].sheet.places.iter().map(|p| p.commune.as_str()).collect::<Vec<_>>();
    let owner = |id: &str| s[id].sheet.authority.as_str();
    assert_eq!((places("st-etienne-wifi"), owner("st-etienne-wifi")), (vec!["42218"], "42218"));
    assert_eq!(places("abergement-ateliers"), ["01001"]);
    assert_eq!(
        (places("paris-11-quartier"), owner("paris-11-quartier")),
        (vec!["75111"], "75056"),
        "an arrondissement's sheet belongs to the city"
    );
    assert_eq!(places("ajaccio-mediatheque"), ["2A004"]);
    assert_eq!(places("saint-denis-aidants"), ["97411"]);
    // A decimal comma, and a point in Lyon's 2nd arrondissement.
    let lyon = &s["lyon-eclairage"].sheet.places[0];
    assert_eq!((lyon.commune.as_str(), lyon.lon, lyon.lat, lyon.method), ("69382", 4.832, 45.7578, GeocodeMethod::Coordinates));
    assert_eq!(owner("lyon-eclairage"), "69123");
    // Two rows with one id are two places of one sheet, owned by the EPCI the rows name.
    assert_eq!((places("calais-epn"), owner("calais-epn")), (vec!["62193", "62548"], "200090751"));
    assert_eq!(owner("ille-et-vilaine-colleges"), "dep-35");
    let quiberon = &s["quiberon-alerte"].sheet.places[0];
    assert_eq!((quiberon.commune.as_str(), quiberon.lon, quiberon.lat), ("56186", -3.1193, 47.4864));
    let swapped = outcome.report.warnings.iter().find(|w| w.row == 11).expect("the swap is reported");
    assert_eq!(swapped.column.as_deref(), Some("latitude"));
    assert!(swapped.reason.contains("other way round"), "{}", swapped.reason);

    let marck = &s["marck-budget"].sheet;
    assert_eq!(marck.services, ["1.b.2.1", "1.b.2.2"], "services given by name");
    assert_eq!(marck.website.as_deref(), Some("https://www.ville-marck.fr"));
    assert!(marck.summary.contains("50 000 €") && marck.body.contains("2019.\nDeuxième") && marck.body.contains("« avec"));
    assert_eq!(marck.places[0].address.as_deref(), Some("Place de l’Hôtel de Ville"));
    assert_eq!(marck.source_data.get("contact").map(String::as_str), Some("mairie@ville-marck.fr"), "unknown columns are kept");
    assert_eq!(outcome.report.other_columns, ["contact"]);

    // Owners the store lacked come from the gazetteer, with their kind and population.
    let epci = store.authority("200090751").await.unwrap().unwrap();
    assert_eq!((epci.kind, epci.name.as_str()), (AuthorityKind::Epci, "Communauté d'agglomération Grand Calais Terres et Mers"));
    assert!(epci.population > 73_911, "the EPCI counts all its communes");
    let dep = store.authority("dep-35").await.unwrap().unwrap();
    assert_eq!((dep.kind, dep.name.as_str()), (AuthorityKind::Departement, "Département d'Ille-et-Vilaine"));
    assert_eq!(store.authority("75111").await.unwrap(), None, "arrondissements are not authorities");
}

#[tokio::test]
async fn importing_the_same_file_again_changes_nothing() {
    let (_dir, store) = sqlite().await;
    let bytes = fixture("initiatives.csv");
    run(store.as_ref(), &bytes, &options("initiatives.csv")).await.unwrap();
    let before = sheets(store.as_ref()).await;
    let again = run(store.as_ref(), &bytes, &options("initiatives.csv")).await.unwrap();
    assert_eq!((again.report.created, again.report.updated, again.report.unchanged), (0, 0, 10));
    assert!(!again.report.written && again.written.is_empty());
    assert_eq!(sheets(store.as_ref()).await, before, "not even updated_at moves");
    assert_eq!(store.count_initiatives().await.unwrap(), 10);

    // One edited cell updates one sheet, in place.
    let edited = String::from_utf8(bytes).unwrap().replace("Médiathèque numérique", "Médiathèque numérique de la ville");
    let third = run(store.as_ref(), edited.as_bytes(), &options("initiatives.csv")).await.unwrap();
    assert_eq!((third.report.created, third.report.updated, third.report.unchanged), (0, 1, 9));
    let after = sheets(store.as_ref()).await;
    assert_eq!(after["ajaccio-mediatheque"].id, before["ajaccio-mediatheque"].id);
    assert_eq!(after["ajaccio-mediatheque"].sheet.title, "Médiathèque numérique de la ville");
    assert_eq!(store.count_initiatives().await.unwrap(), 10);
    assert_eq!(after["ajaccio-mediatheque"].version, before["ajaccio-mediatheque"].version + 1, "an API client's version is outdated");

    // The history has the import that made the sheet and the one that changed it, and no entry
    // for the import that changed nothing.
    let history = store.history(after["ajaccio-mediatheque"].id).await.unwrap();
    let summary: Vec<_> = history.iter().map(|e| (e.action.as_str(), e.channel, e.actor.as_str(), e.version)).collect();
    let import = atlaas::model::contribution::Channel::Import;
    assert_eq!(summary, [("imported", import, "test", 1), ("imported", import, "test", 2)]);
    assert_eq!(history[0].changes["status"], serde_json::json!([null, "published"]));
    assert_eq!(history[1].changes.as_object().unwrap().keys().collect::<Vec<_>>(), ["title"]);
    assert_eq!(history[1].changes["title"], serde_json::json!(["Médiathèque numérique", "Médiathèque numérique de la ville"]));
}

/// The fixture with Ajaccio's row (row 6) pointing nowhere.
fn with_one_bad_row() -> String {
    String::from_utf8(fixture("initiatives.csv")).unwrap().replace("20000,Ajaccio", ",Nulle-Part-sur-Mer")
}

#[tokio::test]
async fn one_bad_row_imports_nothing_and_is_named() {
    let (_dir, store) = sqlite().await;
    let outcome = run(store.as_ref(), with_one_bad_row().as_bytes(), &options("initiatives.csv")).await.unwrap();
    assert!(!outcome.report.written);
    assert_eq!(store.count_initiatives().await.unwrap(), 0);
    assert_eq!(store.authorities().await.unwrap().len(), 0, "nothing at all is written");
    let [error] = outcome.report.errors.as_slice() else { panic!("{:?}", outcome.report.errors) };
    assert_eq!((error.row, error.column.as_deref()), (6, Some("commune")));
    assert!(error.reason.contains("Nulle-Part-sur-Mer"), "{}", error.reason);
    assert_eq!(outcome.report.rejected_rows, 1);
    let human = outcome.report.to_string();
    // Row 2 spans two lines (a quoted newline): the report gives both numbers.
    assert!(human.contains("row 6 (line 7), column \"commune\"") && human.contains("nothing written"), "{human}");

    // With --skip-invalid the other nine sheets go in.
    let skip = ImportOptions { skip_invalid: true, ..options("initiatives.csv") };
    let outcome = run(store.as_ref(), with_one_bad_row().as_bytes(), &skip).await.unwrap();
    assert!(outcome.report.written);
    assert_eq!((outcome.report.created, outcome.report.errors.len()), (9, 1));
    assert_eq!(store.count_initiatives().await.unwrap(), 9);
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let (_dir, store) = sqlite().await;
    let dry = ImportOptions { dry_run: true, ..options("initiatives.csv") };
    let outcome = run(store.as_ref(), &fixture("initiatives.csv"), &dry).await.unwrap();
    assert_eq!((outcome.report.created, outcome.report.new_authorities.len()), (10, 10));
    assert!(!outcome.report.written);
    assert_eq!(store.count_initiatives().await.unwrap(), 0);
    assert!(outcome.report.to_string().contains("would be created 10"));
}

#[tokio::test]
async fn every_kind_of_bad_row_gets_its_column_and_reason() {
    let text = "id;titre;services;année;site_web;commune;code_postal;code_insee;latitude;longitude;collectivité\n\
        ok;Budget participatif;1.b.2.1;2024;;Marck;62730;;;;\n\
        split;Budget; participatif;1.b.2.1;2024;;Marck;;;;;\n\
        lat;Wifi;4.c.1.2;2024;;;;;abc;1.85;\n\
        year;Wifi;4.c.1.2;1850;;Marck;;;;;\n\
        service;Wifi;9.z.9.9;2024;;Marck;;;;;\n\
        site;Wifi;4.c.1.2;2024;marck.fr;Marck;;;;;\n\
        owner;Wifi;4.c.1.2;2024;;Marck;;;;;99999\n\
        half;Wifi;4.c.1.2;2024;;;;;50.95;;\n\
        sea;Wifi;4.c.1.2;2024;;;;;46.0;-5.0;\n\
        insee;Wifi;4.c.1.2;2024;;;;62999;;;\n\
        empty;;4.c.1.2;2024;;Marck;;;;;\n\
        ok;Budget participatif;1.b.2.2;2024;;Marck;62730;;;;\n";
    let (_dir, store) = sqlite().await;
    let outcome = run(store.as_ref(), text.as_bytes(), &options("bad.csv")).await.unwrap();
    let by_row: BTreeMap<usize, (Option<&str>, &str)> =
        outcome.report.errors.iter().map(|e| (e.row, (e.column.as_deref(), e.reason.as_str()))).collect();
    let expect = |row: usize, column: Option<&str>, words: &str| {
        let (c, reason) = by_row.get(&row).unwrap_or_else(|| panic!("row {row} has no error: {by_row:?}"));
        assert_eq!(*c, column, "row {row}: {reason}");
        assert!(reason.contains(words), "row {row}: {reason:?} lacks {words:?}");
    };
    expect(3, None, "12 fields");
    expect(4, Some("latitude"), "\"abc\" is not a decimal number");
    expect(5, Some("année"), "1999 and 2100");
    expect(6, Some("services"), "\"9.z.9.9\"");
    expect(7, Some("site_web"), "not a web address");
    expect(8, Some("authority"), "\"99999\" is not an authority");
    expect(9, Some("latitude"), "only one of longitude and latitude");
    expect(10, Some("latitude"), "in no French commune");
    expect(11, Some("code_insee"), "62999");
    expect(12, Some("titre"), "empty");
    // Each with its code, for the pages to say it in French.
    let codes: BTreeMap<usize, String> =
        outcome.report.errors.iter().map(|e| (e.row, serde_json::to_value(e).unwrap()["code"].as_str().unwrap().to_owned())).collect();
    assert_eq!(codes[&6], "not_a_service_or_name");
    assert_eq!(codes[&10], "outside_france");
    assert_eq!(codes[&12], "empty");
    expect(13, Some("id"), "another services");
    assert!(!by_row.contains_key(&2));
    assert_eq!(store.count_initiatives().await.unwrap(), 0);
}

#[tokio::test]
async fn whole_file_problems_refuse_the_file_with_a_reason() {
    let (_dir, store) = sqlite().await;
    let no_title = run(store.as_ref(), b"commune;services\nMarck;1.b.2.1\n", &options("a.csv")).await.unwrap_err().to_string();
    assert!(no_title.contains("no column gives the title") && no_title.contains("commune, services"), "{no_title}");
    let nowhere = run(store.as_ref(), b"titre;services\nWifi;1.b.2.1\n", &options("a.csv")).await.unwrap_err().to_string();
    assert!(nowhere.contains("no column says where"), "{nowhere}");
    let forced = ImportOptions { encoding: Some(Encoding::Utf8), ..options("a.csv") };
    let wrong = run(store.as_ref(), &fixture("initiatives-excel.csv"), &forced).await.unwrap_err().to_string();
    assert!(wrong.contains("not valid UTF-8") && wrong.contains("windows-1252"), "{wrong}");
    let json = run(store.as_ref(), b"{\"titre\": 1", &options("a.json")).await.unwrap_err().to_string();
    assert!(json.contains("line 1"), "{json}");
    assert!(run(store.as_ref(), b"", &options("empty.csv")).await.is_err());
    assert_eq!(store.count_initiatives().await.unwrap(), 0);
}

#[tokio::test]
async fn geojson_and_json_files_import_too() {
    let geojson = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "g1", "geometry": {"type": "Point", "coordinates": [1.9557, 50.9491]},
         "properties": {"titre": "Budget participatif", "services": ["1.b.2.1"], "annee": 2024}},
        {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[1.8545, 50.9528], [1.9557, 50.9491]]},
         "properties": {"id": "g2", "title": "Espaces publics numériques", "services": "2.d.1.1", "authority": "200090751"}}]}"#;
    let (_dir, store) = sqlite().await;
    let outcome = run(store.as_ref(), geojson.as_bytes(), &options("sheets.geojson")).await.unwrap();
    assert_eq!(outcome.report.format, Some(Format::Geojson));
    assert!(outcome.report.errors.is_empty(), "{:?}", outcome.report.errors);
    let s = sheets(store.as_ref()).await;
    assert_eq!((s["g1"].sheet.places[0].commune.as_str(), s["g1"].sheet.year), ("62548", 2024));
    let g2: Vec<&str> = s["g2"].sheet.places.iter().map(|p| p.commune.as_str()).collect();
    assert_eq!((g2, s["g2"].sheet.year), (vec!["62193", "62548"], 2026), "a MultiPoint is several places; no year → the default");

    let json = r#"[{"id": "j1", "titre": "Wifi public gratuit", "services": "4.c.1.2", "code_insee": "2A004", "statut": "brouillon"}]"#;
    let outcome = run(store.as_ref(), json.as_bytes(), &options("sheets.json")).await.unwrap();
    assert_eq!((outcome.report.format, outcome.report.created), (Some(Format::Json), 1));
    let j1 = &sheets(store.as_ref()).await["j1"];
    assert_eq!((j1.sheet.places[0].commune.as_str(), j1.sheet.status), ("2A004", atlaas::model::Status::Draft));
}

#[tokio::test]
async fn mediation_places_map_their_services_and_keep_the_originals() {
    let (_dir, store) = sqlite().await;
    let mednum = ImportOptions { format: Some(Format::Mednum), source: "mednum".into(), ..options("lieux.csv") };
    let outcome = run(store.as_ref(), &fixture("lieux-mediation-numerique.csv"), &mednum).await.unwrap();
    assert!(outcome.report.errors.is_empty(), "{:?}", outcome.report.errors);
    assert_eq!(outcome.report.created, 3);
    assert_eq!(outcome.report.unmatched_services.get("Maîtrise des outils numériques du quotidien"), Some(&1));
    let places: BTreeMap<String, Initiative> =
        store.initiatives_of_source("mednum").await.unwrap().into_iter().map(|s| (s.sheet.external_id.clone(), s)).collect();
    let calais = &places["exemple-1"].sheet;
    assert_eq!(calais.services, ["2.d.1.3", "2.d.2.1", "2.d.1.1"], "France Services first, then the matching services");
    assert_eq!((calais.authority.as_str(), calais.year), ("62193", 2025), "owned by its commune; the year of date_maj");
    assert_eq!(calais.website.as_deref(), Some("https://example.org"));
    assert_eq!(calais.places[0].address.as_deref(), Some("Place du Soldat Inconnu, Rez-de-chaussée"));
    assert_eq!(calais.places[0].label.as_deref(), Some("Exemple — Espace France Services de Calais"));
    let kept = &calais.source_data;
    assert!(kept["services"].starts_with("Aide aux démarches administratives;Maîtrise"), "the original services are kept");
    assert_eq!((kept["typologie"].as_str(), kept["date_maj"].as_str()), ("MUNI", "2025-03-14"));
    assert_eq!(kept["site_web"], "https://example.org;https://example.org/agenda");
    assert_eq!(places["exemple-2"].sheet.services, ["2.d.1.4", "2.b.1.1", "3.b.2.3"]);
    assert_eq!(places["exemple-3"].sheet.services, ["2.d.1.2"]);
    assert_eq!(places["exemple-3"].sheet.places[0].commune, "69382");
}

#[tokio::test]
async fn an_import_leaves_the_label_history_of_stored_authorities_alone() {
    let (_dir, store) = sqlite().await;
    let mut marck = common::gazetteer().authority("62548").unwrap();
    marck.awards = vec![LabelAward { year: 2019, arobases: 4, mentions: vec!["education".into()] }];
    store.write(WriteBatch { authorities: vec![marck.clone()], ..Default::default() }).await.unwrap();
    let outcome = run(store.as_ref(), &fixture("initiatives.csv"), &options("initiatives.csv")).await.unwrap();
    assert!(!outcome.report.new_authorities.contains(&"62548".to_owned()));
    assert_eq!(store.authority("62548").await.unwrap(), Some(marck));
    assert_eq!(sheets(store.as_ref()).await["marck-budget"].sheet.authority, "62548");
}

#[tokio::test]
async fn postgis_takes_the_same_sheets_as_sqlite() {
    let (_dir, lite) = sqlite().await;
    let pg = store::open(&common::fresh_postgres_database().await).await.unwrap();
    for store in [lite.as_ref(), pg.as_ref()] {
        let first = run(store, &fixture("initiatives-excel.csv"), &options("initiatives-excel.csv")).await.unwrap();
        assert_eq!(first.report.created, 10);
        let again = run(store, &fixture("initiatives-excel.csv"), &options("initiatives-excel.csv")).await.unwrap();
        assert_eq!(again.report.unchanged, 10, "{} re-imports without a change", store.backend());
    }
    assert_eq!(content(&sheets(pg.as_ref()).await), content(&sheets(lite.as_ref()).await));
    assert_eq!(pg.authorities().await.unwrap(), lite.authorities().await.unwrap());
}

#[tokio::test]
async fn imported_places_reach_a_running_server_once_applied() {
    let app = common::TestApp::spawn_with(None).await;
    let mednum = ImportOptions { format: Some(Format::Mednum), source: "mednum".into(), ..options("lieux.csv") };
    let outcome = run(app.state.store.as_ref(), &fixture("lieux-mediation-numerique.csv"), &mednum).await.unwrap();
    app.state.apply_changes(&outcome.written, &[], &outcome.new_authorities).await;
    let calais = outcome.written.iter().find(|s| s.sheet.external_id == "exemple-1").unwrap();
    let sheet = app.ok(&format!("/api/initiatives/{}", calais.id)).await;
    let p = &sheet["properties"];
    assert_eq!(p["authority"]["name"], "Calais");
    assert_eq!(p["source_data"]["horaires"], "Mo-Fr 09:00-12:00", "what the schema says beyond our fields is shown");
    let near = app.ok("/api/nearby?commune=62193&limit=3").await;
    assert_eq!(near["features"][0]["id"], calais.id);
}

/// The report counts places by method and by confidence, and lists each doubtful place with
/// its row: a file as towns send them, with a former commune, a neighbour's postal code, a
/// typo, an unknown postal code and clean rows.
#[tokio::test]
async fn the_report_counts_places_by_method_and_confidence_and_names_the_doubtful_rows() {
    let (_dir, store) = sqlite().await;
    let csv = "titre;services;code_postal;commune;code_insee;latitude;longitude\n\
               Budget participatif;1.a.1.1;62730;Marck;;;\n\
               Wifi public;4.c.1.2;;;42218;;\n\
               Ateliers;2.b.2.3;;;;50.95;1.95\n\
               Tiers-lieu;2.b.2.3;50110;Tourlaville;;;\n\
               Maison France services;2.b.2.3;35700;Cesson-Sévigné;;;\n\
               Fablab;2.b.2.3;35510;Cesson-Sevgné;;;\n\
               Médiathèque;2.b.2.3;35999;Cesson-Sévigné;;;\n";
    let dry = ImportOptions { dry_run: true, ..options("mixed.csv") };
    let report = run(store.as_ref(), csv.as_bytes(), &dry).await.unwrap().report;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let counts = |m: &BTreeMap<String, usize>| m.iter().map(|(k, n)| (k.clone(), *n)).collect::<Vec<_>>();
    let expected = |pairs: &[(&str, usize)]| pairs.iter().map(|(k, n)| (k.to_string(), *n)).collect::<Vec<_>>();
    assert_eq!(
        counts(&report.geocoding),
        expected(&[("coordinates", 1), ("insee_code", 1), ("name_departement", 1), ("postal_code_name", 4)])
    );
    assert_eq!(counts(&report.confidence), expected(&[("0.6", 2), ("0.7", 1), ("0.9", 1), ("0.95", 1), ("1", 2)]));
    // Every place below 0.95 has its warning, on its row.
    let flagged: Vec<(usize, Value)> = report.warnings.iter().map(|w| (w.row, serde_json::to_value(&w.why).unwrap())).collect();
    assert_eq!(flagged.iter().map(|(row, _)| *row).collect::<Vec<_>>(), [5, 6, 7, 8], "{flagged:?}");
    let kinds: Vec<String> = flagged.iter().map(|(_, why)| why.to_string()).collect();
    for (kind, at) in [("former_commune", 0), ("unexpected_postal_code", 1), ("name_near", 2), ("unexpected_postal_code", 3)] {
        assert!(kinds[at].contains(kind), "{kind}: {kinds:?}");
    }
    assert!(report.to_string().contains("places by confidence: 1: 2, 0.95: 1, 0.9: 1, 0.7: 1, 0.6: 2"), "{report}");
}
