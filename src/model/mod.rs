//! The domain's records: initiative sheets, their places, and the authorities that own them;
//! what contributors write and what the history keeps ([`contribution`]).

pub mod contribution;
pub mod job;
pub mod reason;
pub mod rules;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Identifier of a stored sheet.
pub type SheetId = i64;

/// A bounding box in WGS 84, `min_lon <= max_lon` and `min_lat <= max_lat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }

    /// Whether it shares a point with `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn intersects(&self, [x0, y0, x1, y1]: [f64; 4]) -> bool {
        x0 <= self.max_lon && x1 >= self.min_lon && y0 <= self.max_lat && y1 >= self.min_lat
    }
}

/// Publication state of a sheet. Only published sheets appear in public reads and tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Published,
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Status::Draft),
            "published" => Some(Status::Published),
            "archived" => Some(Status::Archived),
            _ => None,
        }
    }
}

/// What kind of local authority owns sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityKind {
    /// Code: INSEE code of the commune.
    Commune,
    /// Code: SIREN of the EPCI.
    Epci,
    /// Code: `dep-` and the département code (`dep-62`).
    Departement,
    /// Code: `reg-` and the région code (`reg-32`).
    Region,
}

impl AuthorityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorityKind::Commune => "commune",
            AuthorityKind::Epci => "epci",
            AuthorityKind::Departement => "departement",
            AuthorityKind::Region => "region",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "commune" => Some(AuthorityKind::Commune),
            "epci" => Some(AuthorityKind::Epci),
            "departement" => Some(AuthorityKind::Departement),
            "region" => Some(AuthorityKind::Region),
            _ => None,
        }
    }
}

/// One year of the label for an authority: its @ level and the jury's thematic mentions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelAward {
    pub year: u16,
    /// 1 to 5.
    pub arobases: u8,
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// A local authority taking part in the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authority {
    pub code: String,
    pub kind: AuthorityKind,
    pub name: String,
    /// INSEE code of the commune it is, or of its seat for an EPCI, département or région.
    pub commune: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    pub population: u32,
    /// Label history, oldest first.
    #[serde(default)]
    pub awards: Vec<LabelAward>,
}

impl Authority {
    /// The latest award, which is what the map shows.
    pub fn latest_award(&self) -> Option<&LabelAward> {
        self.awards.iter().max_by_key(|a| a.year)
    }
}

/// How precisely a place is located.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Address,
    /// On the street named, not at its number (which the address base lacks).
    Street,
    Commune,
    Departement,
}

/// How a place's point was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeocodeMethod {
    Coordinates,
    Address,
    InseeCode,
    PostalCodeName,
    NameDepartement,
    Name,
}

/// A coordinate in degrees rounded to 1e-6 (about 0.1 m), as positions are written out (API
/// answers, the gazetteer's files): more digits carry no information here.
pub fn round_degrees(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// A place where an initiative happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub label: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// INSEE code of the commune (or arrondissement) the place is in.
    pub commune: String,
    pub lon: f64,
    pub lat: f64,
    pub precision: Precision,
    pub method: GeocodeMethod,
}

/// A sheet as written: everything but what the store assigns (id, timestamps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewInitiative {
    /// Where the sheet comes from (`sample`, a file name, an API client): with `external_id`,
    /// what makes re-imports idempotent.
    pub source: String,
    pub external_id: String,
    /// Code of the owning [`Authority`].
    pub authority: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// Referential service codes, the first being the main one.
    pub services: Vec<String>,
    /// Label edition year the sheet belongs to.
    pub year: u16,
    pub website: Option<String>,
    /// At least one; the first is the main place.
    pub places: Vec<Place>,
    pub status: Status,
    /// Generated sample data, not a real sheet.
    pub sample: bool,
    /// Who made the change.
    pub updated_by: String,
    /// What the source said that has no field here (unknown columns of an imported file, the
    /// original services of a mediation place), kept as given so that an import loses nothing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_data: BTreeMap<String, String>,
}

/// A stored sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Initiative {
    pub id: SheetId,
    #[serde(flatten)]
    pub sheet: NewInitiative,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every change to the sheet or to its pending revision: what `If-Match` checks.
    #[serde(default = "first_version")]
    pub version: i64,
}

fn first_version() -> i64 {
    1
}

/// What a caller may do: a contributor writes its own authority's sheets, a moderator reviews
/// and publishes any sheet, an admin manages accounts and tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Contributor,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Contributor, Role::Moderator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An API token as stored: what it may do and its dates, never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    /// The first characters of the token (`atl_` and eight more), to tell it in lists.
    pub prefix: String,
    pub role: Role,
    /// The authority a contributor's token writes for.
    pub authority: Option<String>,
    /// Who or what holds it ("site web de Marck", "import nocturne").
    pub label: String,
    /// RFC 3339, UTC, like every stored time.
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token to store: its prefix and hash, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub prefix: String,
    /// SHA-256 of the whole token, hex.
    pub hash: String,
    pub role: Role,
    pub authority: Option<String>,
    pub label: String,
    pub expires_at: Option<String>,
}

/// A person's account as stored: who they are and what they may do, never their password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    /// Lower case.
    pub email: String,
    pub role: Role,
    /// The authority a contributor writes for.
    pub authority: Option<String>,
    /// RFC 3339, UTC, like every stored time.
    pub created_at: String,
    /// When the password was last set; `None` while the first one-time link is unused.
    pub password_set_at: Option<String>,
    pub last_login_at: Option<String>,
    pub disabled_at: Option<String>,
}

/// An account to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub email: String,
    pub role: Role,
    pub authority: Option<String>,
}
