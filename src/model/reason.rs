//! Why a value was refused, or what was done to it: one stable `code` a client can translate
//! (the pages show every reason in French), the values it names (`params`), and an English
//! sentence for people reading the API or the command line.
//!
//! Serialized as `{"code": "too_long", "params": {"max": 300}}`, beside the English `reason`
//! of the error that carries it.

use std::fmt;

use serde::Serialize;

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

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Reason::*;
        match self {
            BodyNotAnObject => write!(f, "the body must be a JSON object"),
            Required => write!(f, "required"),
            CannotBeRemoved => write!(f, "required: it cannot be removed"),
            NotAString => write!(f, "a string"),
            Empty => write!(f, "empty"),
            TooLong { max } => write!(f, "longer than {max} characters"),
            SetByService => write!(f, "set by the service, not by the body (the owner comes from your credentials)"),
            UnknownField { of, allowed } => write!(f, "unknown field; a {of} has {allowed}"),
            ServicesNotAList => write!(f, "a list of referential service codes, such as [\"1.b.2.1\"]"),
            RejectionReason { max } => write!(f, "say why, in 1 to {max} characters: the authority reads it"),
            ServiceCount { max } => write!(f, "from 1 to {max} service codes, the first being the main one"),
            DuplicateService { service } => write!(f, "{service} is listed twice"),
            UnknownService { service } => write!(f, "{service:?} is not a service code of the referential (see /api/referential)"),
            PlacesNotAList => write!(f, "a list of places, each with coordinates, an INSEE code, a postal code or a commune name"),
            PlaceCount { max } => write!(f, "from 1 to {max} places, the first being the main one"),
            PlaceNotAnObject => write!(f, "a place is an object"),
            NotANumber => write!(f, "degrees (WGS 84) as a JSON number"),
            Year => write!(f, "the label edition year, a whole number from 1999 to 2100"),
            NotAWebsite { value } => write!(f, "{value:?} is not a web address (http:// or https://)"),
            WebsiteNotAString => write!(f, "a web address, as a string"),
            OneCoordinate => write!(f, "only one of longitude and latitude is given"),
            NothingToLocate => write!(f, "no coordinates, INSEE code, postal code or commune name"),
            CoordinatesNotNumbers => write!(f, "coordinates are not numbers"),
            CoordinatesOutOfRange { lon, lat } => write!(f, "longitude {lon} and latitude {lat} are outside -180..180 and -90..90"),
            OutsideFrance { lon, lat } => write!(f, "{lon}, {lat} is in no French commune (outside France, or at sea)"),
            UnknownInsee { insee } => write!(f, "{insee} is not an INSEE code of the gazetteer"),
            UnknownPostalCode { postal_code } => write!(f, "{postal_code} is not a postal code of the gazetteer"),
            SharedPostalCode { postal_code } => {
                write!(f, "postal code {postal_code} is shared by several communes: give the commune's name")
            }
            NoCommuneWithPostalCode { name, postal_code } => write!(f, "no commune named {name:?} has the postal code {postal_code}"),
            SeveralCommunesWithPostalCode { name, postal_code } => {
                write!(f, "several communes named {name:?} have the postal code {postal_code}")
            }
            NoCommuneNamed { name, departement: None } => write!(f, "no commune is named {name:?}"),
            NoCommuneNamed { name, departement: Some(d) } => write!(f, "no commune is named {name:?} in {d}"),
            AmbiguousName { name } => write!(f, "{name:?} is ambiguous: give the département or the postal code"),
            SwappedCoordinates => write!(f, "latitude and longitude were given the other way round: swapped back"),
            FarFromCommune { commune, distance_km } => {
                write!(f, "the point is {distance_km:.1} km from commune {commune}: the point is kept")
            }
            FormerCommune { former, now } => write!(f, "{former} is a former commune: the place belongs to {now}"),
            NamePart { written, commune } => write!(f, "{written:?} is taken for {commune}, whose name contains it"),
            NameNear { written, commune } => write!(f, "{written:?} is taken for {commune}, whose name is close"),
            UnexpectedPostalCode { postal_code, commune } => {
                write!(f, "postal code {postal_code} is not that of {commune}: the name decided")
            }
            FieldCount { fields, columns, separator } => {
                write!(f, "the row has {fields} fields but the header names {columns} columns: is a {separator} missing its quotes?")
            }
            FieldsMissing { fields, columns } => {
                write!(f, "the row has {fields} fields but the header names {columns} columns: is it cut short?")
            }
            ItemNotAnObject => write!(f, "this item is not an object"),
            NotAPoint { geometry } => write!(f, "the geometry is a {geometry}: places are Points or a MultiPoint"),
            ColumnsDiffer { first, second, field } => write!(f, "the columns {first:?} and {second:?} both give the {field} and differ"),
            NotAStatus { value } => {
                write!(f, "{value:?} is not a status: published (publiée), draft (brouillon) or archived (archivée)")
            }
            NoMediationService => write!(f, "no service of the loaded referential matches this mediation place"),
            NotAServiceOrName { value } => {
                write!(f, "{value:?} is neither a service code of the referential (such as 1.b.2.1) nor a service's name")
            }
            NoService => write!(f, "no service: give at least one service code of the referential (such as 1.b.2.1) or its name"),
            NotAYear { value } => write!(f, "{value:?} is not a year between 1999 and 2100"),
            NotADecimal { value } => write!(f, "{value:?} is not a decimal number (degrees, WGS 84)"),
            NotAnAuthority { authority } => {
                write!(f, "{authority:?} is not an authority: give the INSEE code of a commune, the SIREN of an EPCI, dep-XX or reg-XX")
            }
            OtherAuthority { owner, own } => write!(f, "this sheet belongs to {owner}; these credentials write for {own} only"),
            SheetOfOtherAuthority { id, owner } => write!(f, "the id {id:?} is a sheet of {owner}, which these credentials may not change"),
            SameTitleSameCommune { first_row } => {
                write!(f, "row {first_row} has the same title in the same commune: add an id column to tell them apart")
            }
            IdGivenTwice { id, first_row, field } => write!(f, "the id {id:?} was given at row {first_row} with another {field}"),
        }
    }
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
