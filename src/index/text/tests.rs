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
    // Compacted, the live documents are numbered again in order, and found under their new numbers.
    let renumbered = index.compact();
    assert_eq!((renumbered[docs[0] as usize], renumbered[docs[2500] as usize], renumbered[docs[2999] as usize]), (u32::MAX, 0, 499));
    assert_eq!((index.slots(), index.compactions()), (500, 1));
    assert!(!index.needs_compaction());
    let hits = index.search("mediatheque");
    assert_eq!(hits.len(), 500);
    assert!(hits.contains(0) && hits.contains(499) && !hits.contains(500));
    assert_eq!(hits.top(1)[0].0, 2500, "document 0 is now sheet 2500");
    let again = index.add(7, &doc("Médiathèque", ""));
    assert_eq!(again, 500);
    assert!(index.search("médiathèques").contains(again));
}
