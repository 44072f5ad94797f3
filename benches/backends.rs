//! The in-memory R-tree and PostGIS side by side on the same 1M sample sheets (seed 42):
//! nearby k=20 and bbox pages of 100 (0.5° × 0.4° boxes over metropolitan France).
//!
//! Needs a PostGIS server: ATLAAS_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
//! (an admin URL; `eval "$(scripts/postgres start)"` makes one, then use its
//! ATLAAS_TEST_POSTGRES_URL). The first run creates the database `atlaas_bench_1m` and loads
//! it (several minutes); later runs reuse it.

use std::hint::black_box;
use std::sync::Arc;

use atlaas::app::build_index;
use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::Filter;
use atlaas::model::Bbox;
use atlaas::referential::Referential;
use atlaas::sample;
use atlaas::store::postgres::{PostgresStore, SqlFilter};
use atlaas::store::{Store, WriteBatch};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::{Connection, Executor};

const SHEETS: usize = 1_000_000;
const DATABASE: &str = "atlaas_bench_1m";

async fn database_url() -> String {
    let admin = std::env::var("ATLAAS_BENCH_POSTGRES_URL")
        .expect("ATLAAS_BENCH_POSTGRES_URL: an admin URL of a PostGIS server (see the top of benches/backends.rs)");
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the PostGIS server answers");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(DATABASE)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    if !exists {
        conn.execute(format!("CREATE DATABASE {DATABASE}").as_str()).await.unwrap();
    }
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{DATABASE}")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    let url = rt.block_on(database_url());
    let store = rt.block_on(PostgresStore::open(&url)).unwrap();
    if rt.block_on(store.count_initiatives()).unwrap() < SHEETS as u64 {
        eprintln!("loading {SHEETS} sample sheets into {DATABASE} (once)...");
        let s = sample::generate(&g, &r, SHEETS, 42);
        rt.block_on(store.save_referential(&r)).unwrap();
        rt.block_on(store.write(WriteBatch { authorities: s.authorities, initiatives: vec![], ..Default::default() })).unwrap();
        for chunk in s.initiatives.chunks(50_000) {
            rt.block_on(store.write(WriteBatch { authorities: vec![], initiatives: chunk.to_vec(), ..Default::default() })).unwrap();
        }
    }
    let index = rt.block_on(build_index(&store, g.clone(), r.clone())).unwrap();
    eprintln!("{} published sheets, {} places", index.len(), index.place_count());

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let origins: Vec<[f64; 2]> = (0..1024).map(|_| [rng.random_range(-4.5..7.5), rng.random_range(43.0..50.5)]).collect();
    let none = Filter::default();
    let sql_none = SqlFilter::default();
    let mut group = c.benchmark_group("backends/nearby_k20/1M");
    let mut i = 0;
    group.bench_function("rtree", |b| {
        b.iter(|| {
            i = (i + 1) % origins.len();
            black_box(index.nearby(origins[i], None, 20, &none))
        })
    });
    group.bench_function("postgis", |b| {
        b.iter(|| {
            i = (i + 1) % origins.len();
            black_box(rt.block_on(store.nearest(origins[i], None, 20, &sql_none)).unwrap())
        })
    });
    group.finish();

    let boxes: Vec<Bbox> =
        origins.iter().map(|&[lon, lat]| Bbox { min_lon: lon, min_lat: lat, max_lon: lon + 0.5, max_lat: lat + 0.4 }).collect();
    let mut group = c.benchmark_group("backends/bbox_page_100/1M");
    group.bench_function("rtree", |b| {
        b.iter(|| {
            i = (i + 1) % boxes.len();
            black_box(index.page(&Filter { bbox: Some(boxes[i]), ..Filter::default() }, None, 100))
        })
    });
    group.bench_function("postgis", |b| {
        b.iter(|| {
            i = (i + 1) % boxes.len();
            black_box(rt.block_on(store.find(&SqlFilter { bbox: Some(boxes[i]), ..SqlFilter::default() }, None, 100)).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
