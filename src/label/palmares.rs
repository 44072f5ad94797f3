//! The palmarès of an edition: the authorities labelled that year with their @ and mentions,
//! filtered and sorted as the association's tables are read (by @, name, size, sheets).

use std::cmp::Ordering;
use std::ops::RangeInclusive;

use crate::gazetteer::Gazetteer;
use crate::gazetteer::names::fold;
use crate::index::filter::query::{Params, QueryError, bad, codes, departement_codes, parse_population, region_codes};
use crate::index::{IndexedAuthority, SpatialIndex};
use crate::model::{AuthorityKind, LabelAward};
use crate::referential::Referential;

/// Largest page of a palmarès: more than any edition has had labelled authorities.
pub const MAX_LIMIT: usize = 5000;

/// What a palmarès is sorted by; ties go by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Arobases,
    Name,
    Population,
    Sheets,
}

/// Which authorities of an edition, in which order.
#[derive(Debug, Clone)]
pub struct Query {
    /// The edition; `None` for the latest.
    pub year: Option<u16>,
    pub arobases: Option<RangeInclusive<u8>>,
    /// Mention codes: any of them.
    pub mentions: Option<Vec<String>>,
    pub kinds: Option<Vec<AuthorityKind>>,
    pub departements: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub population: Option<RangeInclusive<u32>>,
    /// Folded words that must all be in the name.
    pub name: Option<Vec<String>>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: usize,
    pub offset: usize,
}

impl Query {
    /// Reads `year, arobases, mention, kind, departement, region, population, q, sort, limit,
    /// offset`; the caller finishes `p`.
    pub fn take(p: &mut Params, g: &Gazetteer, r: &Referential) -> Result<Self, QueryError> {
        let year = p.take("year").map(|v| parse_year(&v)).transpose()?;
        let arobases = p.take("arobases").map(|v| parse_arobases(&v)).transpose()?;
        let mentions = p.take("mention").map(|v| mention_codes(r, &v)).transpose()?;
        let kinds = p.take("kind").map(|v| kinds(&v)).transpose()?;
        let departements = p.take("departement").map(|v| departement_codes(g, &v)).transpose()?;
        let regions = p.take("region").map(|v| region_codes(g, &v)).transpose()?;
        let population = p.take("population").map(|v| parse_population(&v)).transpose()?;
        let name = p.take("q").map(|q| fold(&q).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect());
        let (sort, descending) = p.take("sort").map_or(Ok((SortKey::Arobases, true)), |v| parse_sort(&v))?;
        let limit = p.take_limit(100, MAX_LIMIT)?;
        let offset =
            p.take("offset").map_or(Ok(0), |v| v.parse::<usize>().map_err(|_| bad(format!("offset must be a whole number, not {v:?}"))))?;
        Ok(Query { year, arobases, mentions, kinds, departements, regions, population, name, sort, descending, limit, offset })
    }

    fn matches(&self, a: &IndexedAuthority, award: &LabelAward) -> bool {
        let any = |wanted: &Option<Vec<String>>, value: Option<&str>| {
            wanted.as_ref().is_none_or(|w| value.is_some_and(|v| w.iter().any(|x| x == v)))
        };
        self.arobases.as_ref().is_none_or(|r| r.contains(&award.arobases))
            && self.mentions.as_ref().is_none_or(|m| award.mentions.iter().any(|x| m.contains(x)))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&a.kind))
            && any(&self.departements, a.departement.as_deref())
            && any(&self.regions, a.region.as_deref())
            && self.population.as_ref().is_none_or(|r| r.contains(&a.population))
            && self.name.as_ref().is_none_or(|words| {
                let folded = fold(&a.name);
                words.iter().all(|w| folded.split(' ').any(|n| n.starts_with(w.as_str())))
            })
    }
}

fn parse_year(v: &str) -> Result<u16, QueryError> {
    v.parse()
        .ok()
        .filter(|y| (1999..=2100).contains(y))
        .ok_or_else(|| bad(format!("year must be an edition of the label, 1999 to 2100, not {v:?}")))
}

/// `3` (at least 3 @, as everywhere in the API) or `2-3` (from 2 to 3).
fn parse_arobases(v: &str) -> Result<RangeInclusive<u8>, QueryError> {
    let err = || bad(format!("arobases must be a level from 1 to 5 (at least) or a range such as 2-3, not {v:?}"));
    let level = |s: &str| s.trim().parse::<u8>().ok().filter(|n| (1..=5).contains(n)).ok_or_else(err);
    match v.split_once('-') {
        None => Ok(level(v)?..=5),
        Some((from, to)) => {
            let (from, to) = (level(from)?, level(to)?);
            if from > to { Err(err()) } else { Ok(from..=to) }
        }
    }
}

