//! Turns what a sheet says about a place into a point, the way French data is really written,
//! and never invents one: a place it cannot settle is an error with the reason and the best
//! candidates.
//!
//! Methods, tried in this order, each recorded with the precision it reaches:
//! given coordinates (checked: range, swapped latitude/longitude, distance to the named
//! commune), INSEE code, postal code + name (with the fallbacks of [`fallbacks`] when no
//! commune of the postal code has the name), name + département, name alone. Names fold as in
//! [`crate::gazetteer::names::fold`] (case, accents, `St`/`Saint`, hyphens, moved articles,
//! `Œ`), `CEDEX` suffixes are dropped, codes that lost their leading zero in a spreadsheet get
//! it back, and former communes (delegated, associated) lead to the commune they belong to.

use serde::Serialize;

use crate::gazetteer::names::{fold, with_elisions};
use crate::gazetteer::search::SearchIndex;
use crate::gazetteer::{Commune, CommuneKind, Gazetteer};
use crate::index::geodesic_distance;
use crate::model::reason::Reason;
use crate::model::{GeocodeMethod, Precision};
use addresses::AddressBase;

/// Given coordinates farther than this from the named commune's boundary are reported.
pub const FAR_FROM_COMMUNE_M: f64 = 10_000.0;
/// Candidates listed in an error.
const CANDIDATES: usize = 5;

/// What a row says about a place; any part may be missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlaceInput<'a> {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub insee: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub commune: Option<&'a str>,
    pub departement: Option<&'a str>,
    /// Number and street (`12 bis rue de la Paix`), looked for in the address base, when
    /// the geocoder has one, within the commune the other fields name.
    pub address: Option<&'a str>,
}

/// Something the geocoder fixed or noticed, for the import report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Note {
    /// Latitude and longitude were given the other way round.
    SwappedCoordinates,
    /// The given point is this far from the named commune.
    FarFromCommune { commune: String, distance_m: f64 },
    /// A former commune: the place goes to the commune it now belongs to.
    FormerCommune { former: String, now: String },
    /// The name written is a part of the commune's name ("Courcouronnes" of Évry-Courcouronnes).
    NamePart { written: String, commune: String },
    /// The address base has no such street in the commune: the place stays at its town hall.
    AddressNotFound { address: String, commune: String },
    /// The name as written is not the commune's, but close to it (one longer than the other,
    /// a letter off).
    NameNear { written: String, commune: String },
    /// The postal code is not the commune's: the name decided.
    UnexpectedPostalCode { postal_code: String, commune: String },
}

