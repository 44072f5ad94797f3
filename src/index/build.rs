//! Making the index: each published sheet becomes an entry (its places, services and text
//! resolved to compact numbers), and a bulk load sorts the Z-order once from pages of sheets.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use super::lists::SheetLists;
use super::text::{DocText, TextIndex};
use super::zorder::{ZOrder, ZPoint};
use super::{IndexedAuthority, IndexedPlace, IndexedSheet, NO_COMMUNE, NO_THEME, ServiceList, SpatialIndex};
use crate::gazetteer::Gazetteer;
use crate::model::{Authority, AuthorityKind, Initiative, SheetId, Status};
use crate::referential::Referential;

/// A bulk load in progress: sheets go in by pages, the Z-order is sorted once at the end.
pub struct IndexBuilder {
    pub(super) index: SpatialIndex,
    entries: Vec<(SheetId, IndexedSheet)>,
    zorder: Vec<ZPoint>,
}

impl IndexBuilder {
    /// Adds a page of sheets; those that are not published are skipped.
    pub fn add(&mut self, sheets: &[Initiative]) {
        for sheet in sheets {
            if let Some(indexed) = self.index.index_entry(sheet) {
                self.zorder.extend(tree_points(sheet.id, &indexed).map(|(_, z)| z));
                self.entries.push((sheet.id, indexed));
            }
        }
    }

    /// Adds entries already made (read from a snapshot), in id order.
    pub(super) fn add_entries(&mut self, entries: Vec<(SheetId, IndexedSheet)>) {
        self.zorder.reserve_exact(entries.iter().map(|(_, s)| s.places.len()).sum());
        for (id, indexed) in &entries {
            self.zorder.extend(tree_points(*id, indexed).map(|(_, z)| z));
        }
        self.entries.extend(entries);
    }

    /// Sorts the Z-order and makes the lists once, over every sheet added.
    pub fn finish(self) -> SpatialIndex {
        let IndexBuilder { mut index, entries, zorder } = self;
        index.zorder = ZOrder::from_unsorted(zorder);
        index.real_sheets = entries.iter().filter(|(_, s)| !s.sample).count();
        for (id, sheet) in &entries {
            index.list(*id, sheet);
        }
        // What pushes left spare in the lists and the postings (up to half of each) would stay
        // for the life of the index: clones, which writes make, come out the right size anyway.
        index.by_authority.shrink_to_fit();
        index.by_service.shrink_to_fit();
        index.text.shrink_to_fit();
        // Sorted or not, collecting builds the map in bulk.
        index.sheets = entries.into_iter().collect();
        index
    }
}

/// The position of each of a sheet's places with its entry in the Z-order; removal rebuilds
/// the same values to find them.
pub(super) fn tree_points(id: SheetId, sheet: &IndexedSheet) -> impl Iterator<Item = ([f64; 2], ZPoint)> + '_ {
    sheet.places.iter().enumerate().map(move |(i, p)| ([p.lon, p.lat], ZPoint::new(id, i as u16, [p.lon, p.lat], sheet.theme)))
}

impl SpatialIndex {
    /// Bulk-loads the index from a store snapshot. Sheets that are not published are skipped.
    pub fn build(gazetteer: Arc<Gazetteer>, referential: Arc<Referential>, authorities: Vec<Authority>, sheets: Vec<Initiative>) -> Self {
        let mut builder = Self::builder(gazetteer, referential, &authorities);
        builder.add(&sheets);
        drop(sheets);
        builder.finish()
    }

    /// Starts a bulk load that takes sheets page by page.
    pub fn builder(gazetteer: Arc<Gazetteer>, referential: Arc<Referential>, authorities: &[Authority]) -> IndexBuilder {
        let mut index = SpatialIndex {
            gazetteer,
            referential,
            sheets: BTreeMap::new(),
            authorities: vec![],
            authority_rows: HashMap::new(),
            authorities_on_map: OnceLock::new(),
            zorder: ZOrder::default(),
            text: TextIndex::default(),
            by_authority: SheetLists::default(),
            by_service: SheetLists::default(),
            real_sheets: 0,
            version: 0,
            authorities_version: 0,
        };
        index.upsert_authorities(authorities);
        IndexBuilder { index, entries: vec![], zorder: vec![] }
    }

    pub(super) fn index_entry(&mut self, sheet: &Initiative) -> Option<IndexedSheet> {
        let s = &sheet.sheet;
        if s.status != Status::Published || s.places.is_empty() {
            return None;
        }
        let authority = self.authority_row(&s.authority);
        let text = DocText { title: &s.title, authority: &self.authorities[authority as usize].name, summary: &s.summary, body: &s.body };
        let doc = self.text.add(sheet.id, &text);
        let mut services: Vec<u16> = Vec::with_capacity(s.services.len());
        for i in s.services.iter().filter_map(|c| self.referential.service_index(c)) {
            // A service given twice counts once (the lists by service hold a sheet once).
            if !services.contains(&i) {
                services.push(i);
            }
        }
        let services = ServiceList::new(&services);
        Some(IndexedSheet {
            title: s.title.as_str().into(),
            year: s.year,
            authority,
            theme: services.first().map_or(NO_THEME, |&main| self.referential.theme_position(main)),
            services,
            places: s
                .places
                .iter()
                .take(u16::MAX as usize)
                .map(|p| IndexedPlace { lon: p.lon, lat: p.lat, commune: self.gazetteer.index_of(&p.commune).unwrap_or(NO_COMMUNE) })
                .collect(),
            sample: s.sample,
            doc,
        })
    }

    /// Row of an authority, creating a bare one if the code is new (its details come with the
    /// next [`Self::upsert_authorities`]).
    pub(super) fn authority_row(&mut self, code: &str) -> u32 {
        if let Some(&row) = self.authority_rows.get(code) {
            return row;
        }
        let row = self.authorities.len() as u32;
        self.authorities_on_map.take();
        self.authorities.push(IndexedAuthority {
            code: code.into(),
            name: code.into(),
            kind: AuthorityKind::Commune,
            arobases: 0,
            year: None,
            mentions: "".into(),
            population: 0,
            point: None,
            departement: None,
            region: None,
            awards: Box::new([]),
        });
        self.authority_rows.insert(code.into(), row);
        row
    }
}
