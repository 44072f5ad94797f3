//! The label's own data — the palmarès, an authority's profile and the statistics — counted
//! exactly on hand-made authorities: Allonnes with @ in 2013, 2014 (with a mention) and 2017,
//! three more communes and a département labelled in 2017, Lyon with sheets and no label, and
//! 2015, a year without any award.

mod common;

use atlaas::model::{Authority, LabelAward, NewInitiative, Status};
use atlaas::store::WriteBatch;
use common::TestApp;
use serde_json::{Value, json};

const ALLONNES: (&str, f64, f64) = ("72003", 0.160483, 47.965943); // 11,098 inhabitants
const MARCK: (&str, f64, f64) = ("62548", 1.955739, 50.949117); // 10,676
const GUEUGNON: (&str, f64, f64) = ("71230", 4.061557, 46.600662); // 6,992
const AIX: (&str, f64, f64) = ("73008", 5.915667, 45.688374); // 29,794
const LYON: (&str, f64, f64) = ("69123", 4.835371, 45.767691); // 516,092

fn award(year: u16, arobases: u8, mentions: &[&str]) -> LabelAward {
    LabelAward { year, arobases, mentions: mentions.iter().map(|m| m.to_string()).collect() }
}

fn authority(code: &str, awards: Vec<LabelAward>) -> Authority {
    Authority { awards, ..common::gazetteer().authority(code).unwrap() }
}

fn sheet(id: &str, services: &[&str], year: u16, at: (&str, f64, f64), status: Status) -> NewInitiative {
    NewInitiative { year, ..common::hand_sheet(id, id, services, at, status) }
}

async fn app() -> TestApp {
    let app = TestApp::spawn_with(None).await;
    let authorities = vec![
        authority(ALLONNES.0, vec![award(2013, 2, &[]), award(2014, 3, &["democratie"]), award(2017, 4, &[])]),
        authority(MARCK.0, vec![award(2017, 2, &[])]),
        authority(GUEUGNON.0, vec![award(2017, 4, &["risques", "education"])]),
        authority(AIX.0, vec![award(2017, 5, &[])]),
        authority("dep-62", vec![award(2017, 3, &[])]),
        authority(LYON.0, vec![]),
    ];
    let p = Status::Published;
    let sheets = vec![
        // Theme 1 (1.a, 1.b), theme 3 (3.b), theme 4 (4.c).
        sheet("allonnes-budget", &["1.b.2.1"], 2014, ALLONNES, p),
        sheet("allonnes-portail", &["1.a.1.1", "3.b.1.1"], 2017, ALLONNES, p),
        sheet("allonnes-mediatheque", &["3.b.1.1"], 2017, ALLONNES, p),
        sheet("allonnes-brouillon", &["4.c.1.2"], 2017, ALLONNES, Status::Draft),
        sheet("marck-wifi", &["4.c.1.2"], 2017, MARCK, p),
        sheet("gueugnon-budget", &["1.b.2.1"], 2017, GUEUGNON, p),
        sheet("gueugnon-alerte", &["1.a.1.1"], 2016, GUEUGNON, p),
        sheet("aix-portail", &["1.a.1.1"], 2017, AIX, p),
        sheet("lyon-wifi", &["4.c.1.2"], 2017, LYON, p),
    ];
    let written =
        app.state.store.write(WriteBatch { authorities: authorities.clone(), initiatives: sheets, ..Default::default() }).await.unwrap();
    app.state.apply_changes(&written, &[], &authorities).await;
    app
}

