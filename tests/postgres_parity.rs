//! Parity: the in-memory R-tree and PostGIS give the same sheets, in the same order, with the
//! same distances (within a centimetre), for a few hundred random queries on the sample data,
//! with and without filters.

mod common;

use atlaas::app::reads::sql_filter;
use atlaas::index::Filter;
use atlaas::index::filter::query::parse_filter;
use atlaas::index::text::terms;
use atlaas::model::{Bbox, Place, Status};
use atlaas::store::WriteBatch;
use atlaas::store::postgres::{PostgresStore, SpatialHit};
use common::{TestApp, hand_sheet};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random positions over metropolitan France, where the sample is dense enough to matter.
fn origin(rng: &mut ChaCha8Rng) -> [f64; 2] {
    [rng.random_range(-4.8..8.2), rng.random_range(42.3..51.1)]
}

fn assert_same(what: &str, index: &[(i64, f64)], postgis: &[SpatialHit]) {
    assert_eq!(index.len(), postgis.len(), "{what}: {} vs {} results", index.len(), postgis.len());
    for ((id, d), hit) in index.iter().zip(postgis) {
        assert!((d - hit.distance_m).abs() < 0.01, "{what}: sheet {id} at {d} m vs PostGIS sheet {} at {} m", hit.id, hit.distance_m);
        // Ties (sheets at one town hall) may come in either order only if their distances agree.
        if *id != hit.id {
            assert!((d - hit.distance_m).abs() < 1e-6, "{what}: {id} vs {}", hit.id);
        }
    }
}

/// Filters as the API takes them, from none to combinations of sheet and place constraints.
const FILTERS: [&str; 11] = [
    "",
    "theme=2",
    "service=1.a.1.1,3.d.1.3,2.b.1.1&year=2010-2024",
    "arobases=3",
    "population=2000-9999",
    "departement=59,62,2A",
    "region=84&theme=1,4",
    "challenge=1.b&arobases=2&population=10000-",
    "commune=75056,13055,62548",
    "q=numériques",
    "q=ordinateurs&theme=2",
];

#[tokio::test]
async fn the_r_tree_and_postgis_agree() {
    let app = TestApp::spawn_on_postgres(Some(atlaas::app::start::SampleOptions { count: 1500, seed: 11 })).await;
    let postgis = PostgresStore::open(&app.database_url).await.unwrap();
    let (g, r) = (&app.state.gazetteer, &app.state.referential);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut filtered_hits = 0;
    for q in 0..120 {
        let query = FILTERS[q % FILTERS.len()];
        let filter = parse_filter(query, g, r).unwrap();
        let sql = sql_filter(&filter, &app.state.index());
        // Bounding boxes from a town's size to a region's.
        let [lon, lat] = origin(&mut rng);
        let (w, h) = (rng.random_range(0.05..3.0), rng.random_range(0.05..2.0));
        let b = Bbox { min_lon: lon, min_lat: lat, max_lon: lon + w, max_lat: lat + h };
        let in_box = Filter { bbox: Some(b), ..filter.clone() };
        let ids = app.state.index().page(&in_box, None, 100_000).ids;
        let expected: Vec<(i64, f64)> = ids.into_iter().map(|id| (id, 0.0)).collect();
        let in_box_sql = sql_filter(&in_box, &app.state.index());
        let found = postgis.find(&in_box_sql, None, 100_000).await.unwrap();
        let found: Vec<SpatialHit> = found.into_iter().map(|id| SpatialHit { id, distance_m: 0.0 }).collect();
        assert_same(&format!("bbox #{q} {b:?} {query}"), &expected, &found);
        if query.is_empty() {
            assert_same(&format!("bbox #{q}"), &expected, &postgis.sheets_in_bbox(&b).await.unwrap());
        }

        let o = origin(&mut rng);
        let radius = rng.random_range(2_000.0..120_000.0);
        let near: Vec<(i64, f64)> =
            app.state.index().nearby(o, Some(radius), 1000, &filter).iter().map(|n| (n.sheet, n.distance_m)).collect();
        assert_same(&format!("radius #{q} {o:?} {radius} m {query}"), &near, &postgis.nearest(o, Some(radius), 1000, &sql).await.unwrap());

        let o = origin(&mut rng);
        let k = rng.random_range(1..40);
        let knn: Vec<(i64, f64)> = app.state.index().nearby(o, None, k, &filter).iter().map(|n| (n.sheet, n.distance_m)).collect();
        assert_same(&format!("k-nearest #{q} {o:?} k={k} {query}"), &knn, &postgis.nearest(o, None, k, &sql).await.unwrap());
        if !query.is_empty() {
            filtered_hits += expected.len() + near.len() + knn.len();
        }
    }
    assert!(filtered_hits > 500, "the filtered queries find sheets ({filtered_hits})");
}

