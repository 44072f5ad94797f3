//! Rows of the contributions' tables as both backends return them.

use super::super::StoreError;
use super::super::rows::corrupt;
use crate::model::contribution::{Channel, HistoryEntry, Revision, RevisionState};

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionRow {
    state: String,
    content: String,
    reason: Option<String>,
    created_at: String,
    updated_at: String,
    updated_by: String,
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;

    fn try_from(r: RevisionRow) -> Result<Self, StoreError> {
        Ok(Revision {
            state: RevisionState::parse(&r.state).ok_or_else(|| corrupt("revision state", &r.state))?,
            content: serde_json::from_str(&r.content).map_err(|_| corrupt("revision content", &r.content))?,
            reason: r.reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        })
    }
}

/// A working copy with the id of its sheet.
#[derive(sqlx::FromRow)]
pub(crate) struct KeyedRevisionRow {
    pub initiative: i64,
    #[sqlx(flatten)]
    pub row: RevisionRow,
}

/// The columns of [`RevisionRow`].
pub(crate) const REVISION_COLUMNS: &str = "state, content, reason, created_at, updated_at, updated_by";

#[derive(sqlx::FromRow)]
pub(crate) struct HistoryRow {
    id: i64,
    initiative: i64,
    version: i64,
    at: String,
    actor: String,
    channel: String,
    action: String,
    public: bool,
    reason: Option<String>,
    changes: String,
}

impl TryFrom<HistoryRow> for HistoryEntry {
    type Error = StoreError;

    fn try_from(r: HistoryRow) -> Result<Self, StoreError> {
        Ok(HistoryEntry {
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("history channel", &r.channel))?,
            changes: serde_json::from_str(&r.changes).map_err(|_| corrupt("history changes", &r.changes))?,
            id: r.id,
            initiative: r.initiative,
            version: r.version,
            at: r.at,
            actor: r.actor,
            action: r.action,
            public: r.public,
            reason: r.reason,
        })
    }
}

pub(crate) const HISTORY_COLUMNS: &str = "CAST(id AS BIGINT) AS id, CAST(initiative AS BIGINT) AS initiative, \
     CAST(version AS BIGINT) AS version, at, actor, channel, action, public, reason, changes";
