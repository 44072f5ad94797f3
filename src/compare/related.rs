//! Related sheets, the label's "actions connexes": other published sheets ranked by how much
//! they have in common with one sheet.
//!
//! The score is a weighted sum of four parts, each between 0 and 1 (weights add up to 1):
//!
//! | part | weight | value |
//! | --- | --- | --- |
//! | referential | 0.50 | closest level shared: same service 0.8 (+0.1 for each further shared service, at most 1), same use 0.6, same challenge 0.35, same theme 0.15, nothing 0 |
//! | proximity | 0.25 | `25 / (25 + km)` from the sheet's main place to the other's closest place: 1 on the spot, 0.5 at 25 km, 0.2 at 100 km |
//! | authority | 0.15 | same kind of authority 0.4, and in the same population class 0.6 more |
//! | text | 0.10 | Dice coefficient of the titles' search terms (stemmed, accents folded) |
//!
//! Candidates come from indexes, never from every sheet: the sheets filed under the same
//! services (from the lists by service while they are short, else the nearest ones through the
//! index), and the nearest sheets sharing a use and sharing a theme. Text is measured last,
//! only while it can still change the result.

use std::collections::HashSet;

use super::classes::{PopulationClass, class_of};
use super::{authority_kind_label, format_distance};
use crate::index::rank::insert_top;
use crate::index::text::terms;
use crate::index::{Filter, IndexedSheet, NO_COMMUNE, ServiceSet, SpatialIndex, geodesic_distance, great_circle_distance};
use crate::model::{AuthorityKind, SheetId};
use crate::referential::{Level, Referential};

pub const W_REFERENTIAL: f64 = 0.5;
pub const W_PROXIMITY: f64 = 0.25;
pub const W_AUTHORITY: f64 = 0.15;
pub const W_TEXT: f64 = 0.10;

/// Kilometres at which the proximity part is one half.
const HALF_KM: f64 = 25.0;
/// Longest total of the lists by service read whole; past it the nearest sheets are taken.
const SCAN_MAX: usize = 20_000;
/// Nearest sheets taken from the index for each level of sharing.
const NEAREST: usize = 100;

/// The closest level of the referential two sheets share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shared {
    Nothing,
    Theme,
    Challenge,
    Use,
    Service,
}

/// A related sheet, best first in the answer.
#[derive(Debug, Clone)]
pub struct Related {
    pub sheet: SheetId,
    /// Position of the place of that sheet closest to the first sheet's main place.
    pub place: u16,
    pub distance_m: f64,
    pub score: f64,
    /// Why, in French, most telling first.
    pub reasons: Vec<String>,
}

/// The sheet others are compared with.
struct Origin {
    /// Left out of the answer (a sheet is not related to itself).
    id: Option<SheetId>,
    /// Dense referential indexes, main service first.
    services: Vec<u16>,
    point: [f64; 2],
    /// Gazetteer row of the commune of its main place.
    commune: u32,
    /// Theme, challenge, use and service entry of each of its services.
    paths: Vec<[usize; 4]>,
    /// Term numbers of its title the index knows.
    terms: HashSet<u32>,
    /// How many terms its title has, known to the index or not.
    term_count: usize,
    /// Its authority's row in the index, when the index knows it.
    authority_row: Option<u32>,
    kind: AuthorityKind,
    class: Option<&'static PopulationClass>,
}

/// A sheet the index does not hold (a draft, a proposal), to find what it would be related
/// to once published.
#[derive(Debug, Clone)]
pub struct Unpublished<'a> {
    /// Its id when it has one: its public version, if any, is left out.
    pub id: Option<SheetId>,
    pub title: &'a str,
    /// Service codes, main first; codes unknown to the referential are left out.
    pub services: &'a [String],
    /// `[lon, lat]` of its main place.
    pub point: [f64; 2],
    /// INSEE code of its main place's commune.
    pub commune: &'a str,
    pub authority: &'a str,
    /// Its authority's kind and population, for authorities the index does not know yet.
    pub kind: AuthorityKind,
    pub population: u32,
}

/// What a candidate shares with the origin, before its text is looked at.
struct Candidate {
    id: SheetId,
    place: u16,
    shared: Shared,
    /// Entry shared at that level (the first found).
    shared_entry: Option<usize>,
    same_authority: bool,
    /// Same kind of authority and same population class.
    comparable: bool,
    /// Score without the text part.
    partial: f64,
}

