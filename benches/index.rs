//! The spatial index on sample sheets over the real communes: bulk load, nearby k=20, a page
//! of a bbox listing, and
//! one write (copy the index, re-index one sheet in the copy: what the live index does for
//! every write or change-feed batch) and an import of 100k sheets applied at once, at 12k
//! sheets (the 2020 edition) and 1M sheets.
//! Separate "build", "query" and "write" benches; the dataset size is in each bench's name.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::{Filter, SpatialIndex};
use atlaas::referential::Referential;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn index(c: &mut Criterion) {
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    for (label, count) in [("12k", 12_000), ("1M", 1_000_000)] {
        let (authorities, initiatives) = common::sheets(&g, &r, count);
        let mut build = c.benchmark_group("index/build");
        build.sample_size(10);
        build.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter_batched(
                || (authorities.clone(), initiatives.clone()),
                |(a, i)| black_box(SpatialIndex::build(g.clone(), r.clone(), a, i)),
                criterion::BatchSize::LargeInput,
            )
        });
        build.finish();

        let edited = initiatives[count / 2].clone();
        let index = SpatialIndex::build(g.clone(), r.clone(), authorities, initiatives);
        let mut write = c.benchmark_group("index/write");
        write.sample_size(10);
        write.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| {
                let mut next = index.clone();
                black_box(next.apply(std::slice::from_ref(&edited)));
                next
            })
        });
        // An import of 100,000 sheets new to the index, as a replica applies it from the
        // change feed (copy, then one application).
        let mut import = common::sheets(&g, &r, 100_000).1;
        import.iter_mut().for_each(|s| s.id += count as i64);
        write.bench_function(BenchmarkId::new("import_100k", label), |b| {
            b.iter(|| {
                let mut next = index.clone();
                black_box(next.apply(&import));
                next
            })
        });
        drop(import);
        write.finish();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let origins: Vec<[f64; 2]> = (0..1024).map(|_| [rng.random_range(-4.5..7.5), rng.random_range(43.0..50.5)]).collect();
        let filter = Filter::default();
        let mut i = 0;
        c.bench_function(&format!("index/nearby_k20/{label}"), |b| {
            b.iter(|| {
                i = (i + 1) % origins.len();
                black_box(index.nearby(origins[i], None, 20, &filter))
            })
        });
        let theme = Filter {
            services: vec![atlaas::index::ServiceSet::new(
                r.services_under("2", atlaas::referential::Level::Theme).unwrap().iter().copied(),
            )],
            ..Filter::default()
        };
        c.bench_function(&format!("index/nearby_k20_theme/{label}"), |b| {
            b.iter(|| {
                i = (i + 1) % origins.len();
                black_box(index.nearby(origins[i], None, 20, &theme))
            })
        });
        // A listing page of a 0.5° × 0.4° box (what a map's list of the view asks), and of a
        // département-sized 2° × 1.5° box, in id order.
        for (name, (w, h)) in [("bbox_small", (0.5, 0.4)), ("bbox_large", (2.0, 1.5))] {
            let boxes: Vec<Filter> = origins
                .iter()
                .map(|o| Filter {
                    bbox: Some(atlaas::model::Bbox { min_lon: o[0], min_lat: o[1], max_lon: o[0] + w, max_lat: o[1] + h }),
                    ..Filter::default()
                })
                .collect();
            c.bench_function(&format!("index/{name}_page100/{label}"), |b| {
                b.iter(|| {
                    i = (i + 1) % boxes.len();
                    black_box(index.page(&boxes[i], None, 100))
                })
            });
        }
    }
}

criterion_group!(benches, index);
criterion_main!(benches);
