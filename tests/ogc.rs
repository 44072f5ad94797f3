//! OGC API – Features under `/ogc`, on hand-made sheets and authorities whose right answers are
//! known: the landing page, conformance and collections, items with every filter and their
//! paging, one item, the HTML encoding, and the errors of bad requests.

mod common;

use atlaas::model::{Initiative, LabelAward, NewInitiative, Status};
use atlaas::store::WriteBatch;
use common::TestApp;
use serde_json::Value;

/// Town halls (lon, lat).
const MARCK: (&str, f64, f64) = ("62548", 1.955739, 50.949117);
const CALAIS: (&str, f64, f64) = ("62193", 1.854471, 50.952844);
const GRANDE_SYNTHE: (&str, f64, f64) = ("59271", 2.302982, 51.013173);

fn sheet(id: &str, title: &str, year: u16, at: (&str, f64, f64), status: Status) -> NewInitiative {
    NewInitiative { year, ..common::hand_sheet(id, title, &["4.c.1.2"], at, status) }
}

/// Marck labelled in 2013 (@@) and 2017 (@@@@, a mention), Calais in 2019 (@@@), Grande-Synthe
/// never; a sheet of Marck with a second place in Calais (2017), one of Calais (2019), one of
/// Grande-Synthe (2021), and a draft of Marck.
async fn app_with_fixture() -> (TestApp, Vec<Initiative>) {
    let app = TestApp::spawn_with(None).await;
    let g = common::gazetteer();
    let mut marck = g.authority(MARCK.0).unwrap();
    marck.awards = vec![
        LabelAward { year: 2013, arobases: 2, mentions: vec![] },
        LabelAward { year: 2017, arobases: 4, mentions: vec!["education".into()] },
    ];
    let mut calais = g.authority(CALAIS.0).unwrap();
    calais.awards = vec![LabelAward { year: 2019, arobases: 3, mentions: vec![] }];
    let grande_synthe = g.authority(GRANDE_SYNTHE.0).unwrap();
    let authorities = vec![marck, calais, grande_synthe];

    let p = Status::Published;
    let mut two_places = sheet("marck", "Tiers-lieu numérique de Marck", 2017, MARCK, p);
    let mut in_calais = two_places.places[0].clone();
    (in_calais.commune, in_calais.lon, in_calais.lat) = (CALAIS.0.into(), CALAIS.1, CALAIS.2);
    two_places.places.push(in_calais);
    let sheets = vec![
        two_places,
        sheet("calais", "<script>alert(1)</script> Wifi public", 2019, CALAIS, p),
        sheet("synthe", "Conseil municipal en vidéo", 2021, GRANDE_SYNTHE, p),
        sheet("draft", "Brouillon de Marck", 2022, MARCK, Status::Draft),
    ];
    let batch = WriteBatch { authorities: authorities.clone(), initiatives: sheets, ..Default::default() };
    let written = app.state.store.write(batch).await.unwrap();
    app.state.apply_changes(&written, &[], &authorities).await;
    (app, written)
}

fn id_of(written: &[Initiative], external: &str) -> i64 {
    written.iter().find(|s| s.sheet.external_id == external).unwrap().id
}

fn ids(body: &Value) -> Vec<Value> {
    body["features"].as_array().unwrap().iter().map(|f| f["id"].clone()).collect()
}

fn link<'a>(body: &'a Value, rel: &str) -> Option<&'a str> {
    body["links"].as_array()?.iter().find(|l| l["rel"] == rel)?["href"].as_str()
}

/// GETs an absolute URL the service wrote.
async fn follow(app: &TestApp, url: &str) -> Value {
    let path = url.strip_prefix(&app.base).unwrap_or_else(|| panic!("{url} is not under {}", app.base));
    app.ok(path).await
}

#[tokio::test]
async fn the_landing_page_leads_to_conformance_and_the_three_collections() {
    let (app, _) = app_with_fixture().await;
    let landing = app.ok("/ogc").await;
    assert_eq!(link(&landing, "self"), Some(format!("{}/ogc?f=json", app.base).as_str()));
    let kind = |body: &Value, rel: &str| body["links"].as_array().unwrap().iter().find(|l| l["rel"] == rel).unwrap()["type"].clone();
    assert_eq!((kind(&landing, "self"), kind(&landing, "alternate")), (Value::from("application/json"), Value::from("text/html")));
    let items = app.ok("/ogc/collections/initiatives/items?limit=1").await;
    assert_eq!((kind(&items, "self"), kind(&items, "next")), (Value::from("application/geo+json"), Value::from("application/geo+json")));
    let conformance = follow(&app, link(&landing, "conformance").unwrap()).await;
    let classes: Vec<&str> = conformance["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for class in ["core", "geojson", "html"] {
        assert!(classes.contains(&format!("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{class}").as_str()), "{classes:?}");
    }
    let collections = follow(&app, link(&landing, "data").unwrap()).await;
    let listed: Vec<&str> = collections["collections"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, ["initiatives", "authorities", "communes"]);

    let initiatives = app.ok("/ogc/collections/initiatives").await;
    assert_eq!(initiatives["extent"]["temporal"]["interval"][0], serde_json::json!(["2017-01-01T00:00:00Z", "2021-12-31T23:59:59Z"]));
    let bbox = initiatives["extent"]["spatial"]["bbox"][0].as_array().unwrap();
    assert!(bbox[0].as_f64().unwrap() < -60.0 && bbox[2].as_f64().unwrap() > 50.0, "overseas included: {bbox:?}");
    let authorities = app.ok("/ogc/collections/authorities").await;
    assert_eq!(authorities["extent"]["temporal"]["interval"][0][0], "2017-01-01T00:00:00Z", "the latest labels are of 2017 and 2019");
    assert!(app.ok("/ogc/collections/communes").await["extent"].get("temporal").is_none());
    let queryables = follow(&app, link(&initiatives, "http://www.opengis.net/def/rel/ogc/1.0/queryables").unwrap()).await;
    for q in ["theme", "year", "departement", "q"] {
        assert!(queryables["properties"][q].is_object(), "{q}: {queryables}");
    }
    assert_eq!(app.get("/ogc/collections/sheets").await.0, 404);
}