/// Up to `limit` sheets related to sheet `id`, best first (ties by id); `None` when the sheet
/// is not published.
pub fn related(index: &SpatialIndex, id: SheetId, limit: usize) -> Option<Vec<Related>> {
    let sheet = index.sheet(id)?;
    let main = &sheet.places[0];
    let r = index.referential();
    let authority = index.authority(sheet);
    let terms: HashSet<u32> = index.known_terms(&sheet.title).map(|(_, t)| t).collect();
    let origin = Origin {
        id: Some(id),
        services: sheet.services.to_vec(),
        point: [main.lon, main.lat],
        commune: main.commune,
        paths: sheet.services.iter().map(|&s| r.path(s)).collect(),
        // An indexed title's terms are all known.
        term_count: terms.len(),
        terms,
        authority_row: Some(sheet.authority),
        kind: authority.kind,
        class: class_of(authority.population),
    };
    Some(rank(index, &origin, limit))
}

/// Up to `limit` published sheets related to a sheet that is not published (yet), best first:
/// what its "actions connexes" would be.
pub fn related_to_unpublished(index: &SpatialIndex, sheet: &Unpublished, limit: usize) -> Vec<Related> {
    let r = index.referential();
    let mut services: Vec<u16> = vec![];
    for i in sheet.services.iter().filter_map(|c| r.service_index(c)) {
        if !services.contains(&i) {
            services.push(i);
        }
    }
    let authority_row = index.authority_row_of(sheet.authority);
    // The index's figures when it knows the authority, else the caller's (the gazetteer's).
    let population = authority_row.map_or(sheet.population, |row| index.authorities()[row as usize].population);
    let origin = Origin {
        id: sheet.id,
        paths: services.iter().map(|&s| r.path(s)).collect(),
        services,
        point: sheet.point,
        commune: index.gazetteer().index_of(sheet.commune).unwrap_or(NO_COMMUNE),
        terms: index.known_terms(sheet.title).map(|(_, t)| t).collect(),
        // Its words the index does not know yet still count, as they will once it is published.
        term_count: terms(sheet.title).into_iter().collect::<HashSet<String>>().len(),
        authority_row,
        kind: authority_row.map_or(sheet.kind, |row| index.authorities()[row as usize].kind),
        class: class_of(population),
    };
    rank(index, &origin, limit)
}

/// The best `limit` candidates of an origin.
fn rank(index: &SpatialIndex, origin: &Origin, limit: usize) -> Vec<Related> {
    let mut measured: Vec<Candidate> = candidates(index, origin).into_iter().filter_map(|c| measure(index, origin, c)).collect();
    measured.sort_unstable_by(|a, b| b.partial.total_cmp(&a.partial).then(a.id.cmp(&b.id)));
    let mut best: Vec<(f64, Vec<String>, Candidate)> = Vec::with_capacity(limit + 1);
    for c in measured {
        // The text adds at most W_TEXT: past this point no candidate can enter.
        if best.len() == limit && best.last().is_none_or(|(s, _, _)| c.partial + W_TEXT < *s) {
            break;
        }
        let title = &index.sheet(c.id).expect("candidates are indexed").title;
        let (similarity, words) = text_similarity(index, origin, title);
        let score = c.partial + W_TEXT * similarity;
        // Best score first, then lowest id.
        insert_top(&mut best, (score, words, c), limit, |(s, _, c)| (-*s, c.id));
    }
    best.into_iter().map(|(score, words, c)| finish(index, origin, c, score, words)).collect()
}

/// Candidate ids in increasing order (lookups in that order stay in cache).
fn candidates(index: &SpatialIndex, origin: &Origin) -> Vec<SheetId> {
    let services = &origin.services;
    let mut found = vec![];
    let listed: usize = services.iter().map(|&s| index.sheets_with_service(s).len()).sum();
    if listed <= SCAN_MAX {
        for &s in services.iter() {
            found.extend(index.sheets_with_service(s));
        }
    } else {
        found.extend(nearest(index, origin, services.iter().copied()));
    }
    let r = index.referential();
    for (position, level) in [(2, Level::Use), (0, Level::Theme)] {
        let under = origin.paths.iter().filter_map(|p| r.services_under(&r.entries()[p[position]].code, level)).flatten().copied();
        found.extend(nearest(index, origin, under));
    }
    if services.is_empty() {
        // Nothing to share in the referential: the nearest sheets, for their place and text.
        found.extend(index.nearby(origin.point, None, NEAREST + 1, &Filter::default()).into_iter().map(|n| n.sheet));
    }
    found.sort_unstable();
    found.dedup();
    found.retain(|&id| Some(id) != origin.id);
    found
}

/// The nearest sheets filed under any of `services`.
fn nearest(index: &SpatialIndex, origin: &Origin, services: impl Iterator<Item = u16>) -> Vec<SheetId> {
    let filter = Filter { services: vec![ServiceSet::new(services)], ..Filter::default() };
    index.nearby(origin.point, None, NEAREST + 1, &filter).into_iter().map(|n| n.sheet).collect()
}

