//! Vector tiles from the index: the Z-order sort that stands for "clustering every zoom", and
//! the making of one tile on a cache miss (its initiatives layer drawn, gzipped and joined to
//! its authorities and boundaries drawn before) at z5, z8, z12 and z15, on 12k and 1M sample sheets; and a whole tile with its
//! boundaries made afresh. Tiles cycle through the tiles of those zooms that
//! cover metropolitan France's main towns; the dataset size is in each bench's name.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::index::zorder::{RunningSums, ZOrder, ZPoint};
use atlaas::index::{Filter, SpatialIndex};
use atlaas::referential::Referential;
use atlaas::tiles::{self, Boundaries, TileId, Tiles};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Tiles of a zoom over the 100 most populated communes: where people look.
fn busy_tiles(g: &atlaas::gazetteer::Gazetteer, z: u8) -> Vec<TileId> {
    let mut communes: Vec<_> = g.communes().iter().filter(|c| c.kind.is_current() && c.point[0] > -5.5).collect();
    communes.sort_by_key(|c| std::cmp::Reverse(c.population));
    let mut out: Vec<TileId> = communes.iter().take(100).map(|c| TileId::containing(z, c.point[0], c.point[1])).collect();
    out.sort_by_key(|t| (t.x, t.y));
    out.dedup();
    out
}

fn bench(c: &mut Criterion) {
    let g = Arc::new(Gazetteer::load_data_dir(&default_data_dir()).unwrap());
    let r = Arc::new(Referential::load(&default_data_dir().join("referential-2024.json")).unwrap());
    let boundaries = Boundaries::build(&g);
    for (label, count) in [("12k", 12_000), ("1M", 1_000_000)] {
        let (authorities, initiatives) = common::sheets(&g, &r, count);
        let index = SpatialIndex::build(g.clone(), r.clone(), authorities, initiatives);

        // Clustering every zoom is sorting the places in Z-order.
        let mut points: Vec<ZPoint> = index.zorder().in_square(0, 0, 0).to_vec();
        // From the order sheets come in, not already sorted.
        points.sort_by_key(|p| (p.sheet, p.place));
        let mut sort = c.benchmark_group("tiles/zorder_sort");
        sort.sample_size(10);
        sort.bench_function(BenchmarkId::from_parameter(format!("{label} ({} places)", points.len())), |b| {
            b.iter_batched(|| points.clone(), |p| black_box(ZOrder::from_unsorted(p)), criterion::BatchSize::LargeInput)
        });
        sort.finish();
        // What each write adds: the running totals that unfiltered clusters read, made in one pass.
        let sorted = index.zorder().in_square(0, 0, 0);
        c.bench_function(&format!("tiles/running_sums/{label}"), |b| b.iter(|| black_box(RunningSums::new(sorted))));

        // What the server does on a cache miss: the initiatives layer drawn and gzipped, the
        // authorities and boundaries kept from the first pass over the tiles.
        let live = Tiles::new(g.clone(), 0);
        let filter = Filter::default();
        for z in [5u8, 8, 12, 15] {
            let tiles = busy_tiles(&g, z);
            let mut i = 0;
            c.bench_function(&format!("tiles/render/{label}/z{z}"), |b| {
                b.iter(|| {
                    i = (i + 1) % tiles.len();
                    black_box(live.render_cached(&index, tiles[i], &filter))
                })
            });
            if label == "12k" {
                // The boundaries layer alone, made every time (the server makes it once a tile).
                c.bench_function(&format!("tiles/render_with_fresh_boundaries/z{z}"), |b| {
                    b.iter(|| {
                        i = (i + 1) % tiles.len();
                        let with = tiles::render(&index, Some(&boundaries), tiles[i], &filter).len();
                        black_box(with)
                    })
                });
            }
        }
    }
    let mut build = c.benchmark_group("tiles/boundaries_build");
    build.sample_size(10);
    build.bench_function("34,912 communes", |b| b.iter(|| black_box(Boundaries::build(&g))));
    build.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
