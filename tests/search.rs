//! Full-text search (`q`) over hand-made sheets whose right answers are known: French folding
//! and stemming, relevance order and paging, and `q` combined with the other filters in
//! listings, nearby queries and tiles, kept current by writes.

mod common;

use atlaas::model::{Initiative, NewInitiative, Status};
use atlaas::store::WriteBatch;
use common::{TestApp, mvt};
use serde_json::Value;

/// Town halls (lon, lat) of the communes the sheets are in.
const MARCK: (&str, f64, f64) = ("62548", 1.955739, 50.949117);
const CALAIS: (&str, f64, f64) = ("62193", 1.854471, 50.952844);
const LYON: (&str, f64, f64) = ("69123", 4.835371, 45.767691);

fn sheet(id: &str, title: &str, body: &str, service: &str, at: (&str, f64, f64), status: Status) -> NewInitiative {
    NewInitiative { body: body.into(), ..common::hand_sheet(id, title, &[service], at, status) }
}

async fn app_with_sheets() -> (TestApp, Vec<Initiative>) {
    let app = TestApp::spawn_with(None).await;
    let authorities: Vec<_> = ["62548", "62193", "69123"].iter().map(|c| common::gazetteer().authority(c).unwrap()).collect();
    let sheets = vec![
        sheet("budget-marck", "Budget participatif", "Les habitants votent leurs projets.", "1.b.2.1", MARCK, Status::Published),
        sheet("budgets-calais", "Budgets participatifs des quartiers", "Chaque quartier décide.", "1.b.2.1", CALAIS, Status::Published),
        sheet("wifi-lyon", "Wifi public gratuit", "Financé par le budget participatif de 2023.", "4.c.1.2", LYON, Status::Published),
        sheet("mediatheque-marck", "Médiathèque numérique", "Des ressources numériques pour tous.", "3.b.1.1", MARCK, Status::Published),
        sheet("brouillon", "Budget participatif numérique", "Pas encore publié.", "1.b.2.1", CALAIS, Status::Draft),
    ];
    let written =
        app.state.store.write(WriteBatch { authorities: authorities.clone(), initiatives: sheets, ..Default::default() }).await.unwrap();
    app.state.apply_changes(&written, &[], &authorities).await;
    (app, written)
}

fn external_ids(collection: &Value, written: &[Initiative]) -> Vec<String> {
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| written.iter().find(|s| f["id"] == s.id).unwrap().sheet.external_id.clone())
        .collect()
}

#[tokio::test]
async fn accents_case_and_plurals_do_not_matter() {
    let (app, written) = app_with_sheets().await;
    let ids = |q: &'static str| {
        let app = &app;
        let written = &written;
        async move {
            let mut ids = external_ids(&app.ok(&format!("/api/initiatives?q={q}&order=id")).await, written);
            ids.sort();
            ids
        }
    };
    assert_eq!(ids("numérique").await, ["mediatheque-marck"]);
    assert_eq!(ids("NUMERIQUES").await, ids("numérique").await);
    let budget = ids("budget%20participatif").await;
    assert_eq!(budget, ["budget-marck", "budgets-calais", "wifi-lyon"], "drafts never appear");
    assert_eq!(ids("budgets%20participatifs").await, budget);
    assert_eq!(ids("Calais").await, ["budgets-calais"], "the authority's name is searched");
    assert!(ids("tramway").await.is_empty());
}

#[tokio::test]
async fn results_come_by_relevance_with_their_score_and_page_by_rank() {
    let (app, written) = app_with_sheets().await;
    let all = app.ok("/api/initiatives?q=budget%20participatif").await;
    let ranked = external_ids(&all, &written);
    assert_eq!(ranked.last().map(String::as_str), Some("wifi-lyon"), "words in the title count more than in the body");
    let scores: Vec<f64> = all["features"].as_array().unwrap().iter().map(|f| f["properties"]["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    let mut paged = vec![];
    let mut url = "/api/initiatives?q=budget%20participatif&limit=1".to_owned();
    loop {
        let page = app.ok(&url).await;
        paged.extend(external_ids(&page, &written));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/initiatives?q=budget%20participatif&limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, ranked);

    assert_eq!(app.ok("/api/initiatives?q=").await["count"], 4, "a blank q is no constraint, as for every parameter");
    assert_eq!(app.ok("/api/initiatives?q=le%20la").await["count"], 0, "a q of only common words matches nothing");
    for bad in ["/api/initiatives?order=relevance", "/api/initiatives?q=budget&order=random"] {
        let (status, body) = app.get(bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let long = "a".repeat(201);
    assert_eq!(app.get(&format!("/api/initiatives?q={long}")).await.0, 400);
}

#[tokio::test]
async fn q_narrows_with_the_other_filters() {
    let (app, written) = app_with_sheets().await;
    // Around Marck and Calais only: Lyon's wifi sheet also speaks of a participatory budget.
    let in_box = app.ok("/api/initiatives?q=budget&bbox=1.5,50.5,2.5,51.5&order=id").await;
    assert_eq!(external_ids(&in_box, &written), ["budget-marck", "budgets-calais"]);
    let theme = app.ok("/api/initiatives?q=budget&theme=4").await;
    assert_eq!(external_ids(&theme, &written), ["wifi-lyon"]);
    let near = app.ok("/api/nearby?commune=62548&q=budget").await;
    assert_eq!(external_ids(&near, &written), ["budget-marck", "budgets-calais", "wifi-lyon"], "nearby keeps distance order");
    assert!(near["features"][0]["properties"]["score"].as_f64().unwrap() > 0.0);

    // Tiles honour q: at z0 the clusters count the matching places only.
    let count = |tile: &mvt::Decoded| -> u64 {
        tile.layer("initiatives").iter().map(|f| if mvt::is_cluster(f) { mvt::uint(f, "count").unwrap() } else { 1 }).sum()
    };
    assert_eq!(count(&app.tile(0, 0, 0, "").await), 4);
    assert_eq!(count(&app.tile(0, 0, 0, "?q=budget").await), 3);
    assert_eq!(count(&app.tile(0, 0, 0, "?q=numerique").await), 1);
}

#[tokio::test]
async fn a_write_updates_what_search_finds() {
    let (app, written) = app_with_sheets().await;
    assert_eq!(app.ok("/api/initiatives?q=tramway").await["count"], 0);
    let (_, headers, _) = app.get_bytes("/tiles/0/0/0.mvt?q=tramway", &[]).await;
    assert_eq!(headers["x-cache"], "miss");
    let mut renamed = written.iter().find(|s| s.sheet.external_id == "wifi-lyon").unwrap().sheet.clone();
    renamed.title = "Tramway connecté".into();
    renamed.body = String::new();
    let again = app.state.store.write(WriteBatch { initiatives: vec![renamed], ..Default::default() }).await.unwrap();
    app.state.apply_written(&again).await;
    assert_eq!(external_ids(&app.ok("/api/initiatives?q=tramways").await, &again), ["wifi-lyon"]);
    assert_eq!(app.ok("/api/initiatives?q=wifi").await["count"], 0, "the old words are gone");
    let tile = app.tile(0, 0, 0, "?q=tramway").await;
    assert_eq!(tile.layer("initiatives").len(), 1, "the cached tile for q=tramway was dropped and made again");
}
