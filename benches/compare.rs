//! Related sheets, peer towns and the mosaic in the index on sample sheets, at 12k and 1M
//! sheets. Related sheets cycle through 100 different sheets so that the figure is a mean
//! over common and rare services, towns and cities. The dataset size is in each bench's name.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use atlaas::compare::mosaic::mosaic;
use atlaas::compare::peers::{PeerQuery, Subject, peers};
use atlaas::compare::related::related;
use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::{Filter, ServiceSet, SpatialIndex};
use atlaas::model::AuthorityKind;
use atlaas::referential::{Level, Referential};
use criterion::{Criterion, criterion_group, criterion_main};

fn compare(c: &mut Criterion) {
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    let marck = g.commune("62548").unwrap();
    let subject = Subject {
        code: marck.code.clone(),
        name: marck.name.clone(),
        kind: AuthorityKind::Commune,
        population: marck.population,
        point: Some(marck.point),
    };
    let democracy =
        Filter { services: vec![ServiceSet::new(r.services_under("1", Level::Theme).unwrap().iter().copied())], ..Filter::default() };
    for (label, count) in [("12k", 12_000), ("1M", 1_000_000)] {
        let (authorities, initiatives) = common::sheets(&g, &r, count);
        let index = SpatialIndex::build(g.clone(), r.clone(), authorities, initiatives);
        // Every 97th sheet that is published (ids are dense, drafts are few).
        let ids: Vec<i64> = (1..).step_by(97).filter(|&id| index.sheet(id).is_some()).take(100).collect();
        eprintln!("{label}: {} authorities, {} sheets", index.authorities().len(), index.len());
        let mut next = ids.iter().cycle();
        c.bench_function(&format!("compare/related_limit10/{label}"), |b| b.iter(|| black_box(related(&index, *next.next().unwrap(), 10))));
        c.bench_function(&format!("compare/peers_marck_limit20/{label}"), |b| {
            let q = PeerQuery { subject: &subject, radius_m: None, limit: 20, filter: &Filter::default(), require_sheets: false };
            b.iter(|| black_box(peers(&index, &q)))
        });
        c.bench_function(&format!("compare/peers_marck_50km_theme1/{label}"), |b| {
            let q = PeerQuery { subject: &subject, radius_m: Some(50_000.0), limit: 20, filter: &democracy, require_sheets: false };
            b.iter(|| black_box(peers(&index, &q)))
        });
        c.bench_function(&format!("compare/mosaic_marck/{label}"), |b| b.iter(|| black_box(mosaic(&index, &subject, None))));
    }
}

criterion_group!(benches, compare);
criterion_main!(benches);
