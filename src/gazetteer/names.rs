//! Folding of French place names so that the ways people really write a commune compare equal:
//! case, accents, `Œ`, hyphens and apostrophes, `St`/`Ste`, and a leading or trailing article.

/// Articles INSEE puts in front of a commune's name, by its `TNCC` "type de nom" code.
pub fn article(name_type: u8) -> &'static str {
    match name_type {
        2 => "Le ",
        3 => "La ",
        4 => "Les ",
        5 => "L'",
        6 => "Aux ",
        7 => "Las ",
        8 => "Los ",
        _ => "",
    }
}

/// "à Marck", "au Havre", "aux Mureaux", "à La Rochelle": the preposition a French sentence uses
/// before the name of a commune, given its article type.
pub fn at_commune(name_without_article: &str, name_type: u8) -> String {
    match name_type {
        2 => format!("au {name_without_article}"),
        4 => format!("aux {name_without_article}"),
        _ => format!("à {}{name_without_article}", article(name_type)),
    }
}

/// "de Marck", "d'Ajaccio", "du Havre", "de la Manche", "des Yvelines", "de l'Ain": the
/// French complement of a place name, given its article type.
pub fn of_name(name_without_article: &str, name_type: u8) -> String {
    match name_type {
        1 => format!("d'{name_without_article}"),
        2 => format!("du {name_without_article}"),
        3 => format!("de la {name_without_article}"),
        4 => format!("des {name_without_article}"),
        5 => format!("de l'{name_without_article}"),
        _ => format!("de {name_without_article}"),
    }
}

const ARTICLES: [&str; 7] = ["l", "le", "la", "les", "aux", "las", "los"];

/// Folds a name to a comparable key: lower case ASCII words separated by single spaces, with
/// `st`/`ste` expanded and a leading or parenthesised trailing article removed.
///
/// ```
/// use atlaas::gazetteer::names::fold;
/// assert_eq!(fold("L'Abergement-Clémenciat"), "abergement clemenciat");
/// assert_eq!(fold("Abergement-Clémenciat (L')"), "abergement clemenciat");
/// assert_eq!(fold("ST-ÉTIENNE"), "saint etienne");
/// assert_eq!(fold("Cœuvres-et-Valsery"), "coeuvres et valsery");
/// ```
pub fn fold(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase();
    let mut words: Vec<&str> = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // "Abergement-Clémenciat (L')" and "Rochelle, La" put the article last.
    if words.len() > 1 && ARTICLES.contains(words.last().unwrap_or(&"")) {
        let trailing = name.trim_end().ends_with(')') || name.contains(',');
        if trailing {
            words.pop();
        }
    }
    if words.len() > 1 && ARTICLES.contains(&words[0]) {
        words.remove(0);
    }
    let mut out = String::with_capacity(ascii.len() + 8);
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(match *w {
            "st" => "saint",
            "ste" => "sainte",
            "sts" => "saints",
            "stes" => "saintes",
            other => other,
        });
    }
    out
}

/// The folded official name of a municipal arrondissement written the short way: `paris 15`,
/// `lyon 3e`, `marseille 13eme arr` (accents already folded) → `marseille 13e arrondissement`.
/// `None` for anything else.
pub fn arrondissement(folded: &str) -> Option<String> {
    let words: Vec<&str> = folded.split(' ').collect();
    let (city, rank, rest) = match words.as_slice() {
        [city, rank, rest @ ..] => (*city, *rank, rest),
        _ => return None,
    };
    let most = match city {
        "paris" => 20,
        "marseille" => 16,
        "lyon" => 9,
        _ => return None,
    };
    let digits = rank.find(|c: char| !c.is_ascii_digit()).unwrap_or(rank.len());
    let n: u8 = rank[..digits].parse().ok().filter(|n| (1..=most).contains(n))?;
    let suffix_ok = matches!(&rank[digits..], "" | "e" | "eme" | "ieme" | "er" | "ere");
    let rest_ok = matches!(rest, [] | ["arrondissement"] | ["arr"] | ["ardt"]);
    (suffix_ok && rest_ok).then(|| format!("{city} {n}{} arrondissement", if n == 1 { "er" } else { "e" }))
}

/// The folded name with the apostrophes a file lost put back: `saint jean dangely` →
/// `saint jean d angely`, `lisle adam` → `isle adam` (the article goes, as [`fold`] does). A
/// word is split after a `d` or `l` that a vowel or `h` follows; `None` when no word is.
pub fn with_elisions(folded: &str) -> Option<String> {
    let mut split = false;
    let words: Vec<String> = folded
        .split(' ')
        .map(|w| {
            let mut chars = w.chars();
            let elided = matches!(chars.next(), Some('d' | 'l')) && chars.next().is_some_and(|c| "aeiouyh".contains(c)) && w.len() > 3;
            split |= elided;
            if elided { format!("{} {}", &w[..1], &w[1..]) } else { w.to_owned() }
        })
        .collect();
    split.then(|| fold(&words.join(" ")))
}

