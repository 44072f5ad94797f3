//! The optional basemap (`--basemap`): a PMTiles file served by us under our layers, and a
//! style on the web whose sources and layers join ours, its hosts let through our pages' CSP.

mod common;

use std::io::Read;

use atlaas::app::build_index;
use atlaas::archive::{ArchiveFormat, ExportOptions};
use atlaas::basemap::{self, BasemapSource};
use atlaas::index::Filter;
use atlaas::tiles::Boundaries;
use axum::Json;
use axum::routing::get;
use common::TestApp;
use serde_json::{Value, json};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn layer_ids(style: &Value) -> Vec<String> {
    style["layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect()
}

/// Our tiles written to a PMTiles file, zooms 0 to 4: a vector basemap like any other.
async fn pmtiles_file(app: &TestApp, dir: &std::path::Path) -> std::path::PathBuf {
    let index = build_index(app.state.store.as_ref(), app.state.gazetteer.clone(), app.state.referential.clone()).await.unwrap();
    let options = ExportOptions { min_zoom: 0, max_zoom: 4, bbox: None, filter: Filter::default(), metadata: Default::default() };
    let path = dir.join("rues.pmtiles");
    atlaas::archive::export(&index, &Boundaries::build(&common::gazetteer()), &path, &options, ArchiveFormat::Pmtiles).await.unwrap();
    path
}

#[tokio::test]
async fn a_pmtiles_basemap_is_served_by_us_under_our_layers() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/basemap.json").await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "no basemap, no basemap tiles");
    let ours = app.ok("/style.json").await;
    assert!(layer_ids(&ours).iter().all(|id| !id.starts_with("basemap-")));

    let dir = tempfile::tempdir().unwrap();
    let path = pmtiles_file(&app, dir.path()).await;
    app.state.basemap.set(basemap::load(&BasemapSource::Archive(path.clone())).await.unwrap());

    let style = app.ok("/style.json").await;
    assert_eq!(style["sources"]["basemap"], json!({"type": "vector", "url": format!("{}/basemap.json", app.base)}));
    let ids = layer_ids(&style);
    let basemap: Vec<usize> = (0..ids.len()).filter(|&i| ids[i].starts_with("basemap-")).collect();
    let at = |id: &str| ids.iter().position(|i| i == id).unwrap();
    assert!(!basemap.is_empty());
    assert_eq!(basemap[0], at("land") + 1, "the basemap lies on our land: {ids:?}");
    assert!(*basemap.last().unwrap() < at("commune-lines"), "and under our lines and places: {ids:?}");
    assert_eq!(ids.len(), layer_ids(&ours).len() + basemap.len(), "ours are all still there");
    for i in &basemap {
        assert_eq!(style["layers"][i]["source"], "basemap");
    }

    let tilejson = app.ok("/basemap.json").await;
    assert_eq!(tilejson["tiles"], json!([format!("{}/basemap/{{z}}/{{x}}/{{y}}.mvt", app.base)]));
    assert_eq!((tilejson["minzoom"].as_u64(), tilejson["maxzoom"].as_u64()), (Some(0), Some(4)));
    let layers: Vec<&str> = tilejson["vector_layers"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(layers.contains(&"boundaries") && layers.contains(&"initiatives"), "{layers:?}");

    // Tiles as the file holds them: gzip to who takes it, plain to the others, one ETag.
    let reader = pmtiles::AsyncPmTilesReader::new_with_path(&path).await.unwrap();
    let stored = reader.get_tile(pmtiles::TileCoord::new(4, 8, 5).unwrap()).await.unwrap().expect("France at 4/8/5").to_vec();
    let (status, h, body) = app.get_bytes("/basemap/4/8/5.mvt", &[("accept-encoding", "gzip")]).await;
    assert_eq!((status, h["content-encoding"].to_str().unwrap()), (200, "gzip"));
    assert_eq!(body, stored);
    let etag = h["etag"].to_str().unwrap().to_owned();
    assert!(etag.ends_with("-gz\""), "{etag}");
    let (status, h, body) = app.get_bytes("/basemap/4/8/5.mvt", &[]).await;
    assert_eq!((status, h.get("content-encoding")), (200, None));
    assert_eq!(h["content-type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(body, gunzip(&stored));
    assert!(common::mvt::decode(&body).layers.contains_key("boundaries"));
    let (status, _, _) = app.get_bytes("/basemap/4/8/5.mvt", &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);

    // Where the file has no tile, an empty answer; what it cannot hold, a clear error.
    let missing = reader.get_tile(pmtiles::TileCoord::new(4, 0, 15).unwrap()).await.unwrap();
    let (status, _, _) = app.get_bytes("/basemap/4/0/15.mvt", &[]).await;
    assert_eq!(status, if missing.is_none() { 204 } else { 200 });
    for (path, expected) in [
        ("/basemap/5/16/11.mvt", 404),
        ("/basemap/40/0/0.mvt", 404),
        ("/basemap/4/8/5.png", 404),
        ("/basemap/4/99/5.mvt", 400),
        ("/basemap/x/8/5.mvt", 400),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_file_that_is_no_basemap_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let not_pmtiles = dir.path().join("rues.pmtiles");
    std::fs::write(&not_pmtiles, b"not a PMTiles file at all, but long enough to be read as one").unwrap();
    let err = basemap::start(&BasemapSource::Archive(not_pmtiles)).await.err().expect("refused");
    assert!(format!("{err:#}").contains("PMTiles"), "{err:#}");

    let relative = dir.path().join("plan.json");
    let style = json!({"version": 8, "sources": {"plan": {"type": "vector", "url": "plan/tiles.json"}}, "layers": []});
    std::fs::write(&relative, style.to_string()).unwrap();
    let err = basemap::start(&BasemapSource::StyleFile(relative)).await.err().expect("refused");
    assert!(format!("{err:#}").contains("must be absolute"), "{err:#}");
}

/// Another host (a second local server) publishing a style, its TileJSON and a sprite.
async fn style_host() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = format!("http://{}", listener.local_addr().unwrap());
    let style = json!({
        "version": 8,
        "sprite": "/sprites/plan",
        "glyphs": "/fonts/{fontstack}/{range}.pbf",
        "sources": {"plan": {"type": "vector", "url": "/plan.json"}},
        "layers": [
            {"id": "fond", "type": "background", "paint": {"background-color": "#f2efe9"}},
            {"id": "routes", "type": "line", "source": "plan", "source-layer": "routes"},
            {"id": "noms", "type": "symbol", "source": "plan", "source-layer": "routes",
             "layout": {"text-field": ["get", "nom"], "text-font": ["Noto Sans Regular"]}},
        ],
    });
    // Its tiles are on a third host, which nobody fetches here.
    let tilejson = json!({"tilejson": "3.0.0", "tiles": ["http://127.0.0.2:9/plan/{z}/{x}/{y}.pbf"]});
    let app = axum::Router::new()
        .route("/styles/plan.json", get(move || async move { Json(style) }))
        .route("/plan.json", get(move || async move { Json(tilejson) }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    host
}

#[tokio::test]
async fn a_style_on_the_web_joins_ours_and_its_hosts_are_let_through_our_pages() {
    let app = TestApp::spawn().await;
    let host = style_host().await;

    // A style that is not there does not stop the server: it is tried again later.
    let slot = basemap::start(&BasemapSource::parse(&format!("{host}/styles/absent.json")).unwrap()).await.unwrap();
    assert!(slot.get().is_none());

    let slot = basemap::start(&BasemapSource::parse(&format!("{host}/styles/plan.json")).unwrap()).await.unwrap();
    app.state.basemap.set(basemap::load(&BasemapSource::parse(&format!("{host}/styles/plan.json")).unwrap()).await.unwrap());
    assert!(slot.get().is_some(), "read at start-up");

    let style = app.ok("/style.json").await;
    assert_eq!(style["sources"]["basemap-plan"], json!({"type": "vector", "url": format!("{host}/plan.json")}));
    assert_eq!(style["sprite"], json!(format!("{host}/sprites/plan")));
    assert_eq!(style["glyphs"], json!(format!("{}/fonts/{{fontstack}}/{{range}}.pbf", app.base)), "one glyph source: ours");
    let layer = |id: &str| style["layers"].as_array().unwrap().iter().find(|l| l["id"] == id).cloned().unwrap_or_else(|| panic!("{id}"));
    assert_eq!(layer("basemap-routes")["source"], "basemap-plan");
    assert_eq!(layer("basemap-noms")["layout"]["text-font"], layer("authority-names")["layout"]["text-font"], "its labels in our font");
    let ids = layer_ids(&style);
    assert_eq!(ids.iter().position(|i| i == "basemap-fond"), ids.iter().position(|i| i == "land").map(|i| i + 1));

    let (status, h, _) = app.get_bytes("/", &[]).await;
    assert_eq!(status, 200);
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains(&format!("connect-src 'self' {host} http://127.0.0.2:9;")), "{csp}");
    let (_, h, _) = app.get_bytes("/embed?commune=62548", &[]).await;
    assert!(h["content-security-policy"].to_str().unwrap().contains(&host));
}
