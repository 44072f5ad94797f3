//! Loading the committed gazetteer (37,492 rows, 34,912 boundaries, ~1.04 M boundary points),
//! and commune suggestions and reverse geocoding over it.

use std::hint::black_box;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use criterion::{Criterion, criterion_group, criterion_main};

fn gazetteer(c: &mut Criterion) {
    let dir = default_data_dir();
    let mut group = c.benchmark_group("gazetteer");
    group.sample_size(10);
    group.bench_function("load_37k_communes", |b| b.iter(|| black_box(Gazetteer::load_data_dir(&dir).unwrap())));
    group.finish();

    let g = Gazetteer::load_data_dir(&dir).unwrap();
    c.bench_function("gazetteer/search_name_37k", |b| b.iter(|| black_box(g.search(black_box("st etienne"), 10))));
    c.bench_function("gazetteer/search_postal_code_37k", |b| b.iter(|| black_box(g.search(black_box("62730"), 10))));
    c.bench_function("gazetteer/reverse_37k", |b| b.iter(|| black_box(g.reverse(black_box(1.955739), black_box(50.949117)).is_some())));
}

criterion_group!(benches, gazetteer);
criterion_main!(benches);
