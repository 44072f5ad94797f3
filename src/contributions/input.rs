//! A sheet as a client writes it (a JSON object, or a JSON merge patch of one) → checked
//! content, with every problem named by its field and every place geocoded. Fields the service
//! sets (owner, status, ids, timestamps) are refused, never silently dropped.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::geocode::{Geocoder, PlaceInput, five};
use crate::model::contribution::SheetContent;
use crate::model::reason::Reason;
use crate::model::rules::{MAX_BODY, MAX_PLACE_TEXT, MAX_PLACES, MAX_SERVICES, MAX_SUMMARY, MAX_TITLE, website};
use crate::model::{GeocodeMethod, Place, Precision, round_degrees};
use crate::referential::Referential;

/// What a client may write.
const FIELDS: [&str; 7] = ["title", "summary", "body", "services", "year", "website", "places"];
/// What the service sets itself.
const SET_BY_SERVICE: [&str; 11] =
    ["id", "authority", "status", "version", "created_at", "updated_at", "updated_by", "source", "external_id", "sample", "source_data"];
/// What a place may say about itself.
const PLACE_FIELDS: [&str; 8] = ["label", "address", "postal_code", "commune", "insee", "departement", "lon", "lat"];

/// One problem with one field of a body (`title`, `places[1].postal_code`): its code and
/// params (for clients that translate), and the English sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub why: Reason,
    pub reason: String,
    /// Communes the client may have meant, `"Name (INSEE code)"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
}

pub fn problem(field: impl Into<String>, why: Reason) -> FieldError {
    problem_with(field, why, vec![])
}

fn problem_with(field: impl Into<String>, why: Reason, candidates: Vec<String>) -> FieldError {
    FieldError { field: field.into(), reason: why.to_string(), why, candidates }
}

/// Something the geocoder did to a place, worth telling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    #[serde(flatten)]
    pub why: Reason,
    pub reason: String,
}

/// Where a place landed and how, as the answer to a write tells it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceReport {
    pub field: String,
    pub commune: String,
    pub coordinates: [f64; 2],
    pub method: GeocodeMethod,
    pub precision: Precision,
    /// From 1 (given coordinates, INSEE code) down as the evidence thins, to two decimals.
    pub confidence: f64,
    pub warnings: Vec<Warning>,
}

/// Checked content, with a report for each place the body gave.
#[derive(Debug, Clone)]
pub struct Checked {
    pub content: SheetContent,
    pub places: Vec<PlaceReport>,
}

/// What checking needs: the geocoder, the referential, and the year of sheets that give none.
pub struct Rules<'a> {
    pub geocoder: Geocoder<'a>,
    pub referential: &'a Referential,
    pub default_year: u16,
}

