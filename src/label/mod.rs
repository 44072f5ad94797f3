//! The label itself, as the association publishes it: who earned how many @ in each edition
//! and with which thematic mentions (the palmarès, [`palmares`]), and counts of sheets and of
//! labelled authorities for charts ([`stats`]). Both read the index, which keeps every
//! authority's label history beside its sheets.

pub mod awards;
pub mod palmares;
pub mod stats;

use crate::index::SpatialIndex;

/// The editions with at least one award, oldest first.
pub fn editions(index: &SpatialIndex) -> Vec<u16> {
    let mut years: Vec<u16> = index.authorities().iter().flat_map(|a| a.awards.iter().map(|w| w.year)).collect();
    years.sort_unstable();
    years.dedup();
    years
}
