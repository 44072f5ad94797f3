//! Parity: the in-memory R-tree and PostGIS give the same sheets, in the same order, with the
//! same distances (within a centimetre), for a few hundred random queries on the sample data,
//! with and without filters.

mod common;

use atlaas::app::reads::sql_filter;
use atlaas::index::Filter;
use atlaas::index::filter::query::parse_filter;
use atlaas::model::Bbox;
use atlaas::store::postgres::{PostgresStore, SpatialHit};
use common::TestApp;
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
