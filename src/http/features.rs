//! GeoJSON (RFC 7946) renderings of sheets and communes shared by the endpoints. Listings are
//! serialized from borrowed, typed structs: no intermediate JSON tree on the hot paths.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::compare::related::Related;
use crate::gazetteer::Commune;
use crate::index::{IndexedSheet, SpatialIndex};
use crate::model::{AuthorityKind, GeocodeMethod, Precision, SheetId, round_degrees};

/// Rounds a distance to the centimetre, as every answer gives `distance_m`.
pub fn metres(d: f64) -> f64 {
    (d * 100.0).round() / 100.0
}

/// The short form of a commune that other objects embed.
#[derive(Serialize, ToSchema)]
pub struct CommuneRef<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

impl<'a> From<&'a Commune> for CommuneRef<'a> {
    fn from(c: &'a Commune) -> Self {
        CommuneRef { code: &c.code, name: &c.name }
    }
}

/// A code and a name: a département, a région, an authority.
#[derive(Serialize, ToSchema)]
pub struct Named<'a> {
    pub code: &'a str,
    pub name: &'a str,
}

/// A place of a sheet as every answer shows it: its texts, its commune's name, its position
/// and how it was found.
#[derive(Serialize, ToSchema)]
pub struct PlaceView<'a> {
    label: Option<&'a str>,
    address: Option<&'a str>,
    postal_code: Option<&'a str>,
    commune: Option<CommuneRef<'a>>,
    /// Longitude, latitude (WGS 84).
    coordinates: [f64; 2],
    /// `address`, `street` or `commune`.
    #[schema(value_type = String)]
    precision: Precision,
    /// How it was located: `coordinates`, `address`, `insee_code`, `postal_code_name`…
    #[schema(value_type = String)]
    method: GeocodeMethod,
}

pub fn place_view<'a>(gazetteer: &'a crate::gazetteer::Gazetteer, p: &'a crate::model::Place) -> PlaceView<'a> {
    PlaceView {
        label: p.label.as_deref(),
        address: p.address.as_deref(),
        postal_code: p.postal_code.as_deref(),
        commune: gazetteer.commune(&p.commune).map(CommuneRef::from),
        coordinates: [round_degrees(p.lon), round_degrees(p.lat)],
        precision: p.precision,
        method: p.method,
    }
}

/// A GeoJSON Point: longitude, latitude (WGS 84), to six decimals.
#[derive(Serialize, ToSchema)]
pub struct PointGeometry {
    #[schema(example = "Point")]
    r#type: &'static str,
    coordinates: [f64; 2],
}

impl PointGeometry {
    pub fn new(lon: f64, lat: f64) -> Self {
        PointGeometry { r#type: "Point", coordinates: [round_degrees(lon), round_degrees(lat)] }
    }
}

/// The authority a sheet belongs to, with its latest @ (0 when it has none).
#[derive(Serialize, ToSchema)]
struct AuthorityRef<'a> {
    code: &'a str,
    name: &'a str,
    /// `commune`, `epci`, `departement` or `region`.
    #[schema(value_type = String)]
    kind: AuthorityKind,
    arobases: u8,
    arobases_year: Option<u16>,
}

#[derive(Serialize, ToSchema)]
struct SheetProperties<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    title: &'a str,
    year: u16,
    theme: Option<&'a str>,
    services: Vec<&'a str>,
    authority: AuthorityRef<'a>,
    commune: Option<CommuneRef<'a>>,
    sample: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    /// Relevance to the text query `q` (BM25), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
    /// Why a related sheet is related, in French.
    #[serde(skip_serializing_if = "Option::is_none")]
    reasons: Option<Vec<String>>,
}

/// A sheet as a listing shows it, located at one of its places.
#[derive(Serialize, ToSchema)]
pub struct SheetFeature<'a> {
    #[schema(example = "Feature")]
    r#type: &'static str,
    #[schema(value_type = i64)]
    id: SheetId,
    geometry: PointGeometry,
    properties: SheetProperties<'a>,
}

impl<'a> SheetFeature<'a> {
    /// `place` is the position of the place to show; `distance_m` is set by nearby queries.
    pub fn new(index: &'a SpatialIndex, id: SheetId, sheet: &'a IndexedSheet, place: usize, distance_m: Option<f64>) -> Self {
        let p = &sheet.places[place];
        let r = index.referential();
        let authority = index.authority(sheet);
        SheetFeature {
            r#type: "Feature",
            id,
            geometry: PointGeometry::new(p.lon, p.lat),
            properties: SheetProperties {
                id,
                title: &sheet.title,
                year: sheet.year,
                theme: sheet.services.first().map(|&s| r.ancestry(s)[0].code.as_str()),
                services: sheet.services.iter().map(|&s| r.service(s).code.as_str()).collect(),
                authority: AuthorityRef {
                    code: &authority.code,
                    name: &authority.name,
                    kind: authority.kind,
                    arobases: authority.arobases,
                    arobases_year: authority.year,
                },
                commune: index.gazetteer().communes().get(p.commune as usize).map(CommuneRef::from),
                sample: sheet.sample,
                distance_m: distance_m.map(metres),
                score: None,
                reasons: None,
            },
        }
    }

    /// Adds the score and reasons of a related sheet.
    pub fn with_reasons(mut self, score: f64, reasons: Vec<String>) -> Self {
        self.properties.score = Some(score as f32);
        self.properties.reasons = Some(reasons);
        self
    }

    /// Adds the relevance to a text query, to three decimals.
    pub fn with_score(mut self, score: Option<f32>) -> Self {
        self.properties.score = score.map(|s| (s * 1000.0).round() / 1000.0);
        self
    }
}

/// The features of related sheets, best first, with their scores and reasons.
pub fn related_features(index: &SpatialIndex, found: Vec<Related>) -> Vec<SheetFeature<'_>> {
    found
        .into_iter()
        .map(|r| {
            let sheet = index.sheet(r.sheet).expect("related sheets are indexed");
            SheetFeature::new(index, r.sheet, sheet, r.place as usize, Some(r.distance_m)).with_reasons(r.score, r.reasons)
        })
        .collect()
}

/// A listing: the features and what the client needs to go on.
#[derive(Serialize, ToSchema)]
pub struct SheetCollection<'a> {
    #[schema(example = "FeatureCollection")]
    r#type: &'static str,
    /// Where distances are measured from, for nearby queries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<[f64; 2]>,
    /// The sheet the features are related to, for related sheets.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>)]
    pub related_to: Option<SheetId>,
    pub features: Vec<SheetFeature<'a>>,
    pub count: usize,
    /// Opaque cursor of the next page; `null` on the last one (absent where there is no paging).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<Option<String>>,
    /// True while every sheet served is generated sample data.
    pub sample_data: bool,
}

impl<'a> SheetCollection<'a> {
    pub fn new(features: Vec<SheetFeature<'a>>, sample_data: bool) -> Self {
        SheetCollection {
            r#type: "FeatureCollection",
            origin: None,
            related_to: None,
            count: features.len(),
            features,
            next_cursor: None,
            sample_data,
        }
    }

    /// Serializes now, so that the borrowed index can be released before the response is sent.
    pub fn into_response(self) -> Response {
        match serde_json::to_vec(&self) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response(),
            Err(e) => super::Error::Internal(e.into()).into_response(),
        }
    }
}
