//! What the postal code + name method tries when no commune of the postal code has the name
//! as written, in this order (each flagged with a note and a lower confidence, never silent):
//!
//! 1. a former commune (delegated or associated) with that name, whose commune has the postal
//!    code: "Tourlaville, 50110" is in Cherbourg-en-Cotentin;
//! 2. a name that begins another's (the official name longer or shorter than the written one);
//! 3. a name that is a whole hyphen-separated part of exactly one commune of the postal code,
//!    or of one of their former communes: "Courcouronnes, 91080" is Évry-Courcouronnes,
//!    "Octeville, 50130" is Cherbourg-Octeville, now Cherbourg-en-Cotentin;
//! 4. a postal code that disagrees with the name (a typo, a neighbour's or a CEDEX code): the
//!    only commune of that name in the postal code's département, or else the only one within
//!    [`NEIGHBOUR_M`] of a commune with the postal code.
//!
//! Only when none of them settles one commune is the row an error.

use super::{GeocodeError, Geocoded, Geocoder, Note, error};
use crate::gazetteer::CommuneKind;
use crate::index::geodesic_distance;
use crate::model::GeocodeMethod;
use crate::model::reason::Reason;

/// How far from a commune with the postal code a commune of the written name may be, town
/// hall to town hall, for the code to be taken for a neighbour's.
pub const NEIGHBOUR_M: f64 = 10_000.0;

impl<'g> Geocoder<'g> {
    /// The commune a name stands for when no commune of `rows` (those with `postal`) bears it.
    pub(super) fn postal_fallbacks(&self, postal: &str, name: &str, key: &str, rows: &[u32]) -> Result<Geocoded, GeocodeError> {
        let settled = |row: u32, confidence: f32, note: Option<Note>| {
            let mut g = self.settle(self.row(row), GeocodeMethod::PostalCodeName, confidence);
            g.notes.extend(note);
            Ok(g)
        };
        if let [one] = self.former_with_postal_code(key, rows).as_slice() {
            return settled(*one, 0.9, None);
        }
        let near: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&i| {
                let k = self.names.folded_name(i);
                k.starts_with(key) || key.starts_with(k)
            })
            .collect();
        if let [one] = self.best(&near).as_slice() {
            return settled(*one, 0.7, None);
        }
        if let [one] = self.names_with_part(key, rows).as_slice() {
            let note = Note::NamePart { written: name.to_owned(), commune: self.label(self.row(*one)) };
            return settled(*one, 0.7, Some(note));
        }
        if let Some(one) = self.named_elsewhere(postal, key, rows) {
            let note = Note::UnexpectedPostalCode { postal_code: postal.to_owned(), commune: self.label(self.row(one)) };
            return settled(one, 0.6, Some(note));
        }
        Err(error(Reason::NoCommuneWithPostalCode { name: name.to_owned(), postal_code: postal.to_owned() }, self.labels(rows)))
    }

    /// Former communes named `key` whose commune is one of `rows`.
    fn former_with_postal_code(&self, key: &str, rows: &[u32]) -> Vec<u32> {
        self.names.rows_named(key).iter().copied().filter(|&i| self.is_former_of(i, rows)).collect()
    }

    fn is_former_of(&self, i: u32, rows: &[u32]) -> bool {
        let c = self.row(i);
        matches!(c.kind, CommuneKind::Delegated | CommuneKind::Associated)
            && c.parent.as_deref().and_then(|p| self.g.index_of(p)).is_some_and(|p| rows.contains(&p))
    }

    /// Communes of `rows` and their former communes whose name has `key` as a whole part
    /// (words in a row: "courcouronnes" in "evry courcouronnes"), current ones first.
    fn names_with_part(&self, key: &str, rows: &[u32]) -> Vec<u32> {
        let words: Vec<&str> = key.split(' ').collect();
        let has_part = |i: u32| {
            let name: Vec<&str> = self.names.folded_name(i).split(' ').collect();
            name.len() > words.len() && name.windows(words.len()).any(|w| w == words.as_slice())
        };
        let current = rows.iter().copied().filter(|&i| has_part(i));
        // Former communes have no postal code of their own: found through their commune.
        let former = (0..self.g.communes().len() as u32).filter(|&i| self.is_former_of(i, rows) && has_part(i));
        let found: Vec<u32> = current.chain(former).collect();
        // A commune and one of its own former communes both bearing the part are one answer.
        let owners: std::collections::BTreeSet<&str> = found.iter().map(|&i| self.owner_code(i)).collect();
        if owners.len() == 1 { self.best(&found).into_iter().take(1).collect() } else { found }
    }

    /// The commune a row belongs to now: its parent for a former commune, else itself.
    fn owner_code(&self, i: u32) -> &'g str {
        let c = self.row(i);
        match c.kind {
            CommuneKind::Delegated | CommuneKind::Associated => c.parent.as_deref().unwrap_or(&c.code),
            _ => &c.code,
        }
    }

    /// The one current commune named `key` in the postal code's département, or else the one
    /// within [`NEIGHBOUR_M`] of a commune with the postal code.
    fn named_elsewhere(&self, postal: &str, key: &str, rows: &[u32]) -> Option<u32> {
        let named: Vec<u32> = self.names.rows_named(key).iter().copied().filter(|&i| self.row(i).kind.is_current()).collect();
        let deps = departements_of_postal_code(postal);
        let in_departement: Vec<u32> = named.iter().copied().filter(|&i| deps.contains(&self.row(i).departement.as_str())).collect();
        if let [one] = in_departement.as_slice() {
            return Some(*one);
        }
        let neighbours: Vec<u32> = named
            .into_iter()
            .filter(|&i| rows.iter().any(|&r| geodesic_distance(self.row(i).point, self.row(r).point) <= NEIGHBOUR_M))
            .collect();
        match neighbours.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// The départements a postal code's first digits name: `20` is both Corsican ones, `97x` an
/// overseas one.
fn departements_of_postal_code(postal: &str) -> Vec<&str> {
    match postal.get(..2) {
        Some("20") => vec!["2A", "2B"],
        Some("97") => postal.get(..3).into_iter().collect(),
        Some(two) => vec![two],
        None => vec![],
    }
}
