//! Sample initiative sheets over the real communes of the gazetteer, for a service that must
//! run before any real sheet is imported, and for benchmarks of any size.
//!
//! Deterministic for a seed. Authorities are drawn with a probability that grows with
//! population; each gets a label history; sheets take services of the referential and places in
//! the authority's territory. Everything is marked `sample` and says so in its text.

mod load;
pub mod text;

use std::collections::HashMap;

use geo::{Contains, Point};
use rand::distr::weighted::WeightedIndex;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;

use crate::gazetteer::{Commune, CommuneKind, Gazetteer, authorities, names};
use crate::model::{Authority, AuthorityKind, GeocodeMethod, LabelAward, NewInitiative, Place, Precision, Status};
use crate::referential::Referential;
pub use load::write_in_batches;
use text::SheetWords;

/// The `source` of every generated sheet.
pub const SAMPLE_SOURCE: &str = "sample";

/// The size of the 2020 edition: 11,784 sheets exchanged.
pub const DEFAULT_COUNT: usize = 12_000;

/// Label editions the sample histories span.
const FIRST_EDITION: u16 = 2008;
const LAST_EDITION: u16 = 2024;

/// Generated authorities and sheets, ready for [`crate::store::Store::write`].
pub struct Sample {
    pub authorities: Vec<Authority>,
    pub initiatives: Vec<NewInitiative>,
}

/// An authority with the communes its places are drawn from.
struct Territory {
    authority: Authority,
    /// Gazetteer rows (current communes or arrondissements) weighted by population.
    communes: Vec<u32>,
    weights: WeightedIndex<f64>,
}

pub fn generate(gazetteer: &Gazetteer, referential: &Referential, count: usize, seed: u64) -> Sample {
    let sheets = Sheets::new(gazetteer, referential, count, seed);
    let authorities = sheets.authorities();
    Sample { authorities, initiatives: sheets.collect() }
}

/// The sheets of a sample one at a time, for samples too large to hold at once (ten million
/// sheets take some 20 GB as [`NewInitiative`]s): the same sheets as [`generate`] for the same
/// count and seed.
pub struct Sheets<'a> {
    gazetteer: &'a Gazetteer,
    referential: &'a Referential,
    rng: ChaCha8Rng,
    territories: Vec<Territory>,
    pick: WeightedIndex<f64>,
    seed: u64,
    next: usize,
    count: usize,
}

impl<'a> Sheets<'a> {
    pub fn new(gazetteer: &'a Gazetteer, referential: &'a Referential, count: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let territories = draw_territories(&mut rng, gazetteer, (count / 6).clamp(1, 20_000));
        let weights = territories.iter().map(|t| f64::from(t.authority.population).sqrt() + 1.0);
        let pick = WeightedIndex::new(weights).expect("positive weights");
        Sheets { gazetteer, referential, rng, territories, pick, seed, next: 0, count }
    }

    /// The authorities the sheets belong to, with their label histories.
    pub fn authorities(&self) -> Vec<Authority> {
        self.territories.iter().map(|t| t.authority.clone()).collect()
    }
}