fn mention_codes(r: &Referential, v: &str) -> Result<Vec<String>, QueryError> {
    codes("mention", v)?
        .into_iter()
        .map(|c| {
            r.mention(c)
                .map(|m| m.code.clone())
                .ok_or_else(|| bad(format!("mention {c:?} is not a mention of the label ({})", r.mention_codes())))
        })
        .collect()
}

fn kinds(v: &str) -> Result<Vec<AuthorityKind>, QueryError> {
    codes("kind", v)?
        .into_iter()
        .map(|k| AuthorityKind::parse(k).ok_or_else(|| bad(format!("kind is commune, epci, departement or region, not {k:?}"))))
        .collect()
}

/// `arobases`, `name`, `population` or `sheets`, descending with a leading `-`.
fn parse_sort(v: &str) -> Result<(SortKey, bool), QueryError> {
    let (key, descending) = v.strip_prefix('-').map_or((v, false), |k| (k, true));
    let key = match key {
        "arobases" => SortKey::Arobases,
        "name" => SortKey::Name,
        "population" => SortKey::Population,
        "sheets" => SortKey::Sheets,
        _ => return Err(bad(format!("sort is arobases, name, population or sheets (- first for descending), not {v:?}"))),
    };
    Ok((key, descending))
}

/// One labelled authority of an edition.
#[derive(Debug)]
pub struct Entry<'a> {
    /// Row in [`SpatialIndex::authorities`].
    pub row: u32,
    pub authority: &'a IndexedAuthority,
    pub award: &'a LabelAward,
    /// Its @ at its previous edition, if it had one.
    pub previous: Option<&'a LabelAward>,
    /// Its published sheets.
    pub sheets: usize,
}

/// A page of an edition's palmarès.
#[derive(Debug)]
pub struct Palmares<'a> {
    /// The edition shown; `None` when no authority was ever labelled.
    pub year: Option<u16>,
    /// Every edition with an award, oldest first.
    pub editions: Vec<u16>,
    /// Authorities that pass the filters, on every page.
    pub count: usize,
    /// Of those, how many have 1, 2, 3, 4 and 5 @.
    pub by_arobases: [usize; 5],
    pub entries: Vec<Entry<'a>>,
}

/// The authorities labelled in the query's edition that pass its filters, sorted and paged.
pub fn palmares<'a>(index: &'a SpatialIndex, query: &Query) -> Palmares<'a> {
    let editions = super::editions(index);
    let year = query.year.or_else(|| editions.last().copied());
    let mut entries: Vec<Entry> = match year {
        None => vec![],
        Some(year) => index
            .authorities()
            .iter()
            .enumerate()
            .filter_map(|(row, a)| {
                let award = a.award_of(year)?;
                query.matches(a, award).then(|| Entry {
                    row: row as u32,
                    authority: a,
                    award,
                    previous: a.awards.iter().rev().find(|w| w.year < year),
                    sheets: index.sheet_count_of_authority(row as u32),
                })
            })
            .collect(),
    };
    let mut by_arobases = [0; 5];
    for e in &entries {
        by_arobases[usize::from(e.award.arobases.clamp(1, 5)) - 1] += 1;
    }
    let count = entries.len();
    // Names folded once, not at every comparison.
    let mut keyed: Vec<(String, Entry)> = entries.drain(..).map(|e| (fold(&e.authority.name), e)).collect();
    keyed.sort_by(|a, b| order(query, a, b));
    let entries = keyed.into_iter().skip(query.offset).take(query.limit).map(|(_, e)| e).collect();
    Palmares { year, editions, count, by_arobases, entries }
}

fn order(query: &Query, (a_name, a): &(String, Entry), (b_name, b): &(String, Entry)) -> Ordering {
    let by_key = match query.sort {
        SortKey::Arobases => a.award.arobases.cmp(&b.award.arobases),
        SortKey::Name => Ordering::Equal,
        SortKey::Population => a.authority.population.cmp(&b.authority.population),
        SortKey::Sheets => a.sheets.cmp(&b.sheets),
    };
    let by_key = if query.descending { by_key.reverse() } else { by_key };
    let by_name = a_name.cmp(b_name);
    let by_name = if query.sort == SortKey::Name && query.descending { by_name.reverse() } else { by_name };
    by_key.then(by_name).then_with(|| a.authority.code.cmp(&b.authority.code))
}
