//! The open-data schema of French digital-mediation places ("schéma des lieux de médiation
//! numérique", La MedNum / ANCT): such places show beside the sheets, owned by the commune they
//! are in. Their services are a vocabulary of their own; those that match a service of the
//! default referential are mapped onto it, and the original values are always kept.

use crate::gazetteer::names::fold;
use crate::referential::Referential;

/// Mediation services (folded, from the schema's 2022 list and its later wording) and the
/// referential service each matches. Values absent here have no counterpart in the referential.
const SERVICES: &[(&str, &str)] = &[
    ("aide aux demarches administratives", "2.d.2.1"),
    ("realiser des demarches administratives avec un accompagnement", "2.d.2.1"),
    ("devenir autonome dans les demarches administratives", "2.d.2.1"),
    ("accompagnement aux demarches de sante", "2.d.2.1"),
    ("insertion professionnelle via le numerique", "4.a.1.3"),
    ("favoriser mon insertion professionnelle", "4.a.1.3"),
    ("parentalite et education avec le numerique", "1.c.2.3"),
    ("soutenir la parentalite et l education avec le numerique", "1.c.2.3"),
    ("loisirs et creations numeriques", "3.b.2.3"),
    ("creer avec le numerique", "3.b.2.3"),
    ("acces internet et materiel informatique", "2.d.1.1"),
    ("acceder a une connexion internet", "2.d.1.1"),
    ("acceder a du materiel", "2.d.1.1"),
    ("acquisition de materiel informatique a prix solidaire", "2.b.1.1"),
    ("equiper en materiel informatique", "2.b.1.1"),
];

/// What kind of mediation place it is, from its national labels and type, as the first
/// (main) service: France Services, a conseiller numérique, a third place, or else a public
/// digital space.
fn place_service(labels: &str, typology: &str) -> &'static str {
    let labels = fold(labels);
    if labels.contains("france services") {
        "2.d.1.3"
    } else if labels.contains("conseillers numeriques") || labels.contains("conseiller numerique") {
        "2.d.1.2"
    } else if typology.to_ascii_uppercase().contains("TIERS_LIEUX") {
        "2.d.1.4"
    } else {
        "2.d.1.1"
    }
}

/// The referential services of a mediation place, main one first, and the given services
/// that matched none. Codes the loaded referential lacks are left out.
pub fn services(given: &str, labels: &str, typology: &str, referential: &Referential) -> (Vec<String>, Vec<String>) {
    let mut codes = vec![place_service(labels, typology).to_owned()];
    let mut unmatched = vec![];
    for value in given.split([';', '|', ',']).map(str::trim).filter(|v| !v.is_empty()) {
        let folded = fold(value);
        match SERVICES.iter().find(|(name, _)| *name == folded) {
            Some((_, code)) => {
                if !codes.iter().any(|c| c == code) {
                    codes.push((*code).to_owned());
                }
            }
            None => unmatched.push(value.to_owned()),
        }
    }
    codes.retain(|c| referential.service_index(c).is_some());
    (codes, unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_what_matches_and_keeps_the_rest() {
        let r = Referential::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/referential-2024.json")).unwrap();
        let (codes, unmatched) = services(
            "Aide aux démarches administratives;Maîtrise des outils numériques du quotidien;Accès internet et matériel informatique",
            "France Services;Aidants Connect",
            "MUNI",
            &r,
        );
        assert_eq!(codes, ["2.d.1.3", "2.d.2.1", "2.d.1.1"]);
        assert_eq!(unmatched, ["Maîtrise des outils numériques du quotidien"]);
        let (codes, _) = services("", "", "TIERS_LIEUX;ASSO", &r);
        assert_eq!(codes, ["2.d.1.4"]);
        for (_, code) in SERVICES {
            assert!(r.service_index(code).is_some(), "{code} is a service of the default referential");
        }
    }
}
