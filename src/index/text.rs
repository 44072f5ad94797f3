//! Full-text search over the published sheets, French-aware, kept in memory beside the
//! R-trees and updated with them on every write.
//!
//! Words are cut at anything that is not a letter or a digit (so elisions `l'`, `d'` fall
//! off), lower-cased, stripped of common French function words, reduced to their Snowball
//! French stem (`numériques` → `numer`, `participatifs` → `participat`) and folded to ASCII,
//! so that case, accents, singular and plural do not matter. Each sheet is a document: its
//! title (counted three times), its authority's name (twice), its summary and its body.
//! Ranking is BM25 over these weighted counts.
//!
//! Postings are append-only: a document number is never reused, so each term's list stays in
//! increasing order and is stored as varint deltas (about two bytes a posting). A rewritten
//! sheet gets a new number and its old one is marked dead; the lists are rebuilt without the
//! dead once they are half the documents.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::model::SheetId;

/// Words too common to search on (folded).
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "c", "ce", "ces", "d", "dans", "de", "des", "du", "elle", "en", "est", "et", "il", "ils", "j", "l", "la",
    "le", "les", "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes", "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas",
    "pour", "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sont", "sur", "t", "ta", "te", "un", "une", "vos", "votre", "vous", "y",
];

/// BM25 parameters, the usual ones.
const K1: f32 = 1.2;
const B: f32 = 0.75;

fn stemmer() -> &'static Stemmer {
    static S: OnceLock<Stemmer> = OnceLock::new();
    S.get_or_init(|| Stemmer::create(Algorithm::French))
}

/// The search terms of a text, in order, repeated as they occur.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = vec![];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let lower = word.to_lowercase();
        let folded = deunicode::deunicode(&lower);
        if STOP_WORDS.contains(&folded.as_str()) {
            continue;
        }
        // The stemmer knows French accents: stem first, fold after.
        let stem = deunicode::deunicode(&stemmer().stem(&lower));
        if !stem.is_empty() {
            out.push(stem);
        }
    }
    out
}

/// One term's documents: varint-encoded (delta of document number, weighted count).
#[derive(Debug, Default, Clone)]
struct Postings {
    bytes: Vec<u8>,
    last: u32,
    /// Postings written, dead documents included.
    len: u32,
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u32::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl Postings {
    fn push(&mut self, doc: u32, count: u32) {
        let delta = if self.len == 0 { doc } else { doc - self.last };
        put_varint(&mut self.bytes, delta);
        put_varint(&mut self.bytes, count);
        self.last = doc;
        self.len += 1;
    }

    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (mut at, mut doc, mut first) = (0, 0u32, true);
        std::iter::from_fn(move || {
            if at >= self.bytes.len() {
                return None;
            }
            let delta = get_varint(&self.bytes, &mut at);
            doc = if first { delta } else { doc + delta };
            first = false;
            Some((doc, get_varint(&self.bytes, &mut at)))
        })
    }
}

/// Weighted parts of a sheet's text.
pub struct DocText<'a> {
    pub title: &'a str,
    pub authority: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
}

/// The sheets matching a query, with their relevance.
#[derive(Debug, Clone, Default)]
pub struct TextHits {
    /// Bit per document number.
    bits: Vec<u64>,
    /// BM25 score by sheet, for ordering by relevance.
    scores: HashMap<SheetId, f32>,
}

