//! Counts for charts: the sheets that pass a request's filters grouped by theme, challenge,
//! service, edition year, région, département or population class, each group with the
//! authorities that own them (by @) and its sheets year by year.
//!
//! A sheet counts once under its main service's theme and challenge (so those groups add up
//! to the total), but under every service it names (so a service's count is how many sheets
//! cover it). Région, département and population class are its owner's. Every group the
//! referential or the gazetteer knows is listed, empty ones included: the least covered
//! services are the point of some charts.

use std::collections::{BTreeMap, HashMap};

use crate::compare::classes::CLASSES;
use crate::index::{Filter, IndexedAuthority, IndexedSheet, NO_THEME, SpatialIndex};
use crate::referential::Level;

/// What the sheets are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Theme,
    Challenge,
    Service,
    Year,
    Region,
    Departement,
    Population,
}

impl By {
    pub const ALL: [By; 7] = [By::Theme, By::Challenge, By::Service, By::Year, By::Region, By::Departement, By::Population];

    pub fn as_str(self) -> &'static str {
        match self {
            By::Theme => "theme",
            By::Challenge => "challenge",
            By::Service => "service",
            By::Year => "year",
            By::Region => "region",
            By::Departement => "departement",
            By::Population => "population",
        }
    }

    pub fn parse(s: &str) -> Option<By> {
        By::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// The owners of some sheets: how many, and how many of them hold 1 to 5 @.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owners {
    pub total: usize,
    pub by_arobases: [usize; 5],
}

/// One group of sheets.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub sheets: usize,
    /// Their owners, by their latest @ (by the @ of that edition when grouped by year).
    pub owners: Owners,
    /// Sheets of each edition year.
    pub years: BTreeMap<u16, usize>,
}

#[derive(Debug, Clone)]
pub struct Stats {
    pub by: By,
    pub sheets: usize,
    pub owners: Owners,
    pub groups: Vec<Group>,
}

/// Counts the sheets that pass `filter`, grouped `by`.
pub fn stats(index: &SpatialIndex, filter: &Filter, by: By) -> Stats {
    let keys = Keys::new(index, by);
    let owners = index.authorities().len();
    let mut accs: Vec<Acc> = keys.labels.iter().map(|_| Acc::new(owners)).collect();
    let mut all = Acc::new(owners);
    let mut groups = Vec::new();
    for (_, sheet) in index.matching(filter) {
        all.add(sheet);
        keys.of(index, sheet, &mut groups);
        for &g in &groups {
            accs[g].add(sheet);
        }
    }
    let latest = |row: u32| index.authorities()[row as usize].arobases;
    let groups = keys
        .labels
        .into_iter()
        .zip(accs)
        .map(|((key, label), acc)| {
            let owners = match (by, key.parse::<u16>()) {
                (By::Year, Ok(year)) => acc.owners(|row| index.authorities()[row as usize].award_of(year).map_or(0, |a| a.arobases)),
                _ => acc.owners(latest),
            };
            Group { key, label, sheets: acc.sheets, owners, years: acc.years() }
        })
        .collect();
    Stats { by, sheets: all.sheets, owners: all.owners(latest), groups }
}

/// Edition years a group counts, from the first edition of the label.
const FIRST_YEAR: u16 = 1999;
const YEARS: usize = 102;

/// The counts of one group: a bit per authority row for its owners, a slot per year, so that
/// adding a sheet allocates nothing.
struct Acc {
    sheets: usize,
    owners: Vec<u64>,
    years: [u32; YEARS],
}

impl Acc {
    fn new(authorities: usize) -> Self {
        Acc { sheets: 0, owners: vec![0; authorities.div_ceil(64)], years: [0; YEARS] }
    }

    fn add(&mut self, sheet: &IndexedSheet) {
        self.sheets += 1;
        let row = sheet.authority as usize;
        self.owners[row / 64] |= 1 << (row % 64);
        if let Some(slot) = self.years.get_mut(usize::from(sheet.year.saturating_sub(FIRST_YEAR))) {
            *slot += 1;
        }
    }

