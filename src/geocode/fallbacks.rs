//! What the postal code + name method tries when no commune of the postal code has the name
//! as written, in this order (each flagged with a note and a lower confidence, never silent):
//!
//! 1. a former commune (delegated or associated) with that name, whose commune has the postal
//!    code: "Tourlaville, 50110" is in Cherbourg-en-Cotentin;
//! 2. a name that begins another's (the official name longer or shorter than the written one),
//!    the only one among the postal code's communes;
//! 3. a name that is a whole hyphen-separated part of exactly one commune of the postal code,
//!    or of one of their former communes: "Courcouronnes, 91080" is Évry-Courcouronnes,
//!    "Octeville, 50130" is Cherbourg-Octeville, now Cherbourg-en-Cotentin;
//! 4. a long name one letter off (added, dropped, changed, or two swapped) from exactly one
//!    commune of the postal code or one of their former communes;
//! 5. a postal code that disagrees with the name (a typo, a neighbour's or a CEDEX code): the
//!    only commune of that name in the postal code's département, or else the only one within
//!    [`NEIGHBOUR_M`] of a commune with the postal code.
//!
//! Only when none of them settles one commune is the row an error. A postal code that no
//! commune has is left to the name ([`Geocoder::unknown_postal_code`]), flagged too.

use super::{GeocodeError, Geocoded, Geocoder, Note, error};
use crate::gazetteer::CommuneKind;
use crate::gazetteer::names::{TYPO_MIN_LEN, one_typo_apart};
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
            let note = Note::NameNear { written: name.to_owned(), commune: self.label(self.row(*one)) };
            return settled(*one, 0.7, Some(note));
        }
        // A walk over every commune: done once for the two rules that need it.
        let formers = self.formers_of(rows);
        if let [one] = self.names_with_part(key, rows, &formers).as_slice() {
            let note = Note::NamePart { written: name.to_owned(), commune: self.label(self.row(*one)) };
            return settled(*one, 0.7, Some(note));
        }
        if let [one] = self.one_typo_from(key, rows.iter().chain(&formers).copied()).as_slice() {
            let note = Note::NameNear { written: name.to_owned(), commune: self.label(self.row(*one)) };
            return settled(*one, 0.7, Some(note));
        }
        if let Some(one) = self.named_elsewhere(postal, key, rows) {
            let note = Note::UnexpectedPostalCode { postal_code: postal.to_owned(), commune: self.label(self.row(one)) };
            return settled(one, 0.6, Some(note));
        }
        Err(error(Reason::NoCommuneWithPostalCode { name: name.to_owned(), postal_code: postal.to_owned() }, self.labels(rows)))
    }

    /// A postal code no commune has (a typo, a CEDEX code): the name decides, the one commune
    /// of that name in the code's département, else in France; flagged.
    pub(super) fn unknown_postal_code(&self, postal: &str, name: &str) -> Result<Geocoded, GeocodeError> {
        let in_departement = departements_of_postal_code(postal).into_iter().find_map(|d| self.by_name(name, Some(d)).ok());
        let mut found = match in_departement {
            Some(found) => found,
            None => self.by_name(name, None)?,
        };
        found.confidence = 0.6;
        let commune = self.g.commune(&found.commune).map(|c| self.label(c)).unwrap_or_else(|| found.commune.clone());
        found.notes.push(Note::UnexpectedPostalCode { postal_code: postal.to_owned(), commune });
        Ok(found)
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

    /// Communes of `rows` and their former communes (`formers`) whose name has `key` as a
    /// whole part (words in a row: "courcouronnes" in "evry courcouronnes"), current ones first.
    fn names_with_part(&self, key: &str, rows: &[u32], formers: &[u32]) -> Vec<u32> {
        let words: Vec<&str> = key.split(' ').collect();
        let has_part = |i: u32| {
            let name: Vec<&str> = self.names.folded_name(i).split(' ').collect();
            name.len() > words.len() && name.windows(words.len()).any(|w| w == words.as_slice())
        };
        let found: Vec<u32> = rows.iter().chain(formers).copied().filter(|&i| has_part(i)).collect();
        self.one_answer_per_commune(found)
    }

    /// The former communes of `rows`: they have no postal code of their own, and are found
    /// through their commune.
    fn formers_of(&self, rows: &[u32]) -> Vec<u32> {
        (0..self.g.communes().len() as u32).filter(|&i| self.is_former_of(i, rows)).collect()
    }

    /// `found`, or its best row when all of it belongs to one commune (a commune and one of
    /// its own former communes both matching are one answer).
    fn one_answer_per_commune(&self, found: Vec<u32>) -> Vec<u32> {
        let owners: std::collections::BTreeSet<&str> = found.iter().map(|&i| self.owner_code(i)).collect();
        if owners.len() == 1 { self.best(&found).into_iter().take(1).collect() } else { found }
    }

    /// Communes of `candidates` whose name is one typo from `key` (long names only).
    fn one_typo_from(&self, key: &str, candidates: impl Iterator<Item = u32>) -> Vec<u32> {
        if key.len() < TYPO_MIN_LEN {
            return vec![];
        }
        self.one_answer_per_commune(candidates.filter(|&i| one_typo_apart(self.names.folded_name(i), key)).collect())
    }

    /// The one commune of département `dep` whose name is one typo from `key`, flagged.
    pub(super) fn typo_in_departement(&self, name: &str, key: &str, dep: &str) -> Option<Geocoded> {
        let in_departement = (0..self.g.communes().len() as u32).filter(|&i| self.row(i).departement == dep);
        let &[one] = self.one_typo_from(key, in_departement).as_slice() else { return None };
        let mut found = self.settle(self.row(one), GeocodeMethod::NameDepartement, 0.7);
        found.notes.push(Note::NameNear { written: name.to_owned(), commune: self.label(self.row(one)) });
        Some(found)
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
