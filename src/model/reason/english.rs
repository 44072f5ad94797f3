//! The English sentence of each reason: what the command line prints and API clients that do
//! not translate show (the pages translate the code and params).

use std::fmt;

use super::Reason;

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
            AddressNotFound { address, commune } => {
                write!(f, "the address base has no {address:?} in {commune}: the place is at the town hall")
            }
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
