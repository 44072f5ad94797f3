//! Why a value was refused, or what was done to it: one stable `code` a client can translate
//! (the pages show every reason in French), the values it names (`params`), and an English
//! sentence for people reading the API or the command line.
//!
//! Serialized as `{"code": "too_long", "params": {"max": 300}}`, beside the English `reason`
//! of the error that carries it.

use serde::Serialize;

mod english;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Reason {
    // ---- the shape of a value
    BodyNotAnObject,
    /// A rejection without its reason, or with too long a one.
    RejectionReason {
        max: usize,
    },
    /// A field a new sheet must give.
    Required,
    /// `null` for a field a sheet cannot be without.
    CannotBeRemoved,
    NotAString,
    Empty,
    TooLong {
        max: usize,
    },
    SetByService,
    /// `of`: `sheet` or `place`.
    UnknownField {
        of: &'static str,
        allowed: String,
    },
    ServicesNotAList,
    ServiceCount {
        max: usize,
    },
    DuplicateService {
        service: String,
    },
    UnknownService {
        service: String,
    },
    PlacesNotAList,
    PlaceCount {
        max: usize,
    },
    PlaceNotAnObject,
    NotANumber,
    Year,
    NotAWebsite {
        value: String,
    },
    WebsiteNotAString,

    // ---- where a place is
    OneCoordinate,
    NothingToLocate,
    CoordinatesNotNumbers,
    CoordinatesOutOfRange {
        lon: f64,
        lat: f64,
    },
    OutsideFrance {
        lon: f64,
        lat: f64,
    },
    UnknownInsee {
        insee: String,
    },
    UnknownPostalCode {
        postal_code: String,
    },
    SharedPostalCode {
        postal_code: String,
    },
    NoCommuneWithPostalCode {
        name: String,
        postal_code: String,
    },
    SeveralCommunesWithPostalCode {
        name: String,
        postal_code: String,
    },
    NoCommuneNamed {
        name: String,
        departement: Option<String>,
    },
    AmbiguousName {
        name: String,
    },
    // What the geocoder did (warnings, not errors).
    SwappedCoordinates,
    FarFromCommune {
        commune: String,
        distance_km: f64,
    },
    FormerCommune {
        former: String,
        now: String,
    },
    NamePart {
        written: String,
        commune: String,
    },
    NameNear {
        written: String,
        commune: String,
    },
    AddressNotFound {
        address: String,
        commune: String,
    },
    UnexpectedPostalCode {
        postal_code: String,
        commune: String,
    },

