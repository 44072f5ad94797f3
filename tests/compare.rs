//! Related sheets, peer towns and the mosaic, on hand-made sheets whose right answers are
//! known, and peers on the sample over real communes of the gazetteer.

mod common;

use atlaas::model::{Initiative, NewInitiative, Role, Status};
use atlaas::store::WriteBatch;
use common::{Call, TestApp};
use reqwest::Method;
use serde_json::Value;

/// Town halls (lon, lat) of the communes the sheets are in, with their populations' classes.
const MARCK: (&str, f64, f64) = ("62548", 1.955739, 50.949117); // 10,676 inhabitants
const GRANDE_SYNTHE: (&str, f64, f64) = ("59271", 2.302982, 51.013173); // 22,966, 25 km away
const MILLAU: (&str, f64, f64) = ("12145", 3.07787, 44.100711); // 22,109, 770 km away
const CALAIS: (&str, f64, f64) = ("62193", 1.854471, 50.952844); // 73,911, 7 km away
const LYON: (&str, f64, f64) = ("69123", 4.835371, 45.767691); // 516,092

fn sheet(id: &str, title: &str, services: &[&str], year: u16, at: (&str, f64, f64), status: Status) -> NewInitiative {
    NewInitiative { year, ..common::hand_sheet(id, title, services, at, status) }
}

async fn app_with_sheets() -> (TestApp, Vec<Initiative>) {
    let app = TestApp::spawn_with(None).await;
    let codes = [MARCK.0, GRANDE_SYNTHE.0, MILLAU.0, CALAIS.0, LYON.0];
    let authorities: Vec<_> = codes.iter().map(|c| common::gazetteer().authority(c).unwrap()).collect();
    let p = Status::Published;
    let sheets = vec![
        // 1.b.2.1 Budget participatif; 1.b.2.x: same use; 1.a.x: same theme only.
        sheet("origin", "Budget participatif des Marckois", &["1.b.2.1"], 2023, MARCK, p),
        sheet("same-service-near", "Budget participatif des quartiers", &["1.b.2.1"], 2022, GRANDE_SYNTHE, p),
        sheet("same-service-far-big", "Budget participatif lyonnais", &["1.b.2.1"], 2022, LYON, p),
        sheet("theme-only-far", "Démarches en ligne", &["1.a.1.1"], 2022, MILLAU, p),
        sheet("same-use-near-big", "Conseil citoyen en ligne", &["1.b.2.2"], 2022, CALAIS, p),
        sheet("other-theme-near", "Wifi public", &["4.c.1.2"], 2022, GRANDE_SYNTHE, p),
        sheet("draft-same-service", "Budget participatif (brouillon)", &["1.b.2.1"], 2023, GRANDE_SYNTHE, Status::Draft),
        sheet("marck-mediatheque", "Médiathèque numérique", &["3.b.1.1", "1.b.2.1"], 2024, MARCK, p),
        sheet("marck-unclassified", "Projet hors référentiel", &["9.z.9.9"], 2024, MARCK, p),
    ];
    let written =
        app.state.store.write(WriteBatch { authorities: authorities.clone(), initiatives: sheets, ..Default::default() }).await.unwrap();
    app.state.apply_changes(&written, &[], &authorities).await;
    (app, written)
}

fn id_of(written: &[Initiative], external: &str) -> i64 {
    written.iter().find(|s| s.sheet.external_id == external).unwrap().id
}

fn external(written: &[Initiative], id: &Value) -> String {
    written.iter().find(|s| *id == s.id).map(|s| s.sheet.external_id.clone()).unwrap_or_else(|| format!("sample {id}"))
}

fn reasons(feature: &Value) -> Vec<String> {
    feature["properties"]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().replace('\u{a0}', " ")).collect()
}