impl Iterator for Sheets<'_> {
    type Item = NewInitiative;

    fn next(&mut self) -> Option<NewInitiative> {
        if self.next == self.count {
            return None;
        }
        let territory = &self.territories[self.pick.sample(&mut self.rng)];
        let external_id = format!("{}-{}", self.seed, self.next);
        self.next += 1;
        Some(sheet(&mut self.rng, self.gazetteer, self.referential, territory, external_id))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

fn draw_territories(rng: &mut ChaCha8Rng, g: &Gazetteer, wanted: usize) -> Vec<Territory> {
    let communes = g.communes();
    let cities: Vec<u32> = (0..communes.len() as u32).filter(|&i| communes[i as usize].kind == CommuneKind::Commune).collect();
    // Population weighs in, sub-linearly so that villages take part too, as they do in the label.
    let weight = |i: &u32| (f64::from(communes[*i as usize].population) + 50.0).powf(0.8);
    let wanted_communes = (wanted * 92 / 100).max(1).min(cities.len());
    let chosen = rand::seq::index::sample_weighted(rng, cities.len(), |i| weight(&cities[i]), wanted_communes)
        .expect("weights are finite and positive");
    let arrondissements = children_by_parent(communes);
    let mut territories: Vec<Territory> = chosen
        .iter()
        .map(|i| {
            let c = &communes[cities[i] as usize];
            let members = arrondissements.get(c.code.as_str()).cloned().unwrap_or_else(|| vec![cities[i]]);
            let authority = authorities::of_commune(c);
            territory(communes, authority, members)
        })
        .collect();
    add_groupings(rng, g, &mut territories, wanted.saturating_sub(wanted_communes));
    for t in &mut territories {
        t.authority.awards = label_history(rng, t.authority.population);
    }
    territories
}

fn children_by_parent(communes: &[Commune]) -> HashMap<&str, Vec<u32>> {
    let mut map: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, c) in communes.iter().enumerate() {
        if let (CommuneKind::Arrondissement, Some(p)) = (c.kind, &c.parent) {
            map.entry(p.as_str()).or_default().push(i as u32);
        }
    }
    map
}

fn territory(communes: &[Commune], authority: Authority, members: Vec<u32>) -> Territory {
    let weights =
        WeightedIndex::new(members.iter().map(|&i| f64::from(communes[i as usize].population) + 1.0)).expect("members are not empty");
    Territory { authority, communes: members, weights }
}

/// EPCI (most of the rest) and départements, whose places are in their member communes.
fn add_groupings(rng: &mut ChaCha8Rng, g: &Gazetteer, territories: &mut Vec<Territory>, wanted: usize) {
    let communes = g.communes();
    let mut by_epci: HashMap<&str, Vec<u32>> = HashMap::new();
    let mut by_dep: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, c) in communes.iter().enumerate() {
        if c.kind == CommuneKind::Commune {
            if let Some(e) = &c.epci {
                by_epci.entry(e.as_str()).or_default().push(i as u32);
            }
            by_dep.entry(c.departement.as_str()).or_default().push(i as u32);
        }
    }
    let mut epcis: Vec<&str> = by_epci.keys().copied().collect();
    epcis.sort_unstable();
    let mut deps: Vec<&str> = by_dep.keys().copied().collect();
    deps.sort_unstable();
    let n_deps = (wanted / 8).min(deps.len());
    let n_epcis = wanted.saturating_sub(n_deps).min(epcis.len());
    for code in epcis.choose_multiple(rng, n_epcis) {
        let Some(epci) = g.epci(code) else { continue };
        let members = by_epci[code].clone();
        territories.push(grouping(communes, code.to_string(), AuthorityKind::Epci, epci.name.clone(), members));
    }
    for code in deps.choose_multiple(rng, n_deps) {
        let Some(dep) = g.departement(code) else { continue };
        let name = format!("Département {}", names::of_name(&dep.name, dep.name_type));
        territories.push(grouping(communes, format!("dep-{code}"), AuthorityKind::Departement, name, by_dep[code].clone()));
    }
}

fn grouping(communes: &[Commune], code: String, kind: AuthorityKind, name: String, members: Vec<u32>) -> Territory {
    let authority = authorities::grouping(communes, code, kind, name, &members).expect("groupings have members");
    territory(communes, authority, members)
}

/// Editions the authority took part in, with @ that tend to rise and occasional mentions.
fn label_history(rng: &mut ChaCha8Rng, population: u32) -> Vec<LabelAward> {
    const MENTIONS: [&str; 10] = [
        "education",
        "democratie",
        "risques",
        "accessibilite",
        "solidarite",
        "gouvernement-ouvert",
        "cooperation-internationale",
        "teletravail",
        "reseau-social",
        "transition-ecologique",
    ];
    let size_bonus = match population {
        0..2_000 => 0,
        2_000..20_000 => 1,
        _ => 2,
    };
    let first = rng.random_range(FIRST_EDITION..=LAST_EDITION - 1);
    let mut level: u8 = (1 + size_bonus + rng.random_range(0..=1)).min(5);
    let mut awards = vec![];
    for year in first..=LAST_EDITION {
        if year != first && !rng.random_bool(0.7) {
            continue;
        }
        if year != first && rng.random_bool(0.25) {
            level = (level + 1).min(5);
        }
        let mut mentions = vec![];
        if year >= 2013 && rng.random_bool(0.12) {
            mentions.push(MENTIONS.choose(rng).expect("non-empty").to_string());
        }
        awards.push(LabelAward { year, arobases: level, mentions });
    }
    awards
}

