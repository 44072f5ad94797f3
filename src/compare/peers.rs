//! Peer towns: the authorities of the same kind and population class as a given one, nearest
//! first, with the sheets that pass a filter ("towns of my size within 50 km doing
//! participatory democracy").
//!
//! Authorities are a few tens of thousands at most (there are about 35,000 communes), far fewer
//! than sheets: they are measured on the sphere, sorted, and walked outwards; only the sheets of
//! the authorities walked are looked at, through the index's lists by authority.

use super::classes::{PopulationClass, class_of};
use crate::index::rank::closest_by_sphere;
use crate::index::{Filter, SpatialIndex, geodesic_distance, great_circle_distance};
use crate::model::{AuthorityKind, SheetId};

/// The authority peers are sought for: from the index when it takes part, else from the gazetteer.
#[derive(Debug, Clone)]
pub struct Subject {
    pub code: String,
    pub name: String,
    pub kind: AuthorityKind,
    pub population: u32,
    /// The commune it is, or its seat.
    pub point: Option<[f64; 2]>,
}

impl Subject {
    pub fn class(&self) -> Option<&'static PopulationClass> {
        class_of(self.population)
    }
}

pub struct PeerQuery<'a> {
    pub subject: &'a Subject,
    pub radius_m: Option<f64>,
    pub limit: usize,
    /// The sheets that count.
    pub filter: &'a Filter,
    /// Whether a peer needs at least one sheet passing the filter (always so with a non-empty
    /// filter: "doing participatory democracy" leaves out those that do not).
    pub require_sheets: bool,
}

#[derive(Debug, Clone)]
pub struct Peer {
    /// Row in [`SpatialIndex::authorities`].
    pub row: u32,
    pub distance_m: f64,
    /// Its published sheets that pass the filter, in id order.
    pub sheets: Vec<SheetId>,
}

/// Peers nearest first (ties by code); none when the subject has no position or no known
/// population.
pub fn peers(index: &SpatialIndex, q: &PeerQuery) -> Vec<Peer> {
    let (Some(origin), Some(class)) = (q.subject.point, q.subject.class()) else { return vec![] };
    let authorities = index.authorities();
    let around: Vec<(f64, u32)> = authorities
        .iter()
        .enumerate()
        .filter(|(_, a)| a.kind == q.subject.kind && *a.code != *q.subject.code && class_of(a.population) == Some(class))
        .filter_map(|(row, a)| a.point.map(|p| (great_circle_distance(origin, p), row as u32)))
        .collect();
    let require_sheets = q.require_sheets || !q.filter.is_empty();
    let measure = |row: u32| {
        let a = &authorities[row as usize];
        let distance_m = geodesic_distance(origin, a.point.expect("measured authorities have a point"));
        // Beyond the radius, its sheets need not be looked at.
        if q.radius_m.is_some_and(|r| distance_m > r) {
            return None;
        }
        let sheets: Vec<SheetId> =
            index.sheets_of_authority(row).into_iter().filter(|(_, s)| q.filter.matches(index, s)).map(|(id, _)| id).collect();
        (!require_sheets || !sheets.is_empty()).then_some((distance_m, Peer { row, distance_m, sheets }))
    };
    closest_by_sphere(around, q.limit, q.radius_m, measure, |p: &Peer| (p.distance_m, &authorities[p.row as usize].code))
}