#[tokio::test]
async fn related_sheets_rank_shared_service_nearby_above_shared_theme_far() {
    let (app, written) = app_with_sheets().await;
    let origin = id_of(&written, "origin");
    let body = app.ok(&format!("/api/initiatives/{origin}/related?limit=20")).await;
    assert_eq!(body["related_to"], origin);
    let features = body["features"].as_array().unwrap();
    let order: Vec<String> = features.iter().map(|f| external(&written, &f["id"])).collect();
    let rank = |name: &str| order.iter().position(|o| o == name).unwrap_or_else(|| panic!("{name} missing from {order:?}"));
    // First comes Marck's other sheet of the same service, then the nearby town of its size.
    assert_eq!(order[..2], ["marck-mediatheque", "same-service-near"], "{order:?}");
    assert!(rank("same-service-near") < rank("same-service-far-big"));
    assert!(rank("same-service-far-big") < rank("theme-only-far"), "{order:?}");
    assert!(rank("same-use-near-big") < rank("theme-only-far"), "{order:?}");
    // Never itself, never a draft.
    assert!(!order.contains(&"origin".to_string()) && !order.contains(&"draft-same-service".to_string()), "{order:?}");
    // Scores fall, and stay within 0..1.
    let scores: Vec<f64> = features.iter().map(|f| f["properties"]["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|&s| s > 0.0 && s <= 1.0), "{scores:?}");
    // Reasons a person can read: the shared service, the distance, the size, the words.
    let best = reasons(&features[1]);
    assert_eq!(best[0], "même service : Budget participatif");
    assert_eq!(best[1], "à 25 km", "{best:?}");
    assert!(best.contains(&"commune de taille comparable (10 000 – 49 999 hab.)".to_string()), "{best:?}");
    assert!(best.contains(&"mots en commun : budget, participatif".to_string()), "{best:?}");
    assert!((features[1]["properties"]["distance_m"].as_f64().unwrap() - 25_400.0).abs() < 500.0);
    let theme_only = reasons(&features[rank("theme-only-far")]);
    assert_eq!(theme_only[0], "même thème : Démocratie et services publics", "{theme_only:?}");
    let same_use = reasons(&features[rank("same-use-near-big")]);
    assert!(same_use[0].starts_with("même usage : "), "{same_use:?}");
    assert!(!same_use.iter().any(|r| r.contains("taille comparable")), "Calais is larger: {same_use:?}");
    // A sheet of the same authority says so.
    let own = reasons(&features[rank("marck-mediatheque")]);
    assert!(own.contains(&"dans la même commune".to_string()) && own.contains(&"même collectivité : Marck".to_string()), "{own:?}");
    // The limit holds.
    let two = app.ok(&format!("/api/initiatives/{origin}/related?limit=2")).await;
    let two: Vec<String> = two["features"].as_array().unwrap().iter().map(|f| external(&written, &f["id"])).collect();
    assert_eq!(two, order[..2]);
}

#[tokio::test]
async fn related_sheets_of_what_is_not_public_or_not_a_sheet_are_errors() {
    let (app, written) = app_with_sheets().await;
    let draft = id_of(&written, "draft-same-service");
    assert_eq!(app.get(&format!("/api/initiatives/{draft}/related")).await.0, 404);
    assert_eq!(app.get("/api/initiatives/99999/related").await.0, 404);
    assert_eq!(app.get("/api/initiatives/abc/related").await.0, 400);
    let origin = id_of(&written, "origin");
    for bad in ["limit=0", "limit=101", "limit=x", "radius_m=5"] {
        let (status, body) = app.get(&format!("/api/initiatives/{origin}/related?{bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}

/// The features' external ids, in order.
fn order_of(written: &[Initiative], collection: &Value) -> Vec<String> {
    collection["features"].as_array().unwrap().iter().map(|f| external(written, &f["id"])).collect()
}

#[tokio::test]
async fn the_preview_of_a_draft_has_the_related_sheets_it_will_have_once_published() {
    let (app, written) = app_with_sheets().await;
    let draft = id_of(&written, "draft-same-service");
    let grande_synthe = app.token(Role::Contributor, Some(GRANDE_SYNTHE.0)).await;
    let preview = app.call(Call::new(Method::GET, format!("/api/initiatives/{draft}/preview?limit=20")).token(&grande_synthe)).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    // The public shape of a sheet, with its authority.
    let sheet = &preview.body["initiative"]["properties"];
    assert_eq!(sheet["title"], "Budget participatif (brouillon)");
    assert_eq!(sheet["services"][0]["label"], "Budget participatif");
    assert_eq!(sheet["authority"]["name"], "Grande-Synthe");
    let before = order_of(&written, &preview.body["related"]);
    assert_eq!(before[..2], ["same-service-near", "origin"], "same commune and service first, then Marck: {before:?}");
    assert!(!before.contains(&"draft-same-service".to_string()));
    let reasons_of_first = reasons(&preview.body["related"]["features"][0]);
    assert!(reasons_of_first.contains(&"même collectivité : Grande-Synthe".to_string()), "{reasons_of_first:?}");

    // Once proposed and published, its actions connexes are the ones the preview showed.
    let submitted = app.call(Call::new(Method::POST, format!("/api/initiatives/{draft}/submit")).token(&grande_synthe).if_match(1)).await;
    assert_eq!(submitted.status, 200, "{}", submitted.body);
    let moderator = app.token(Role::Moderator, None).await;
    let version = submitted.etag.unwrap();
    let published =
        app.call(Call::new(Method::POST, format!("/api/initiatives/{draft}/publish")).token(&moderator).if_match(version)).await;
    assert_eq!(published.status, 200, "{}", published.body);
    let after = app.ok(&format!("/api/initiatives/{draft}/related?limit=20")).await;
    assert_eq!(order_of(&written, &after), before);
    assert_eq!(after["features"], preview.body["related"]["features"]);
}

#[tokio::test]
async fn the_preview_of_a_draft_is_for_its_authority_and_the_moderators() {
    let (app, written) = app_with_sheets().await;
    let draft = id_of(&written, "draft-same-service");
    let path = format!("/api/initiatives/{draft}/preview");
    assert_eq!(app.get(&path).await.0, 401);
    let marck = app.token(Role::Contributor, Some(MARCK.0)).await;
    let other = app.call(Call::new(Method::GET, path.clone()).token(&marck)).await;
    assert_eq!(other.status, 404, "a draft of another authority does not exist for Marck: {}", other.body);
    let moderator = app.token(Role::Moderator, None).await;
    let seen = app.call(Call::new(Method::GET, path.clone()).token(&moderator)).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["initiative"]["id"], draft, "the moderator sees the draft itself");
    assert!(!seen.body["related"]["features"].as_array().unwrap().is_empty());
    for bad in ["limit=0", "limit=101", "colour=red"] {
        let answer = app.call(Call::new(Method::GET, format!("{path}?{bad}")).token(&moderator)).await;
        assert_eq!(answer.status, 400, "{bad}: {}", answer.body);
    }
}

#[tokio::test]
async fn peers_are_of_the_same_class_nearest_first_and_follow_filters() {
    let (app, written) = app_with_sheets().await;
    let body = app.ok("/api/communes/62548/peers").await;
    assert_eq!(body["class"]["code"], "10000-49999");
    let codes: Vec<&str> = body["peers"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    // Calais and Lyon are larger; Marck is not its own peer.
    assert_eq!(codes, ["59271", "12145"]);
    let grande_synthe = &body["peers"][0];
    assert_eq!(grande_synthe["sheet_count"], 2);
    let themes: Vec<&str> = grande_synthe["themes"].as_array().unwrap().iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert_eq!(themes, ["1", "4"]);
    assert_eq!(grande_synthe["themes"][0]["sheets"][0]["id"], id_of(&written, "same-service-near"));
    // "Towns of my size within 50 km doing participatory democracy".
    let near = app.ok("/api/communes/62548/peers?radius_m=50000&use=1.b.2").await;
    let near: Vec<(&str, i64)> =
        near["peers"].as_array().unwrap().iter().map(|p| (p["code"].as_str().unwrap(), p["sheet_count"].as_i64().unwrap())).collect();
    assert_eq!(near, [("59271", 1)]);
    // A filter nobody passes leaves no peer.
    assert_eq!(app.ok("/api/communes/62548/peers?service=2.a.1.1").await["count"], 0);
    for bad in ["radius_m=0", "radius_m=-3", "limit=0", "theme=9", "colour=red"] {
        assert_eq!(app.get(&format!("/api/communes/62548/peers?{bad}")).await.0, 400, "{bad}");
    }
    assert_eq!(app.get("/api/communes/99999/peers").await.0, 404);
    assert_eq!(app.get("/api/communes/75111/peers").await.0, 404, "an arrondissement is not a commune of its own");
}

#[tokio::test]
async fn marck_peers_on_the_sample_are_in_its_class_and_sorted_by_distance() {
    let app = TestApp::spawn().await;
    let body = app.ok("/api/communes/62548/peers?limit=15").await;
    let peers = body["peers"].as_array().unwrap();
    assert!(peers.len() >= 5, "the sample has peers for Marck: {}", peers.len());
    let marck = common::gazetteer().commune("62548").unwrap().point;
    let mut last = 0.0;
    for peer in peers {
        let code = peer["code"].as_str().unwrap();
        let commune = common::gazetteer().commune(code).unwrap().clone();
        assert!((10_000..=49_999).contains(&commune.population), "{code}: {}", commune.population);
        assert_eq!(peer["population"], commune.population);
        let distance = peer["distance_m"].as_f64().unwrap();
        assert!(distance >= last, "sorted by distance");
        let expected = common::haversine_m(marck, commune.point);
        assert!((distance - expected).abs() / expected < 0.01, "{code}: {distance} vs {expected}");
        let counted: i64 = peer["themes"].as_array().unwrap().iter().map(|t| t["count"].as_i64().unwrap()).sum();
        assert_eq!(counted, peer["sheet_count"].as_i64().unwrap());
        last = distance;
    }
    // Within a radius, only those closer.
    let within = app.ok("/api/communes/62548/peers?radius_m=60000&limit=100").await;
    assert!(within["peers"].as_array().unwrap().iter().all(|p| p["distance_m"].as_f64().unwrap() <= 60_000.0));
    // With a theme, every peer listed does something in it, and only those sheets are shown.
    let theme = app.ok("/api/communes/62548/peers?theme=2&limit=5").await;
    for peer in theme["peers"].as_array().unwrap() {
        assert!(peer["sheet_count"].as_i64().unwrap() > 0);
        let groups = peer["themes"].as_array().unwrap();
        let id = &groups[0]["sheets"][0]["id"];
        let sheet = app.ok(&format!("/api/initiatives/{id}")).await;
        assert!(sheet["properties"]["services"].as_array().unwrap().iter().any(|s| s["theme"] == "2"));
    }
}

#[tokio::test]
async fn the_mosaic_adds_up_and_suggests_what_peers_do() {
    let (app, written) = app_with_sheets().await;
    let body = app.ok("/api/authorities/62548/mosaic").await;
    assert_eq!(body["authority"]["name"], "Marck");
    assert_eq!(body["sheet_count"], 3);
    assert_eq!(body["unclassified"].as_array().unwrap().len(), 1);
    let entries = body["entries"].as_array().unwrap();
    // At every level, the sheets counted under their main service add up to the classified ones.
    for level in ["theme", "challenge", "use", "service"] {
        let total: usize = entries.iter().filter(|e| e["level"] == level).map(|e| e["sheets"].as_array().unwrap().len()).sum();
        assert_eq!(total, 2, "{level}");
    }
    let entry = |code: &str| entries.iter().find(|e| e["code"] == code).unwrap();
    let origin = id_of(&written, "origin");
    let mediatheque = id_of(&written, "marck-mediatheque");
    assert_eq!(entry("1.b.2.1")["sheets"], serde_json::json!([origin]));
    assert_eq!(entry("1.b.2.1")["other_sheets"], serde_json::json!([mediatheque]), "a second service counts too");
    assert_eq!(entry("1")["covered"], true);
    assert_eq!(entry("4")["covered"], false);
    // Its peers (Grande-Synthe and Millau) both work on theme 1; only Grande-Synthe on theme 4.
    assert_eq!(body["peer_count"], 2);
    assert_eq!(entry("1")["peer_share"], 1.0);
    assert_eq!(entry("4")["peer_share"], 0.5);
    assert_eq!(entry("3")["peer_share"], 0.0);
    // Suggestions are services it lacks, the most shared first, with examples from peers.
    let suggestions = body["suggestions"].as_array().unwrap();
    let codes: Vec<&str> = suggestions.iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["1.a.1.1", "4.c.1.2"]);
    for s in suggestions {
        assert_eq!(entry(s["code"].as_str().unwrap())["covered"], false);
    }
    assert_eq!(suggestions[1]["examples"][0]["id"], id_of(&written, "other-theme-near"));
    assert_eq!(suggestions[1]["examples"][0]["authority"]["name"], "Grande-Synthe");
    // A year narrows the sheets and the peers alike.
    let y2024 = app.ok("/api/authorities/62548/mosaic?year=2024").await;
    assert_eq!(y2024["sheet_count"], 2);
    assert_eq!(y2024["peer_count"], 0, "no peer has a 2024 sheet");
    // Any authority of the gazetteer may look at its mosaic, and bad requests are told so.
    let calais = app.ok("/api/authorities/62193/mosaic").await;
    assert_eq!(calais["sheet_count"], 1);
    assert_eq!(app.get("/api/authorities/nowhere/mosaic").await.0, 404);
    assert_eq!(app.get("/api/authorities/62548/mosaic?year=20244").await.0, 400);
    assert_eq!(app.get("/api/authorities/62548/mosaic?limit=3").await.0, 400);
}
