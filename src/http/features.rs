//! GeoJSON (RFC 7946) renderings of sheets and communes shared by the endpoints.

use serde_json::{Value, json};

use crate::gazetteer::{Commune, Gazetteer};
use crate::index::{IndexedSheet, SpatialIndex};
use crate::model::SheetId;

/// Rounds a coordinate to 1e-6 degree (about 0.1 m): more digits carry no information here.
pub fn coord(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The short form of a commune that other objects embed.
pub fn commune_ref(c: &Commune) -> Value {
    json!({ "code": c.code, "name": c.name })
}

/// A sheet as a listing shows it, located at one of its places.
pub fn sheet_feature(index: &SpatialIndex, id: SheetId, sheet: &IndexedSheet, place: usize) -> Value {
    let p = &sheet.places[place];
    let g: &Gazetteer = index.gazetteer();
    let r = index.referential();
    let authority = index.authority(sheet);
    let commune = g.communes().get(p.commune as usize).map(commune_ref);
    let theme = sheet.services.first().map(|&s| r.ancestry(s)[0].code.clone());
    json!({
        "type": "Feature",
        "id": id,
        "geometry": { "type": "Point", "coordinates": [coord(p.lon), coord(p.lat)] },
        "properties": {
            "id": id,
            "title": sheet.title,
            "year": sheet.year,
            "theme": theme,
            "services": sheet.services.iter().map(|&s| &r.service(s).code).collect::<Vec<_>>(),
            "authority": {
                "code": authority.code,
                "name": authority.name,
                "kind": authority.kind,
                "arobases": authority.arobases,
                "arobases_year": authority.year,
            },
            "commune": commune,
            "sample": sheet.sample,
        }
    })
}