/// Shortest folded name in which one letter off is taken for a typo: in shorter names, one
/// letter makes another commune's name too often ("marck" and "marcq").
pub const TYPO_MIN_LEN: usize = 8;

/// Whether two folded names differ by one letter added, dropped or changed, or two
/// neighbouring letters swapped ("chateaurenard" and "chateauernard").
pub fn one_typo_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 || a == b {
        return false;
    }
    let head = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        let swapped = head + 1 < short.len() && short[head] == long[head + 1] && short[head + 1] == long[head];
        let tail = if swapped { head + 2 } else { head + 1 };
        short[tail..] == long[tail..]
    } else {
        short[head..] == long[head + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_typo_is_a_letter_added_dropped_changed_or_swapped() {
        for (a, b) in [
            ("chateaurenard", "chateauernard"),
            ("montpellier", "montpelier"),
            ("montpellier", "montpelliers"),
            ("strasbourg", "strazbourg"),
            ("xstrasbourg", "strasbourg"),
        ] {
            assert!(one_typo_apart(a, b) && one_typo_apart(b, a), "{a} {b}");
        }
        for (a, b) in [("montpellier", "montpellier"), ("montpellier", "monpelier"), ("strasbourg", "strsabuorg"), ("abc", "abcde")] {
            assert!(!one_typo_apart(a, b), "{a} {b}");
        }
    }

    #[test]
    fn folds_the_usual_spellings_to_one_key() {
        for spelling in ["Saint-Étienne", "ST ETIENNE", "st-etienne", "Saint Etienne", " saint--étienne "] {
            assert_eq!(fold(spelling), "saint etienne", "{spelling}");
        }
        assert_eq!(fold("Sainte-Foy-lès-Lyon"), fold("STE FOY LES LYON"));
        assert_eq!(fold("L’Haÿ-les-Roses"), "hay les roses");
        assert_eq!(fold("Les Mureaux"), "mureaux");
        assert_eq!(fold("Mureaux (Les)"), "mureaux");
    }

    #[test]
    fn keeps_a_name_that_is_only_an_article_word() {
        // "Le" alone is not a commune, but folding must not produce an empty key from one word.
        assert_eq!(fold("Les"), "les");
        // An article in the middle is part of the name.
        assert_eq!(fold("Sainte-Marie-la-Mer"), "sainte marie la mer");
    }

    #[test]
    fn builds_french_prepositions() {
        assert_eq!(at_commune("Havre", 2), "au Havre");
        assert_eq!(at_commune("Mureaux", 4), "aux Mureaux");
        assert_eq!(at_commune("Rochelle", 3), "à La Rochelle");
        assert_eq!(at_commune("Abergement-Clémenciat", 5), "à L'Abergement-Clémenciat");
        assert_eq!(at_commune("Marck", 0), "à Marck");
        assert_eq!(of_name("Ain", 5), "de l'Ain");
        assert_eq!(of_name("Ille-et-Vilaine", 1), "d'Ille-et-Vilaine");
        assert_eq!(of_name("Nord", 2), "du Nord");
    }

    #[test]
    fn arrondissements_written_short_get_their_official_name() {
        for (written, official) in [
            ("Paris 15", "paris 15e arrondissement"),
            ("LYON 3E", "lyon 3e arrondissement"),
            ("Marseille 13ème", "marseille 13e arrondissement"),
            ("Marseille 1er arrondissement", "marseille 1er arrondissement"),
            ("paris 01", "paris 1er arrondissement"),
        ] {
            assert_eq!(arrondissement(&fold(written)).as_deref(), Some(official), "{written}");
        }
        for other in ["Paris 21", "Lyon 0", "Lyon 10e", "Saint-Denis 3", "Paris", "Paris 15 rue Blomet", "Paris 3bis"] {
            assert_eq!(arrondissement(&fold(other)), None, "{other}");
        }
    }

    #[test]
    fn lost_apostrophes_are_put_back() {
        assert_eq!(with_elisions(&fold("Saint-Jean-dAngély")).as_deref(), Some("saint jean d angely"));
        assert_eq!(with_elisions(&fold("LISLE ADAM")).as_deref(), Some("isle adam"));
        assert_eq!(with_elisions(&fold("Marck")), None);
    }
}