#[tokio::test]
async fn initiatives_are_published_sheets_filtered_and_paged() {
    let (app, written) = app_with_fixture().await;
    let [marck, calais, synthe, draft] = ["marck", "calais", "synthe", "draft"].map(|e| id_of(&written, e));
    let all = app.ok("/ogc/collections/initiatives/items").await;
    assert_eq!((all["numberMatched"].as_u64(), all["numberReturned"].as_u64()), (Some(3), Some(3)));
    assert_eq!(ids(&all), [marck, calais, synthe].map(Value::from));
    let first = &all["features"][0];
    assert_eq!(first["geometry"]["type"], "MultiPoint");
    assert_eq!(first["geometry"]["coordinates"], serde_json::json!([[MARCK.1, MARCK.2], [CALAIS.1, CALAIS.2]]));
    assert_eq!((first["properties"]["authority_code"].as_str(), first["properties"]["arobases"].as_u64()), (Some("62548"), Some(4)));

    // Paging: two, then the last one, and no next link after it.
    let page = app.ok("/ogc/collections/initiatives/items?limit=2").await;
    assert_eq!((ids(&page), page["numberMatched"].as_u64()), (vec![Value::from(marck), Value::from(calais)], Some(3)));
    let last = follow(&app, link(&page, "next").unwrap()).await;
    assert_eq!((ids(&last), link(&last, "next")), (vec![Value::from(synthe)], None));

    for (query, expected) in [
        ("datetime=2018-01-01/2019-12-31", vec![calais]),
        ("datetime=2017-05-01", vec![marck]),
        ("datetime=2020-01-01T00:00:00Z/..", vec![synthe]),
        ("year=2019-2021", vec![calais, synthe]),
        // A sheet is in a bbox when one of its places is.
        ("bbox=1.80,50.90,1.90,51.00", vec![marck, calais]),
        ("bbox=2.25,50.98,2.35,51.05", vec![synthe]),
        ("departement=59", vec![synthe]),
        ("arobases=4", vec![marck]),
        ("q=wifi", vec![calais]),
        ("limit=99999", vec![marck, calais, synthe]),
    ] {
        let body = app.ok(&format!("/ogc/collections/initiatives/items?{query}")).await;
        assert_eq!(ids(&body), expected.iter().map(|&id| Value::from(id)).collect::<Vec<_>>(), "{query}");
        assert_eq!(body["numberMatched"].as_u64(), Some(expected.len() as u64), "{query}");
    }

    let one = app.ok(&format!("/ogc/collections/initiatives/items/{calais}")).await;
    assert_eq!((one["id"].as_i64(), one["properties"]["year"].as_u64()), (Some(calais), Some(2019)));
    assert_eq!(link(&one, "describedby"), Some(format!("{}/api/initiatives/{calais}", app.base).as_str()));
    assert_eq!(app.get(&format!("/ogc/collections/initiatives/items/{draft}")).await.0, 404, "a draft is not public");
}

#[tokio::test]
async fn authorities_are_the_labelled_ones_with_their_latest_label() {
    let (app, _) = app_with_fixture().await;
    let all = app.ok("/ogc/collections/authorities/items").await;
    assert_eq!(ids(&all), ["62193", "62548"], "Grande-Synthe was never labelled");
    let marck = app.ok("/ogc/collections/authorities/items/62548").await;
    let p = &marck["properties"];
    assert_eq!((p["arobases"].as_u64(), p["year"].as_u64(), p["mentions"].as_str()), (Some(4), Some(2017), Some("education")));
    assert_eq!(p["sheets"].as_u64(), Some(1), "its draft is not counted");
    assert_eq!(marck["geometry"]["type"], "Point");
    for (query, expected) in [
        ("arobases=4", vec!["62548"]),
        ("datetime=2019-06-01", vec!["62193"]),
        ("kind=epci", vec![]),
        ("bbox=1.9,50.9,2.0,51.0", vec!["62548"]),
    ] {
        assert_eq!(ids(&app.ok(&format!("/ogc/collections/authorities/items?{query}")).await), expected, "{query}");
    }
    assert_eq!(app.get("/ogc/collections/authorities/items/59271").await.0, 404);
}

