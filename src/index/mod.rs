//! The in-memory index that answers the hot reads: bbox listings, nearby, tiles, text search,
//! and the comparisons of [`crate::compare`].
//!
//! Prepare once, answer fast: at start-up every place of every published sheet is put in a
//! Z-order of Web Mercator positions ([`build`]), which answers tiles, boxes (a few runs of it:
//! [`zorder::ZOrder::in_rect`]) and nearest neighbours (a best-first walk of its quadtree:
//! [`zorder::ZOrder::nearest`]), beside a text index and lists by service and by authority;
//! every write replaces the entries of the sheets it touched ([`writes`]). Sheets keep only
//! what filters and listings need; the store has the rest.
//!
//! (Two R-trees, over `[lon, lat]` for boxes and over unit vectors for nearest neighbours,
//! answered until the Z-order did: rstar gives every child slot the room of an inner node, 77
//! and 89 bytes a place, 200 MB for a million sheets, for what the Z-order holds at 24 bytes a
//! place.)

mod build;
mod distance;
pub mod filter;
mod lists;
pub mod memory;
mod nearby;
mod paging;
pub mod rank;
mod service_list;
pub mod snapshot;
pub mod text;
mod writes;
pub mod zorder;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::gazetteer::Gazetteer;
use crate::model::{AuthorityKind, LabelAward, SheetId};
use crate::referential::Referential;
pub use build::IndexBuilder;
pub use distance::{SPHERE_MARGIN, geodesic_distance, great_circle_distance};
pub use filter::{Filter, ServiceSet};
use lists::SheetLists;
pub use nearby::Near;
pub use paging::Page;
pub use service_list::ServiceList;
pub use text::TextHits;
use text::TextIndex;
use zorder::ZOrder;

/// Gazetteer row of a place not in the gazetteer (never matches a commune filter).
pub const NO_COMMUNE: u32 = u32::MAX;

/// Theme of a sheet whose services are all unknown to the referential.
pub const NO_THEME: u8 = u8::MAX;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedPlace {
    pub lon: f64,
    pub lat: f64,
    /// Row in the gazetteer.
    pub commune: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedSheet {
    pub title: Box<str>,
    pub year: u16,
    /// Row in [`SpatialIndex::authorities`].
    pub authority: u32,
    /// Dense referential indexes, main service first; codes unknown to the referential are left out.
    pub services: ServiceList,
    /// Position of the main service's theme among the referential's themes ([`NO_THEME`] without one).
    pub theme: u8,
    pub places: Box<[IndexedPlace]>,
    pub sample: bool,
    /// Document number in the text index.
    pub doc: u32,
}

/// What listings show of an authority.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexedAuthority {
    pub code: Box<str>,
    pub name: Box<str>,
    pub kind: AuthorityKind,
    /// Latest @ level, 0 when never labelled.
    pub arobases: u8,
    pub year: Option<u16>,
    /// Mention codes of the latest award, comma-separated.
    pub mentions: Box<str>,
    pub population: u32,
    /// `[lon, lat]` of the commune it is, or of its seat.
    pub point: Option<[f64; 2]>,
    /// Département and région of the commune it is, or of its seat.
    pub departement: Option<Box<str>>,
    pub region: Option<Box<str>>,
    /// Its label history, oldest first, for the palmarès of any edition.
    pub awards: Box<[LabelAward]>,
}

impl IndexedAuthority {
    /// Its award of an edition, if it was labelled that year.
    pub fn award_of(&self, year: u16) -> Option<&LabelAward> {
        self.awards.iter().find(|a| a.year == year)
    }
}

/// Cloned whole by every write ([`crate::app::live::LiveIndex`]): readers keep the version they
/// started with.
#[derive(Clone)]
pub struct SpatialIndex {
    pub(crate) gazetteer: Arc<Gazetteer>,
    referential: Arc<Referential>,
    sheets: BTreeMap<SheetId, IndexedSheet>,
    authorities: Vec<IndexedAuthority>,
    authority_rows: HashMap<Box<str>, u32>,
    /// Morton codes and rows of the authorities that have a point, sorted: a tile finds its
    /// authorities in a few runs rather than by testing each. Made on first use after a
    /// change of authorities (see [`Self::warm`]).
    authorities_on_map: OnceLock<Box<[(u64, u32)]>>,
    zorder: ZOrder,
    text: TextIndex,
    /// Sheets of each authority row.
    by_authority: SheetLists,
    /// Sheets of each service (dense referential index), whether main or not.
    by_service: SheetLists,
    /// Indexed sheets that are not sample data, so that every response can say cheaply
    /// whether it shows sample data only.
    real_sheets: usize,
    /// Bumped by every change, so that what was made from one state of the index (a cached
    /// tile) can be told from what was made from another.
    version: u64,
    /// The version at which the authorities last changed, for what is drawn from them alone.
    authorities_version: u64,
}

