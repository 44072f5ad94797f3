//! The answers of the write path, as types: a sheet as its authority and moderators see it,
//! its history, an authority's sheets and the moderation queue. What they serialize is what
//! the OpenAPI document says of them; they borrow the stored rows they show.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::contributions::input::{PlaceReport, Warning};
use crate::gazetteer::Gazetteer;
use crate::http::features::{PlaceView, place_view};
use crate::model::contribution::{Channel, HistoryEntry, Revision, RevisionState, SheetContent};
use crate::model::{GeocodeMethod, NewInitiative, Place, Precision, SheetId, Status};
use crate::store::contributions::Editable;

/// The fields an authority writes, places with their commune's name.
#[derive(Serialize, ToSchema)]
pub struct ContentView<'a> {
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    /// Service codes of the referential (`1.a.1.1`).
    services: &'a [String],
    /// The edition year.
    year: u16,
    website: Option<&'a str>,
    places: Vec<PlaceView<'a>>,
}

impl<'a> ContentView<'a> {
    pub fn of(gazetteer: &'a Gazetteer, c: &'a SheetContent) -> Self {
        Self::new(gazetteer, (&c.title, &c.summary, &c.body), &c.services, c.year, c.website.as_deref(), &c.places)
    }

    /// The content of a stored row, without copying it out first.
    pub fn of_row(gazetteer: &'a Gazetteer, s: &'a NewInitiative) -> Self {
        Self::new(gazetteer, (&s.title, &s.summary, &s.body), &s.services, s.year, s.website.as_deref(), &s.places)
    }

    fn new(
        gazetteer: &'a Gazetteer,
        (title, summary, body): (&'a str, &'a str, &'a str),
        services: &'a [String],
        year: u16,
        website: Option<&'a str>,
        places: &'a [Place],
    ) -> Self {
        let places = places.iter().map(|p| place_view(gazetteer, p)).collect();
        ContentView { title, summary, body, services, year, website, places }
    }

    /// The working copy: the revision waiting for a moderator, else the stored row.
    pub fn working(gazetteer: &'a Gazetteer, sheet: &'a Editable) -> Self {
        match &sheet.revision {
            Some(r) => Self::of(gazetteer, &r.content),
            None => Self::of_row(gazetteer, &sheet.sheet.sheet),
        }
    }
}

/// The working copy's review, when the sheet has one.
#[derive(Serialize, ToSchema)]
struct Review<'a> {
    /// `draft`, `proposed` or `rejected`.
    #[schema(value_type = String)]
    state: RevisionState,
    /// Why a moderator rejected it.
    reason: Option<&'a str>,
    updated_at: &'a str,
    updated_by: &'a str,
}

impl<'a> From<&'a Revision> for Review<'a> {
    fn from(r: &'a Revision) -> Self {
        Review { state: r.state, reason: r.reason.as_deref(), updated_at: &r.updated_at, updated_by: &r.updated_by }
    }
}

/// Something the geocoder did to a place: a stable code, its values and an English sentence.
#[derive(ToSchema)]
#[allow(dead_code)] // Describes what `Warning` serializes.
struct PlaceWarning {
    code: String,
    /// The values the code names.
    #[schema(value_type = Option<Object>)]
    params: Option<Value>,
    reason: String,
}

/// Where a place of the body landed and how.
#[derive(Serialize, ToSchema)]
struct PlaceLanding<'a> {
    /// The place in the body: `places[0]`.
    field: &'a str,
    /// INSEE code of its commune.
    commune: &'a str,
    /// Longitude, latitude (WGS 84).
    coordinates: [f64; 2],
    /// How it was located: `coordinates`, `address`, `insee_code`, `postal_code_name`…
    #[schema(value_type = String)]
    method: GeocodeMethod,
    /// `address`, `street`, `commune` or `departement`.
    #[schema(value_type = String)]
    precision: Precision,
    /// From 1 (given coordinates, INSEE code) down as the evidence thins.
    confidence: f64,
    #[schema(value_type = Vec<PlaceWarning>)]
    warnings: &'a [Warning],
}

impl<'a> From<&'a PlaceReport> for PlaceLanding<'a> {
    fn from(p: &'a PlaceReport) -> Self {
        PlaceLanding {
            field: &p.field,
            commune: &p.commune,
            coordinates: p.coordinates,
            method: p.method,
            precision: p.precision,
            confidence: p.confidence,
            warnings: &p.warnings,
        }
    }
}

/// A sheet as its authority and moderators see it. `version` is also its `ETag`, to send
/// back in `If-Match`.
#[derive(Serialize, ToSchema)]
pub struct SheetView<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    version: i64,
    /// The code of the authority it belongs to.
    authority: &'a str,
    /// Where it stands for its authority: `draft`, `proposed`, `rejected`, `published` or
    /// `archived`.
    state: &'static str,
    /// What the public sees: `draft` (nothing), `published` or `archived`.
    #[schema(value_type = String)]
    status: Status,
    review: Option<Review<'a>>,
    /// Whether its authority's contributors publish without moderation.
    trusted: bool,
    /// The working copy.
    content: ContentView<'a>,
    /// For a write: where each place of the body landed.
    places: Vec<PlaceLanding<'a>>,
    created_at: &'a str,
    updated_at: &'a str,
    updated_by: &'a str,
}

impl<'a> SheetView<'a> {
    pub fn new(gazetteer: &'a Gazetteer, sheet: &'a Editable, places: &'a [PlaceReport]) -> Self {
        let row = &sheet.sheet;
        SheetView {
            id: row.id,
            version: row.version,
            authority: &row.sheet.authority,
            state: sheet.state(),
            status: row.sheet.status,
            review: sheet.revision.as_ref().map(Review::from),
            trusted: sheet.trusted,
            content: ContentView::working(gazetteer, sheet),
            places: places.iter().map(PlaceLanding::from).collect(),
            created_at: &row.created_at,
            updated_at: &row.updated_at,
            updated_by: &row.sheet.updated_by,
        }
    }
}