fn codes(body: &Value) -> Vec<&str> {
    body["authorities"].as_array().unwrap().iter().map(|a| a["code"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn the_palmares_of_the_latest_edition_ranks_by_arobases_then_name() {
    let app = app().await;
    let body = app.ok("/api/authorities").await;
    assert_eq!(body["year"], 2017, "the latest edition by default");
    assert_eq!(body["editions"], json!([2013, 2014, 2017]));
    assert_eq!(body["count"], 5, "Lyon was never labelled");
    assert_eq!(body["by_arobases"], json!([0, 1, 1, 2, 1]));
    assert_eq!(codes(&body), ["73008", "72003", "71230", "dep-62", "62548"]);
    let allonnes = &body["authorities"][1];
    assert_eq!(allonnes["arobases"], 4);
    assert_eq!(allonnes["previous"], json!({"year": 2014, "arobases": 3}));
    assert_eq!(allonnes["sheets"], 3, "published sheets only");
    assert_eq!(allonnes["departement"], json!({"code": "72", "name": "Sarthe"}));
    assert_eq!(allonnes["class"]["code"], "10000-49999");
    assert_eq!(allonnes["center"], json!([0.160483, 47.965943]));
    let gueugnon = &body["authorities"][2];
    assert_eq!(gueugnon["mentions"][0], json!({"code": "risques", "label": "Gestion des risques en situation de crise"}));
    assert_eq!(gueugnon["previous"], Value::Null);
    assert_eq!(body["authorities"][3]["kind"], "departement");
}

#[tokio::test]
async fn an_edition_without_any_award_is_empty_and_past_editions_keep_their_arobases() {
    let app = app().await;
    let none = app.ok("/api/authorities?year=2015").await;
    assert_eq!((none["year"].clone(), none["count"].clone(), codes(&none).len()), (json!(2015), json!(0), 0));
    assert_eq!(none["by_arobases"], json!([0, 0, 0, 0, 0]));
    let y2014 = app.ok("/api/authorities?year=2014").await;
    assert_eq!(codes(&y2014), ["72003"]);
    assert_eq!(y2014["authorities"][0]["arobases"], 3);
    assert_eq!(y2014["authorities"][0]["mentions"][0]["code"], "democratie");
    assert_eq!(y2014["authorities"][0]["previous"], json!({"year": 2013, "arobases": 2}));
}

#[tokio::test]
async fn the_palmares_filters_sorts_and_pages() {
    let app = app().await;
    let cases = [
        ("arobases=4", vec!["73008", "72003", "71230"]),
        ("arobases=2-3", vec!["dep-62", "62548"]),
        ("mention=education,democratie", vec!["71230"]),
        ("mention=democratie&year=2014", vec!["72003"]),
        ("kind=departement", vec!["dep-62"]),
        ("kind=commune&departement=62", vec!["62548"]),
        ("departement=62", vec!["dep-62", "62548"]),
        ("region=32", vec!["dep-62", "62548"]),
        ("population=10000-49999", vec!["73008", "72003", "62548"]),
        ("q=AIX%20bains", vec!["73008"]),
        ("q=les", vec!["73008"]),
        ("sort=name", vec!["73008", "72003", "dep-62", "71230", "62548"]),
        ("sort=-name", vec!["62548", "71230", "dep-62", "72003", "73008"]),
        ("sort=population", vec!["71230", "62548", "72003", "73008", "dep-62"]),
        ("sort=-sheets", vec!["72003", "71230", "73008", "62548", "dep-62"]),
        ("sort=arobases&limit=2&offset=1", vec!["dep-62", "72003"]),
    ];
    for (query, expected) in cases {
        let body = app.ok(&format!("/api/authorities?{query}")).await;
        assert_eq!(codes(&body), expected, "{query}");
    }
    // The count and the @ are of the whole selection, not of the page.
    let page = app.ok("/api/authorities?limit=1").await;
    assert_eq!((page["count"].clone(), page["by_arobases"].clone()), (json!(5), json!([0, 1, 1, 2, 1])));
}

#[tokio::test]
async fn bad_palmares_and_statistics_requests_are_refused_with_the_reason() {
    let app = app().await;
    for (path, says) in [
        ("/api/authorities?year=abc", "year must be an edition"),
        ("/api/authorities?arobases=0", "arobases must be a level from 1 to 5"),
        ("/api/authorities?arobases=4-2", "arobases must be a level from 1 to 5"),
        ("/api/authorities?mention=internet", "not a mention of the label"),
        ("/api/authorities?kind=town", "kind is commune, epci, departement or region"),
        ("/api/authorities?sort=size", "sort is arobases, name, population or sheets"),
        ("/api/authorities?limit=5001", "limit must be a whole number from 1 to 5000"),
        ("/api/authorities?offset=-1", "offset must be a whole number"),
        ("/api/authorities?departement=999", "not a département code"),
        ("/api/authorities?arobase=3", "unknown parameter `arobase`"),
        ("/api/authorities/72003?year=2017", "unknown parameter `year`"),
        ("/api/stats", "by is required"),
        ("/api/stats?by=commune", "by is theme, challenge, service, year, region, departement, population"),
        ("/api/stats?by=theme&theme=9", "not a theme of the referential"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{path}: {body}");
    }
    let (status, body) = app.get("/api/authorities/99999").await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn an_authority_profile_has_its_label_history_its_sheets_by_theme_and_its_peers() {
    let app = app().await;
    let body = app.ok("/api/authorities/72003").await;
    assert_eq!((body["name"].as_str(), body["kind"].as_str(), body["arobases"].as_u64()), (Some("Allonnes"), Some("commune"), Some(4)));
    let awards: Vec<(u64, u64)> =
        body["awards"].as_array().unwrap().iter().map(|a| (a["year"].as_u64().unwrap(), a["arobases"].as_u64().unwrap())).collect();
    assert_eq!(awards, [(2013, 2), (2014, 3), (2017, 4)]);
    assert_eq!(body["awards"][1]["mentions"], json!([{"code": "democratie", "label": body["awards"][1]["mentions"][0]["label"]}]));
    assert!(body["awards"][1]["mentions"][0]["label"].as_str().is_some_and(|l| !l.is_empty()));
    assert_eq!(body["sheet_count"], 3, "the draft is not counted");
    let themes: Vec<(&str, u64)> =
        body["themes"].as_array().unwrap().iter().map(|t| (t["code"].as_str().unwrap(), t["count"].as_u64().unwrap())).collect();
    assert_eq!(themes, [("1", 2), ("3", 1)], "by the theme of each sheet's main service");
    // Its peers: communes of 10,000 to 49,999 inhabitants, nearest first.
    let peers: Vec<&str> = body["peers"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(peers, ["62548", "73008"]);
    assert_eq!(body["peers"][0]["arobases"], 2);
    assert_eq!(
        body["links"],
        json!({"page": "/collectivites/72003", "mosaic": "/api/authorities/72003/mosaic", "embed": "/embed?commune=72003"})
    );
    // A commune that never took part still has a page, with nothing to its name.
    let quiet = app.ok("/api/authorities/62193").await;
    assert_eq!((quiet["name"].as_str(), quiet["arobases"].as_u64(), quiet["sheet_count"].as_u64()), (Some("Calais"), Some(0), Some(0)));
    assert_eq!(quiet["awards"], json!([]));
    // A département has no embeddable map of its own.
    assert_eq!(app.ok("/api/authorities/dep-62").await["links"]["embed"], Value::Null);
}

fn group<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["groups"].as_array().unwrap().iter().find(|g| g["key"] == key).unwrap_or_else(|| panic!("no group {key} in {body}"))
}

#[tokio::test]
async fn statistics_count_sheets_and_their_owners_by_arobases_for_every_group() {
    let app = app().await;
    let body = app.ok("/api/stats?by=theme").await;
    assert_eq!((body["by"].as_str(), body["sheets"].as_u64()), (Some("theme"), Some(8)));
    // Owners: Allonnes 4, Marck 2, Gueugnon 4, Aix 5, Lyon never labelled.
    assert_eq!(body["owners"], json!({"total": 5, "by_arobases": [0, 1, 0, 2, 1]}));
    let keys: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["1", "2", "3", "4"], "every theme, empty ones too");
    assert_eq!(group(&body, "1")["sheets"], 5);
    assert_eq!(group(&body, "1")["owners"], json!({"total": 3, "by_arobases": [0, 0, 0, 2, 1]}));
    assert_eq!(group(&body, "1")["years"], json!([{"year": 2014, "sheets": 1}, {"year": 2016, "sheets": 1}, {"year": 2017, "sheets": 3}]));
    assert_eq!(group(&body, "2")["sheets"], 0);
    assert_eq!(group(&body, "3")["sheets"], 1);
    assert_eq!(group(&body, "4")["owners"], json!({"total": 2, "by_arobases": [0, 1, 0, 0, 0]}));

    // A service counts every sheet that names it, main or not.
    let services = app.ok("/api/stats?by=service").await;
    assert_eq!(group(&services, "3.b.1.1")["sheets"], 2);
    assert_eq!(group(&services, "1.a.1.1")["sheets"], 3);
    assert_eq!(services["groups"].as_array().unwrap().len(), 136, "every service of the referential");

    // By year, owners by the @ of that edition.
    let years = app.ok("/api/stats?by=year").await;
    assert_eq!(group(&years, "2014")["owners"], json!({"total": 1, "by_arobases": [0, 0, 1, 0, 0]}));
    assert_eq!(group(&years, "2016")["owners"], json!({"total": 1, "by_arobases": [0, 0, 0, 0, 0]}), "Gueugnon had no @ in 2016");
    assert_eq!(group(&years, "2017")["sheets"], 6);
    assert_eq!(group(&years, "2013")["sheets"], 0, "an edition without sheets is still a year of the series");

    // Every filter of the API holds.
    let filtered = app.ok("/api/stats?by=departement&theme=1&year=2017").await;
    assert_eq!(filtered["sheets"], 3);
    assert_eq!(group(&filtered, "72")["sheets"], 1);
    assert_eq!(group(&filtered, "73")["sheets"], 1);
    assert_eq!(group(&filtered, "62")["sheets"], 0);
    let by_class = app.ok("/api/stats?by=population&arobases=4").await;
    assert_eq!(group(&by_class, "10000-49999")["sheets"], 4, "Allonnes 3 and Aix 1");
    assert_eq!(group(&by_class, "2000-9999")["sheets"], 2, "Gueugnon");
    assert_eq!(group(&by_class, "200000-")["sheets"], 0, "Lyon has no @");
    let regions = app.ok("/api/stats?by=region&commune=62548").await;
    assert_eq!((regions["sheets"].as_u64(), group(&regions, "32")["sheets"].as_u64()), (Some(1), Some(1)));
}

/// `atlaas authority awards FILE` against the store of a running server: a file with one bad row
/// writes nothing and names the row; a good one reaches the server through the change feed, and
/// a later file replaces only the editions it gives.
#[tokio::test]
async fn the_palmares_loaded_from_a_file_reaches_a_running_server() {
    let app = TestApp::spawn_with(None).await;
    let db = std::path::PathBuf::from(app.database_url.strip_prefix("sqlite://").unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let bad = file("bad.csv", "code_insee;annee;arobases;mentions\n72003;2013;2;\n72003;2014;9;\n");
    let refused = common::atlaas(&db, &["authority", "awards", &bad]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("line 3: the level \"9\" is not 1 to 5 @"), "{refused:?}");

    let good = file("palmares.csv", "code_insee;annee;arobases;mentions\n72003;2013;2;\n72003;2014;3;democratie\n62548;2017;2;\n");
    let dry = common::atlaas(&db, &["authority", "awards", "--dry-run", &good]);
    assert!(String::from_utf8_lossy(&dry.stderr).contains("3 awards of 2 authorities are valid; nothing written"), "{dry:?}");
    assert_eq!(app.ok("/api/authorities").await["count"], 0, "neither the bad file nor the dry run wrote");
    let written = common::atlaas(&db, &["authority", "awards", &good]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let seen = wait_for(&app, "/api/authorities?year=2014", |b| b["count"] == 1).await;
    assert_eq!(seen["authorities"][0]["mentions"][0]["code"], "democratie");

    let later = file("2017.csv", "code_insee,annee,arobases\n72003,2014,4\n72003,2017,4\n");
    assert!(common::atlaas(&db, &["authority", "awards", &later]).status.success());
    let allonnes = wait_for(&app, "/api/authorities/72003", |b| b["awards"].as_array().unwrap().len() == 3).await;
    let awards: Vec<(u64, u64)> =
        allonnes["awards"].as_array().unwrap().iter().map(|a| (a["year"].as_u64().unwrap(), a["arobases"].as_u64().unwrap())).collect();
    assert_eq!(awards, [(2013, 2), (2014, 4), (2017, 4)]);
}

async fn wait_for(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let body = app.ok(path).await;
        if done(&body) {
            return body;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "{path} not changed: {body}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
