//! Terms, search and compaction of the text index.

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
    let ranked: Vec<SheetId> = hits.top(10).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ranked, [1, 2], "both words, the title first");
    assert_eq!(hits.top(1).len(), 1);
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
    assert!(index.needs_compaction());
    let renumber = index.compact();
    assert_eq!(index.compactions(), 1);
    assert!(!index.needs_compaction(), "the dead left the postings: no compaction until as many again die");
    assert_eq!(index.numbered(), 500, "the live documents are numbered again from 0");
    assert!(docs[..2500].iter().all(|&d| renumber[d as usize] == DEAD));
    let live: Vec<u32> = docs[2500..].iter().map(|&d| renumber[d as usize]).collect();
    assert_eq!(live, (0..500).collect::<Vec<u32>>());
    let hits = index.search("mediatheque");
    assert_eq!(hits.len(), 500);
    assert_eq!(hits.top(1000).into_iter().map(|(id, _)| id).min(), Some(2500), "each number still names its sheet");
    assert!(hits.contains(live[499]) && hits.contains(live[0]));
    let again = index.add(7, &doc("Médiathèque", ""));
    assert_eq!(again, 500);
    assert!(index.search("médiathèques").contains(again));
}
