//! The fields an import understands and the column names that mean them, in English and in
//! French. Names match after folding: case, accents, spaces, hyphens and dots do not matter
//! (`Code postal`, `code_postal` and `CODE-POSTAL` are one name).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Id,
    Title,
    Summary,
    Body,
    Authority,
    Services,
    Year,
    Website,
    Status,
    PlaceLabel,
    Address,
    AddressComplement,
    PostalCode,
    Commune,
    Insee,
    Departement,
    Latitude,
    Longitude,
    /// Last update, in the mediation-places schema: gives the year there.
    UpdatedOn,
}

/// Every field with the names it answers to (folded), the English name first.
pub const ALIASES: &[(Field, &[&str])] = &[
    (Field::Id, &["external_id", "id", "identifiant", "id_fiche", "reference", "ref"]),
    (Field::Title, &["title", "titre", "nom", "name", "intitule", "nom_initiative"]),
    (Field::Summary, &["summary", "resume", "presentation_resume", "chapo", "accroche", "description_courte"]),
    (Field::Body, &["body", "description", "presentation_detail", "texte", "corps", "contenu", "detail"]),
    (Field::Authority, &["authority", "collectivite", "code_collectivite", "authority_code", "porteur"]),
    (Field::Services, &["services", "service", "codes_services", "referentiel"]),
    (Field::Year, &["year", "annee", "edition", "millesime", "annee_label"]),
    (Field::Website, &["website", "site_web", "site", "site_internet", "url", "lien"]),
    (Field::Status, &["status", "statut", "etat"]),
    (Field::PlaceLabel, &["place", "lieu", "nom_lieu", "place_label", "label_lieu"]),
    (Field::Address, &["address", "adresse", "adresse_postale", "voie"]),
    (Field::AddressComplement, &["address_complement", "complement_adresse", "complement"]),
    (Field::PostalCode, &["postal_code", "code_postal", "cp", "postcode", "zip"]),
    (Field::Commune, &["commune", "ville", "city", "nom_commune", "localite", "town"]),
    (Field::Insee, &["insee", "code_insee", "insee_code", "code_commune", "code_commune_insee", "citycode"]),
    (Field::Departement, &["departement", "department", "dep", "code_departement", "dept"]),
    (Field::Latitude, &["latitude", "lat", "y"]),
    (Field::Longitude, &["longitude", "lon", "lng", "long", "x"]),
    (Field::UpdatedOn, &["updated_on", "date_maj", "date_mise_a_jour", "mise_a_jour"]),
];

/// A column name as compared: lower case ASCII, words joined by `_`.
pub fn fold_name(name: &str) -> String {
    let ascii = deunicode::deunicode(name.trim().trim_start_matches('\u{feff}')).to_ascii_lowercase();
    let words: Vec<&str> = ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.join("_")
}

/// The field a column name means, if any.
pub fn field_of(name: &str) -> Option<Field> {
    let folded = fold_name(name);
    ALIASES.iter().find(|(_, names)| names.contains(&folded.as_str())).map(|(f, _)| *f)
}

/// The English name of a field, as the report and the documentation show it.
pub fn name_of(field: Field) -> &'static str {
    ALIASES.iter().find(|(f, _)| *f == field).map(|(_, names)| names[0]).expect("every field has names")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_names_match_however_written() {
        assert_eq!(field_of("Code postal"), Some(Field::PostalCode));
        assert_eq!(field_of("CODE-POSTAL"), Some(Field::PostalCode));
        assert_eq!(field_of("\u{feff}titre"), Some(Field::Title));
        assert_eq!(field_of("Résumé"), Some(Field::Summary));
        assert_eq!(field_of("Année"), Some(Field::Year));
        assert_eq!(field_of("Collectivité"), Some(Field::Authority));
        assert_eq!(field_of("typologie"), None);
    }

    #[test]
    fn no_name_means_two_fields() {
        let mut all: Vec<&str> = ALIASES.iter().flat_map(|(_, names)| names.iter().copied()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
