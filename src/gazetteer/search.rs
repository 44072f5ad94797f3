//! Commune suggestions for what a person types: a name in any spelling (see [`super::names`]),
//! a postal code or its first digits, an INSEE code, or a postal code with a name.

use std::collections::HashMap;

use super::{Commune, names::fold};

/// Folded names and postal codes of every row of the gazetteer: what suggestions search, and
/// what the geocoder looks names and postal codes up in.
pub struct SearchIndex {
    /// The folded name of each row, in row order.
    folded: Vec<String>,
    /// Rows by folded name.
    by_name: HashMap<String, Vec<u32>>,
    postal: HashMap<String, Vec<u32>>,
    /// INSEE codes in upper case; a delegated commune may share its parent's code.
    codes: HashMap<String, Vec<u32>>,
}

/// How well a row matched; lower is better.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    // Five digits are far more often a postal code than an INSEE code.
    PostalCode,
    Code,
    Exact,
    Prefix,
    WordPrefix,
    PostalPrefix,
}

/// A 5-character INSEE or postal code (`62548`, `2A004`, `20000`).
fn is_code(token: &str) -> bool {
    token.len() == 5 && token.char_indices().all(|(i, c)| c.is_ascii_digit() || (i == 1 && matches!(c, 'A' | 'B' | 'a' | 'b')))
}

impl SearchIndex {
    pub fn new(communes: &[Commune]) -> Self {
        let mut postal: HashMap<String, Vec<u32>> = HashMap::new();
        let folded: Vec<String> = communes.iter().map(|c| fold(&c.name)).collect();
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::with_capacity(communes.len());
        let mut codes: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            by_name.entry(folded[i].clone()).or_default().push(i as u32);
            codes.entry(c.code.to_ascii_uppercase()).or_default().push(i as u32);
            for p in &c.postal_codes {
                postal.entry(p.clone()).or_default().push(i as u32);
            }
        }
        SearchIndex { folded, by_name, postal, codes }
    }

    /// The folded name of a row (see [`super::names::fold`]).
    pub fn folded_name(&self, row: u32) -> &str {
        &self.folded[row as usize]
    }

    /// The rows whose folded name is exactly `folded`.
    pub fn rows_named(&self, folded: &str) -> &[u32] {
        self.by_name.get(folded).map_or(&[], Vec::as_slice)
    }

    /// The rows that have this postal code.
    pub fn rows_with_postal_code(&self, postal: &str) -> &[u32] {
        self.postal.get(postal).map_or(&[], Vec::as_slice)
    }

    /// Rows matching `query`, best first: postal then INSEE codes, exact names, name prefixes, word prefixes,
    /// postal code prefixes; ties go to current communes, then to the most populous.
    pub fn find(&self, communes: &[Commune], query: &str, limit: usize) -> Vec<u32> {
        let tokens: Vec<&str> = query.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
        let code = tokens.iter().copied().find(|t| is_code(t));
        let name: Vec<&str> = tokens.iter().copied().filter(|t| Some(*t) != code).collect();
        let key = fold(&name.join(" "));

        let mut hits: Vec<(Match, u32)> = Vec::new();
        let digits = query.trim();
        let postal_prefix = (2..5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        match (code, key.is_empty()) {
            _ if postal_prefix => {
                for (p, rows) in &self.postal {
                    if p.starts_with(digits) {
                        hits.extend(rows.iter().map(|&i| (Match::PostalPrefix, i)));
                    }
                }
            }
            (Some(code), true) => self.by_code(code, &mut hits),
            (None, true) => {}
            (code, false) => {
                let word = format!(" {key}");
                for (i, k) in (0..).zip(&self.folded) {
                    let m = if *k == key {
                        Match::Exact
                    } else if k.starts_with(&key) {
                        Match::Prefix
                    } else if k.contains(&word) {
                        Match::WordPrefix
                    } else {
                        continue;
                    };
                    let c = &communes[i as usize];
                    let code_ok = code.is_none_or(|code| c.code.eq_ignore_ascii_case(code) || c.postal_codes.iter().any(|p| p == code));
                    if code_ok {
                        hits.push((m, i));
                    }
                }
            }
        }
        hits.sort_by_key(|&(m, i)| {
            let c = &communes[i as usize];
            (m, !c.kind.is_current(), std::cmp::Reverse(c.population), i)
        });
        let mut seen = std::collections::HashSet::new();
        hits.into_iter().map(|(_, i)| i).filter(|i| seen.insert(*i)).take(limit).collect()
    }

    fn by_code(&self, code: &str, hits: &mut Vec<(Match, u32)>) {
        if let Some(rows) = self.codes.get(&code.to_ascii_uppercase()) {
            hits.extend(rows.iter().map(|&i| (Match::Code, i)));
        }
        if let Some(rows) = self.postal.get(code) {
            hits.extend(rows.iter().map(|&i| (Match::PostalCode, i)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::{CommuneKind, PointSource};

    fn commune(code: &str, name: &str, population: u32, postal: &[&str]) -> Commune {
        Commune {
            code: code.into(),
            kind: CommuneKind::Commune,
            name: name.into(),
            name_type: 0,
            departement: code[..2].into(),
            region: String::new(),
            epci: None,
            parent: None,
            population,
            postal_codes: postal.iter().map(|s| s.to_string()).collect(),
            point: [0.0, 0.0],
            point_source: PointSource::TownHall,
            bbox: [0.0; 4],
        }
    }

    fn names(communes: &[Commune], rows: Vec<u32>) -> Vec<&str> {
        rows.into_iter().map(|i| communes[i as usize].name.as_str()).collect()
    }

    #[test]
    fn ranks_exact_names_before_prefixes_and_big_towns_first() {
        let communes = vec![
            commune("62548", "Marck", 10_676, &["62730"]),
            commune("59380", "Marcq-en-Barœul", 39_000, &["59700"]),
            commune("55318", "Marcq", 120, &["55130"]),
            commune("08277", "Marcq", 80, &["08250"]),
        ];
        let index = SearchIndex::new(&communes);
        assert_eq!(names(&communes, index.find(&communes, "MARCK", 5)), ["Marck"]);
        assert_eq!(names(&communes, index.find(&communes, "marcq", 5)), ["Marcq", "Marcq", "Marcq-en-Barœul"]);
        assert_eq!(names(&communes, index.find(&communes, "62730", 5)), ["Marck"]);
        assert_eq!(names(&communes, index.find(&communes, "marcq 08250", 5)), ["Marcq"]);
        assert_eq!(names(&communes, index.find(&communes, "627", 5)), ["Marck"]);
        assert!(index.find(&communes, "", 5).is_empty());
        assert!(index.find(&communes, "zzz", 5).is_empty());
    }

    #[test]
    fn finds_words_inside_names() {
        let communes = vec![commune("59350", "Lille", 236_000, &[]), commune("59360", "Villeneuve-d'Ascq", 62_000, &[])];
        let index = SearchIndex::new(&communes);
        assert_eq!(names(&communes, index.find(&communes, "ascq", 5)), ["Villeneuve-d'Ascq"]);
        assert_eq!(names(&communes, index.find(&communes, "villeneuve d ascq", 5)), ["Villeneuve-d'Ascq"]);
    }
}
