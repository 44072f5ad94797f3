//! What contributors write and what the store remembers of it: the editable part of a sheet,
//! the working copy that waits for a moderator, and the append-only history of changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{NewInitiative, Place, SheetId};

/// The part of a sheet its authority writes: everything but the owner, the status, the ids and
/// the timestamps, which the service sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetContent {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub services: Vec<String>,
    pub year: u16,
    pub website: Option<String>,
    pub places: Vec<Place>,
}

impl SheetContent {
    pub fn of(sheet: &NewInitiative) -> Self {
        SheetContent {
            title: sheet.title.clone(),
            summary: sheet.summary.clone(),
            body: sheet.body.clone(),
            services: sheet.services.clone(),
            year: sheet.year,
            website: sheet.website.clone(),
            places: sheet.places.clone(),
        }
    }

    /// Puts this content into a sheet, leaving its owner, status and source as they are.
    pub fn apply_to(self, sheet: &mut NewInitiative) {
        sheet.title = self.title;
        sheet.summary = self.summary;
        sheet.body = self.body;
        sheet.services = self.services;
        sheet.year = self.year;
        sheet.website = self.website;
        sheet.places = self.places;
    }

    /// The fields that differ, each with its value before and after, as the history keeps them.
    pub fn changes_from(&self, before: Option<&SheetContent>) -> BTreeMap<String, [Value; 2]> {
        let fields = |c: Option<&SheetContent>| match c.map(serde_json::to_value) {
            Some(Ok(Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        };
        let (old, new) = (fields(before), fields(Some(self)));
        new.into_iter()
            .filter_map(|(k, after)| {
                let before = old.get(&k).cloned().unwrap_or(Value::Null);
                (before != after).then_some((k, [before, after]))
            })
            .collect()
    }
}

/// Where a working copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevisionState {
    /// Saved by its authority, not submitted.
    Draft,
    /// Awaiting a moderator.
    Proposed,
    /// Refused by a moderator, with a reason; editing it makes it a draft again.
    Rejected,
}

impl RevisionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionState::Draft => "draft",
            RevisionState::Proposed => "proposed",
            RevisionState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [RevisionState::Draft, RevisionState::Proposed, RevisionState::Rejected].into_iter().find(|r| r.as_str() == s)
    }
}

/// The working copy of a sheet that is not public yet; the published version stays public
/// until a moderator publishes this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub state: RevisionState,
    pub content: SheetContent,
    /// Why a moderator rejected it.
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Through what a change reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Api,
    Import,
    Cli,
    /// By hand, with SQL (seen by PostgreSQL's triggers).
    Sql,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Api => "api",
            Channel::Import => "import",
            Channel::Cli => "cli",
            Channel::Sql => "sql",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Channel::Api, Channel::Import, Channel::Cli, Channel::Sql].into_iter().find(|c| c.as_str() == s)
    }
}

/// Who made a change, as the history records it: `token:12`, `account:3`, `cli`; never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub channel: Channel,
}

/// What a change did, written with it in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHistoryEntry {
    /// `created`, `edited`, `proposed`, `published`, `rejected`, `archived`…
    pub action: &'static str,
    /// Whether the change altered what the public sees.
    pub public: bool,
    /// A moderator's reason for rejecting.
    pub reason: Option<String>,
    /// Each changed field: its value before and after.
    pub changes: BTreeMap<String, [Value; 2]>,
}

/// One entry of a sheet's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub initiative: SheetId,
    /// The sheet's version after the change.
    pub version: i64,
    pub at: String,
    pub actor: String,
    pub channel: Channel,
    pub action: String,
    pub public: bool,
    pub reason: Option<String>,
    /// Field → `[before, after]`.
    pub changes: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GeocodeMethod, Precision};

    fn content(title: &str) -> SheetContent {
        SheetContent {
            title: title.into(),
            summary: String::new(),
            body: String::new(),
            services: vec!["1.a.1.1".into()],
            year: 2024,
            website: None,
            places: vec![Place {
                label: None,
                address: None,
                postal_code: None,
                commune: "62548".into(),
                lon: 1.94,
                lat: 50.95,
                precision: Precision::Commune,
                method: GeocodeMethod::InseeCode,
            }],
        }
    }

    #[test]
    fn changes_name_only_the_fields_that_differ() {
        let (a, b) = (content("Budget participatif"), content("Budget participatif 2025"));
        let changes = b.changes_from(Some(&a));
        assert_eq!(changes.keys().collect::<Vec<_>>(), ["title"]);
        assert_eq!(changes["title"], [Value::from("Budget participatif"), Value::from("Budget participatif 2025")]);
        assert!(a.changes_from(Some(&a)).is_empty());
        // A new sheet: every field it has, from nothing (no website: nothing to say).
        let created = a.changes_from(None);
        assert_eq!(created.keys().collect::<Vec<_>>(), ["body", "places", "services", "summary", "title", "year"]);
        assert_eq!(created["year"], [Value::Null, Value::from(2024)]);
    }
}
