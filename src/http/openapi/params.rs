//! The query parameters many routes share, as the document shows them. Handlers read them
//! through `Params` (which refuses any parameter it was not asked for); `tests/openapi.rs`
//! sends every documented parameter to its route, so that the two cannot drift apart.

use utoipa::IntoParams;

/// The filters of every route that lists sheets, and of tiles (with [`CommuneFilter`]). Different filters combine
/// with AND; `bbox`, `commune`, `departement` and `region` must hold for one same place of a
/// sheet. An empty value is no constraint; a list gives at most 200 codes.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Filters {
    /// `minlon,minlat,maxlon,maxlat` in degrees (WGS 84).
    #[param(example = "2.2,48.8,2.5,48.9")]
    bbox: Option<String>,
    /// Theme codes of the referential, comma = any of.
    #[param(example = "1")]
    theme: Option<String>,
    /// Challenge codes, comma = any of.
    challenge: Option<String>,
    /// Use codes, comma = any of.
    #[param(rename = "use")]
    use_: Option<String>,
    /// Service codes, comma = any of.
    service: Option<String>,
    /// An edition year (`2019`) or a span (`2017-2020`).
    #[param(example = "2017-2020")]
    year: Option<String>,
    /// Minimum @ of the authority's latest award, 1 to 5.
    #[param(minimum = 1, maximum = 5)]
    arobases: Option<u8>,
    /// Inhabitants of the owning authority, inclusive: `2000-9999`, `200000-`, `-1999`.
    #[param(example = "2000-9999")]
    population: Option<String>,
    /// Département codes, comma = any of.
    #[param(example = "62")]
    departement: Option<String>,
    /// Région codes, comma = any of.
    #[param(example = "32")]
    region: Option<String>,
    /// Full text, up to 200 characters: every word must be in the title, summary, body or the
    /// authority's name (accents, case and French word endings folded).
    #[param(example = "budget participatif")]
    q: Option<String>,
}

/// The `commune` filter, beside [`Filters`] on every route but nearby (where `commune` is
/// the origin).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CommuneFilter {
    /// INSEE codes, comma = any of (a city includes its arrondissements).
    #[param(example = "62193")]
    commune: Option<String>,
}
