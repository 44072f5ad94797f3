//! `GET /api/initiatives.csv` and `.geojson`: the filtered selection, whole, in the import
//! format a French spreadsheet opens (semicolons, BOM, decimal commas, formulas neutralised),
//! and an export imports again to the same sheets.

mod common;

use std::collections::BTreeMap;

use atlaas::import::{ImportOptions, Scope};
use atlaas::model::{Initiative, Status};
use atlaas::store::WriteBatch;
use common::{TestApp, all_pages, hand_sheet};

async fn export(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    app.get_bytes(path, &[]).await
}

fn options(file_name: &str) -> ImportOptions {
    ImportOptions {
        format: None,
        encoding: None,
        source: file_name.into(),
        dry_run: false,
        skip_invalid: false,
        updated_by: "test".into(),
        file_name: file_name.into(),
        default_year: 2024,
        scope: Scope::default(),
        progress: None,
        addresses: None,
    }
}

/// The published sheets of a store by id.
async fn published(app: &TestApp) -> BTreeMap<i64, Initiative> {
    let ids: Vec<i64> = all_pages(app, "/api/initiatives").await.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    app.state.store.published_among(&ids).await.unwrap().into_iter().map(|s| (s.id, s)).collect()
}

/// Imports an export into a fresh store, then checks every exported sheet came back as it was.
async fn imports_again(original: &BTreeMap<i64, Initiative>, bytes: &[u8], file_name: &str) {
    let (_dir, _, store) = common::fresh_store("sqlite").await;
    let g = common::gazetteer();
    let referential = atlaas::referential::Referential::load(&atlaas::gazetteer::default_data_dir().join("referential-2024.json")).unwrap();
    let outcome = atlaas::import::import(store.as_ref(), &g, &referential, bytes, &options(file_name)).await.unwrap();
    assert!(outcome.report.errors.is_empty(), "{file_name}: {:?}", outcome.report.errors.first());
    let back: BTreeMap<String, Initiative> =
        store.initiatives_of_source(file_name).await.unwrap().into_iter().map(|s| (s.sheet.external_id.clone(), s)).collect();
    assert_eq!(back.len(), original.len(), "{file_name}: one sheet per exported id");
    for (id, was) in original {
        let (was, now) = (&was.sheet, &back[&id.to_string()].sheet);
        let what = |s: &atlaas::model::NewInitiative| {
            (
                s.title.clone(),
                s.summary.clone(),
                s.body.clone(),
                s.authority.clone(),
                s.services.clone(),
                s.year,
                s.website.clone(),
                s.status,
            )
        };
        assert_eq!(what(now), what(was), "{file_name}: sheet {id}");
        let places = |s: &atlaas::model::NewInitiative| {
            s.places
                .iter()
                .map(|p| (p.label.clone(), p.address.clone(), p.postal_code.clone(), p.commune.clone(), p.lon, p.lat))
                .collect::<Vec<_>>()
        };
        assert_eq!(places(now), places(was), "{file_name}: places of sheet {id}");
    }
}

#[tokio::test]
async fn the_csv_is_a_french_spreadsheet_of_the_filtered_selection() {
    let app = TestApp::spawn().await;
    let filter = "theme=2&year=2019";
    let expected: Vec<i64> =
        all_pages(&app, &format!("/api/initiatives?{filter}")).await.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    assert!(expected.len() > 3, "the filter selects some sheets");
    let (status, headers, body) = export(&app, &format!("/api/initiatives.csv?{filter}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"].to_str().unwrap().contains("atlaas-initiatives.csv"));
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a byte order mark");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), atlaas::import::export::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids, expected, "the listing's sheets, in id order");
    let sheets = app.state.store.published_among(&expected).await.unwrap();
    assert_eq!(rows.len(), sheets.iter().map(|s| s.sheet.places.len()).sum::<usize>(), "one row per place");
    for r in &rows {
        assert!(r[14].contains(',') && !r[14].contains('.'), "a decimal comma: {}", &r[14]);
        assert_eq!(r[8].to_string(), "publiée");
    }
}

