//! The `authorities` collection: the labelled authorities (an @ level at least once), each at
//! its commune or at its seat (the most populous member of an EPCI, département or région),
//! with its latest @ and mentions; in code order, paged by offset. `datetime` is the year of
//! that latest label.

use std::ops::RangeInclusive;

use serde_json::{Value, json};

use super::Items;
use crate::app::AppState;
use crate::http::error::{Error, Result};
use crate::index::filter::query::{Params, parse_bbox};
use crate::index::{IndexedAuthority, SpatialIndex};
use crate::model::{AuthorityKind, round_degrees};

/// The labelled authorities with a position, with their row, in code order.
fn labelled(index: &SpatialIndex) -> Vec<(u32, &IndexedAuthority, [f64; 2])> {
    let mut all: Vec<_> = index
        .authorities()
        .iter()
        .enumerate()
        .filter(|(_, a)| a.arobases > 0)
        .filter_map(|(row, a)| Some((row as u32, a, a.point?)))
        .collect();
    all.sort_unstable_by(|a, b| a.1.code.cmp(&b.1.code));
    all
}

/// The first and last years of the latest labels.
pub fn years(index: &SpatialIndex) -> Option<(u16, u16)> {
    let years = labelled(index).into_iter().filter_map(|(_, a, _)| a.year);
    years.fold(None, |acc, y| Some(acc.map_or((y, y), |(a, b): (u16, u16)| (a.min(y), b.max(y)))))
}

pub fn queryables() -> Vec<(&'static str, Value)> {
    vec![
        ("kind", json!({ "type": "string", "title": "Sorte de collectivité", "enum": ["commune", "epci", "departement", "region"] })),
        ("arobases", json!({ "type": "integer", "title": "Niveau minimal du dernier label (@)", "minimum": 1, "maximum": 5 })),
        ("geometry", json!({ "format": "geometry-point", "x-ogc-role": "primary-geometry" })),
    ]
}

pub fn items(state: &AppState, p: &mut Params, years: Option<RangeInclusive<u16>>, limit: usize) -> Result<Items> {
    let bbox = p.take("bbox").map(|v| parse_bbox(&v)).transpose()?;
    let kind = match p.take("kind") {
        None => None,
        Some(k) => Some(
            AuthorityKind::parse(&k)
                .ok_or_else(|| Error::bad_request(format!("kind must be commune, epci, departement or region, not {k:?}")))?,
        ),
    };
    let min_arobases = match p.take("arobases") {
        None => 1,
        Some(v) => v
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| Error::bad_request(format!("arobases must be a level from 1 to 5, not {v:?}")))?,
    };
    let offset = super::take_offset(p)?;
    let index = state.index();
    let matching: Vec<_> = labelled(&index)
        .into_iter()
        .filter(|(_, a, point)| {
            kind.is_none_or(|k| a.kind == k)
                && a.arobases >= min_arobases
                && years.as_ref().is_none_or(|y| a.year.is_some_and(|year| y.contains(&year)))
                && bbox.is_none_or(|b| b.contains(point[0], point[1]))
        })
        .collect();
    let features = matching.iter().skip(offset).take(limit).map(|&(row, a, point)| feature(&index, row, a, point)).collect();
    Ok(Items { matched: matching.len(), next: super::next_offset(offset, limit, matching.len()), features })
}

pub fn item(state: &AppState, code: &str) -> Result<Value> {
    let index = state.index();
    let missing = || Error::not_found(format!("no labelled authority {code:?}"));
    let row = index.authority_row_of(code).ok_or_else(missing)?;
    let a = &index.authorities()[row as usize];
    match a.point {
        Some(point) if a.arobases > 0 => Ok(feature(&index, row, a, point)),
        _ => Err(missing()),
    }
}

fn feature(index: &SpatialIndex, row: u32, a: &IndexedAuthority, point: [f64; 2]) -> Value {
    json!({
        "type": "Feature",
        "id": a.code,
        "geometry": { "type": "Point", "coordinates": [round_degrees(point[0]), round_degrees(point[1])] },
        "properties": {
            "code": a.code,
            "name": a.name,
            "kind": a.kind,
            "arobases": a.arobases,
            "year": a.year,
            "mentions": a.mentions,
            "population": a.population,
            "sheets": index.sheet_count_of_authority(row),
        },
    })
}