const VENUES: [&str; 8] = [
    "Médiathèque",
    "Espace public numérique",
    "École élémentaire",
    "Centre social",
    "Maison France Services",
    "Tiers-lieu",
    "Salle polyvalente",
    "Collège",
];

fn sheet(rng: &mut ChaCha8Rng, g: &Gazetteer, r: &Referential, t: &Territory, external_id: String) -> NewInitiative {
    let a = &t.authority;
    let year = a.awards.choose(rng).map_or(LAST_EDITION, |award| award.year);
    let services = pick_services(rng, r);
    let [theme, challenge, use_] = r.ancestry(services[0]);
    let main = &g.communes()[t.communes[t.weights.sample(rng)] as usize];
    let at_place = match a.kind {
        AuthorityKind::Commune => {
            let c = g.commune(&a.code).unwrap_or(main);
            names::at_commune(c.bare_name(), c.name_type)
        }
        _ => String::new(),
    };
    let words = SheetWords {
        authority: &a.name,
        at_place: &at_place,
        service: &r.service(services[0]).label,
        use_label: &use_.label,
        challenge: &challenge.label,
        theme: &theme.label,
        year,
    };
    let extra_places = match rng.random_range(0..100) {
        0..75 => 0,
        75..95 => 1,
        _ => 2,
    };
    let mut places = vec![Place {
        label: Some(format!("Mairie {}", names::of_name(main.bare_name(), main.name_type))),
        address: None,
        postal_code: main.postal_codes.first().cloned(),
        commune: main.code.clone(),
        lon: main.point[0],
        lat: main.point[1],
        precision: Precision::Commune,
        method: GeocodeMethod::InseeCode,
    }];
    for _ in 0..extra_places {
        let c = &g.communes()[t.communes[t.weights.sample(rng)] as usize];
        places.push(venue(rng, g, c));
    }
    NewInitiative {
        source: SAMPLE_SOURCE.into(),
        external_id,
        authority: a.code.clone(),
        title: text::title(rng, &words),
        summary: text::summary(rng, &words),
        body: text::body(rng, &words),
        services: services.iter().map(|&s| r.service(s).code.clone()).collect(),
        year,
        website: None,
        places,
        status: if rng.random_bool(0.96) { Status::Published } else { Status::Draft },
        sample: true,
        updated_by: "atlaas sample".into(),
        source_data: Default::default(),
    }
}

/// A main service and, for some sheets, one or two more, mostly from the same challenge.
fn pick_services(rng: &mut ChaCha8Rng, r: &Referential) -> Vec<u16> {
    let n = r.service_count() as u16;
    let main = rng.random_range(0..n);
    let mut services = vec![main];
    let extra = match rng.random_range(0..10) {
        0..6 => 0,
        6..9 => 1,
        _ => 2,
    };
    let challenge = &r.ancestry(main)[1].code;
    let siblings = r.services_under(challenge, crate::referential::Level::Challenge).unwrap_or(&[]);
    for _ in 0..extra {
        let s =
            if rng.random_bool(0.7) && !siblings.is_empty() { *siblings.choose(rng).expect("non-empty") } else { rng.random_range(0..n) };
        if !services.contains(&s) {
            services.push(s);
        }
    }
    services
}

