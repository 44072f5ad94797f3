//! The `communes` collection: the current communes (not the arrondissements of Paris, Lyon
//! and Marseille, nor former communes), with their simplified boundaries, in INSEE code order,
//! paged by offset. They have no time: `datetime` is refused.

use std::ops::RangeInclusive;

use serde_json::{Value, json};

use super::Items;
use crate::app::AppState;
use crate::gazetteer::{Commune, CommuneKind, Gazetteer};
use crate::http::error::{Error, Result};
use crate::index::filter::query::{Params, parse_bbox};
use crate::model::round_degrees;

pub fn queryables() -> Vec<(&'static str, Value)> {
    vec![
        ("departement", json!({ "type": "string", "title": "Code de département (62, 2A, 971…)" })),
        ("region", json!({ "type": "string", "title": "Code de région (32, 84…)" })),
        ("epci", json!({ "type": "string", "title": "SIREN de l'EPCI à fiscalité propre" })),
        ("geometry", json!({ "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry" })),
    ]
}

pub fn items(state: &AppState, p: &mut Params, years: Option<RangeInclusive<u16>>, limit: usize) -> Result<Items> {
    if years.is_some() {
        return Err(Error::bad_request("communes have no time: this collection takes no datetime"));
    }
    let bbox = p.take("bbox").map(|v| parse_bbox(&v)).transpose()?;
    let g = &state.gazetteer;
    let departement = p.take("departement").map(|d| d.to_ascii_uppercase());
    if let Some(d) = &departement
        && g.departement(d).is_none()
    {
        return Err(Error::bad_request(format!("departement {d:?} is not a département code")));
    }
    let region = p.take("region");
    if let Some(r) = &region
        && g.region(r).is_none()
    {
        return Err(Error::bad_request(format!("region {r:?} is not a région code")));
    }
    let epci = p.take("epci");
    if let Some(e) = &epci
        && g.epci(e).is_none()
    {
        return Err(Error::bad_request(format!("epci {e:?} is not the SIREN of an EPCI")));
    }
    let offset = super::take_offset(p)?;
    let mut matching: Vec<&Commune> = g
        .communes()
        .iter()
        .filter(|c| {
            c.kind == CommuneKind::Commune
                && departement.as_ref().is_none_or(|d| &c.departement == d)
                && region.as_ref().is_none_or(|r| &c.region == r)
                && epci.as_ref().is_none_or(|e| c.epci.as_ref() == Some(e))
                && bbox.is_none_or(|b| b.intersects(c.bbox))
        })
        .collect();
    matching.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let features = matching.iter().skip(offset).take(limit).map(|c| feature(g, c)).collect();
    Ok(Items { matched: matching.len(), next: super::next_offset(offset, limit, matching.len()), features })
}

pub fn item(state: &AppState, code: &str) -> Result<Value> {
    let g = &state.gazetteer;
    let c = g
        .commune(code)
        .filter(|c| c.kind == CommuneKind::Commune)
        .ok_or_else(|| Error::not_found(format!("no current commune {code:?}")))?;
    Ok(feature(g, c))
}

fn feature(g: &Gazetteer, c: &Commune) -> Value {
    let geometry = g.boundary(&c.code).map(|b| serde_json::to_value(geojson::Geometry::from(b)).unwrap_or(Value::Null));
    json!({
        "type": "Feature",
        "id": c.code,
        "geometry": geometry,
        "properties": {
            "code": c.code,
            "name": c.name,
            "departement": c.departement,
            "region": c.region,
            "epci": c.epci,
            "population": c.population,
            "postal_codes": c.postal_codes.join(","),
            "center_lon": round_degrees(c.point[0]),
            "center_lat": round_degrees(c.point[1]),
        },
    })
}
