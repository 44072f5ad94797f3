//! The life of a sheet written over the network: an authority creates and edits its sheets,
//! a moderator publishes or rejects what it proposes, and every step is kept in the history.
//!
//! A sheet's row in the store is what the public sees once it is published. What a contributor
//! of an authority that is not trusted writes goes to the sheet's working copy (its revision:
//! a draft, a proposal, or a rejected proposal with the reason), and the published version stays
//! public until a moderator publishes the proposal. Moderators, admins and the contributors of
//! trusted authorities publish directly. Before a sheet is first published its row follows its
//! working copy (and stays out of public reads as a draft). Every change names the version it
//! was made from, and is refused when someone else changed the sheet meanwhile.

pub mod input;
pub mod policy;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::auth::Caller;
use crate::auth::token::{IssueError, known_authority};
use crate::gazetteer::Gazetteer;
use crate::geocode::Geocoder;
use crate::geocode::addresses::AddressBase;
use crate::model::contribution::{HistoryEntry, NewHistoryEntry, Revision, RevisionState, SheetContent};
use crate::model::reason::Reason;
use crate::model::{NewInitiative, Role, SheetId, Status};
use crate::referential::Referential;
use crate::store::contributions::{Editable, ProposalQuery, RevisionWrite, Save};
use crate::store::{Store, StoreError};
use input::{Checked, FieldError, PlaceReport, Rules, problem};
use policy::{Verb, may, publishes_directly};

/// The source of sheets made through the API (with a random external id each).
pub const API_SOURCE: &str = "api";
/// Longest reason a moderator may give for a rejection, in characters.
pub const MAX_REASON: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ContributionError {
    #[error("the sheet has {} problem(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The sheet is not in a state that allows the step (nothing to publish, say).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = ContributionError> = std::result::Result<T, E>;

/// What a step did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub sheet: Editable,
    /// Where each place the body gave landed, and how.
    pub places: Vec<PlaceReport>,
    /// Whether the sheet's row changed, so that the index and the tiles must follow.
    pub row_changed: bool,
}

/// Steps of the workflow, over the store, the geocoder and the referential.
pub struct Workflow<'a> {
    pub store: &'a dyn Store,
    pub gazetteer: &'a Gazetteer,
    pub referential: &'a Referential,
    /// The national address base, when the server has one.
    pub addresses: Option<&'a AddressBase>,
}

