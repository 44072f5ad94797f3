//! The `initiatives` collection: one feature per published sheet, in id order.
//!
//! A feature is a sheet, not a place: a sheet is what the label counts, what its id names
//! (`/api/initiatives/{id}`) and what a GIS user selects; its places (usually one) make one
//! MultiPoint, so that every feature of the layer has the same geometry type, as GeoPackage
//! and Shapefile want. A sheet matches `bbox` (and `commune`, `departement`…) when one of its
//! places does, as in the rest of the API; for one row per place, the exports are the way.

use std::ops::RangeInclusive;
use std::sync::Arc;

use serde_json::{Value, json};

use super::Items;
use crate::app::AppState;
use crate::http::error::{Error, Result};
use crate::http::params::{Cursor, sheet_id, take_cursor};
use crate::index::filter::query::{Params, take_filter};
use crate::index::{IndexedSheet, SpatialIndex};
use crate::model::{SheetId, round_degrees};
use crate::referential::{Level, Referential};

/// The first and last label editions of the published sheets.
pub fn years(index: &SpatialIndex) -> Option<(u16, u16)> {
    index.sheets().map(|(_, s)| s.year).fold(None, |acc, y| match acc {
        None => Some((y, y)),
        Some((a, b)) => Some((a.min(y), b.max(y))),
    })
}

/// The API's filters, as JSON Schema.
pub fn queryables(r: &Referential) -> Vec<(&'static str, Value)> {
    // A filter takes one code or several separated by commas: the codes are examples, not an enum.
    let codes = |level| Value::from(r.entries().iter().filter(|e| e.level == level).map(|e| e.code.as_str()).collect::<Vec<_>>());
    vec![
        (
            "theme",
            json!({ "type": "string", "title": "Thème (un code, ou plusieurs séparés par des virgules)", "examples": codes(Level::Theme) }),
        ),
        ("challenge", json!({ "type": "string", "title": "Enjeu", "examples": codes(Level::Challenge) })),
        ("use", json!({ "type": "string", "title": "Usage", "examples": codes(Level::Use) })),
        ("service", json!({ "type": "string", "title": "Service", "examples": codes(Level::Service) })),
        ("year", json!({ "type": "string", "title": "Édition du label : 2019 ou 2017-2020", "pattern": "^[0-9]{4}(-[0-9]{4})?$" })),
        ("arobases", json!({ "type": "integer", "title": "Niveau minimal de la collectivité (@)", "minimum": 1, "maximum": 5 })),
        ("population", json!({ "type": "string", "title": "Habitants de la collectivité : 2000-9999, 200000- ou -1999" })),
        (
            "commune",
            json!({ "type": "string", "title": "Code INSEE d'une commune où la fiche a un lieu (plusieurs séparés par des virgules)" }),
        ),
        ("departement", json!({ "type": "string", "title": "Code de département (62, 2A, 971…)" })),
        ("region", json!({ "type": "string", "title": "Code de région (32, 84…)" })),
        ("q", json!({ "type": "string", "title": "Recherche en texte intégral", "maxLength": 200 })),
        ("geometry", json!({ "format": "geometry-multipoint", "x-ogc-role": "primary-geometry" })),
    ]
}

/// A page of the sheets that pass the filters, with how many pass.
pub async fn items(state: &AppState, p: &mut Params, years: Option<RangeInclusive<u16>>, limit: usize) -> Result<Items> {
    let mut filter = take_filter(p, &state.gazetteer, &state.referential, true)?;
    if let Some(years) = years {
        if filter.years.is_some() {
            return Err(Error::bad_request("give the editions either as datetime or as year, not both"));
        }
        filter.years = Some(years);
    }
    let after = match take_cursor(p)? {
        None => None,
        Some(Cursor::After(id)) => Some(id),
        Some(Cursor::Rank(_)) => return Err(Error::bad_request("this cursor belongs to a listing by relevance, not to these items")),
    };
    let (index, filter) = (state.index(), Arc::new(filter));
    let (page, matched) = {
        let (index, filter) = (index.clone(), filter.clone());
        state.work.run(move || (index.page(&filter, after, limit), index.count(&filter))).await?
    };
    let features = page.ids.iter().filter_map(|&id| Some(feature(&index, id, index.sheet(id)?))).collect();
    Ok(Items { features, matched, next: page.next_after.map(|id| ("cursor", Cursor::After(id).encode())) })
}

/// One published sheet.
pub fn item(state: &AppState, id: &str) -> Result<Value> {
    let id = sheet_id(id)?;
    let index = state.index();
    let sheet = index.sheet(id).ok_or_else(|| Error::not_found(format!("no published initiative {id}")))?;
    Ok(feature(&index, id, sheet))
}

fn feature(index: &SpatialIndex, id: SheetId, sheet: &IndexedSheet) -> Value {
    let r = index.referential();
    let g = index.gazetteer();
    let authority = index.authority(sheet);
    let main = g.communes().get(sheet.places[0].commune as usize);
    let points: Vec<[f64; 2]> = sheet.places.iter().map(|p| [round_degrees(p.lon), round_degrees(p.lat)]).collect();
    let services: Vec<&str> = sheet.services.iter().map(|&s| r.service(s).code.as_str()).collect();
    json!({
        "type": "Feature",
        "id": id,
        "geometry": { "type": "MultiPoint", "coordinates": points },
        "properties": {
            "title": sheet.title,
            "year": sheet.year,
            "theme": sheet.services.first().map(|&s| r.ancestry(s)[0].code.as_str()),
            "services": services.join(","),
            "authority_code": authority.code,
            "authority_name": authority.name,
            "authority_kind": authority.kind,
            "arobases": authority.arobases,
            "commune_code": main.map(|c| c.code.as_str()),
            "commune_name": main.map(|c| c.name.as_str()),
            "places": sheet.places.len(),
            "sample": sheet.sample,
        },
    })
}
