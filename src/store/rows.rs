//! Rows as both backends return them, and their conversion to the domain's records. Queries
//! cast integers to 64 bits and aggregate a sheet's services and places into JSON text, so
//! that one decoding serves SQLite and PostgreSQL alike.

use super::StoreError;
use crate::model::{Authority, AuthorityKind, GeocodeMethod, Initiative, LabelAward, NewInitiative, Place, Precision, Status};
use crate::referential::Level;

pub fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

/// The stored name of a unit enum (`precision`, `method`): its serde name.
pub fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("unit enums serialize to strings"),
    }
}

fn parse_name<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| corrupt(what, s))
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Theme => "theme",
        Level::Challenge => "challenge",
        Level::Use => "use",
        Level::Service => "service",
    }
}

#[derive(sqlx::FromRow)]
pub struct InitiativeRow {
    id: i64,
    source: String,
    external_id: String,
    authority: String,
    title: String,
    summary: String,
    body: String,
    year: i64,
    website: Option<String>,
    status: String,
    sample: bool,
    created_at: String,
    updated_at: String,
    updated_by: String,
    /// JSON object of strings.
    source_data: String,
    version: i64,
    /// JSON array of service codes, in order.
    services: String,
    /// JSON array of arrays in the column order of `places`.
    places: String,
}

impl InitiativeRow {
    pub fn id(&self) -> i64 {
        self.id
    }
}

impl TryFrom<InitiativeRow> for Initiative {
    type Error = StoreError;

    fn try_from(r: InitiativeRow) -> Result<Self, StoreError> {
        Ok(Initiative {
            id: r.id,
            sheet: NewInitiative {
                services: serde_json::from_str(&r.services).map_err(|_| corrupt("services", &r.services))?,
                places: places_from_json(&r.places)?,
                source_data: serde_json::from_str(&r.source_data).map_err(|_| corrupt("source data", &r.source_data))?,
                year: u16::try_from(r.year).map_err(|_| corrupt("year", &r.year.to_string()))?,
                status: Status::parse(&r.status).ok_or_else(|| corrupt("status", &r.status))?,
                source: r.source,
                external_id: r.external_id,
                authority: r.authority,
                title: r.title,
                summary: r.summary,
                body: r.body,
                website: r.website,
                sample: r.sample,
                updated_by: r.updated_by,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

fn places_from_json(json: &str) -> Result<Vec<Place>, StoreError> {
    type Row = (Option<String>, Option<String>, Option<String>, String, f64, f64, String, String);
    let rows: Vec<Row> = serde_json::from_str(json).map_err(|_| corrupt("places", json))?;
    rows.into_iter()
        .map(|(label, address, postal_code, commune, lon, lat, precision, method)| {
            Ok(Place {
                label,
                address,
                postal_code,
                commune,
                lon,
                lat,
                precision: parse_name::<Precision>("precision", &precision)?,
                method: parse_name::<GeocodeMethod>("method", &method)?,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub struct AuthorityRow {
    code: String,
    kind: String,
    name: String,
    commune: Option<String>,
    departement: Option<String>,
    region: Option<String>,
    population: i64,
}

impl TryFrom<AuthorityRow> for Authority {
    type Error = StoreError;

    fn try_from(r: AuthorityRow) -> Result<Self, StoreError> {
        Ok(Authority {
            kind: AuthorityKind::parse(&r.kind).ok_or_else(|| corrupt("authority kind", &r.kind))?,
            population: u32::try_from(r.population).map_err(|_| corrupt("population", &r.population.to_string()))?,
            code: r.code,
            name: r.name,
            commune: r.commune,
            departement: r.departement,
            region: r.region,
            awards: vec![],
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AwardRow {
    pub authority: String,
    year: i64,
    arobases: i64,
    mentions: String,
}

impl TryFrom<AwardRow> for LabelAward {
    type Error = StoreError;

    fn try_from(r: AwardRow) -> Result<Self, StoreError> {
        Ok(LabelAward {
            year: u16::try_from(r.year).map_err(|_| corrupt("award year", &r.year.to_string()))?,
            arobases: u8::try_from(r.arobases).map_err(|_| corrupt("arobases", &r.arobases.to_string()))?,
            mentions: serde_json::from_str(&r.mentions).map_err(|_| corrupt("mentions", &r.mentions))?,
        })
    }
}

/// Attaches awards (sorted by authority) to their authorities.
pub fn with_awards(rows: Vec<AuthorityRow>, awards: Vec<AwardRow>) -> Result<Vec<Authority>, StoreError> {
    let mut authorities = rows.into_iter().map(Authority::try_from).collect::<Result<Vec<_>, _>>()?;
    let index: std::collections::HashMap<String, usize> = authorities.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
    for award in awards {
        if let Some(&i) = index.get(&award.authority) {
            authorities[i].awards.push(LabelAward::try_from(award)?);
        }
    }
    Ok(authorities)
}