impl Workflow<'_> {
    fn rules(&self) -> Rules<'_> {
        let default_year = crate::model::rules::this_year();
        Rules { geocoder: Geocoder::new(self.gazetteer).with_addresses(self.addresses), referential: self.referential, default_year }
    }

    /// A sheet the caller may act on, or why not. Sheets that are not public are not found
    /// by those who may not see them, so that their existence does not leak.
    async fn sheet_for(&self, caller: &Caller, id: SheetId, verb: Verb) -> Result<Editable> {
        let missing = || ContributionError::NotFound(format!("no initiative {id}"));
        let sheet = self.store.editable(id).await?.ok_or_else(missing)?;
        let owner = &sheet.sheet.sheet.authority;
        if may(caller, verb, owner) {
            return Ok(sheet);
        }
        if sheet.sheet.sheet.status != Status::Published {
            return Err(missing());
        }
        Err(ContributionError::Forbidden(match verb {
            Verb::Moderate => "only moderators publish or reject proposals".into(),
            Verb::Write => format!("initiative {id} belongs to {owner}; your credentials write for another authority"),
        }))
    }

    /// Creates a sheet: `owner` is the caller's own authority for a contributor, and must be
    /// named by moderators and admins. With `draft`, it is saved without being proposed.
    pub async fn create(&self, caller: &Caller, owner: Option<&str>, body: &Value, draft: bool) -> Result<Outcome> {
        let owner = self.owner(caller, owner).await?;
        let checked = self.rules().new_sheet(body).map_err(ContributionError::Invalid)?;
        // Only a sheet that will be written brings its authority into the store.
        known_authority(self.store, self.gazetteer, &owner).await.map_err(|e| match e {
            IssueError::Store(e) => e.into(),
            other => ContributionError::BadRequest(other.to_string()),
        })?;
        let direct = publishes_directly(caller, self.store.trusted(&owner).await?) && !draft;
        let actor = caller.actor();
        let mut sheet = NewInitiative {
            source: API_SOURCE.into(),
            external_id: format!("{:032x}", rand::random::<u128>()),
            authority: owner,
            title: String::new(),
            summary: String::new(),
            body: String::new(),
            services: vec![],
            year: checked.content.year,
            website: None,
            places: vec![],
            status: if direct { Status::Published } else { Status::Draft },
            sample: false,
            updated_by: actor.id.clone(),
            source_data: BTreeMap::new(),
        };
        checked.content.clone().apply_to(&mut sheet);
        let mut changes = checked.content.changes_from(None);
        let (action, revision) = if direct {
            changes.insert("status".into(), [Value::Null, Value::from(Status::Published.as_str())]);
            ("created", RevisionWrite::Clear)
        } else {
            let state = if draft { RevisionState::Draft } else { RevisionState::Proposed };
            (working_action(state), RevisionWrite::Set { state, content: checked.content, reason: None })
        };
        let entry = NewHistoryEntry { action, public: direct, reason: None, changes };
        let saved = self.store.save(Save { existing: None, sheet, touch: true, revision, actor, entry }).await?;
        Ok(Outcome { sheet: saved, places: checked.places, row_changed: true })
    }

    /// The authority a new sheet belongs to (nothing is written yet).
    async fn owner(&self, caller: &Caller, asked: Option<&str>) -> Result<String> {
        match (caller.role, asked, caller.authority.as_deref()) {
            (Role::Contributor, None, Some(own)) => Ok(own.to_owned()),
            (Role::Contributor, Some(code), Some(own)) if code == own => Ok(own.to_owned()),
            (Role::Contributor, Some(code), own) => {
                Err(ContributionError::Forbidden(format!("your credentials write for {}, not for {code}", own.unwrap_or("no authority"))))
            }
            (Role::Contributor, None, None) => Err(ContributionError::Forbidden("these credentials write for no authority".into())),
            (_, Some(code), _) => match self.store.authority(code).await? {
                Some(stored) => Ok(stored.code),
                None => self.gazetteer.authority(code).map(|a| a.code).ok_or_else(|| {
                    ContributionError::BadRequest(format!("no authority {code:?}: give an INSEE code, an EPCI's SIREN, dep-XX or reg-XX"))
                }),
            },
            (_, None, _) => Err(ContributionError::BadRequest(
                "moderators and admins name the authority of a new sheet: ?authority=INSEE code, SIREN, dep-XX or reg-XX".into(),
            )),
        }
    }

    /// Applies a JSON merge patch to the sheet's working copy (its proposal if it has one).
    pub async fn patch(&self, caller: &Caller, id: SheetId, expected: i64, patch: &Value, draft: bool) -> Result<Outcome> {
        let sheet = self.sheet_for(caller, id, Verb::Write).await?;
        check_version(&sheet, expected)?;
        let base = working_copy(&sheet);
        let checked = self.rules().merge(&base, patch).map_err(ContributionError::Invalid)?;
        let direct = publishes_directly(caller, sheet.trusted) && !draft;
        let state = if draft { RevisionState::Draft } else { RevisionState::Proposed };
        self.write(caller, sheet, expected, checked, direct, state).await
    }

    /// Writes checked content: published at once when `direct`, else as the working copy in
    /// `state`.
    async fn write(
        &self,
        caller: &Caller,
        current: Editable,
        expected: i64,
        checked: Checked,
        direct: bool,
        state: RevisionState,
    ) -> Result<Outcome> {
        let Checked { content, places } = checked;
        let actor = caller.actor();
        let mut sheet = current.sheet.sheet.clone();
        let save = if direct {
            let entry = publication(&sheet, &content, "edited");
            content.apply_to(&mut sheet);
            sheet.status = Status::Published;
            sheet.updated_by = actor.id.clone();
            Save { existing: Some((current.sheet.id, expected)), sheet, touch: true, revision: RevisionWrite::Clear, actor, entry }
        } else {
            let changes = content.changes_from(Some(&working_copy(&current)));
            // Never published: the row follows the working copy (and stays a draft).
            let mirror = sheet.status == Status::Draft;
            if mirror {
                content.clone().apply_to(&mut sheet);
                sheet.updated_by = actor.id.clone();
            }
            let entry = NewHistoryEntry { action: working_action(state), public: false, reason: None, changes };
            let revision = RevisionWrite::Set { state, content, reason: None };
            Save { existing: Some((current.sheet.id, expected)), sheet, touch: mirror, revision, actor, entry }
        };
        let row_changed = save.touch;
        let saved = self.store.save(save).await?;
        Ok(Outcome { sheet: saved, places, row_changed })
    }

    /// Archives a sheet: it leaves public reads at once, and its pending proposal with it
    /// (kept in the history). Nothing is ever deleted over the API.
    pub async fn archive(&self, caller: &Caller, id: SheetId, expected: i64) -> Result<Outcome> {
        let current = self.sheet_for(caller, id, Verb::Write).await?;
        check_version(&current, expected)?;
        let mut sheet = current.sheet.sheet.clone();
        if sheet.status == Status::Archived && current.revision.is_none() {
            return Ok(Outcome { sheet: current, places: vec![], row_changed: false });
        }
        let actor = caller.actor();
        let mut changes = BTreeMap::new();
        changes.insert("status".to_owned(), [Value::from(sheet.status.as_str()), Value::from(Status::Archived.as_str())]);
        let entry = NewHistoryEntry { action: "archived", public: sheet.status == Status::Published, reason: None, changes };
        sheet.status = Status::Archived;
        sheet.updated_by = actor.id.clone();
        let save = Save { existing: Some((id, expected)), sheet, touch: true, revision: RevisionWrite::Clear, actor, entry };
        Ok(Outcome { sheet: self.store.save(save).await?, places: vec![], row_changed: true })
    }

    /// Proposes a draft (or a rejected proposal) for publication; publishes it for those who
    /// publish directly.
    pub async fn submit(&self, caller: &Caller, id: SheetId, expected: Option<i64>) -> Result<Outcome> {
        let current = self.sheet_for(caller, id, Verb::Write).await?;
        let expected = expected_or_current(&current, expected)?;
        // A draft row without a working copy (imported as a draft) is its own draft.
        let (content, state) = match &current.revision {
            Some(r) => (r.content.clone(), r.state),
            None if current.sheet.sheet.status == Status::Draft => (SheetContent::of(&current.sheet.sheet), RevisionState::Draft),
            None => return Err(ContributionError::Conflict(format!("initiative {id} has no draft to submit"))),
        };
        if publishes_directly(caller, current.trusted) {
            return self.publish_revision(caller, current, expected, content).await;
        }
        if state == RevisionState::Proposed {
            return Ok(Outcome { sheet: current, places: vec![], row_changed: false });
        }
        let checked = Checked { content, places: vec![] };
        self.write(caller, current, expected, checked, false, RevisionState::Proposed).await
    }

    /// Publishes a sheet's proposal (moderators).
    pub async fn publish(&self, caller: &Caller, id: SheetId, expected: Option<i64>) -> Result<Outcome> {
        let current = self.sheet_for(caller, id, Verb::Moderate).await?;
        let expected = expected_or_current(&current, expected)?;
        let content = proposal(&current)?.content.clone();
        self.publish_revision(caller, current, expected, content).await
    }

    async fn publish_revision(&self, caller: &Caller, current: Editable, expected: i64, content: SheetContent) -> Result<Outcome> {
        let actor = caller.actor();
        let mut sheet = current.sheet.sheet.clone();
        let entry = publication(&sheet, &content, "published");
        content.apply_to(&mut sheet);
        sheet.status = Status::Published;
        sheet.updated_by = actor.id.clone();
        let save = Save { existing: Some((current.sheet.id, expected)), sheet, touch: true, revision: RevisionWrite::Clear, actor, entry };
        Ok(Outcome { sheet: self.store.save(save).await?, places: vec![], row_changed: true })
    }

    /// Rejects a sheet's proposal with a reason its authority sees (moderators).
    pub async fn reject(&self, caller: &Caller, id: SheetId, expected: Option<i64>, reason: &str) -> Result<Outcome> {
        let current = self.sheet_for(caller, id, Verb::Moderate).await?;
        let expected = expected_or_current(&current, expected)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            return Err(ContributionError::Invalid(vec![problem("reason", Reason::RejectionReason { max: MAX_REASON })]));
        }
        let content = proposal(&current)?.content.clone();
        let entry = NewHistoryEntry { action: "rejected", public: false, reason: Some(reason.to_owned()), changes: BTreeMap::new() };
        let revision = RevisionWrite::Set { state: RevisionState::Rejected, content, reason: Some(reason.to_owned()) };
        let sheet = current.sheet.sheet.clone();
        let save = Save { existing: Some((id, expected)), sheet, touch: false, revision, actor: caller.actor(), entry };
        Ok(Outcome { sheet: self.store.save(save).await?, places: vec![], row_changed: false })
    }

    /// A sheet with its working copy, for those who may write it.
    pub async fn working(&self, caller: &Caller, id: SheetId) -> Result<Editable> {
        self.sheet_for(caller, id, Verb::Write).await
    }

    /// Every sheet of an authority, whatever its state, for the authority and moderators.
    pub async fn sheets_of(&self, caller: &Caller, authority: &str, after: Option<SheetId>, limit: usize) -> Result<Vec<Editable>> {
        if !may(caller, Verb::Write, authority) {
            return Err(ContributionError::Forbidden(format!(
                "the sheets of {authority} that are not public are for its contributors and moderators"
            )));
        }
        Ok(self.store.sheets_of(authority, after, limit).await?)
    }

    /// The proposals awaiting moderation.
    pub async fn queue(&self, caller: &Caller, query: &ProposalQuery) -> Result<Vec<Editable>> {
        if !may(caller, Verb::Moderate, "") {
            return Err(ContributionError::Forbidden("only moderators see the moderation queue".into()));
        }
        Ok(self.store.proposals(query).await?)
    }

    /// A sheet's history: every entry for its authority and moderators, the changes to its
    /// published version for everyone else (nothing at all while it is not public).
    /// Says whether the whole log was given.
    pub async fn history(&self, caller: Option<&Caller>, id: SheetId) -> Result<(Vec<HistoryEntry>, bool)> {
        let missing = || ContributionError::NotFound(format!("no published initiative {id}"));
        let sheet = self.store.editable(id).await?.ok_or_else(missing)?;
        let whole = caller.is_some_and(|c| may(c, Verb::Write, &sheet.sheet.sheet.authority));
        if !whole && sheet.sheet.sheet.status != Status::Published {
            return Err(missing());
        }
        let mut entries = self.store.history(id).await?;
        if !whole {
            entries.retain(|e| e.public);
        }
        Ok((entries, whole))
    }
}

