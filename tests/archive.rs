//! Tile archives: `tiles export` writes an MBTiles or a PMTiles file whose tiles are the live
//! tiles, and a server given an MBTiles archive serves them (no filters, its zooms only, 204
//! where it holds none).

mod common;

use std::io::Read;

use atlaas::app::build_index;
use atlaas::archive::mbtiles::{self, Archive};
use atlaas::archive::{ArchiveFormat, ExportOptions};
use atlaas::index::{Filter, SpatialIndex};
use atlaas::tiles::{Boundaries, TileId};
use common::TestApp;
use common::mvt::{decode, tile_of};

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

async fn store_index(app: &TestApp) -> SpatialIndex {
    build_index(app.state.store.as_ref(), app.state.gazetteer.clone(), app.state.referential.clone()).await.unwrap()
}

#[tokio::test]
async fn an_exported_archive_holds_the_live_tiles_and_can_be_served() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiles").join("france.mbtiles");
    let boundaries = Boundaries::build(&common::gazetteer());
    let mut metadata = std::collections::BTreeMap::new();
    metadata.insert("name".to_owned(), "france".to_owned());
    let options = ExportOptions { min_zoom: 0, max_zoom: 6, bbox: None, filter: Filter::default(), metadata };
    // As the command does: an index of its own, read from the store.
    let index = store_index(&app).await;
    let report = mbtiles::export(&index, &boundaries, &out, &options).await.unwrap();
    assert!(report.tiles > 20 && report.per_zoom.len() == 7, "{report:?}");
    assert!(out.is_file() && !dir.path().join("tiles/france.mbtiles.partial").exists());

    let archive = Archive::open(&out).await.unwrap();
    assert_eq!(archive.metadata["format"], "pbf");
    assert_eq!(archive.zoom_range(), (0, 6));
    assert!(archive.json().unwrap()["vector_layers"].as_array().unwrap().len() == 3);
    // A tile of the archive is byte for byte the live one.
    let (x, y) = tile_of(6, 1.9557, 50.9491);
    let stored = gunzip(&archive.tile(TileId { z: 6, x, y }).await.unwrap().expect("Marck's tile is exported"));
    let (_, _, live) = app.get_bytes(&format!("/tiles/6/{x}/{y}.mvt"), &[]).await;
    assert_eq!(stored, live);

    let served = TestApp::spawn_with_archive(out.clone()).await;
    let (status, headers, body) = served.get_bytes(&format!("/tiles/6/{x}/{y}.mvt"), &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-encoding"], "gzip");
    assert!(headers["cache-control"].to_str().unwrap().contains("max-age=86400"));
    assert!(!decode(&gunzip(&body)).layer("initiatives").is_empty());
    assert_eq!(gunzip(&body), stored, "the archive's tile, as exported");
    assert_eq!(served.get(&format!("/tiles/6/{x}/{y}.mvt?theme=1")).await.0, 400, "an archive takes no filters");
    assert_eq!(served.get("/tiles/9/0/0.mvt").await.0, 404, "past the archive's zooms");
    let (status, _, body) = served.get_bytes("/tiles/6/0/0.mvt", &[]).await;
    assert_eq!((status, body.len()), (204, 0), "a tile the archive does not hold is empty");
    assert_eq!(served.ok("/tiles.json").await["maxzoom"], 6);
    assert_eq!(served.get("/tiles.json?theme=1").await.0, 400);
}

#[tokio::test]
async fn a_bad_export_writes_nothing() {
    let app = TestApp::spawn_with(None).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.mbtiles");
    let boundaries = Boundaries::build(&common::gazetteer());
    let options = ExportOptions { min_zoom: 5, max_zoom: 3, bbox: None, filter: Filter::default(), metadata: Default::default() };
    let index = store_index(&app).await;
    assert!(mbtiles::export(&index, &boundaries, &out, &options).await.is_err());
    assert!(!out.exists() && !dir.path().join("bad.mbtiles.partial").exists());
    assert!(Archive::open(&out).await.is_err());
    let pm = dir.path().join("bad.pmtiles");
    assert!(atlaas::archive::export(&index, &boundaries, &pm, &options, ArchiveFormat::Pmtiles).await.is_err());
    assert!(!pm.exists() && !dir.path().join("bad.pmtiles.partial").exists());
}

/// The PMTiles archive, read with the `pmtiles` crate's own reader, holds the same tiles as
/// the MBTiles one and the live server, at the same coordinates, with the TileJSON's layers.
#[tokio::test]
async fn a_pmtiles_archive_holds_the_live_tiles() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let boundaries = Boundaries::build(&common::gazetteer());
    let options = ExportOptions { min_zoom: 0, max_zoom: 6, bbox: None, filter: Filter::default(), metadata: Default::default() };
    let index = store_index(&app).await;
    let pm = dir.path().join("france.pmtiles");
    assert_eq!(ArchiveFormat::of(&pm), ArchiveFormat::Pmtiles);
    let report = atlaas::archive::export(&index, &boundaries, &pm, &options, ArchiveFormat::Pmtiles).await.unwrap();
    let mb = dir.path().join("france.mbtiles");
    let mb_report = atlaas::archive::export(&index, &boundaries, &mb, &options, ArchiveFormat::Mbtiles).await.unwrap();
    assert_eq!((report.tiles, &report.per_zoom), (mb_report.tiles, &mb_report.per_zoom));
    assert!(!dir.path().join("france.pmtiles.partial").exists());

    let reader = pmtiles::AsyncPmTilesReader::new_with_path(&pm).await.unwrap();
    let header = reader.get_header();
    assert_eq!((header.min_zoom, header.max_zoom), (0, 6));
    assert_eq!(header.n_addressed_tiles().map(u64::from), Some(report.tiles));
    let metadata: serde_json::Value = serde_json::from_str(&reader.get_metadata().await.unwrap()).unwrap();
    assert_eq!(metadata["vector_layers"].as_array().unwrap().len(), 3);
    assert!(metadata["attribution"].as_str().unwrap().contains("INSEE"));

    let archive = Archive::open(&mb).await.unwrap();
    let mut compared = 0;
    for z in 0..=6u8 {
        let n = 1u32 << z;
        for x in 0..n {
            for y in 0..n {
                let coord = pmtiles::TileCoord::new(z, x, y).unwrap();
                let from_pm = reader.get_tile_decompressed(coord).await.unwrap().map(|b| b.to_vec());
                let from_mb = archive.tile(TileId { z, x, y }).await.unwrap().map(|g| gunzip(&g));
                assert_eq!(from_pm, from_mb, "tile {z}/{x}/{y}");
                if let Some(tile) = from_pm {
                    if compared % 7 == 0 {
                        let (_, _, live) = app.get_bytes(&format!("/tiles/{z}/{x}/{y}.mvt"), &[]).await;
                        assert_eq!(tile, live, "tile {z}/{x}/{y} is the live one");
                    }
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, report.tiles);
}
