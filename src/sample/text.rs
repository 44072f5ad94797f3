//! Believable French titles, summaries and bodies for sample sheets, built from the referential
//! labels and the place names. Every text says it is sample data.

use rand::Rng;
use rand::seq::IndexedRandom;

/// The sentence every generated summary ends with, so no reader mistakes it for a real sheet.
pub const SAMPLE_NOTICE: &str = "Fiche d'exemple générée automatiquement : elle ne décrit pas une action réelle.";

/// What the texts are made of.
pub struct SheetWords<'a> {
    /// "Marck", "Communauté d'agglomération du Grand Calais Terres et Mers".
    pub authority: &'a str,
    /// "à Marck", "au Havre"; empty for authorities that are not communes.
    pub at_place: &'a str,
    pub service: &'a str,
    pub use_label: &'a str,
    pub challenge: &'a str,
    pub theme: &'a str,
    pub year: u16,
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const TITLE_TAILS: [&str; 8] = [
    "une démarche partagée avec les habitants",
    "premier bilan",
    "une nouvelle étape",
    "ouvert à tous",
    "retour d'expérience",
    "co-construit avec les associations",
    "un service qui s'étend",
    "mode d'emploi",
];

const AUDIENCES: [&str; 8] = [
    "les habitants",
    "les familles",
    "les seniors",
    "les jeunes",
    "les associations locales",
    "les agents de la collectivité",
    "les commerçants et artisans",
    "les élèves et leurs enseignants",
];

const PARTNERS: [&str; 6] = [
    "le centre communal d'action sociale",
    "la médiathèque",
    "les écoles",
    "l'intercommunalité",
    "un tiers-lieu associatif",
    "le département",
];

pub fn title(rng: &mut impl Rng, w: &SheetWords) -> String {
    match rng.random_range(0..4) {
        0 if !w.at_place.is_empty() => format!("{} {}", w.service, w.at_place),
        1 => format!("{} : {}", w.service, TITLE_TAILS.choose(rng).expect("non-empty")),
        2 => format!("{} : {}", w.authority, lower_first(w.service)),
        _ => format!("{} ({})", w.service, w.year),
    }
}

pub fn summary(rng: &mut impl Rng, w: &SheetWords) -> String {
    let audience = AUDIENCES.choose(rng).expect("non-empty");
    format!(
        "En {}, {} met en place « {} » pour {audience}, au titre de l'usage « {} » de l'enjeu « {} ». {SAMPLE_NOTICE}",
        w.year,
        w.authority,
        lower_first(w.service),
        lower_first(w.use_label),
        lower_first(w.challenge),
    )
}

pub fn body(rng: &mut impl Rng, w: &SheetWords) -> String {
    let partner = PARTNERS.choose(rng).expect("non-empty");
    let users = rng.random_range(3..200) * 10;
    let months = rng.random_range(3..19);
    format!(
        "Ce qui a été fait\n{} a conduit le projet avec {partner}, en {months} mois, dans le thème « {} ».\n\n\
         Résultats\nEnviron {users} personnes ont utilisé le service la première année.\n\n\
         Recommandations\nAssocier les usagers dès la conception et prévoir un accompagnement pour ceux qui sont \
         éloignés du numérique.\n\n{SAMPLE_NOTICE}",
        w.authority, w.theme,
    )
}