/// The content a contributor edits: its proposal if it has one, else the sheet itself.
pub fn working_copy(sheet: &Editable) -> SheetContent {
    sheet.revision.as_ref().map_or_else(|| SheetContent::of(&sheet.sheet.sheet), |r| r.content.clone())
}

fn working_action(state: RevisionState) -> &'static str {
    match state {
        RevisionState::Draft => "drafted",
        RevisionState::Proposed => "proposed",
        RevisionState::Rejected => "rejected",
    }
}

/// The history entry of making `content` the public version of `sheet`: every field changes
/// from nothing when the sheet was not public before.
fn publication(sheet: &NewInitiative, content: &SheetContent, action: &'static str) -> NewHistoryEntry {
    let public_before = (sheet.status == Status::Published).then(|| SheetContent::of(sheet));
    let mut changes = content.changes_from(public_before.as_ref());
    if sheet.status != Status::Published {
        changes.insert("status".into(), [Value::from(sheet.status.as_str()), Value::from(Status::Published.as_str())]);
    }
    NewHistoryEntry { action, public: true, reason: None, changes }
}

fn proposal(sheet: &Editable) -> Result<&Revision> {
    match &sheet.revision {
        Some(r) if r.state == RevisionState::Proposed => Ok(r),
        _ => Err(ContributionError::Conflict(format!("initiative {} has no proposal awaiting moderation", sheet.sheet.id))),
    }
}

fn check_version(sheet: &Editable, expected: i64) -> Result<()> {
    let current = sheet.sheet.version;
    if current == expected { Ok(()) } else { Err(StoreError::Stale { id: sheet.sheet.id, expected, current }.into()) }
}

fn expected_or_current(sheet: &Editable, expected: Option<i64>) -> Result<i64> {
    match expected {
        Some(v) => check_version(sheet, v).map(|()| v),
        None => Ok(sheet.sheet.version),
    }
}