    fn years(&self) -> BTreeMap<u16, usize> {
        let counted = self.years.iter().enumerate().filter(|(_, n)| **n > 0);
        counted.map(|(i, &n)| (FIRST_YEAR + i as u16, n as usize)).collect()
    }

    fn owners(&self, arobases: impl Fn(u32) -> u8) -> Owners {
        let (mut total, mut by_arobases) = (0, [0; 5]);
        for (w, &bits) in self.owners.iter().enumerate() {
            let mut rest = bits;
            while rest != 0 {
                let row = (w * 64) as u32 + rest.trailing_zeros();
                rest &= rest - 1;
                total += 1;
                if let level @ 1..=5 = arobases(row) {
                    by_arobases[usize::from(level) - 1] += 1;
                }
            }
        }
        Owners { total, by_arobases }
    }
}

/// The groups of one grouping, and which of them a sheet falls in.
struct Keys {
    by: By,
    /// `(key, label)` of each group, in the order they are shown.
    labels: Vec<(String, String)>,
    /// Group of a referential entry (theme, challenge), a service, a year or a code.
    of_entry: HashMap<usize, usize>,
    of_code: HashMap<String, usize>,
}

impl Keys {
    fn new(index: &SpatialIndex, by: By) -> Keys {
        let (r, g) = (index.referential(), index.gazetteer());
        let mut keys = Keys { by, labels: vec![], of_entry: HashMap::new(), of_code: HashMap::new() };
        match by {
            By::Theme | By::Challenge | By::Service => {
                let level = match by {
                    By::Theme => Level::Theme,
                    By::Challenge => Level::Challenge,
                    _ => Level::Service,
                };
                for (position, e) in r.entries().iter().enumerate().filter(|(_, e)| e.level == level) {
                    keys.of_entry.insert(position, keys.labels.len());
                    keys.labels.push((e.code.clone(), e.label.clone()));
                }
            }
            By::Year => {
                let mut years: Vec<u16> = index.sheets().map(|(_, s)| s.year).chain(super::editions(index)).collect();
                years.sort_unstable();
                years.dedup();
                for y in years {
                    keys.of_entry.insert(usize::from(y), keys.labels.len());
                    keys.labels.push((y.to_string(), y.to_string()));
                }
            }
            By::Region => {
                for reg in g.regions() {
                    keys.of_code.insert(reg.code.clone(), keys.labels.len());
                    keys.labels.push((reg.code.clone(), reg.name.clone()));
                }
            }
            By::Departement => {
                for d in g.departements() {
                    keys.of_code.insert(d.code.clone(), keys.labels.len());
                    keys.labels.push((d.code.clone(), d.name.clone()));
                }
            }
            By::Population => {
                for (i, c) in CLASSES.iter().enumerate() {
                    keys.of_entry.insert(i, i);
                    keys.labels.push((c.code.to_owned(), c.label.to_owned()));
                }
            }
        }
        keys
    }

    /// The groups `sheet` falls in, into `out` (cleared first).
    fn of(&self, index: &SpatialIndex, sheet: &IndexedSheet, out: &mut Vec<usize>) {
        out.clear();
        let r = index.referential();
        let owner: &IndexedAuthority = index.authority(sheet);
        let entry = |position: usize| self.of_entry.get(&position).copied();
        let code = |code: Option<&str>| code.and_then(|c| self.of_code.get(c).copied());
        let main = sheet.services.first().filter(|_| sheet.theme != NO_THEME);
        match self.by {
            By::Theme => out.extend(main.and_then(|&s| entry(r.path(s)[0]))),
            By::Challenge => out.extend(main.and_then(|&s| entry(r.path(s)[1]))),
            By::Service => out.extend(sheet.services.iter().filter_map(|&s| entry(r.path(s)[3]))),
            By::Year => out.extend(entry(usize::from(sheet.year))),
            By::Region => out.extend(code(owner.region.as_deref())),
            By::Departement => out.extend(code(owner.departement.as_deref())),
            By::Population => {
                out.extend(crate::compare::classes::class_of(owner.population).and_then(|c| CLASSES.iter().position(|k| k.code == c.code)))
            }
        }
    }
}
