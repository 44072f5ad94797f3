//! The gazetteer through HTTP: suggestions, one commune, reverse geocoding.

mod common;

use common::TestApp;
use serde_json::Value;

fn codes(body: &Value) -> Vec<String> {
    body["communes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn marck_is_found_by_name_in_any_case_and_by_postal_code() {
    let app = TestApp::spawn_with(None).await;
    for q in ["marck", "MARCK", "Marck", "62730", "marck%2062730", "62730%20Marck"] {
        let body = app.ok(&format!("/api/communes?q={q}")).await;
        assert_eq!(codes(&body).first().map(String::as_str), Some("62548"), "q={q}: {body}");
    }
    let marck = &app.ok("/api/communes?q=marck").await["communes"][0];
    assert_eq!(marck["name"], "Marck");
    assert_eq!(marck["departement"]["code"], "62");
    assert_eq!(marck["postal_codes"][0], "62730");
}

#[tokio::test]
async fn spellings_of_saint_articles_and_hyphens_are_tolerated() {
    let app = TestApp::spawn_with(None).await;
    for q in ["ST%20ETIENNE", "saint-etienne", "St-%C3%89tienne"] {
        assert_eq!(codes(&app.ok(&format!("/api/communes?q={q}")).await)[0], "42218", "q={q}");
    }
    // L'Abergement-Clémenciat: article first, last, or missing.
    for q in ["Abergement-Cl%C3%A9menciat%20(L')", "l'abergement%20clemenciat", "abergement%20clemenciat"] {
        assert_eq!(codes(&app.ok(&format!("/api/communes?q={q}")).await)[0], "01001", "q={q}");
    }
    assert_eq!(codes(&app.ok("/api/communes?q=le%20havre").await)[0], "76351");
}

#[tokio::test]
async fn arrondissements_of_paris_lyon_and_marseille_resolve() {
    let app = TestApp::spawn_with(None).await;
    assert_eq!(codes(&app.ok("/api/communes?q=75011").await)[0], "75111");
    assert_eq!(codes(&app.ok("/api/communes?q=69003").await)[0], "69383");
    assert_eq!(codes(&app.ok("/api/communes?q=13001").await)[0], "13201");
    assert_eq!(codes(&app.ok("/api/communes?q=paris%2011e").await)[0], "75111");
    let arm = app.ok("/api/communes/75111").await;
    assert_eq!(arm["kind"], "arrondissement");
    assert_eq!(arm["parent"]["code"], "75056");
    assert_eq!(arm["departement"]["code"], "75");
    // Paris has no town-hall point in the source: its centre is an interior point.
    let paris = app.ok("/api/communes/75056").await;
    assert_eq!(paris["center_source"], "interior");
    let [lon, lat] = [paris["center"][0].as_f64().unwrap(), paris["center"][1].as_f64().unwrap()];
    assert!((2.2..2.5).contains(&lon) && (48.8..48.91).contains(&lat), "{lon},{lat}");
}

#[tokio::test]
async fn corsica_codes_work_in_either_case() {
    let app = TestApp::spawn_with(None).await;
    let ajaccio = app.ok("/api/communes/2A004").await;
    assert_eq!(ajaccio["name"], "Ajaccio");
    assert_eq!(ajaccio["departement"]["code"], "2A");
    assert_eq!(ajaccio["region"]["name"], "Corse");
    assert_eq!(app.ok("/api/communes/2a004").await["code"], "2A004");
    assert_eq!(codes(&app.ok("/api/communes?q=20000%20Ajaccio").await)[0], "2A004");
    assert_eq!(codes(&app.ok("/api/communes?q=2A004").await)[0], "2A004");
}

#[tokio::test]
async fn one_commune_with_its_boundary() {
    let app = TestApp::spawn_with(None).await;
    let plain = app.ok("/api/communes/62548").await;
    assert!(plain.get("geometry").is_none());
    assert_eq!(plain["epci"]["kind"], "CA");
    let with = app.ok("/api/communes/62548?geometry=true").await;
    assert_eq!(with["geometry"]["type"], "MultiPolygon");
    let ring = with["geometry"]["coordinates"][0][0].as_array().unwrap();
    assert!(ring.len() >= 4);
    let bbox: Vec<f64> = with["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for p in ring {
        let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        assert!(x >= bbox[0] - 1e-3 && x <= bbox[2] + 1e-3 && y >= bbox[1] - 1e-3 && y <= bbox[3] + 1e-3);
    }
}

#[tokio::test]
async fn reverse_geocoding_finds_the_commune_and_the_arrondissement() {
    let app = TestApp::spawn_with(None).await;
    let marck = app.ok("/api/communes/62548").await;
    let (lon, lat) = (marck["center"][0].as_f64().unwrap(), marck["center"][1].as_f64().unwrap());
    let hit = app.ok(&format!("/api/reverse?lon={lon}&lat={lat}")).await;
    assert_eq!(hit["commune"]["code"], "62548");
    assert!(hit["arrondissement"].is_null());
    // Place de la République side of the 11e.
    let paris = app.ok("/api/reverse?lon=2.3795&lat=48.8585").await;
    assert_eq!(paris["commune"]["code"], "75056");
    assert_eq!(paris["arrondissement"]["code"], "75111");
    // In the Bay of Biscay, and in Madrid.
    for (lon, lat) in [(-5.0, 46.0), (-3.7038, 40.4168)] {
        let (status, body) = app.get(&format!("/api/reverse?lon={lon}&lat={lat}")).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"], "not_found");
    }
}
