//! The mosaic of an authority: for every entry of the referential, its sheets there and the
//! share of its peers that have some, and the services most common among its peers that it
//! lacks ("axes de progression"), each with example sheets from the nearest peers.
//!
//! A sheet counts under the entries of its main service (`sheets`), so that at every level the
//! counts add up to the authority's classified sheets, and under those of its other services
//! (`other_sheets`) when not already counted. Peers are the nearest authorities of the same
//! kind and population class with at least one sheet (of the year asked, if any).

use super::peers::{Peer, PeerQuery, Subject, peers};
use crate::index::{Filter, SpatialIndex};
use crate::model::SheetId;
use crate::referential::Level;

/// How many peers the shares are taken over.
pub const PEERS: usize = 30;
/// How many missing services are suggested.
pub const SUGGESTIONS: usize = 5;
/// How many example sheets each suggestion carries (from distinct peers, nearest first).
pub const EXAMPLES: usize = 3;

/// One referential entry (same position as in [`crate::referential::Referential::entries`]).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Sheets whose main service is under the entry.
    pub sheets: Vec<SheetId>,
    /// Sheets with another of their services under it.
    pub other_sheets: Vec<SheetId>,
    /// Peers with at least one sheet under it (any of their services).
    pub peers_with: usize,
}

impl Coverage {
    pub fn covered(&self) -> bool {
        !self.sheets.is_empty() || !self.other_sheets.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    /// Position of the service in the referential's entries.
    pub entry: usize,
    pub peers_with: usize,
    /// `(sheet, peer)` where `peer` indexes [`Mosaic::peers`].
    pub examples: Vec<(SheetId, usize)>,
}

#[derive(Debug, Clone)]
pub struct Mosaic {
    /// Its published sheets (of the year asked), in id order.
    pub sheets: Vec<SheetId>,
    /// Those of them filed under no service of the referential.
    pub unclassified: Vec<SheetId>,
    pub entries: Vec<Coverage>,
    pub peers: Vec<Peer>,
    pub suggestions: Vec<Suggestion>,
}

pub fn mosaic(index: &SpatialIndex, subject: &Subject, year: Option<u16>) -> Mosaic {
    let r = index.referential();
    let filter = Filter { years: year.map(|y| y..=y), ..Filter::default() };
    let own: Vec<SheetId> = match index.authority_row_of(&subject.code) {
        Some(row) => index.sheets_of_authority(row).into_iter().filter(|(_, s)| filter.matches(index, s)).map(|(id, _)| id).collect(),
        None => vec![],
    };
    let mut entries = vec![Coverage::default(); r.entries().len()];
    let mut unclassified = vec![];
    for &id in &own {
        let sheet = index.sheet(id).expect("listed sheets are indexed");
        if sheet.services.is_empty() {
            unclassified.push(id);
        }
        for (k, &service) in sheet.services.iter().enumerate() {
            for e in r.path(service) {
                let c = &mut entries[e];
                // Sheets come in id order: the last one listed tells whether this one is.
                if k == 0 && c.sheets.last() != Some(&id) {
                    c.sheets.push(id);
                } else if c.sheets.last() != Some(&id) && c.other_sheets.last() != Some(&id) {
                    c.other_sheets.push(id);
                }
            }
        }
    }
    let query = PeerQuery { subject, radius_m: None, limit: PEERS, filter: &filter, require_sheets: true };
    let peers = peers(index, &query);
    for peer in &peers {
        let mut seen = vec![false; entries.len()];
        for &id in &peer.sheets {
            for &s in index.sheet(id).map_or(&[][..], |s| s.services.as_slice()) {
                for e in r.path(s) {
                    seen[e] = true;
                }
            }
        }
        for (c, seen) in entries.iter_mut().zip(seen) {
            c.peers_with += usize::from(seen);
        }
    }
    let suggestions = suggest(index, &entries, &peers);
    Mosaic { sheets: own, unclassified, entries, peers, suggestions }
}

/// The services the authority lacks that most of its peers have, with examples.
fn suggest(index: &SpatialIndex, entries: &[Coverage], peers: &[Peer]) -> Vec<Suggestion> {
    let r = index.referential();
    let mut missing: Vec<usize> = (0..entries.len())
        .filter(|&e| r.entries()[e].level == Level::Service && !entries[e].covered() && entries[e].peers_with > 0)
        .collect();
    // Most common first; the referential's order breaks ties.
    missing.sort_by_key(|&e| (std::cmp::Reverse(entries[e].peers_with), e));
    missing.truncate(SUGGESTIONS);
    missing
        .into_iter()
        .map(|entry| {
            let service = r.service_index(&r.entries()[entry].code).expect("a service entry");
            let examples = peers
                .iter()
                .enumerate()
                .filter_map(|(p, peer)| {
                    // A sheet filed mainly under the service tells the most; then the lowest id.
                    let rank = |id: SheetId| index.sheet(id)?.services.iter().position(|&s| s == service);
                    let best = peer.sheets.iter().filter_map(|&id| rank(id).map(|r| (r, id))).min();
                    best.map(|(_, id)| (id, p))
                })
                .take(EXAMPLES)
                .collect();
            Suggestion { entry, peers_with: entries[entry].peers_with, examples }
        })
        .collect()
}