/// A venue at a random point inside the commune's boundary (its point if none is drawn).
fn venue(rng: &mut ChaCha8Rng, g: &Gazetteer, c: &Commune) -> Place {
    let [x0, y0, x1, y1] = c.bbox;
    let boundary = g.boundary(&c.code);
    let inside = (0..30).find_map(|_| {
        let p = Point::new(rng.random_range(x0..=x1), rng.random_range(y0..=y1));
        boundary.is_some_and(|b| b.contains(&p)).then_some(p)
    });
    let (lon, lat) = inside.map_or((c.point[0], c.point[1]), |p| (p.x(), p.y()));
    Place {
        label: Some(VENUES.choose(rng).expect("non-empty").to_string()),
        address: None,
        postal_code: c.postal_codes.first().cloned(),
        commune: c.code.clone(),
        lon: (lon * 1e6).round() / 1e6,
        lat: (lat * 1e6).round() / 1e6,
        precision: Precision::Address,
        method: GeocodeMethod::Coordinates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::{Gazetteer, default_data_dir};

    fn inputs() -> (Gazetteer, Referential) {
        let g = Gazetteer::load_data_dir(&default_data_dir()).unwrap();
        let r = Referential::load(&default_data_dir().join("referential-2024.json")).unwrap();
        (g, r)
    }

    #[test]
    fn samples_are_deterministic_for_a_seed_and_marked_everywhere() {
        let (g, r) = inputs();
        let a = generate(&g, &r, 600, 1);
        let b = generate(&g, &r, 600, 1);
        let c = generate(&g, &r, 600, 2);
        assert_eq!(a.initiatives, b.initiatives);
        assert_eq!(a.authorities, b.authorities);
        assert_ne!(a.initiatives, c.initiatives);
        assert_eq!(a.initiatives.len(), 600);
        for s in &a.initiatives {
            assert!(s.sample && s.source == SAMPLE_SOURCE);
            assert!(s.summary.contains(text::SAMPLE_NOTICE) && s.body.contains(text::SAMPLE_NOTICE));
            assert!(!s.places.is_empty() && !s.services.is_empty());
            assert!(s.services.iter().all(|code| r.service_index(code).is_some()), "{:?}", s.services);
            let authority = a.authorities.iter().find(|x| x.code == s.authority).expect("the authority is generated");
            assert!(authority.awards.iter().any(|aw| aw.year == s.year), "a sheet belongs to an edition its authority took part in");
        }
    }

    #[test]
    fn places_are_inside_their_communes_and_histories_are_believable() {
        let (g, r) = inputs();
        let sample = generate(&g, &r, 2_000, 3);
        for p in sample.initiatives.iter().flat_map(|s| &s.places) {
            let c = g.commune(&p.commune).expect("a real commune");
            let [x0, y0, x1, y1] = c.bbox;
            assert!(p.lon >= x0 - 0.02 && p.lon <= x1 + 0.02 && p.lat >= y0 - 0.02 && p.lat <= y1 + 0.02, "{p:?} outside {}", c.code);
        }
        for a in &sample.authorities {
            assert!(!a.awards.is_empty());
            assert!(a.awards.windows(2).all(|w| w[0].year < w[1].year && w[0].arobases <= w[1].arobases));
            assert!(a.awards.iter().all(|aw| (1..=5).contains(&aw.arobases) && (2008..=2024).contains(&aw.year)));
        }
        let kinds = |k| sample.authorities.iter().filter(|a| a.kind == k).count();
        assert!(kinds(AuthorityKind::Commune) > kinds(AuthorityKind::Epci) && kinds(AuthorityKind::Epci) > 0);
        assert!(kinds(AuthorityKind::Departement) > 0);
    }

    #[test]
    fn populous_communes_are_more_likely() {
        let (g, r) = inputs();
        let sample = generate(&g, &r, 6_000, 4);
        let communes: Vec<&Commune> = g.communes().iter().filter(|c| c.kind == CommuneKind::Commune).collect();
        let mean_all = communes.iter().map(|c| f64::from(c.population)).sum::<f64>() / communes.len() as f64;
        let chosen: Vec<f64> =
            sample.authorities.iter().filter(|a| a.kind == AuthorityKind::Commune).map(|a| f64::from(a.population)).collect();
        let mean_chosen = chosen.iter().sum::<f64>() / chosen.len() as f64;
        assert!(mean_chosen > 3.0 * mean_all, "{mean_chosen} vs {mean_all}");
        assert!(sample.authorities.iter().any(|a| a.code == "75056"), "Paris takes part");
        assert!(chosen.iter().any(|&p| p < 1_000.0), "villages take part too");
    }
}
