//! Sheets through HTTP: listing with filters and paging, one sheet, nearby.

mod common;

use std::collections::HashSet;

use atlaas::index::geodesic_distance;
use common::{SAMPLE_COUNT, TestApp, all_pages, coordinates, haversine_m};
use serde_json::Value;

#[tokio::test]
async fn health_reports_the_sample_data() {
    let app = TestApp::spawn().await;
    let health = app.ok("/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["backend"], "sqlite");
    assert_eq!(health["sample_data"], true);
    let sheets = health["sheets"].as_u64().unwrap() as usize;
    // A few sample sheets are drafts, which are not indexed.
    assert!(sheets > SAMPLE_COUNT * 9 / 10 && sheets < SAMPLE_COUNT, "{sheets}");
    assert!(health["places"].as_u64().unwrap() as usize >= sheets);
}

#[tokio::test]
async fn paging_walks_every_published_sheet_once_in_id_order() {
    let app = TestApp::spawn().await;
    let sheets = app.ok("/health").await["sheets"].as_u64().unwrap() as usize;
    let mut ids = vec![];
    let mut cursor = String::new();
    loop {
        let page = app.ok(&format!("/api/initiatives?limit=97{cursor}")).await;
        assert_eq!(page["type"], "FeatureCollection");
        assert_eq!(page["sample_data"], true);
        let features = page["features"].as_array().unwrap();
        assert!(features.len() <= 97);
        ids.extend(features.iter().map(|f| f["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(ids.len(), sheets);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase strictly");
}

fn in_bbox(c: [f64; 2], b: [f64; 4]) -> bool {
    c[0] >= b[0] && c[0] <= b[2] && c[1] >= b[1] && c[1] <= b[3]
}

#[tokio::test]
async fn filters_narrow_and_combine() {
    let app = TestApp::spawn().await;
    let everything = all_pages(&app, "/api/initiatives").await;

    let bbox = [1.0, 43.0, 6.0, 49.5];
    let in_box = all_pages(&app, "/api/initiatives?bbox=1,43,6,49.5").await;
    assert!(!in_box.is_empty() && in_box.len() < everything.len());
    assert!(in_box.iter().all(|f| in_bbox(coordinates(f), bbox)));

    let theme = all_pages(&app, "/api/initiatives?bbox=1,43,6,49.5&theme=3").await;
    assert!(!theme.is_empty() && theme.len() < in_box.len());
    for f in &theme {
        let services = f["properties"]["services"].as_array().unwrap();
        assert!(services.iter().any(|s| s.as_str().unwrap().starts_with("3.")), "{f}");
        assert!(in_bbox(coordinates(f), bbox));
    }

    let years = all_pages(&app, "/api/initiatives?year=2015-2018").await;
    assert!(!years.is_empty());
    assert!(years.iter().all(|f| (2015..=2018).contains(&f["properties"]["year"].as_u64().unwrap())));

    let top = all_pages(&app, "/api/initiatives?arobases=4").await;
    assert!(!top.is_empty() && top.len() < everything.len());
    assert!(top.iter().all(|f| f["properties"]["authority"]["arobases"].as_u64().unwrap() >= 4));

    // Authorities of 10,000 to 49,999 inhabitants; the bounds are inclusive.
    let towns = all_pages(&app, "/api/initiatives?population=10000-49999").await;
    assert!(!towns.is_empty() && towns.len() < everything.len());
    for f in &towns {
        let code = f["properties"]["authority"]["code"].as_str().unwrap();
        let population = app.state.store.authority(code).await.unwrap().unwrap().population;
        assert!((10_000..=49_999).contains(&population), "{code}: {population}");
    }
    let small = all_pages(&app, "/api/initiatives?population=-9999").await.len();
    let large = all_pages(&app, "/api/initiatives?population=50000-").await.len();
    assert_eq!(small + towns.len() + large, everything.len(), "the three classes cover everything");

    let service = all_pages(&app, "/api/initiatives?service=1.b.2.1,2.d.1.1").await;
    for f in &service {
        let s: Vec<&str> = f["properties"]["services"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert!(s.contains(&"1.b.2.1") || s.contains(&"2.d.1.1"), "{s:?}");
    }
    // Theme 1 or challenge 1.b: the challenge narrows the theme.
    let challenge = all_pages(&app, "/api/initiatives?theme=1&challenge=1.b").await;
    let theme1 = all_pages(&app, "/api/initiatives?theme=1").await;
    assert!(!challenge.is_empty() && challenge.len() < theme1.len());
}

#[tokio::test]
async fn place_filters_use_the_gazetteer() {
    let app = TestApp::spawn().await;
    let nord = all_pages(&app, "/api/initiatives?departement=59,62").await;
    assert!(!nord.is_empty());
    for f in &nord {
        let code = f["properties"]["commune"]["code"].as_str().unwrap();
        assert!(code.starts_with("59") || code.starts_with("62"), "{f}");
    }
    let hdf = all_pages(&app, "/api/initiatives?region=32").await;
    assert!(hdf.len() >= nord.len());
    // A city's filter takes in its arrondissements.
    let paris = all_pages(&app, "/api/initiatives?commune=75056").await;
    assert!(!paris.is_empty(), "the sample always has sheets in Paris");
    assert!(paris.iter().all(|f| f["properties"]["commune"]["code"].as_str().unwrap().starts_with("751")));
}

#[tokio::test]
async fn one_sheet_has_all_its_fields_and_drafts_are_hidden() {
    let app = TestApp::spawn().await;
    let listed = app.ok("/api/initiatives?limit=1").await;
    let id = listed["features"][0]["id"].as_i64().unwrap();
    let sheet = app.ok(&format!("/api/initiatives/{id}")).await;
    assert_eq!(sheet["type"], "Feature");
    let p = &sheet["properties"];
    assert_eq!(p["sample"], true);
    assert!(p["summary"].as_str().unwrap().contains("Fiche d'exemple"));
    assert!(!p["places"].as_array().unwrap().is_empty());
    assert!(p["services"][0]["label"].is_string());
    assert!(!p["authority"]["awards"].as_array().unwrap().is_empty());
    assert_eq!(sheet["geometry"]["coordinates"], p["places"][0]["coordinates"]);

    // Ids that are not listed are drafts or missing: both are 404.
    let listed: HashSet<i64> = all_pages(&app, "/api/initiatives").await.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    let hidden = (1..=SAMPLE_COUNT as i64).find(|id| !listed.contains(id)).expect("the sample has drafts");
    let (status, body) = app.get(&format!("/api/initiatives/{hidden}")).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(app.get("/api/initiatives/99999999").await.0, 404);
    assert_eq!(app.get("/api/initiatives/abc").await.0, 400);
}

#[tokio::test]
async fn nearby_is_sorted_by_true_geodesic_distance() {
    let app = TestApp::spawn().await;
    let everything = all_pages(&app, "/api/initiatives").await;
    for origin in [[1.955739, 50.949117], [2.3522, 48.8566], [5.3698, 43.2951], [-61.53, 16.25]] {
        let body = app.ok(&format!("/api/nearby?lon={}&lat={}&limit=20", origin[0], origin[1])).await;
        let features = body["features"].as_array().unwrap();
        assert_eq!(features.len(), 20);
        let distances: Vec<f64> = features.iter().map(|f| f["properties"]["distance_m"].as_f64().unwrap()).collect();
        assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
        for (f, d) in features.iter().zip(&distances) {
            let c = coordinates(f);
            // The ellipsoid and the sphere differ by less than 0.6 %.
            let h = haversine_m(origin, c);
            assert!((d - h).abs() <= h * 0.006 + 0.05, "{d} vs haversine {h}");
            assert!((d - geodesic_distance(origin, c)).abs() < 0.01);
        }
        // Brute force over the main places of all sheets: nothing closer was missed. (Nearby
        // may use a secondary place, which can only be closer.)
        let mut brute: Vec<f64> = everything.iter().map(|f| geodesic_distance(origin, coordinates(f))).collect();
        brute.sort_by(f64::total_cmp);
        for (d, b) in distances.iter().zip(&brute) {
            assert!(*d <= b + 0.01, "{d} > brute-force {b}");
        }
    }
}

#[tokio::test]
async fn nearby_from_a_commune_within_a_radius_with_filters() {
    let app = TestApp::spawn().await;
    let body = app.ok("/api/nearby?commune=62548&radius_m=80000&limit=1000&theme=1").await;
    let origin = [body["origin"][0].as_f64().unwrap(), body["origin"][1].as_f64().unwrap()];
    assert!((origin[0] - 1.9557).abs() < 1e-3 && (origin[1] - 50.9491).abs() < 1e-3);
    let features: &Vec<Value> = body["features"].as_array().unwrap();
    assert!(!features.is_empty());
    for f in features {
        assert!(f["properties"]["distance_m"].as_f64().unwrap() <= 80_000.0);
        assert!(f["properties"]["services"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().starts_with("1.")));
    }
    let ids: HashSet<i64> = features.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), features.len(), "one entry per sheet");
}

#[tokio::test]
async fn the_referential_tree_is_served() {
    let app = TestApp::spawn_with(None).await;
    let r = app.ok("/api/referential").await;
    assert_eq!(r["edition"], 2024);
    let themes = r["themes"].as_array().unwrap();
    assert_eq!(themes.len(), 4);
    let services: usize = themes
        .iter()
        .flat_map(|t| t["challenges"].as_array().unwrap())
        .flat_map(|c| c["uses"].as_array().unwrap())
        .map(|u| u["services"].as_array().unwrap().len())
        .sum();
    assert_eq!(services, 136);
    assert_eq!(themes[0]["challenges"][0]["level"], "challenge");
    assert_eq!(app.ok("/api/referential?year=2024").await["edition"], 2024);
    assert_eq!(app.get("/api/referential?year=1990").await.0, 404);
}
