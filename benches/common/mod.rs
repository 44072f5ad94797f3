//! What the benches share: sample sheets with ids, as the store would give them back.

use atlaas::gazetteer::Gazetteer;
use atlaas::model::{Authority, Initiative};
use atlaas::referential::Referential;
use atlaas::sample;

/// `count` sample sheets (seed 42) numbered from 1, and their authorities.
pub fn sheets(g: &Gazetteer, r: &Referential, count: usize) -> (Vec<Authority>, Vec<Initiative>) {
    let s = sample::generate(g, r, count, 42);
    let initiatives = s
        .initiatives
        .into_iter()
        .enumerate()
        .map(|(i, sheet)| Initiative { id: i as i64 + 1, sheet, created_at: String::new(), updated_at: String::new(), version: 1 })
        .collect();
    (s.authorities, initiatives)
}