impl TextHits {
    pub fn contains(&self, doc: u32) -> bool {
        self.bits.get(doc as usize / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    pub fn score(&self, sheet: SheetId) -> Option<f32> {
        self.scores.get(&sheet).copied()
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Matching sheets, most relevant first (ties by id).
    pub fn ranked(&self) -> Vec<(SheetId, f32)> {
        let mut ranked: Vec<(SheetId, f32)> = self.scores.iter().map(|(&id, &s)| (id, s)).collect();
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }
}

/// Dead documents for this many live ones trigger a rebuild of the postings.
const COMPACT_RATIO: usize = 1;

#[derive(Debug, Default, Clone)]
pub struct TextIndex {
    term_ids: HashMap<Box<str>, u32>,
    postings: Vec<Postings>,
    /// Sheet of each document number; `None` once the document is dead.
    docs: Vec<Option<SheetId>>,
    /// Weighted length of each document.
    lengths: Vec<u32>,
    live: usize,
    live_length: u64,
}

impl TextIndex {
    /// Indexes a sheet's text and returns its document number.
    pub fn add(&mut self, sheet: SheetId, text: &DocText) -> u32 {
        let doc = self.docs.len() as u32;
        let mut counts: HashMap<String, u32> = HashMap::new();
        for (part, weight) in [(text.title, 3), (text.authority, 2), (text.summary, 1), (text.body, 1)] {
            for t in terms(part) {
                *counts.entry(t).or_default() += weight;
            }
        }
        let length: u32 = counts.values().sum();
        let mut counts: Vec<(String, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        for (term, count) in counts {
            let next = self.postings.len() as u32;
            let id = *self.term_ids.entry(term.into_boxed_str()).or_insert(next);
            if id == next {
                self.postings.push(Postings::default());
            }
            self.postings[id as usize].push(doc, count);
        }
        self.docs.push(Some(sheet));
        self.lengths.push(length);
        self.live += 1;
        self.live_length += u64::from(length);
        doc
    }

    /// Forgets a document (its postings are skipped from now on).
    pub fn remove(&mut self, doc: u32) {
        if let Some(slot) = self.docs.get_mut(doc as usize)
            && slot.take().is_some()
        {
            self.live -= 1;
            self.live_length -= u64::from(self.lengths[doc as usize]);
        }
        if self.docs.len() - self.live > self.live.max(1024) * COMPACT_RATIO {
            self.compact();
        }
    }

    /// Rewrites the postings without dead documents. Document numbers stay as they are (the
    /// sheets hold them); only the lists shrink.
    fn compact(&mut self) {
        for p in &mut self.postings {
            let mut kept = Postings::default();
            for (doc, count) in p.iter() {
                if self.docs[doc as usize].is_some() {
                    kept.push(doc, count);
                }
            }
            *p = kept;
        }
    }

    /// Sheets whose text has every term of the query, scored by BM25. A query without a
    /// searchable word matches nothing.
    pub fn search(&self, query: &str) -> TextHits {
        let mut wanted = terms(query);
        wanted.sort_unstable();
        wanted.dedup();
        let mut lists = vec![];
        for t in &wanted {
            match self.term_ids.get(t.as_str()) {
                Some(&id) => lists.push(&self.postings[id as usize]),
                None => return TextHits::default(),
            }
        }
        if lists.is_empty() {
            return TextHits::default();
        }
        // Rarest term first: the candidates only shrink.
        lists.sort_by_key(|p| p.len);
        let n = self.live.max(1) as f32;
        let average = (self.live_length as f32 / n).max(1.0);
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for (i, list) in lists.iter().enumerate() {
            let idf = ((n - list.len as f32 + 0.5) / (list.len as f32 + 0.5) + 1.0).ln();
            let mut next: HashMap<u32, f32> = HashMap::with_capacity(if i == 0 { list.len as usize } else { scores.len() });
            for (doc, count) in list.iter() {
                if self.docs[doc as usize].is_none() || (i > 0 && !scores.contains_key(&doc)) {
                    continue;
                }
                let tf = count as f32;
                let norm = K1 * (1.0 - B + B * self.lengths[doc as usize] as f32 / average);
                let s = idf * tf * (K1 + 1.0) / (tf + norm);
                next.insert(doc, scores.get(&doc).copied().unwrap_or(0.0) + s);
            }
            scores = next;
        }
        let mut hits = TextHits { bits: vec![0; self.docs.len().div_ceil(64)], scores: HashMap::with_capacity(scores.len()) };
        for (doc, score) in scores {
            hits.bits[doc as usize / 64] |= 1 << (doc % 64);
            hits.scores.insert(self.docs[doc as usize].expect("live documents only"), score);
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_plurals_make_the_same_terms() {
        assert_eq!(terms("numérique"), terms("NUMERIQUES"));
        assert_eq!(terms("Budgets participatifs"), terms("budget participatif"));
        assert_eq!(terms("éclairage"), terms("Eclairages"));
        assert_eq!(terms("l'école et la médiathèque"), terms("ecole mediatheque"));
        assert!(terms("le la les de").is_empty());
        assert_eq!(terms("en 2024"), ["2024"]);
    }

    fn doc<'a>(title: &'a str, body: &'a str) -> DocText<'a> {
        DocText { title, authority: "Marck", summary: "", body }
    }

    #[test]
    fn every_word_must_match_and_titles_weigh_more() {
        let mut index = TextIndex::default();
        index.add(1, &doc("Budget participatif", "Les habitants votent."));
        index.add(2, &doc("Wifi public", "Un budget participatif a financé le wifi."));
        index.add(3, &doc("Budget de la ville", "Le budget expliqué."));
        let hits = index.search("budgets participatifs");
        let ranked: Vec<SheetId> = hits.ranked().into_iter().map(|(id, _)| id).collect();
        assert_eq!(ranked, [1, 2], "both words, the title first");
        assert!(index.search("marck").len() == 3, "the authority's name is searched");
        assert!(index.search("tramway").is_empty());
        assert!(index.search("le").is_empty());
    }

    #[test]
    fn removed_documents_disappear_and_lists_compact() {
        let mut index = TextIndex::default();
        let mut docs = vec![];
        for i in 0..3000 {
            docs.push(index.add(i, &doc("Médiathèque numérique", &format!("fiche {i}"))));
        }
        for &d in &docs[..2500] {
            index.remove(d);
        }
        let hits = index.search("mediatheque");
        assert_eq!(hits.len(), 500);
        assert!(!hits.contains(docs[0]) && hits.contains(docs[2999]));
        let again = index.add(7, &doc("Médiathèque", ""));
        assert!(index.search("médiathèques").contains(again));
    }
}
