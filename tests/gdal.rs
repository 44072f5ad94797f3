//! What GIS tools see of the service, read with GDAL's own command-line tools (Debian's
//! gdal-bin, installed by scripts/gis-deps), as QGIS and every GDAL-based tool would.

mod common;

use std::process::Command;

use common::TestApp;

/// Runs a GDAL tool; its standard output. A missing tool fails the test: it never skips.
fn gdal(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} could not run ({e}): scripts/gis-deps installs GDAL's tools (gdal-bin)"));
    assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The FlatGeobuf export, converted by GDAL to GeoJSON, is the GeoJSON export: the same
/// points, in the same order, with the same columns.
#[tokio::test]
async fn gdal_reads_the_flatgeobuf_export_as_the_geojson_one() {
    let app = TestApp::spawn().await;
    let filter = "theme=1";
    let (status, headers, fgb) = app.get_bytes(&format!("/api/initiatives.fgb?{filter}"), &[]).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "application/flatgeobuf"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("atlaas.fgb");
    std::fs::write(&path, &fgb).unwrap();
    let path = path.to_str().unwrap();

    let summary = gdal("ogrinfo", &["-ro", "-so", "-al", path]);
    assert!(summary.contains("Geometry: Point"), "{summary}");
    assert!(summary.contains("\"EPSG\",4326"), "WGS 84: {summary}");
    for column in ["id: String", "titre: String", "code_insee: String", "commune: String"] {
        assert!(summary.contains(column), "{column}: {summary}");
    }

    let converted = gdal("ogr2ogr", &["-f", "GeoJSON", "-lco", "SIGNIFICANT_FIGURES=17", "/vsistdout/", path]);
    let from_gdal: geojson::FeatureCollection = converted.parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
    let (_, _, ours) = app.get_bytes(&format!("/api/initiatives.geojson?{filter}"), &[]).await;
    let ours: geojson::FeatureCollection = serde_json::from_slice(&ours).unwrap();
    assert!(ours.features.len() > 100);
    assert_eq!(from_gdal.features.len(), ours.features.len());
    for (theirs, ours) in from_gdal.features.iter().zip(&ours.features) {
        assert_eq!(theirs.geometry, ours.geometry);
        // GDAL writes every column, empty ones as null; ours leaves empty ones out.
        let theirs: serde_json::Map<String, serde_json::Value> =
            theirs.properties.clone().unwrap().into_iter().filter(|(_, v)| !v.is_null()).collect();
        assert_eq!(Some(&theirs), ours.properties.as_ref());
    }
}

/// GDAL's OGC API – Features driver (what QGIS uses too) finds the three collections and reads
/// each through its pages: the features it reads are ours, every one of them. (The server needs
/// threads of its own while a GDAL tool blocks the test's.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_and_reads_every_ogc_collection() {
    let app = TestApp::spawn().await;
    let landing = format!("OAPIF:{}/ogc", app.base);
    let layers = gdal("ogrinfo", &["-ro", "-q", &landing]);
    for name in ["initiatives", "authorities", "communes"] {
        assert!(layers.contains(name), "{name}: {layers}");
    }
    // Small pages, so that GDAL follows many next links (the 35,000 communes in pages of 1,000).
    for (collection, page_size) in [("initiatives", "97"), ("authorities", "97"), ("communes", "1000")] {
        let source = format!("OAPIF:{}/ogc/collections/{collection}", app.base);
        let page_size = format!("PAGE_SIZE={page_size}");
        let args = ["-f", "GeoJSON", "-lco", "SIGNIFICANT_FIGURES=17", "-oo", &page_size, "/vsistdout/", source.as_str()];
        let query = "limit=1000";
        let read: geojson::FeatureCollection = gdal("ogr2ogr", &args).parse::<geojson::GeoJson>().unwrap().try_into().unwrap();
        let mut ours = Vec::new();
        let mut next = Some(format!("/ogc/collections/{collection}/items?{query}"));
        while let Some(path) = next.take() {
            let page = app.ok(&path).await;
            ours.extend(page["features"].as_array().unwrap().iter().map(|f| f["geometry"].clone()));
            next = page["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == "next")
                .map(|l| l["href"].as_str().unwrap().strip_prefix(&app.base).unwrap().to_owned());
        }
        assert!(ours.len() > 10, "{collection}: {} features", ours.len());
        assert_eq!(read.features.len(), ours.len(), "{collection}: GDAL read every feature");
        let theirs: Vec<serde_json::Value> = read.features.iter().map(|f| serde_json::to_value(&f.geometry).unwrap()).collect();
        assert_eq!(theirs.len(), ours.len());
        if collection != "communes" {
            // Points survive the trip exactly; boundaries are compared by count only.
            assert_eq!(theirs, ours, "{collection}");
        }
    }
}
