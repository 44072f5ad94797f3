//! Keeping the index in step with writes: a written sheet replaces its old entry and places
//! whole, and every change says which positions it touched, for the tile cache.

use std::collections::HashMap;

use super::build::tree_points;
use super::{IndexedAuthority, IndexedSheet, SpatialIndex};
use crate::model::{Authority, Initiative, SheetId};

impl SpatialIndex {
    /// Adds or refreshes authorities (name, latest @) for listings and the `arobases` filter.
    pub fn upsert_authorities(&mut self, authorities: &[Authority]) {
        self.version += 1;
        if !authorities.is_empty() {
            self.authorities_on_map.take();
            self.authorities_version = self.version;
        }
        for a in authorities {
            let row = self.authority_row(&a.code) as usize;
            let latest = a.latest_award();
            self.authorities[row] = IndexedAuthority {
                code: a.code.as_str().into(),
                name: a.name.as_str().into(),
                kind: a.kind,
                arobases: latest.map_or(0, |l| l.arobases),
                year: latest.map(|l| l.year),
                mentions: latest.map(|l| l.mentions.join(",")).unwrap_or_default().into(),
                population: a.population,
                point: a.commune.as_deref().and_then(|c| self.gazetteer.commune(c)).map(|c| c.point),
                departement: a.departement.as_deref().map(Into::into),
                region: a.region.as_deref().map(Into::into),
                awards: sorted_by_year(&a.awards),
            };
        }
    }

    /// Brings the index in step with sheets just written: published ones are (re)indexed,
    /// others removed. Returns the positions `[lon, lat]` whose content changed (old and new
    /// places), so that caches of what is drawn there can be dropped.
    pub fn apply(&mut self, sheets: &[Initiative]) -> Vec<[f64; 2]> {
        self.version += 1;
        let (mut touched, mut gone, mut added) = (vec![], vec![], vec![]);
        // A sheet given twice ends as its last version says, as two applications would leave
        // it: an earlier version's places would otherwise be merged in beside the last one's.
        let last: HashMap<SheetId, usize> = sheets.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        for (i, sheet) in sheets.iter().enumerate() {
            if last[&sheet.id] != i {
                continue;
            }
            if let Some(old) = self.unlist(sheet.id) {
                for (position, z) in tree_points(sheet.id, &old) {
                    touched.push(position);
                    gone.push(z);
                }
            }
            if let Some(indexed) = self.index_entry(sheet) {
                for (position, z) in tree_points(sheet.id, &indexed) {
                    touched.push(position);
                    added.push(z);
                }
                self.real_sheets += usize::from(!indexed.sample);
                self.list(sheet.id, &indexed);
                self.sheets.insert(sheet.id, indexed);
            }
        }
        self.zorder.replace(gone, added);
        self.compact_text();
        touched
    }

    /// Reclaims the postings and numbers of the text index's dead documents once they are
    /// worth it. [`Self::apply`] does it; call it after [`Self::remove`]s.
    pub fn compact_text(&mut self) {
        if self.text.needs_compaction() {
            let renumber = self.text.compact();
            for sheet in self.sheets.values_mut() {
                sheet.doc = renumber[sheet.doc as usize];
            }
        }
    }

    /// Removes a sheet and its places, returning their positions; no-op for an unknown id.
    /// (Its text stays in the text index as a dead document until [`Self::apply`] compacts.)
    pub fn remove(&mut self, id: SheetId) -> Vec<[f64; 2]> {
        let Some(old) = self.unlist(id) else { return vec![] };
        let mut touched = vec![];
        for (position, z) in tree_points(id, &old) {
            touched.push(position);
            self.zorder.remove(&z);
        }
        touched
    }

    /// Takes a sheet out of everything but the Z-order, returning its entry.
    fn unlist(&mut self, id: SheetId) -> Option<IndexedSheet> {
        let old = self.sheets.remove(&id)?;
        self.version += 1;
        self.real_sheets -= usize::from(!old.sample);
        self.text.remove(old.doc);
        self.by_authority.remove(old.authority as usize, id);
        for &s in old.services.iter() {
            self.by_service.remove(s as usize, id);
        }
        Some(old)
    }

    /// Adds a sheet to the lists by authority and by service.
    pub(super) fn list(&mut self, id: SheetId, sheet: &IndexedSheet) {
        self.by_authority.add(sheet.authority as usize, id);
        for &s in sheet.services.iter() {
            self.by_service.add(s as usize, id);
        }
    }
}

/// Awards oldest first, one per year (the last given wins), whatever order the store gave.
fn sorted_by_year(awards: &[crate::model::LabelAward]) -> Box<[crate::model::LabelAward]> {
    let mut sorted = awards.to_vec();
    sorted.sort_by_key(|a| a.year);
    sorted.reverse();
    sorted.dedup_by_key(|a| a.year);
    sorted.reverse();
    sorted.into()
}