/// The text query is answered by the text index (PostgreSQL has no French stemming that gives
/// the same results) and handed to PostGIS as ids: check those against the stored sheets
/// themselves, word by word, so that the text side of parity is not the index agreeing with
/// itself.
#[tokio::test]
async fn a_text_filter_finds_exactly_the_stored_sheets_with_every_word() {
    let app = TestApp::spawn_on_postgres(Some(atlaas::app::start::SampleOptions { count: 600, seed: 5 })).await;
    let postgis = PostgresStore::open(&app.database_url).await.unwrap();
    let names: std::collections::HashMap<String, String> =
        app.state.store.authorities().await.unwrap().into_iter().map(|a| (a.code, a.name)).collect();
    let stored = app.state.store.published_initiatives(None, 100_000).await.unwrap();
    for query in ["numériques", "habitants seniors", "médiathèque", "l'école", "tiers-lieux associatifs"] {
        let wanted = terms(query);
        let expected: Vec<i64> = stored
            .iter()
            .filter(|s| {
                let name = names.get(&s.sheet.authority).map_or("", String::as_str);
                let text = terms(&format!("{} {name} {} {}", s.sheet.title, s.sheet.summary, s.sheet.body));
                wanted.iter().all(|w| text.contains(w))
            })
            .map(|s| s.id)
            .collect();
        let filter = parse_filter(&format!("q={query}"), &app.state.gazetteer, &app.state.referential).unwrap();
        let found = postgis.find(&sql_filter(&filter, &app.state.index()), None, 100_000).await.unwrap();
        assert_eq!(found, expected, "q={query}");
        assert!(!expected.is_empty(), "q={query} matches sample sheets");
    }
}

/// PostGIS ranks sheets by their closest place however many places a sheet has: sheets of
/// hundreds of places around the origin must not push the next sheets out of the answer.
#[tokio::test]
async fn sheets_with_hundreds_of_places_leave_room_for_the_next_ones() {
    let app = TestApp::spawn_on_postgres(None).await;
    let postgis = PostgresStore::open(&app.database_url).await.unwrap();
    let (code, lon, lat) = ("62548", 1.9557, 50.9491);
    let mut sheets = vec![];
    for (n, spread) in [(300, 0.00002), (250, 0.00003)] {
        let mut crowded = hand_sheet(&format!("crowded-{n}"), "Bornes", &["1.a.1.1"], (code, lon, lat), Status::Published);
        let one = crowded.places[0].clone();
        crowded.places =
            (0..n).map(|i| Place { lon: lon + spread * i as f64, lat: lat + spread * (i % 7) as f64, ..one.clone() }).collect();
        sheets.push(crowded);
    }
    for i in 0..15 {
        let at = (code, lon + 0.004 * (i + 1) as f64, lat - 0.002 * i as f64);
        sheets.push(hand_sheet(&format!("single-{i}"), "Wifi", &["1.a.1.1"], at, Status::Published));
    }
    let authorities = vec![atlaas::model::Authority {
        code: code.into(),
        name: "Marck".into(),
        kind: atlaas::model::AuthorityKind::Commune,
        commune: Some(code.into()),
        departement: Some("62".into()),
        region: Some("32".into()),
        population: 10_000,
        awards: vec![],
    }];
    let written =
        app.state.store.write(WriteBatch { authorities: authorities.clone(), initiatives: sheets, ..Default::default() }).await.unwrap();
    app.state.apply_changes(&written, &[], &authorities).await;
    let sql = sql_filter(&Filter::default(), &app.state.index());
    for origin in [[lon, lat], [lon + 0.01, lat], [lon - 0.05, lat + 0.02]] {
        for k in [1, 3, 5, 10, 17, 30] {
            let knn: Vec<(i64, f64)> =
                app.state.index().nearby(origin, None, k, &Filter::default()).iter().map(|n| (n.sheet, n.distance_m)).collect();
            assert_eq!(knn.len(), k.min(17), "the index finds {k} sheets");
            assert_same(&format!("k-nearest {origin:?} k={k}"), &knn, &postgis.nearest(origin, None, k, &sql).await.unwrap());
        }
    }
}
