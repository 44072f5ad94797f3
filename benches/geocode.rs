//! Geocoding throughput by method, over 10,000 random communes of the gazetteer written as
//! real data writes them (upper case, without accents, the article moved): places per second is
//! the inverse of the time per place.

use std::hint::black_box;

use atlaas::gazetteer::{Gazetteer, default_data_dir};
use atlaas::geocode::{Geocoder, PlaceInput};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

fn bench(c: &mut Criterion) {
    let g = Gazetteer::load_data_dir(&default_data_dir()).unwrap();
    let geocoder = Geocoder::new(&g);
    let current: Vec<_> = g.communes().iter().filter(|c| c.kind.is_current() && !c.postal_codes.is_empty()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let picked: Vec<_> = (0..10_000).map(|_| *current.choose(&mut rng).unwrap()).collect();
    let shouted: Vec<String> = picked.iter().map(|c| deunicode::deunicode(&c.name).to_uppercase()).collect();
    let inputs: Vec<(&str, Vec<PlaceInput>)> = vec![
        ("insee_code", picked.iter().map(|c| PlaceInput { insee: Some(&c.code), ..PlaceInput::default() }).collect()),
        (
            "postal_code_and_name",
            picked
                .iter()
                .zip(&shouted)
                .map(|(c, n)| PlaceInput { postal_code: Some(&c.postal_codes[0]), commune: Some(n), ..PlaceInput::default() })
                .collect(),
        ),
        (
            "name_and_departement",
            picked
                .iter()
                .zip(&shouted)
                .map(|(c, n)| PlaceInput { commune: Some(n), departement: Some(&c.departement), ..PlaceInput::default() })
                .collect(),
        ),
        ("name_alone", shouted.iter().map(|n| PlaceInput { commune: Some(n), ..PlaceInput::default() }).collect()),
        (
            "coordinates",
            picked.iter().map(|c| PlaceInput { lon: Some(c.point[0]), lat: Some(c.point[1]), ..PlaceInput::default() }).collect(),
        ),
    ];
    let mut group = c.benchmark_group("geocode");
    for (method, places) in &inputs {
        group.throughput(Throughput::Elements(places.len() as u64));
        group.bench_function(*method, |b| {
            b.iter(|| {
                let mut settled = 0;
                for p in places {
                    settled += usize::from(geocoder.geocode(p).is_ok());
                }
                black_box(settled)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