/// The history of a sheet, oldest first.
#[derive(Serialize, ToSchema)]
pub struct History<'a> {
    #[schema(value_type = i64)]
    initiative: SheetId,
    entries: Vec<HistoryLine<'a>>,
}

/// One change of a sheet. Who made it and through what are shown to its authority and the
/// moderators only.
#[derive(Serialize, ToSchema)]
struct HistoryLine<'a> {
    /// The sheet's version after the change.
    version: i64,
    at: &'a str,
    /// `created`, `edited`, `drafted`, `proposed`, `published`, `rejected`, `archived`…
    action: &'a str,
    /// Whether the change altered what the public sees.
    public: bool,
    /// Each changed field: `[before, after]`.
    #[schema(value_type = Object)]
    changes: &'a Value,
    /// A moderator's reason for rejecting.
    reason: Option<&'a str>,
    /// `token:12`, `account:3`, `cli`…
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<&'a str>,
    /// `api`, `import`, `cli` or `sql`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    channel: Option<Channel>,
}

impl<'a> History<'a> {
    /// `whole`: whether the caller may see who made each change.
    pub fn new(initiative: SheetId, entries: &'a [HistoryEntry], whole: bool) -> Self {
        let line = |e: &'a HistoryEntry| HistoryLine {
            version: e.version,
            at: &e.at,
            action: &e.action,
            public: e.public,
            changes: &e.changes,
            reason: e.reason.as_deref(),
            actor: whole.then_some(e.actor.as_str()),
            channel: whole.then_some(e.channel),
        };
        History { initiative, entries: entries.iter().map(line).collect() }
    }
}

/// A page of an authority's sheets, whatever their state, in id order.
#[derive(Serialize, ToSchema)]
pub struct AuthoritySheets<'a> {
    authority: &'a str,
    initiatives: Vec<SheetLine<'a>>,
    /// The `after` of the next page, when there may be one.
    #[schema(value_type = Option<i64>)]
    next_after: Option<SheetId>,
}

/// One sheet of an authority's list.
#[derive(Serialize, ToSchema)]
struct SheetLine<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    version: i64,
    /// `draft`, `proposed`, `rejected`, `published` or `archived`.
    state: &'static str,
    #[schema(value_type = String)]
    status: Status,
    /// Of the working copy.
    title: &'a str,
    year: u16,
    /// Why a moderator rejected it.
    reason: Option<&'a str>,
    updated_at: &'a str,
    updated_by: &'a str,
}

impl<'a> AuthoritySheets<'a> {
    pub fn new(authority: &'a str, sheets: &'a [Editable], next_after: Option<SheetId>) -> Self {
        let line = |e: &'a Editable| {
            let revision = e.revision.as_ref();
            let (title, year) = revision.map_or((&e.sheet.sheet.title, e.sheet.sheet.year), |r| (&r.content.title, r.content.year));
            SheetLine {
                id: e.sheet.id,
                version: e.sheet.version,
                state: e.state(),
                status: e.sheet.sheet.status,
                title,
                year,
                reason: revision.and_then(|r| r.reason.as_deref()),
                updated_at: revision.map_or(&e.sheet.updated_at, |r| &r.updated_at),
                updated_by: revision.map_or(&e.sheet.sheet.updated_by, |r| &r.updated_by),
            }
        };
        AuthoritySheets { authority, initiatives: sheets.iter().map(line).collect(), next_after }
    }
}

/// Proposals awaiting a moderator, longest waiting first.
#[derive(Serialize, ToSchema)]
pub struct Queue<'a> {
    proposals: Vec<Proposal<'a>>,
}

/// A proposal, with the published version beside it when there is one.
#[derive(Serialize, ToSchema)]
struct Proposal<'a> {
    #[schema(value_type = i64)]
    id: SheetId,
    /// To send in `If-Match` when publishing or rejecting.
    version: i64,
    authority: AuthorityName<'a>,
    #[schema(value_type = String)]
    status: Status,
    waiting_since: &'a str,
    proposed_by: &'a str,
    /// The fields the proposal changes from the published version (all of them for a new
    /// sheet).
    changed_fields: Vec<String>,
    published: Option<ContentView<'a>>,
    proposed: ContentView<'a>,
}

#[derive(Serialize, ToSchema)]
struct AuthorityName<'a> {
    code: &'a str,
    /// `null` for a code the gazetteer does not know.
    name: Option<String>,
}

impl<'a> Queue<'a> {
    /// Sheets without a working copy are not proposals, and are left out.
    pub fn new(gazetteer: &'a Gazetteer, sheets: &'a [Editable]) -> Self {
        let proposal = |e: &'a Editable| {
            let revision = e.revision.as_ref()?;
            let row = &e.sheet;
            let published = row.sheet.status == Status::Published;
            let before = published.then(|| SheetContent::of(&row.sheet));
            Some(Proposal {
                id: row.id,
                version: row.version,
                authority: AuthorityName { code: &row.sheet.authority, name: gazetteer.authority(&row.sheet.authority).map(|a| a.name) },
                status: row.sheet.status,
                waiting_since: &revision.updated_at,
                proposed_by: &revision.updated_by,
                changed_fields: revision.content.changes_from(before.as_ref()).into_keys().collect(),
                published: published.then(|| ContentView::of_row(gazetteer, &row.sheet)),
                proposed: ContentView::of(gazetteer, &revision.content),
            })
        };
        Queue { proposals: sheets.iter().filter_map(proposal).collect() }
    }
}
