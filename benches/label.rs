//! The label's data in the index on sample sheets, at 12k and 1M sheets: the palmarès of the
//! latest edition (default order, and by name with a name filter), and the statistics the
//! statistics page asks for (by theme, year, population class, région and service). The
//! dataset size is in each bench's name.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::filter::query::Params;
use atlaas::index::{Filter, SpatialIndex};
use atlaas::label::palmares::{Query, palmares};
use atlaas::label::stats::{By, stats};
use atlaas::referential::Referential;
use criterion::{Criterion, criterion_group, criterion_main};

fn label(c: &mut Criterion) {
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    let query = |q: &str| Query::take(&mut Params::parse(Some(q)).unwrap(), &g, &r).unwrap();
    for (label, count) in [("12k", 12_000), ("1M", 1_000_000)] {
        let (authorities, initiatives) = common::sheets(&g, &r, count);
        let index = SpatialIndex::build(g.clone(), r.clone(), authorities, initiatives);
        eprintln!("{label}: {} authorities, {} sheets", index.authorities().len(), index.len());
        let latest = query("limit=5000");
        c.bench_function(&format!("label/palmares_latest_all/{label}"), |b| b.iter(|| black_box(palmares(&index, &latest).count)));
        let named = query("q=saint&sort=name");
        c.bench_function(&format!("label/palmares_q_saint_by_name/{label}"), |b| b.iter(|| black_box(palmares(&index, &named).count)));
        for by in [By::Theme, By::Year, By::Population, By::Region, By::Service] {
            c.bench_function(&format!("label/stats_by_{}/{label}", by.as_str()), |b| {
                b.iter(|| black_box(stats(&index, &Filter::default(), by).sheets))
            });
        }
    }
}

criterion_group!(benches, label);
criterion_main!(benches);
