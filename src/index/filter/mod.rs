//! The filters every read takes (bbox, referential codes, year, @, population, commune,
//! département, région, text), resolved against the referential and the gazetteer once per
//! request so that testing a place is a few integer comparisons; [`query`] reads them from a
//! query string.

pub mod query;

use std::ops::RangeInclusive;
use std::sync::{Arc, OnceLock};

use super::{IndexedPlace, IndexedSheet, SpatialIndex, TextHits};
use crate::model::Bbox;

/// A set of dense service indexes (see [`crate::referential::Referential::service_index`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSet(Vec<u64>);

impl ServiceSet {
    pub fn new(services: impl IntoIterator<Item = u16>) -> Self {
        let mut words = Vec::new();
        for s in services {
            let (w, b) = (s as usize / 64, s % 64);
            if words.len() <= w {
                words.resize(w + 1, 0);
            }
            words[w] |= 1 << b;
        }
        ServiceSet(words)
    }

    pub fn contains(&self, service: u16) -> bool {
        self.0.get(service as usize / 64).is_some_and(|w| w & (1 << (service % 64)) != 0)
    }

    /// The services of the set, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| (w * 64 + b) as u16))
    }

    pub fn intersects(&self, services: &[u16]) -> bool {
        services.iter().any(|&s| self.contains(s))
    }
}

/// Every constraint a request can put on sheets. Constraints combine with AND; the values of
/// one constraint (comma-separated codes) with OR. Place constraints (bbox, commune,
/// département, région) must hold for one same place of the sheet.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub bbox: Option<Bbox>,
    /// One set per referential parameter given (`theme`, `challenge`, `use`, `service`).
    pub services: Vec<ServiceSet>,
    pub years: Option<RangeInclusive<u16>>,
    /// Minimum @ of the owning authority's latest award.
    pub min_arobases: Option<u8>,
    /// Population of the owning authority.
    pub population: Option<RangeInclusive<u32>>,
    /// Gazetteer rows; a city also matches places in its arrondissements.
    pub communes: Option<Vec<u32>>,
    pub departements: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// Full-text query (`q`): every word must be in the sheet's text.
    pub text: Option<TextQuery>,
}

/// A text query, searched once in the index the filter is first used with.
#[derive(Debug, Clone, Default)]
pub struct TextQuery {
    pub query: String,
    hits: OnceLock<Arc<TextHits>>,
}

impl TextQuery {
    pub fn new(query: impl Into<String>) -> Self {
        TextQuery { query: query.into(), hits: OnceLock::new() }
    }
}

impl Filter {
    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        let Filter { bbox, services, years, min_arobases, population, communes, departements, regions, text } = self;
        bbox.is_none()
            && services.is_empty()
            && years.is_none()
            && min_arobases.is_none()
            && population.is_none()
            && communes.is_none()
            && departements.is_none()
            && regions.is_none()
            && text.is_none()
    }

    /// The sheets the text query matches, searched on first use (a filter lives for one
    /// request, over one state of the index).
    pub fn text_hits(&self, index: &SpatialIndex) -> Option<&TextHits> {
        self.text.as_ref().map(|t| t.hits.get_or_init(|| Arc::new(index.search(&t.query))).as_ref())
    }

    pub(super) fn sheet_matches(&self, index: &SpatialIndex, sheet: &IndexedSheet) -> bool {
        if let Some(years) = &self.years
            && !years.contains(&sheet.year)
        {
            return false;
        }
        let authority = &index.authorities[sheet.authority as usize];
        if let Some(min) = self.min_arobases
            && authority.arobases < min
        {
            return false;
        }
        if let Some(population) = &self.population
            && !population.contains(&authority.population)
        {
            return false;
        }
        if let Some(hits) = self.text_hits(index)
            && !hits.contains(sheet.doc)
        {
            return false;
        }
        self.services.iter().all(|set| set.intersects(&sheet.services))
    }

    pub(super) fn place_matches(&self, index: &SpatialIndex, place: &IndexedPlace) -> bool {
        if let Some(bbox) = &self.bbox
            && !bbox.contains(place.lon, place.lat)
        {
            return false;
        }
        if self.communes.is_none() && self.departements.is_none() && self.regions.is_none() {
            return true;
        }
        let Some(commune) = index.gazetteer.communes().get(place.commune as usize) else {
            return false;
        };
        if let Some(wanted) = &self.communes {
            let parent = commune.parent.as_deref().and_then(|p| index.gazetteer.index_of(p));
            if !wanted.iter().any(|&w| w == place.commune || Some(w) == parent) {
                return false;
            }
        }
        if let Some(wanted) = &self.departements
            && !wanted.contains(&commune.departement)
        {
            return false;
        }
        if let Some(wanted) = &self.regions
            && !wanted.contains(&commune.region)
        {
            return false;
        }
        true
    }

    /// Whether some place of the sheet satisfies the place constraints, and the sheet the rest.
    pub fn matches(&self, index: &SpatialIndex, sheet: &IndexedSheet) -> bool {
        self.sheet_matches(index, sheet) && self.first_matching_place(index, sheet).is_some()
    }

    /// Position of the first place of the sheet that satisfies the place constraints: where a
    /// listing shows the sheet.
    pub fn first_matching_place(&self, index: &SpatialIndex, sheet: &IndexedSheet) -> Option<usize> {
        sheet.places.iter().position(|p| self.place_matches(index, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_sets_are_bitsets_of_any_size() {
        let set = ServiceSet::new([0, 63, 64, 135]);
        assert!(set.contains(0) && set.contains(63) && set.contains(64) && set.contains(135));
        assert!(!set.contains(1) && !set.contains(200));
        assert!(set.intersects(&[5, 135]));
        assert!(!set.intersects(&[5, 6]));
        assert!(!ServiceSet::new([]).intersects(&[0]));
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63, 64, 135]);
    }
}