fn measure(index: &SpatialIndex, origin: &Origin, id: SheetId) -> Option<Candidate> {
    let sheet = index.sheet(id)?;
    let (place, distance_m) = sheet
        .places
        .iter()
        .enumerate()
        .map(|(i, p)| (i as u16, great_circle_distance(origin.point, [p.lon, p.lat])))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let (shared, shared_entry) = shared(index.referential(), origin, sheet);
    let shared_services = sheet.services.iter().filter(|s| origin.services.contains(s)).count();
    let referential = match shared {
        Shared::Service => (0.8 + 0.1 * (shared_services - 1) as f64).min(1.0),
        Shared::Use => 0.6,
        Shared::Challenge => 0.35,
        Shared::Theme => 0.15,
        Shared::Nothing => 0.0,
    };
    let proximity = HALF_KM / (HALF_KM + distance_m / 1000.0);
    let theirs = index.authority(sheet);
    let same_class = origin.class.is_some() && origin.class == class_of(theirs.population);
    let same_kind = origin.kind == theirs.kind;
    let authority = if same_kind { 0.4 + if same_class { 0.6 } else { 0.0 } } else { 0.0 };
    Some(Candidate {
        id,
        place,
        shared,
        shared_entry,
        same_authority: Some(sheet.authority) == origin.authority_row,
        comparable: same_kind && same_class,
        partial: W_REFERENTIAL * referential + W_PROXIMITY * proximity + W_AUTHORITY * authority,
    })
}

/// The closest level shared and the entry shared at that level.
fn shared(r: &Referential, origin: &Origin, sheet: &IndexedSheet) -> (Shared, Option<usize>) {
    let mut best = (Shared::Nothing, None);
    for &s in sheet.services.iter() {
        let theirs = r.path(s);
        for mine in &origin.paths {
            let level = [Shared::Theme, Shared::Challenge, Shared::Use, Shared::Service]
                .into_iter()
                .zip(0..4)
                .rev()
                .find(|&(_, depth)| mine[depth] == theirs[depth]);
            if let Some((level, depth)) = level
                && level > best.0
            {
                best = (level, Some(theirs[depth]));
            }
        }
    }
    best
}

/// Dice coefficient of the title's terms with the origin's, and the title's words behind the
/// shared terms (lower-cased, once each).
fn text_similarity(index: &SpatialIndex, origin: &Origin, title: &str) -> (f64, Vec<String>) {
    let mut terms: Vec<u32> = Vec::with_capacity(16);
    let mut words = vec![];
    for (word, term) in index.known_terms(title) {
        if terms.contains(&term) {
            continue;
        }
        terms.push(term);
        if origin.terms.contains(&term) {
            words.push(word.to_lowercase());
        }
    }
    if origin.term_count == 0 || terms.is_empty() {
        return (0.0, words);
    }
    (2.0 * words.len() as f64 / (origin.term_count + terms.len()) as f64, words)
}

fn finish(index: &SpatialIndex, origin: &Origin, c: Candidate, score: f64, words: Vec<String>) -> Related {
    let sheet = index.sheet(c.id).expect("candidates are indexed");
    let place = &sheet.places[c.place as usize];
    let distance_m = geodesic_distance(origin.point, [place.lon, place.lat]);
    let r = index.referential();
    let mut reasons = vec![];
    let label = |e: usize| r.entries()[e].label.as_str();
    match (c.shared, c.shared_entry) {
        (Shared::Service, _) => {
            let shared = sheet.services.iter().filter(|s| origin.services.contains(s));
            let labels: Vec<&str> = shared.map(|&s| r.service(s).label.as_str()).collect();
            let head = if labels.len() > 1 { "mêmes services" } else { "même service" };
            reasons.push(format!("{head} : {}", labels.join(", ")));
        }
        (Shared::Use, Some(e)) => reasons.push(format!("même usage : {}", label(e))),
        (Shared::Challenge, Some(e)) => reasons.push(format!("même enjeu : {}", label(e))),
        (Shared::Theme, Some(e)) => reasons.push(format!("même thème : {}", label(e))),
        _ => {}
    }
    if place.commune == origin.commune && origin.commune != NO_COMMUNE {
        reasons.push("dans la même commune".into());
    } else {
        reasons.push(format_distance(distance_m));
    }
    let theirs = index.authority(sheet);
    if c.same_authority {
        reasons.push(format!("même collectivité : {}", theirs.name));
    } else if c.comparable
        && let Some(class) = class_of(theirs.population)
    {
        reasons.push(format!("{} de taille comparable ({})", authority_kind_label(theirs.kind), class.label));
    }
    if !words.is_empty() {
        let head = if words.len() > 1 { "mots en commun" } else { "mot en commun" };
        reasons.push(format!("{head} : {}", words.join(", ")));
    }
    Related { sheet: c.id, place: c.place, distance_m, score: (score * 1000.0).round() / 1000.0, reasons }
}
