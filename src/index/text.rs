//! Full-text search over the published sheets, French-aware, kept in memory beside the
//! Z-order of places and updated with it on every write.
//!
//! Words are cut at anything that is not a letter or a digit (so elisions `l'`, `d'` fall
//! off), lower-cased, stripped of common French function words, reduced to their Snowball
//! French stem (`numériques` → `numer`, `participatifs` → `participat`) and folded to ASCII,
//! so that case, accents, singular and plural do not matter. Each sheet is a document: its
//! title (counted three times), its authority's name (twice), its summary and its body.
//! Ranking is BM25 over these weighted counts.
//!
//! Postings are append-only: a new document takes the next number, so each term's list stays
//! in increasing order and is stored as varint deltas, small counts folded into the same
//! varint (one byte a posting for the common words, see [`postings`]). A rewritten
//! sheet gets a new number and its old one is marked dead; once there are more dead documents
//! than live ones (and more than 1,024), the lists are rewritten without the dead and the live
//! documents numbered again from 0, so that neither the lists nor the numbers grow with edits.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::hash::FnvMap;
use crate::model::SheetId;
use postings::Postings;

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

/// The term a lower-cased word stands for: `None` for a common word.
fn term_of(lower: &str) -> Option<String> {
    if STOP_WORDS.contains(&deunicode::deunicode(lower).as_str()) {
        return None;
    }
    // The stemmer knows French accents: stem first, fold after.
    let stem = deunicode::deunicode(&stemmer().stem(lower));
    (!stem.is_empty()).then_some(stem)
}

/// The words of a text (anything between characters that are not letters or digits).
fn words(text: &str) -> impl Iterator<Item = &str> {
    // ASCII first: the Unicode tables are only needed for accented letters.
    text.split(|c: char| if c.is_ascii() { !c.is_ascii_alphanumeric() } else { !c.is_alphanumeric() }).filter(|w| !w.is_empty())
}

/// `word` lower-cased into `out`, cheaply when it is ASCII.
fn lower_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// The search terms of a text, in order, repeated as they occur.
pub fn terms(text: &str) -> Vec<String> {
    words(text).filter_map(|w| term_of(&w.to_lowercase())).collect()
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
    /// (document, sheet, BM25 score), in document order.
    scored: Vec<(u32, SheetId, f32)>,
}

/// Best first, then by sheet id: one order however the hits were gathered.
fn by_relevance(a: &(u32, SheetId, f32), b: &(u32, SheetId, f32)) -> std::cmp::Ordering {
    b.2.total_cmp(&a.2).then(a.1.cmp(&b.1))
}

impl TextHits {
    pub fn contains(&self, doc: u32) -> bool {
        self.bits.get(doc as usize / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    /// The relevance of a matching document.
    pub fn score(&self, doc: u32) -> Option<f32> {
        self.scored.binary_search_by_key(&doc, |h| h.0).ok().map(|i| self.scored[i].2)
    }

    pub fn len(&self) -> usize {
        self.scored.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scored.is_empty()
    }

    /// The matching sheets, in no particular order.
    pub fn sheets(&self) -> impl Iterator<Item = SheetId> + '_ {
        self.scored.iter().map(|h| h.1)
    }

    /// The `n` most relevant sheets with their scores, best first (ties by id). Selecting
    /// before sorting keeps a first page cheap when a common word matches most sheets.
    pub fn top(&self, n: usize) -> Vec<(SheetId, f32)> {
        let mut all = self.scored.clone();
        if n < all.len() {
            all.select_nth_unstable_by(n, by_relevance);
            all.truncate(n);
        }
        all.sort_unstable_by(by_relevance);
        all.into_iter().map(|(_, id, s)| (id, s)).collect()
    }
}

/// Dead documents in the postings for this many live ones (and at least [`COMPACT_MIN`]) call
/// for a compaction: the space removals leave is reclaimed once it is as large as what is
/// live, so that a compaction's cost (every posting read once) is paid for by as many removals.
const COMPACT_RATIO: usize = 1;
const COMPACT_MIN: usize = 1024;

/// The sheet of a dead document: no stored sheet has this id (stores number them from 1).
const NO_SHEET: SheetId = SheetId::MIN;

/// What [`TextIndex::compact`] maps a dead document's number to.
pub const DEAD: u32 = u32::MAX;

/// Saved whole in an index snapshot ([`crate::index::snapshot`]): indexing every text again
/// is the costly part of a start-up.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct TextIndex {
    term_ids: FnvMap<Box<str>, u32>,
    /// The term of each lower-cased word met so far (`None`: a common word). Stemming is the
    /// costly step of indexing, and a vocabulary is far smaller than a text.
    word_terms: FnvMap<Box<str>, Option<u32>>,
    postings: Vec<Postings>,
    /// Sheet of each document number; [`NO_SHEET`] once the document is dead (an `Option`
    /// would double the size of each: 80 MB at ten million sheets).
    docs: Vec<SheetId>,
    /// Weighted length of each document.
    lengths: Vec<u32>,
    live: usize,
    live_length: u64,
    /// Dead documents still in the postings (reset by a compaction).
    dead_in_postings: usize,
    /// Compactions so far, for tests and metrics.
    compactions: u64,
}

