//! What a client sends to write a sheet, described for the OpenAPI document. The server reads
//! bodies as JSON and checks them field by field (`crate::contributions::input`), so that every
//! problem is named at once; these types only say what that check accepts.

#![allow(dead_code)] // Read by the document, never built.

use utoipa::ToSchema;

/// A new sheet. Fields the service sets (`id`, `authority`, `status`, `version`, timestamps,
/// `source`…) are refused, as are unknown ones.
#[derive(ToSchema)]
pub struct SheetBody {
    /// At most 300 characters.
    title: String,
    /// At most 5,000 characters.
    summary: Option<String>,
    /// At most 200,000 characters.
    body: Option<String>,
    /// 1 to 30 service codes of the referential (`1.a.1.1`).
    services: Vec<String>,
    /// The edition year (default: this year).
    year: Option<u16>,
    /// An `http` or `https` URL.
    website: Option<String>,
    /// 1 to 100 places.
    places: Vec<PlaceBody>,
}

/// A place: coordinates, an INSEE code, or a commune's name (with a postal code or a
/// département to tell homonyms apart); an address is located with the address base when the
/// server has one. Texts are at most 500 characters.
#[derive(ToSchema)]
pub struct PlaceBody {
    label: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    /// A commune's name, or its INSEE code.
    commune: Option<String>,
    insee: Option<String>,
    /// A département's code (`62`, `2A`, `971`) for a commune given by name.
    departement: Option<String>,
    /// Longitude, WGS 84 (with `lat`).
    lon: Option<f64>,
    /// Latitude, WGS 84 (with `lon`).
    lat: Option<f64>,
}