impl SpatialIndex {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Follows on from the index this one replaces: its version comes after the old one's,
    /// and its authorities count as changed.
    pub fn succeed(&mut self, old: &SpatialIndex) {
        self.version = self.version.max(old.version + 1);
        self.authorities_version = self.version;
    }

    /// The version at which the authorities (their labels, names, places) last changed: what
    /// is drawn from them alone holds while it stays the same.
    pub fn authorities_version(&self) -> u64 {
        self.authorities_version
    }

    pub fn len(&self) -> usize {
        self.sheets.len()
    }

    /// Row of the authority with this code, if the index knows it.
    pub fn authority_row_of(&self, code: &str) -> Option<u32> {
        self.authority_rows.get(code).copied()
    }

    /// How many published sheets an authority row has.
    pub fn sheet_count_of_authority(&self, row: u32) -> usize {
        self.by_authority.get(row as usize).len()
    }

    /// The published sheets of an authority row, in id order.
    pub fn sheets_of_authority(&self, row: u32) -> Vec<(SheetId, &IndexedSheet)> {
        let mut ids = self.by_authority.get(row as usize).to_vec();
        ids.sort_unstable();
        ids.into_iter().filter_map(|id| self.sheets.get(&id).map(|s| (id, s))).collect()
    }

    /// The published sheets filed under a service (dense index), in no particular order.
    pub fn sheets_with_service(&self, service: u16) -> &[SheetId] {
        self.by_service.get(service as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.sheets.is_empty()
    }

    pub fn place_count(&self) -> usize {
        self.zorder.len()
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    pub fn referential(&self) -> &Referential {
        &self.referential
    }

    /// Every indexed sheet, in id order.
    pub fn sheets(&self) -> impl Iterator<Item = (SheetId, &IndexedSheet)> + '_ {
        self.sheets.iter().map(|(&id, s)| (id, s))
    }

    pub fn sheet(&self, id: SheetId) -> Option<&IndexedSheet> {
        self.sheets.get(&id)
    }

    pub fn authority(&self, sheet: &IndexedSheet) -> &IndexedAuthority {
        &self.authorities[sheet.authority as usize]
    }

    /// Every authority known to the index (labelled or only owning sheets).
    pub fn authorities(&self) -> &[IndexedAuthority] {
        &self.authorities
    }

    /// Authorities whose point lies in grid square (x, y) at `zoom` (a tile), in no
    /// particular order.
    pub fn authorities_in_square(&self, zoom: u8, x: u32, y: u32) -> impl Iterator<Item = &IndexedAuthority> {
        let on_map = self.authorities_on_map();
        on_map[zorder::sorted_range(on_map, |&(code, _)| code, zorder::square(zoom, x, y))]
            .iter()
            .map(|&(_, row)| &self.authorities[row as usize])
    }

    fn authorities_on_map(&self) -> &[(u64, u32)] {
        self.authorities_on_map.get_or_init(|| {
            let mut on_map: Vec<(u64, u32)> = (self.authorities.iter().enumerate())
                .filter_map(|(row, a)| a.point.map(|[lon, lat]| (zorder::code(lon, lat), row as u32)))
                .collect();
            on_map.sort_unstable();
            on_map.into()
        })
    }

    /// Makes now what tiles would otherwise make on first use after a change (the Z-order's
    /// running totals, the authorities' order on the map), so that no request waits for it:
    /// called by whoever publishes an index.
    pub fn warm(&self) {
        self.zorder.running_sums();
        self.authorities_on_map();
    }

    /// Every indexed place in Z-order, for tiles.
    pub fn zorder(&self) -> &ZOrder {
        &self.zorder
    }

    /// Whether the place of a sheet passes the filter (and the sheet too).
    pub fn place_matches(&self, filter: &Filter, id: SheetId, place: u16) -> bool {
        let Some(sheet) = self.sheets.get(&id) else { return false };
        filter.sheet_matches(self, sheet) && sheet.places.get(place as usize).is_some_and(|p| filter.place_matches(self, p))
    }

    /// Whether every indexed sheet is generated sample data (and there is at least one).
    pub fn all_sample(&self) -> bool {
        !self.sheets.is_empty() && self.real_sheets == 0
    }

    /// Sheets whose text has every word of `query` (see [`text`]), with their relevance.
    pub fn search(&self, query: &str) -> TextHits {
        self.text.search(query)
    }

    /// The text index's compactions so far.
    pub fn text_compactions(&self) -> u64 {
        self.text.compactions()
    }

    /// The words of an indexed text (a sheet's title) with their term numbers; see
    /// [`TextIndex::known_terms`].
    pub fn known_terms<'t>(&self, text: &'t str) -> impl Iterator<Item = (&'t str, u32)> {
        self.text.known_terms(text)
    }
}

#[cfg(test)]
pub(crate) mod tests;