impl Rules<'_> {
    /// A new sheet from a whole body: `title`, `services` and `places` are required.
    pub fn new_sheet(&self, body: &Value) -> Result<Checked, Vec<FieldError>> {
        let blank = SheetContent {
            title: String::new(),
            summary: String::new(),
            body: String::new(),
            services: vec![],
            year: self.default_year,
            website: None,
            places: vec![],
        };
        let mut errors = vec![];
        if let Value::Object(map) = body {
            for required in ["title", "services", "places"] {
                if !map.contains_key(required) {
                    errors.push(problem(required, Reason::Required));
                }
            }
        }
        let checked = self.merge(&blank, body);
        match (checked, errors.is_empty()) {
            (Ok(checked), true) => Ok(checked),
            (Ok(_), false) => Err(errors),
            (Err(more), _) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// `current` with a JSON merge patch (RFC 7396) applied: fields the patch names are
    /// replaced (`null` clears an optional one), the others kept as they are; places are
    /// geocoded only when the patch gives them.
    pub fn merge(&self, current: &SheetContent, patch: &Value) -> Result<Checked, Vec<FieldError>> {
        let Value::Object(map) = patch else {
            return Err(vec![problem("", Reason::BodyNotAnObject)]);
        };
        let mut content = current.clone();
        let mut places = vec![];
        let mut errors = vec![];
        for (key, value) in map {
            let outcome = match key.as_str() {
                "title" => text(value, key, MAX_TITLE, true).map(|t| content.title = t),
                "summary" => text(value, key, MAX_SUMMARY, false).map(|t| content.summary = t),
                "body" => text(value, key, MAX_BODY, false).map(|t| content.body = t),
                "services" => self.services(value).map(|s| content.services = s),
                "year" => year(value).map(|y| content.year = y),
                "website" => site(value).map(|w| content.website = w),
                "places" => self.places(value).map(|(p, reports)| {
                    content.places = p;
                    places = reports;
                }),
                k if SET_BY_SERVICE.contains(&k) => Err(vec![problem(k, Reason::SetByService)]),
                k => Err(vec![problem(k, Reason::UnknownField { of: "sheet", allowed: FIELDS.join(", ") })]),
            };
            if let Err(e) = outcome {
                errors.extend(e);
            }
        }
        if errors.is_empty() { Ok(Checked { content, places }) } else { Err(errors) }
    }

    fn services(&self, value: &Value) -> Result<Vec<String>, Vec<FieldError>> {
        let Value::Array(items) = value else {
            return Err(vec![problem("services", Reason::ServicesNotAList)]);
        };
        if items.is_empty() || items.len() > MAX_SERVICES {
            return Err(vec![problem("services", Reason::ServiceCount { max: MAX_SERVICES })]);
        }
        let mut codes: Vec<String> = vec![];
        let mut errors = vec![];
        for (i, item) in items.iter().enumerate() {
            let field = format!("services[{i}]");
            match item.as_str().map(str::trim) {
                Some(code) if self.referential.service_index(code).is_some() => {
                    if codes.iter().any(|c| c == code) {
                        errors.push(problem(field, Reason::DuplicateService { service: code.to_string() }));
                    } else {
                        codes.push(code.to_owned());
                    }
                }
                Some(code) => errors.push(problem(field, Reason::UnknownService { service: code.to_string() })),
                None => errors.push(problem(field, Reason::NotAString)),
            }
        }
        if errors.is_empty() { Ok(codes) } else { Err(errors) }
    }

    fn places(&self, value: &Value) -> Result<(Vec<Place>, Vec<PlaceReport>), Vec<FieldError>> {
        let Value::Array(items) = value else {
            return Err(vec![problem("places", Reason::PlacesNotAList)]);
        };
        if items.is_empty() || items.len() > MAX_PLACES {
            return Err(vec![problem("places", Reason::PlaceCount { max: MAX_PLACES })]);
        }
        let (mut places, mut reports, mut errors) = (vec![], vec![], vec![]);
        for (i, item) in items.iter().enumerate() {
            match self.place(i, item) {
                Ok((place, report)) => {
                    places.push(place);
                    reports.push(report);
                }
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() { Ok((places, reports)) } else { Err(errors) }
    }

    fn place(&self, i: usize, item: &Value) -> Result<(Place, PlaceReport), Vec<FieldError>> {
        let at = |key: &str| format!("places[{i}].{key}");
        let Value::Object(map) = item else {
            return Err(vec![problem(format!("places[{i}]"), Reason::PlaceNotAnObject)]);
        };
        let mut errors: Vec<FieldError> = map
            .keys()
            .filter(|k| !PLACE_FIELDS.contains(&k.as_str()))
            .map(|k| problem(at(k), Reason::UnknownField { of: "place", allowed: PLACE_FIELDS.join(", ") }))
            .collect();
        let mut string = |key: &str| -> Option<String> {
            match optional_text(map, key, MAX_PLACE_TEXT) {
                Ok(v) => v,
                Err(reason) => {
                    errors.push(problem(at(key), reason));
                    None
                }
            }
        };
        let (label, address, postal_code) = (string("label"), string("address"), string("postal_code").map(|p| five(&p)));
        let (commune, insee, departement) = (string("commune"), string("insee"), string("departement"));
        let mut number = |key: &str| match map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let n = v.as_f64();
                if n.is_none() {
                    errors.push(problem(at(key), Reason::NotANumber));
                }
                n
            }
        };
        let (lon, lat) = (number("lon"), number("lat"));
        if !errors.is_empty() {
            return Err(errors);
        }
        let input = PlaceInput {
            lon,
            lat,
            insee: insee.as_deref(),
            postal_code: postal_code.as_deref(),
            commune: commune.as_deref(),
            departement: departement.as_deref(),
            address: address.as_deref(),
        };
        let found = self.geocoder.geocode(&input).map_err(|e| {
            // Blame the most precise thing the place gave.
            let key = [("lat", lat.is_some() || lon.is_some()), ("insee", insee.is_some()), ("postal_code", postal_code.is_some())]
                .into_iter()
                .find_map(|(k, given)| given.then_some(k))
                .unwrap_or("commune");
            vec![problem_with(at(key), e.reason, e.candidates)]
        })?;
        let report = PlaceReport {
            field: format!("places[{i}]"),
            commune: found.commune.clone(),
            coordinates: [round_degrees(found.lon), round_degrees(found.lat)],
            method: found.method,
            precision: found.precision,
            confidence: (f64::from(found.confidence) * 100.0).round() / 100.0,
            warnings: found.notes.iter().map(|n| Warning { reason: n.reason().to_string(), why: n.reason() }).collect(),
        };
        let place = Place {
            label,
            address,
            postal_code,
            commune: found.commune,
            lon: found.lon,
            lat: found.lat,
            precision: found.precision,
            method: found.method,
        };
        Ok((place, report))
    }
}

/// A text field: `null` clears an optional one.
fn text(value: &Value, field: &str, max: usize, required: bool) -> Result<String, Vec<FieldError>> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Null if !required => String::new(),
        Value::Null => return Err(vec![problem(field, Reason::CannotBeRemoved)]),
        _ => return Err(vec![problem(field, Reason::NotAString)]),
    };
    if required && text.is_empty() {
        return Err(vec![problem(field, Reason::Empty)]);
    }
    if text.chars().count() > max {
        return Err(vec![problem(field, Reason::TooLong { max })]);
    }
    Ok(text)
}

fn optional_text(map: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, Reason> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(Reason::TooLong { max }),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(_) => Err(Reason::NotAString),
    }
}

fn year(value: &Value) -> Result<u16, Vec<FieldError>> {
    match value.as_u64().filter(|y| (1999..=2100).contains(y)) {
        Some(y) => Ok(y as u16),
        None if value.is_null() => Err(vec![problem("year", Reason::CannotBeRemoved)]),
        None => Err(vec![problem("year", Reason::Year)]),
    }
}

fn site(value: &Value) -> Result<Option<String>, Vec<FieldError>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => website(s).map(Some).ok_or_else(|| vec![problem("website", Reason::NotAWebsite { value: s.clone() })]),
        _ => Err(vec![problem("website", Reason::WebsiteNotAString)]),
    }
}

#[cfg(test)]
mod tests;