impl TextIndex {
    /// Indexes a sheet's text and returns its document number.
    pub fn add(&mut self, sheet: SheetId, text: &DocText) -> u32 {
        let doc = self.docs.len() as u32;
        let mut counts: Vec<(u32, u32)> = Vec::with_capacity(64);
        let mut lower = String::new();
        for (part, weight) in [(text.title, 3), (text.authority, 2), (text.summary, 1), (text.body, 1)] {
            for word in words(part) {
                lower_into(word, &mut lower);
                if let Some(term) = self.term_id(&lower) {
                    counts.push((term, weight));
                }
            }
        }
        counts.sort_unstable_by_key(|c| c.0);
        let mut length = 0;
        for group in counts.chunk_by(|a, b| a.0 == b.0) {
            let count: u32 = group.iter().map(|c| c.1).sum();
            self.postings[group[0].0 as usize].push(doc, count);
            length += count;
        }
        debug_assert_ne!(sheet, NO_SHEET, "stores number sheets from 1");
        self.docs.push(sheet);
        self.lengths.push(length);
        self.live += 1;
        self.live_length += u64::from(length);
        doc
    }

    /// The words of a text that stand for a term, each with the term's number, read from
    /// the words indexing has met (no stemming: a lookup each). Words never indexed are left
    /// out: no indexed document can share them.
    pub fn known_terms<'t>(&self, text: &'t str) -> impl Iterator<Item = (&'t str, u32)> {
        let mut lower = String::new();
        words(text).filter_map(move |word| {
            lower_into(word, &mut lower);
            self.word_terms.get(lower.as_str()).copied().flatten().map(|term| (word, term))
        })
    }

    /// The term id of a lower-cased word, creating the term on first sight.
    fn term_id(&mut self, lower: &str) -> Option<u32> {
        if let Some(&known) = self.word_terms.get(lower) {
            return known;
        }
        let id = term_of(lower).map(|term| {
            let next = self.postings.len() as u32;
            let id = *self.term_ids.entry(term.into_boxed_str()).or_insert(next);
            if id == next {
                self.postings.push(Postings::default());
            }
            id
        });
        self.word_terms.insert(lower.into(), id);
        id
    }

    /// Forgets a document (its postings are skipped from now on, until [`Self::compact`]).
    pub fn remove(&mut self, doc: u32) {
        if let Some(slot) = self.docs.get_mut(doc as usize)
            && *slot != NO_SHEET
        {
            *slot = NO_SHEET;
            self.live -= 1;
            self.live_length -= u64::from(self.lengths[doc as usize]);
            self.dead_in_postings += 1;
        }
    }

    /// Whether enough documents are dead in the postings for [`Self::compact`] to be worth
    /// its cost.
    pub fn needs_compaction(&self) -> bool {
        self.dead_in_postings > self.live.max(COMPACT_MIN) * COMPACT_RATIO
    }

    /// Rewrites the postings without dead documents and numbers the live ones again from 0,
    /// in the same order (so that every list stays increasing); returns each old number's new
    /// one ([`DEAD`] for the dead), which the owner of the numbers must apply. Hits of an
    /// earlier search hold old numbers: they belong to the index they were searched in (the
    /// service answers each request from one snapshot of the index).
    pub fn compact(&mut self) -> Vec<u32> {
        let mut renumber = vec![DEAD; self.docs.len()];
        let (mut docs, mut lengths) = (Vec::with_capacity(self.live), Vec::with_capacity(self.live));
        for (old, sheet) in self.docs.iter().enumerate() {
            if *sheet != NO_SHEET {
                renumber[old] = docs.len() as u32;
                docs.push(*sheet);
                lengths.push(self.lengths[old]);
            }
        }
        for p in &mut self.postings {
            let mut kept = Postings::default();
            for (doc, count) in p.iter() {
                if let Some(&new) = renumber.get(doc as usize).filter(|&&n| n != DEAD) {
                    kept.push(new, count);
                }
            }
            *p = kept;
        }
        (self.docs, self.lengths) = (docs, lengths);
        self.dead_in_postings = 0;
        self.compactions += 1;
        renumber
    }

    /// The sheet of a live document.
    pub fn sheet_of(&self, doc: u32) -> Option<SheetId> {
        self.docs.get(doc as usize).copied().filter(|&s| s != NO_SHEET)
    }

    /// Bytes on the heap: maps of words and terms, postings, documents.
    pub fn heap_bytes(&self) -> usize {
        let map = |capacity: usize, entry: usize| capacity * (entry + 1);
        let keys = |m: &FnvMap<Box<str>, _>| m.keys().map(|k| k.len()).sum::<usize>();
        map(self.term_ids.capacity(), std::mem::size_of::<(Box<str>, u32)>())
            + keys(&self.term_ids)
            + map(self.word_terms.capacity(), std::mem::size_of::<(Box<str>, Option<u32>)>())
            + self.word_terms.keys().map(|k| k.len()).sum::<usize>()
            + self.postings.capacity() * std::mem::size_of::<Postings>()
            + self.postings.iter().map(|p| p.bytes.capacity()).sum::<usize>()
            + self.docs.capacity() * std::mem::size_of::<SheetId>()
            + self.lengths.capacity() * 4
    }

    /// Gives back the room that appending reserved and no list uses.
    pub fn shrink_to_fit(&mut self) {
        self.postings.iter_mut().for_each(|p| p.bytes.shrink_to_fit());
        self.docs.shrink_to_fit();
        self.lengths.shrink_to_fit();
    }

    /// Live documents.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Document numbers given so far, dead ones included until a compaction.
    pub fn numbered(&self) -> usize {
        self.docs.len()
    }

    pub fn compactions(&self) -> u64 {
        self.compactions
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
        // Rarest term first: the candidates only shrink. Lists and candidates are both in
        // document order, so each further term is a merge.
        lists.sort_by_key(|p| p.len);
        let n = self.live.max(1) as f32;
        let average = (self.live_length as f32 / n).max(1.0);
        let mut found: Vec<(u32, f32)> = vec![];
        for (i, list) in lists.iter().enumerate() {
            let idf = ((n - list.len as f32 + 0.5) / (list.len as f32 + 0.5) + 1.0).ln();
            let score = |doc: u32, count: u32| {
                let tf = count as f32;
                idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * self.lengths[doc as usize] as f32 / average))
            };
            if i == 0 {
                found = list.iter().filter(|&(doc, _)| self.docs[doc as usize] != NO_SHEET).map(|(doc, c)| (doc, score(doc, c))).collect();
                continue;
            }
            let mut postings = list.iter().peekable();
            found.retain_mut(|(doc, total)| {
                while postings.next_if(|&(d, _)| d < *doc).is_some() {}
                match postings.peek() {
                    Some(&(d, count)) if d == *doc => {
                        *total += score(d, count);
                        true
                    }
                    _ => false,
                }
            });
            if found.is_empty() {
                break;
            }
        }
        let mut bits = vec![0u64; self.docs.len().div_ceil(64)];
        let scored = found
            .into_iter()
            .map(|(doc, score)| {
                bits[doc as usize / 64] |= 1 << (doc % 64);
                (doc, self.docs[doc as usize], score)
            })
            .collect();
        TextHits { bits, scored }
    }
}

mod postings;
#[cfg(test)]
mod tests;
