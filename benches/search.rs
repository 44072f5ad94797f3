//! Full-text search (`q`) in the index on sample sheets, at 12k and 1M sheets: a rare and a
//! common query alone, the first page of a relevance-ordered listing, and nearby k=20 with a
//! text query. The dataset size is in each bench's name.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::filter::TextQuery;
use atlaas::index::{Filter, SpatialIndex};
use atlaas::referential::Referential;
use criterion::{Criterion, criterion_group, criterion_main};

fn search(c: &mut Criterion) {
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    for (label, count) in [("12k", 12_000), ("1M", 1_000_000)] {
        let (authorities, initiatives) = common::sheets(&g, &r, count);
        let index = SpatialIndex::build(g.clone(), r.clone(), authorities, initiatives);
        // "Budget participatif" is one service among 136; "numérique" is in many titles.
        for (name, q) in [("rare", "budgets participatifs"), ("common", "numériques")] {
            eprintln!("{label} {name}: {} sheets match {q:?}", index.search(q).len());
            c.bench_function(&format!("search/terms_{name}/{label}"), |b| b.iter(|| black_box(index.search(q))));
            c.bench_function(&format!("search/first_page_by_relevance_{name}/{label}"), |b| {
                b.iter(|| {
                    // A fresh filter per request, as the server makes one.
                    let filter = Filter { text: Some(TextQuery::new(q)), ..Filter::default() };
                    black_box(index.page_by_relevance(&filter, 0, 20))
                })
            });
            c.bench_function(&format!("search/nearby_k20_{name}/{label}"), |b| {
                b.iter(|| {
                    let filter = Filter { text: Some(TextQuery::new(q)), ..Filter::default() };
                    black_box(index.nearby([2.35, 48.85], None, 20, &filter))
                })
            });
        }
    }
}

criterion_group!(benches, search);
criterion_main!(benches);