#[tokio::test]
async fn communes_are_the_current_ones_with_their_boundaries() {
    let app = TestApp::spawn_with(None).await;
    let g = common::gazetteer();
    let in_62 = g.communes().iter().filter(|c| c.departement == "62" && c.kind == atlaas::gazetteer::CommuneKind::Commune).count();
    assert!(in_62 > 800, "Pas-de-Calais has some 890 communes");
    let first = app.ok("/ogc/collections/communes/items?departement=62&limit=500").await;
    assert_eq!((first["numberMatched"].as_u64(), first["numberReturned"].as_u64()), (Some(in_62 as u64), Some(500)));
    let rest = follow(&app, link(&first, "next").unwrap()).await;
    assert_eq!(rest["numberReturned"].as_u64(), Some(in_62 as u64 - 500));
    assert!(link(&rest, "next").is_none());

    let near_marck = app.ok("/ogc/collections/communes/items?bbox=1.955,50.949,1.956,50.950").await;
    assert!(ids(&near_marck).contains(&Value::from("62548")), "{:?}", ids(&near_marck));
    let marck = app.ok("/ogc/collections/communes/items/62548").await;
    assert_eq!((marck["properties"]["name"].as_str(), marck["geometry"]["type"].as_str()), (Some("Marck"), Some("MultiPolygon")));
    assert_eq!(app.get("/ogc/collections/communes/items/75101").await.0, 404, "an arrondissement is not a commune");
    assert_eq!(app.get("/ogc/collections/communes/items/75056").await.0, 200);
}

#[tokio::test]
async fn bad_requests_are_400s_that_say_why() {
    let (app, _) = app_with_fixture().await;
    for path in [
        "/ogc/collections/initiatives/items?limit=0",
        "/ogc/collections/initiatives/items?limit=ten",
        "/ogc/collections/initiatives/items?datetime=yesterday",
        "/ogc/collections/initiatives/items?datetime=2020-01-01/2019-01-01",
        "/ogc/collections/initiatives/items?datetime=2019-01-01&year=2019",
        "/ogc/collections/initiatives/items?bbox=2.0,50.9,1.9,51.0",
        "/ogc/collections/initiatives/items?bbox=50.9,1.9,51.0,95",
        "/ogc/collections/initiatives/items?colour=red",
        "/ogc/collections/initiatives/items?cursor=nonsense",
        "/ogc/collections/initiatives/items/abc",
        "/ogc/collections/communes/items?datetime=2019-01-01",
        "/ogc/collections/communes/items?departement=99",
        "/ogc/collections/communes/items?offset=-1",
        "/ogc/collections/authorities/items?kind=town",
        "/ogc?f=xml",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{path}: {body}");
    }
}

#[tokio::test]
async fn browsers_get_french_pages_with_every_text_escaped() {
    let (app, _) = app_with_fixture().await;
    let html = |path: &'static str, accept: &'static str| {
        let app = &app;
        async move {
            let (status, headers, body) = app.get_bytes(path, &[("accept", accept)]).await;
            assert_eq!(status, 200, "{path}");
            assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
            assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
            String::from_utf8(body).unwrap()
        }
    };
    let landing = html("/ogc", "text/html,application/xhtml+xml;q=0.9").await;
    assert!(landing.contains("<html lang=\"fr\">") && landing.contains("3 fiches publiées"), "{landing}");
    let items = html("/ogc/collections/initiatives/items?f=html", "*/*").await;
    assert!(items.contains("&lt;script&gt;alert(1)&lt;/script&gt; Wifi public"), "{items}");
    assert!(!items.contains("<script>"), "no title runs as a script");
    assert!(items.contains("3 entités correspondent"));
    let (_, headers, _) = app.get_bytes("/ogc/collections/initiatives/items", &[("accept", "application/geo+json")]).await;
    assert_eq!(headers["content-type"], "application/geo+json");
}

#[tokio::test]
async fn links_begin_with_the_public_url_when_there_is_one() {
    let (app, _) = app_with_fixture().await;
    let public = atlaas::http::extract::PublicUrl::parse("https://atlaas.example.fr/carte").unwrap();
    let limits = atlaas::http::Limits { public_url: Some(public), ..Default::default() };
    let base = app.with_limits(limits).await;
    let body: Value =
        app.client.get(format!("{base}/ogc/collections/initiatives/items?limit=1")).send().await.unwrap().json().await.unwrap();
    let next = link(&body, "next").unwrap();
    assert!(next.starts_with("https://atlaas.example.fr/carte/ogc/collections/initiatives/items?limit=1&cursor="), "{next}");
}