impl Note {
    /// The note as a warning's reason.
    pub fn reason(&self) -> Reason {
        match self {
            Note::SwappedCoordinates => Reason::SwappedCoordinates,
            Note::FarFromCommune { commune, distance_m } => {
                Reason::FarFromCommune { commune: commune.clone(), distance_km: (distance_m / 100.0).round() / 10.0 }
            }
            Note::FormerCommune { former, now } => Reason::FormerCommune { former: former.clone(), now: now.clone() },
            Note::NamePart { written, commune } => Reason::NamePart { written: written.clone(), commune: commune.clone() },
            Note::AddressNotFound { address, commune } => Reason::AddressNotFound { address: address.clone(), commune: commune.clone() },
            Note::NameNear { written, commune } => Reason::NameNear { written: written.clone(), commune: commune.clone() },
            Note::UnexpectedPostalCode { postal_code, commune } => {
                Reason::UnexpectedPostalCode { postal_code: postal_code.clone(), commune: commune.clone() }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Geocoded {
    /// INSEE code of the commune (or arrondissement).
    pub commune: String,
    pub lon: f64,
    pub lat: f64,
    pub method: GeocodeMethod,
    pub precision: Precision,
    /// 1 for given coordinates and INSEE codes, lower as the evidence thins.
    pub confidence: f32,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{reason}")]
pub struct GeocodeError {
    pub reason: Reason,
    /// The closest communes, `"Name (INSEE code)"`, best first.
    pub candidates: Vec<String>,
}

fn error(reason: Reason, candidates: Vec<String>) -> GeocodeError {
    GeocodeError { reason, candidates }
}

/// Exact lookups over the gazetteer (its folded names and postal codes, made once when it
/// loads).
pub struct Geocoder<'g> {
    g: &'g Gazetteer,
    names: &'g SearchIndex,
    addresses: Option<&'g AddressBase>,
}

/// A code that a spreadsheet stripped of its leading zero (`1001` for `01001`).
pub(crate) fn five(code: &str) -> String {
    let code = code.trim();
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) { format!("0{code}") } else { code.to_ascii_uppercase() }
}

/// The name without a `CEDEX` suffix (`Paris Cedex 07`, `LYON CEDEX`).
fn without_cedex(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    match lower.find(" cedex") {
        Some(i) => name[..i].trim_end(),
        None => name.trim(),
    }
}

impl<'g> Geocoder<'g> {
    pub fn new(g: &'g Gazetteer) -> Self {
        Geocoder { g, names: g.names(), addresses: None }
    }

    /// Places with an address then lie at their number or street when the base has it.
    pub fn with_addresses(self, addresses: Option<&'g AddressBase>) -> Self {
        Geocoder { addresses, ..self }
    }

    fn row(&self, i: u32) -> &'g Commune {
        &self.g.communes()[i as usize]
    }

    fn label(&self, c: &Commune) -> String {
        format!("{} ({})", c.name, c.code)
    }

    /// The current commune a row stands for, with a note for a former commune.
    fn settle(&self, c: &'g Commune, method: GeocodeMethod, confidence: f32) -> Geocoded {
        let mut notes = vec![];
        let owner = match c.kind {
            CommuneKind::Delegated | CommuneKind::Associated => match c.parent.as_deref().and_then(|p| self.g.commune(p)) {
                Some(parent) => {
                    notes.push(Note::FormerCommune { former: self.label(c), now: self.label(parent) });
                    parent
                }
                None => c,
            },
            _ => c,
        };
        // A former commune's own point is where its village is: keep it.
        Geocoded { commune: owner.code.clone(), lon: c.point[0], lat: c.point[1], method, precision: Precision::Commune, confidence, notes }
    }

    pub fn geocode(&self, input: &PlaceInput) -> Result<Geocoded, GeocodeError> {
        match (input.lon, input.lat) {
            (Some(lon), Some(lat)) => return self.coordinates(lon, lat, input),
            (Some(_), None) | (None, Some(_)) => return Err(error(Reason::OneCoordinate, vec![])),
            (None, None) => {}
        }
        let found = self.named(input)?;
        match (self.addresses, input.address.map(str::trim).filter(|a| !a.is_empty())) {
            (Some(base), Some(address)) => Ok(self.at_address(base, found, address)),
            _ => Ok(found),
        }
    }

    /// A place of a commune moved to its address when the base has it there, else left at
    /// the commune with a note.
    fn at_address(&self, base: &AddressBase, mut found: Geocoded, address: &str) -> Geocoded {
        let Some(commune) = self.g.commune(&found.commune) else { return found };
        // The BAN files Paris, Lyon and Marseille under their arrondissements, as the
        // gazetteer does: a place of the city itself is looked for in none of them.
        match base.locate(&commune.departement, &commune.code, address) {
            Some(at) => {
                found.lon = at.lon;
                found.lat = at.lat;
                found.method = GeocodeMethod::Address;
                found.precision = if at.at_number { Precision::Address } else { Precision::Street };
            }
            None => found.notes.push(Note::AddressNotFound { address: address.to_owned(), commune: self.label(commune) }),
        }
        found
    }

    /// The commune the input names, without coordinates.
    fn named(&self, input: &PlaceInput) -> Result<Geocoded, GeocodeError> {
        let name = input.commune.map(without_cedex).filter(|n| !n.is_empty());
        if let Some(code) = input.insee.map(five).filter(|c| !c.is_empty()) {
            return match self.g.commune(&code) {
                Some(c) => Ok(self.settle(c, GeocodeMethod::InseeCode, 1.0)),
                None => Err(error(Reason::UnknownInsee { insee: code.clone() }, name.map(|n| self.suggest(n)).unwrap_or_default())),
            };
        }
        if let Some(postal) = input.postal_code.map(five).filter(|p| !p.is_empty()) {
            return self.postal(&postal, name);
        }
        match name {
            Some(n) => self.by_name(n, input.departement),
            None => Err(error(Reason::NothingToLocate, vec![])),
        }
    }

    fn postal(&self, postal: &str, name: Option<&str>) -> Result<Geocoded, GeocodeError> {
        let rows = self.names.rows_with_postal_code(postal);
        if rows.is_empty() {
            return match name {
                Some(n) => self.unknown_postal_code(postal, n),
                None => Err(error(Reason::UnknownPostalCode { postal_code: postal.to_owned() }, vec![])),
            };
        }
        let Some(name) = name else {
            let current: Vec<u32> = rows.iter().copied().filter(|&i| self.row(i).kind.is_current()).collect();
            return match current.as_slice() {
                [one] => Ok(self.settle(self.row(*one), GeocodeMethod::PostalCodeName, 0.8)),
                _ => Err(error(Reason::SharedPostalCode { postal_code: postal.to_owned() }, self.labels(&current))),
            };
        };
        let mut key = folded(name);
        let mut same: Vec<u32> = rows.iter().copied().filter(|&i| self.names.folded_name(i) == key).collect();
        if same.is_empty()
            && let Some(elided) = with_elisions(&key)
        {
            same = rows.iter().copied().filter(|&i| self.names.folded_name(i) == elided).collect();
            if !same.is_empty() {
                key = elided;
            }
        }
        // "75011 Paris": the arrondissement of the city that has this postal code.
        let arrondissement: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&i| {
                let c = self.row(i);
                c.kind == CommuneKind::Arrondissement
                    && c.parent.as_deref().and_then(|p| self.g.commune(p)).is_some_and(|p| fold(&p.name) == key)
            })
            .collect();
        if let [one] = arrondissement.as_slice() {
            return Ok(self.settle(self.row(*one), GeocodeMethod::PostalCodeName, 0.95));
        }
        match self.best(&same).as_slice() {
            [one] => Ok(self.settle(self.row(*one), GeocodeMethod::PostalCodeName, 0.95)),
            [] => self.postal_fallbacks(postal, name, &key, rows),
            several => Err(error(
                Reason::SeveralCommunesWithPostalCode { name: name.to_owned(), postal_code: postal.to_owned() },
                self.labels(several),
            )),
        }
    }

    fn by_name(&self, name: &str, departement: Option<&str>) -> Result<Geocoded, GeocodeError> {
        let key = folded(name);
        let mut rows = self.names.rows_named(&key);
        if rows.is_empty()
            && let Some(elided) = with_elisions(&key)
        {
            rows = self.names.rows_named(&elided);
        }
        let dep = departement.map(departement_code);
        let (rows, method, confidence): (Vec<u32>, _, _) = match &dep {
            Some(dep) => (rows.iter().copied().filter(|&i| &self.row(i).departement == dep).collect(), GeocodeMethod::NameDepartement, 0.9),
            None => (rows.to_vec(), GeocodeMethod::Name, 0.8),
        };
        match self.best(&rows).as_slice() {
            [one] => Ok(self.settle(self.row(*one), method, confidence)),
            [] if let Some(found) = dep.and_then(|d| self.typo_in_departement(name, &key, &d)) => Ok(found),
            [] => Err(error(
                Reason::NoCommuneNamed { name: name.to_owned(), departement: departement.map(str::to_owned) },
                self.suggest(name),
            )),
            several => Err(error(Reason::AmbiguousName { name: name.to_owned() }, self.labels(several))),
        }
    }

    /// Current communes first: a name shared by a commune and a former one means the commune.
    fn best(&self, rows: &[u32]) -> Vec<u32> {
        let current: Vec<u32> = rows.iter().copied().filter(|&i| self.row(i).kind.is_current()).collect();
        if current.is_empty() { rows.to_vec() } else { current }
    }

    fn labels(&self, rows: &[u32]) -> Vec<String> {
        let mut rows = rows.to_vec();
        rows.sort_by_key(|&i| std::cmp::Reverse(self.row(i).population));
        rows.iter().take(CANDIDATES).map(|&i| self.label(self.row(i))).collect()
    }

    /// Communes whose name looks like `name`, for error messages.
    fn suggest(&self, name: &str) -> Vec<String> {
        self.g.search(name, CANDIDATES).into_iter().map(|c| self.label(c)).collect()
    }

    fn coordinates(&self, lon: f64, lat: f64, input: &PlaceInput) -> Result<Geocoded, GeocodeError> {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(error(Reason::CoordinatesNotNumbers, vec![]));
        }
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            // Out of range one way round may be valid the other way.
            if (-180.0..=180.0).contains(&lat) && (-90.0..=90.0).contains(&lon) && self.g.reverse(lat, lon).is_some() {
                return self.located(lat, lon, input, vec![Note::SwappedCoordinates]);
            }
            return Err(error(Reason::CoordinatesOutOfRange { lon, lat }, vec![]));
        }
        if self.g.reverse(lon, lat).is_none() && self.g.reverse(lat, lon).is_some() {
            return self.located(lat, lon, input, vec![Note::SwappedCoordinates]);
        }
        self.located(lon, lat, input, vec![])
    }

    /// A point in range: its commune from the boundaries, checked against the named one.
    fn located(&self, lon: f64, lat: f64, input: &PlaceInput, mut notes: Vec<Note>) -> Result<Geocoded, GeocodeError> {
        let named =
            if input.insee.is_some() || input.postal_code.is_some() || input.commune.is_some() { self.named(input).ok() } else { None };
        let found = self.g.reverse(lon, lat).map(|hit| hit.arrondissement.unwrap_or(hit.commune));
        // The named commune's own point (where a place located by name lies) is in it, even
        // where the simplified boundaries put it across the border: a file exported with
        // such places imports back to the same communes.
        let at_its_point = named.as_ref().is_some_and(|n| geodesic_distance([lon, lat], [n.lon, n.lat]) < 1.0);
        let commune = match (found, &named) {
            (_, Some(n)) if at_its_point => n.commune.clone(),
            (Some(c), _) => c.code.clone(),
            // Off every (simplified) boundary, on a coast or a border: the named commune holds it.
            (None, Some(n)) => n.commune.clone(),
            (None, None) => {
                return Err(error(Reason::OutsideFrance { lon, lat }, vec![]));
            }
        };
        if let Some(n) = &named {
            let same = n.commune == commune || self.g.commune(&commune).and_then(|c| c.parent.as_deref()) == Some(n.commune.as_str());
            let distance_m = geodesic_distance([lon, lat], [n.lon, n.lat]);
            if !same && distance_m > FAR_FROM_COMMUNE_M {
                notes.push(Note::FarFromCommune { commune: n.commune.clone(), distance_m: distance_m.round() });
            }
        }
        Ok(Geocoded { commune, lon, lat, method: GeocodeMethod::Coordinates, precision: Precision::Address, confidence: 1.0, notes })
    }
}

/// The name folded, an arrondissement written the short way (`Lyon 3e`, `Paris 15`) given its
/// official name.
fn folded(name: &str) -> String {
    let key = fold(name);
    crate::gazetteer::names::arrondissement(&key).unwrap_or(key)
}

/// A département code as written (`1`, `01`, `2a`, `971`).
fn departement_code(d: &str) -> String {
    let d = d.trim().to_ascii_uppercase();
    if d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) { format!("0{d}") } else { d }
}

pub mod addresses;
mod fallbacks;
#[cfg(test)]
mod tests;