    // ---- the rows of a file
    FieldCount {
        fields: usize,
        columns: usize,
        separator: &'static str,
    },
    FieldsMissing {
        fields: usize,
        columns: usize,
    },
    ItemNotAnObject,
    NotAPoint {
        geometry: String,
    },
    ColumnsDiffer {
        first: String,
        second: String,
        field: &'static str,
    },
    NotAStatus {
        value: String,
    },
    NoMediationService,
    NotAServiceOrName {
        value: String,
    },
    NoService,
    NotAYear {
        value: String,
    },
    NotADecimal {
        value: String,
    },
    NotAnAuthority {
        authority: String,
    },
    OtherAuthority {
        owner: String,
        own: String,
    },
    SheetOfOtherAuthority {
        id: String,
        owner: String,
    },
    SameTitleSameCommune {
        first_row: usize,
    },
    IdGivenTwice {
        id: String,
        first_row: usize,
        field: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each reason. The match below fails to compile when a reason is added and not
    /// listed here, so that the pages' French catalogue is checked for it too.
    pub(crate) fn one_of_each() -> Vec<Reason> {
        use Reason::*;
        let s = || "x".to_owned();
        let all = vec![
            BodyNotAnObject,
            Required,
            CannotBeRemoved,
            NotAString,
            Empty,
            TooLong { max: 1 },
            SetByService,
            UnknownField { of: "sheet", allowed: s() },
            ServicesNotAList,
            RejectionReason { max: 1 },
            ServiceCount { max: 1 },
            DuplicateService { service: s() },
            UnknownService { service: s() },
            PlacesNotAList,
            PlaceCount { max: 1 },
            PlaceNotAnObject,
            NotANumber,
            Year,
            NotAWebsite { value: s() },
            WebsiteNotAString,
            OneCoordinate,
            NothingToLocate,
            CoordinatesNotNumbers,
            CoordinatesOutOfRange { lon: 0.0, lat: 0.0 },
            OutsideFrance { lon: 0.0, lat: 0.0 },
            UnknownInsee { insee: s() },
            UnknownPostalCode { postal_code: s() },
            SharedPostalCode { postal_code: s() },
            NoCommuneWithPostalCode { name: s(), postal_code: s() },
            SeveralCommunesWithPostalCode { name: s(), postal_code: s() },
            NoCommuneNamed { name: s(), departement: None },
            AmbiguousName { name: s() },
            SwappedCoordinates,
            FarFromCommune { commune: s(), distance_km: 1.0 },
            FormerCommune { former: s(), now: s() },
            NamePart { written: s(), commune: s() },
            NameNear { written: s(), commune: s() },
            AddressNotFound { address: s(), commune: s() },
            UnexpectedPostalCode { postal_code: s(), commune: s() },
            FieldCount { fields: 2, columns: 1, separator: "comma" },
            FieldsMissing { fields: 1, columns: 2 },
            ItemNotAnObject,
            NotAPoint { geometry: s() },
            ColumnsDiffer { first: s(), second: s(), field: "title" },
            NotAStatus { value: s() },
            NoMediationService,
            NotAServiceOrName { value: s() },
            NoService,
            NotAYear { value: s() },
            NotADecimal { value: s() },
            NotAnAuthority { authority: s() },
            OtherAuthority { owner: s(), own: s() },
            SheetOfOtherAuthority { id: s(), owner: s() },
            SameTitleSameCommune { first_row: 1 },
            IdGivenTwice { id: s(), first_row: 1, field: "title" },
        ];
        for reason in &all {
            match reason {
                BodyNotAnObject
                | Required
                | CannotBeRemoved
                | NotAString
                | Empty
                | TooLong { .. }
                | SetByService
                | UnknownField { .. }
                | ServicesNotAList
                | RejectionReason { .. }
                | ServiceCount { .. }
                | DuplicateService { .. }
                | UnknownService { .. }
                | PlacesNotAList
                | PlaceCount { .. }
                | PlaceNotAnObject
                | NotANumber
                | Year
                | NotAWebsite { .. }
                | WebsiteNotAString
                | OneCoordinate
                | NothingToLocate
                | CoordinatesNotNumbers
                | CoordinatesOutOfRange { .. }
                | OutsideFrance { .. }
                | UnknownInsee { .. }
                | UnknownPostalCode { .. }
                | SharedPostalCode { .. }
                | NoCommuneWithPostalCode { .. }
                | SeveralCommunesWithPostalCode { .. }
                | NoCommuneNamed { .. }
                | AmbiguousName { .. }
                | SwappedCoordinates
                | FarFromCommune { .. }
                | FormerCommune { .. }
                | NamePart { .. }
                | NameNear { .. }
                | AddressNotFound { .. }
                | UnexpectedPostalCode { .. }
                | FieldCount { .. }
                | FieldsMissing { .. }
                | ItemNotAnObject
                | NotAPoint { .. }
                | ColumnsDiffer { .. }
                | NotAStatus { .. }
                | NoMediationService
                | NotAServiceOrName { .. }
                | NoService
                | NotAYear { .. }
                | NotADecimal { .. }
                | NotAnAuthority { .. }
                | OtherAuthority { .. }
                | SheetOfOtherAuthority { .. }
                | SameTitleSameCommune { .. }
                | IdGivenTwice { .. } => {}
            }
        }
        all
    }

    fn code(reason: &Reason) -> String {
        serde_json::to_value(reason).unwrap()["code"].as_str().unwrap().to_owned()
    }

    #[test]
    fn every_code_is_distinct_and_serialized_with_its_params() {
        let all = one_of_each();
        let mut codes: Vec<String> = all.iter().map(code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        let json = serde_json::to_value(Reason::NoCommuneWithPostalCode { name: "Marc".into(), postal_code: "62730".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"code": "no_commune_with_postal_code", "params": {"name": "Marc", "postal_code": "62730"}}));
        assert_eq!(serde_json::to_value(Reason::Empty).unwrap(), serde_json::json!({"code": "empty"}));
    }

    /// The pages read reasons in French from `web/static/reasons.js`: every code has its sentence.
    #[test]
    fn the_pages_have_a_french_sentence_for_every_code() {
        let catalogue = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/web/static/reasons.js")).unwrap();
        let missing: Vec<String> = one_of_each().iter().map(code).filter(|c| !catalogue.contains(&format!("  {c}: "))).collect();
        assert!(missing.is_empty(), "reasons.js has no French for {missing:?}");
    }
}