#[tokio::test]
async fn cells_that_a_spreadsheet_would_run_are_neutralised_and_import_as_written() {
    let app = TestApp::spawn_with(None).await;
    let mut sheet =
        hand_sheet("f1", "=HYPERLINK(\"http://evil.example\",\"clic\")", &["4.c.1.2"], ("62548", 1.9557, 50.9491), Status::Published);
    sheet.summary = "+33 3 21 00 00 00".into();
    sheet.body = "@SUM(A1:A9)".into();
    sheet.places[0].label = Some("-1 sous-sol".into());
    sheet.places[0].address = Some("'déjà cité'".into());
    let marck = common::gazetteer().authority("62548").unwrap();
    let batch = WriteBatch { authorities: vec![marck.clone()], initiatives: vec![sheet], ..Default::default() };
    let written = app.state.store.write(batch).await.unwrap();
    app.state.apply_changes(&written, &[], &[marck]).await;
    let (_, _, body) = export(&app, "/api/initiatives.csv").await;
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let row = csv::ReaderBuilder::new().delimiter(b';').from_reader(text.as_bytes()).records().next().unwrap().unwrap();
    assert_eq!(&row[1], "'=HYPERLINK(\"http://evil.example\",\"clic\")");
    assert_eq!((&row[2], &row[3], &row[9], &row[10]), ("'+33 3 21 00 00 00", "'@SUM(A1:A9)", "'-1 sous-sol", "''déjà cité'"));
    assert_eq!((&row[14], &row[15]), ("50,9491", "1,9557"), "numbers are not neutralised");
    imports_again(&published(&app).await, &body, "export.csv").await;
}

#[tokio::test]
async fn every_sheet_exported_imports_again_as_it_was() {
    let app = TestApp::spawn().await;
    let original = published(&app).await;
    assert!(original.len() > 100);
    let (status, _, csv) = export(&app, "/api/initiatives.csv").await;
    assert_eq!(status, 200);
    imports_again(&original, &csv, "atlaas-initiatives.csv").await;
    let (status, headers, geojson) = export(&app, "/api/initiatives.geojson").await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "application/geo+json"));
    let collection: geojson::FeatureCollection = serde_json::from_slice(&geojson).expect("a GeoJSON FeatureCollection");
    assert_eq!(collection.features.len(), original.values().map(|s| s.sheet.places.len()).sum::<usize>());
    imports_again(&original, &geojson, "atlaas-initiatives.geojson").await;
}

#[tokio::test]
async fn a_bad_filter_is_a_400_before_anything_is_sent() {
    let app = TestApp::spawn().await;
    for path in ["/api/initiatives.csv?theme=9", "/api/initiatives.geojson?bbox=1,2,3", "/api/initiatives.csv?limit=10"] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{path}: {body}");
    }
    let (status, _, body) = export(&app, "/api/initiatives.geojson?theme=1&q=zzzzqqqq").await;
    assert_eq!(status, 200);
    let empty: geojson::FeatureCollection = serde_json::from_slice(&body).unwrap();
    assert!(empty.features.is_empty(), "nothing matches: an empty collection");
}

/// Sends an export request on a connection whose client reads nothing more than the status
/// line: with a receive buffer of a few kilobytes, the server's stream stops once the sockets
/// between them are full, so the export stays in progress for as long as the connection lives.
async fn stalled_export(app: &TestApp, path: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut conn = socket.connect(addr).await.unwrap();
    conn.write_all(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "{path}");
    conn
}

#[tokio::test]
async fn exports_beyond_the_cap_are_refused_until_one_ends() {
    // About 8 MB of GeoJSON: more than the kernel buffers of a connection hold.
    let app = TestApp::spawn_with(Some(atlaas::app::start::SampleOptions { count: 6000, seed: 5 })).await;
    let mut held = Vec::new();
    for i in 0..atlaas::http::EXPORTS_AT_ONCE {
        let path = if i % 2 == 0 { "/api/initiatives.geojson" } else { "/api/initiatives.fgb" };
        held.push(stalled_export(&app, path).await);
    }
    for path in ["/api/initiatives.csv", "/api/initiatives.fgb"] {
        let refused = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(refused.status(), 503, "{path}: one export more than the cap");
        assert!(refused.headers().contains_key("retry-after"), "{path}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "busy");
    }
    let (status, _) = app.get("/api/initiatives?limit=1").await;
    assert_eq!(status, 200, "other reads go on");

    // A client that goes away gives its turn back.
    drop(held.pop());
    let mut status = 0;
    for _ in 0..100 {
        status = app.client.get(format!("{}/api/initiatives.csv?theme=1", app.base)).send().await.unwrap().status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 200, "a turn is free again once a download is abandoned");
}
