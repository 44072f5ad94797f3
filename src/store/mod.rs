//! The store: the system of record for authorities, the referential and initiative sheets.
//!
//! Everything above this module talks to [`Store`]; SQLite ([`sqlite`]) is the embedded
//! default, PostgreSQL + PostGIS ([`postgres`]) the one for several replicas; both share one
//! implementation of the trait ([`sql`]).

pub mod accounts;
pub mod contributions;
pub mod credentials;
pub mod feed;
pub mod jobs;
pub mod postgres;
pub(crate) mod rows;
pub(crate) mod sql;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::contribution::{Actor, NewHistoryEntry};
use crate::model::{Authority, Initiative, NewInitiative, SheetId};
use crate::referential::Referential;
pub use accounts::Accounts;
pub use contributions::Contributions;
pub use credentials::Credentials;
pub use jobs::Jobs;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint refused the write (e.g. the same source + external id twice).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The write refers to something that does not exist or breaks a check.
    #[error("invalid write: {0}")]
    Invalid(String),
    /// The thing to change is not in the store.
    #[error("{0}")]
    NotFound(String),
    /// A change made from a version of a sheet that is no longer the stored one.
    #[error("initiative {id} is at version {current}, not {expected}: someone changed it meanwhile")]
    Stale { id: SheetId, expected: i64, current: i64 },
    /// The database cannot be reached.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A stored value the code cannot read back (a hand-edited row, say).
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::Database(db) if db.code().is_some_and(|c| means_unavailable(&c)) => StoreError::Unavailable(e),
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => StoreError::Conflict(db.message().to_owned()),
                ErrorKind::ForeignKeyViolation | ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                    StoreError::Invalid(db.message().to_owned())
                }
                _ => StoreError::Database(e),
            },
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
                StoreError::Unavailable(e)
            }
            // A stored value of a type the code does not expect: the row, not the database, is at fault.
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreError::Corrupt(e.to_string()),
            _ => StoreError::Database(e),
        }
    }
}

/// Whether a PostgreSQL error code (SQLSTATE) says the server cannot serve now rather than that
/// the request is wrong: a connection lost (class 08), too few resources (53: too many
/// connections, out of memory), an operator's intervention (57: shutting down, starting up,
/// a statement cancelled by `statement_timeout`). Such a request may succeed again later: a
/// 503, not a 500.
pub fn means_unavailable(sqlstate: &str) -> bool {
    ["08", "53", "57"].iter().any(|class| sqlstate.starts_with(class))
}

/// Authorities and sheets written together, in one transaction.
#[derive(Debug, Default, Clone)]
pub struct WriteBatch {
    /// Inserted or updated by code; their awards replace the stored ones.
    pub authorities: Vec<Authority>,
    /// Inserted when no authority has their code; stored ones are left as they are (an import
    /// brings the authorities its sheets need, never their label history).
    pub new_authorities: Vec<Authority>,
    /// Inserted, or updated when their source + external id exist.
    pub initiatives: Vec<NewInitiative>,
    /// Who writes, and one history entry for each sheet (in the order of `initiatives`); `None`
    /// for writes that are not changes of anybody's (generated sample sheets).
    pub history: Option<BatchHistory>,
}

/// The history of a batch's sheets, written in the same transaction.
#[derive(Debug, Clone)]
pub struct BatchHistory {
    pub actor: Actor,
    pub entries: Vec<NewHistoryEntry>,
}

impl WriteBatch {
    /// What no backend can store faithfully: a sheet written twice in one batch, a sheet
    /// without places, a position that is not a finite WGS 84 coordinate (SQLite would store
    /// NaN as NULL).
    pub fn check(&self) -> Result<(), StoreError> {
        if self.history.as_ref().is_some_and(|h| h.entries.len() != self.initiatives.len()) {
            return Err(StoreError::Invalid("a batch's history must have one entry per sheet".into()));
        }
        let mut seen = std::collections::HashSet::with_capacity(self.initiatives.len());
        for s in &self.initiatives {
            let id = format!("{}/{}", s.source, s.external_id);
            // Backends differ on a key written twice in one statement; say it is a mistake.
            if !seen.insert((s.source.as_str(), s.external_id.as_str())) {
                return Err(StoreError::Conflict(format!("sheet {id} appears twice in one write")));
            }
            if s.places.is_empty() {
                return Err(StoreError::Invalid(format!("sheet {id} has no place")));
            }
            if s.services.is_empty() {
                return Err(StoreError::Invalid(format!("sheet {id} has no referential service")));
            }
            for p in &s.places {
                let finite = p.lon.is_finite() && p.lat.is_finite();
                if !finite || !(-180.0..=180.0).contains(&p.lon) || !(-90.0..=90.0).contains(&p.lat) {
                    return Err(StoreError::Invalid(format!("sheet {id}: place ({}, {}) is not a WGS 84 position", p.lon, p.lat)));
                }
            }
        }
        Ok(())
    }
}

/// The connections of a store's pool: open (idle or lent to a request), idle, and the most
/// it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolUse {
    pub(crate) fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolUse {
        PoolUse { open: pool.size(), idle: pool.num_idle() as u32, max: pool.options().get_max_connections() }
    }
}

/// What every backend provides. Methods are coarse on purpose: the in-memory index serves the
/// hot reads, so the store is asked for whole snapshots and for single sheets. API tokens are
/// in [`Credentials`], versions, revisions and the history in [`Contributions`].
#[async_trait]
pub trait Store: Credentials + Accounts + Contributions + Jobs + Send + Sync + 'static {
    /// `sqlite` or `postgres`, for `/health` and logs.
    fn backend(&self) -> &'static str;

    /// Cheap round trip to the database.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The connections of the store's pool now.
    fn pool_use(&self) -> PoolUse;

    /// Records the referential of its edition (replacing that edition's entries).
    async fn save_referential(&self, referential: &Referential) -> Result<(), StoreError>;

    async fn count_initiatives(&self) -> Result<u64, StoreError>;

    /// Every authority with its label history.
    async fn authorities(&self) -> Result<Vec<Authority>, StoreError>;

    /// The stored authorities among these codes, with their awards, in code order; codes not
    /// stored are left out. One unreadable row fails the whole call ([`StoreError::Corrupt`]).
    async fn authorities_among(&self, codes: &[String]) -> Result<Vec<Authority>, StoreError>;

    async fn authority(&self, code: &str) -> Result<Option<Authority>, StoreError>;

    /// Published sheets with their services and places, in id order, `limit` at most after the
    /// id `after`: the index is built page by page so that start-up memory stays bounded.
    async fn published_initiatives(&self, after: Option<SheetId>, limit: usize) -> Result<Vec<Initiative>, StoreError>;

    async fn initiative(&self, id: SheetId) -> Result<Option<Initiative>, StoreError>;

    /// The stored sheets among `ids`, whatever their status, in id order, each read on its own:
    /// a row that cannot be read is its own error, beside the others (the change feed keeps
    /// going past it). Ids not stored are left out.
    async fn initiatives_among(&self, ids: &[SheetId]) -> Result<Vec<(SheetId, Result<Initiative, StoreError>)>, StoreError>;

    /// The published sheets among `ids`, in id order (exports read them page by page).
    async fn published_among(&self, ids: &[SheetId]) -> Result<Vec<Initiative>, StoreError>;

    /// Every sheet of a source, whatever its status, in id order: what an import compares a
    /// file with.
    async fn initiatives_of_source(&self, source: &str) -> Result<Vec<Initiative>, StoreError>;

    /// Writes a batch atomically and returns the stored sheets, in the batch's order.
    async fn write(&self, batch: WriteBatch) -> Result<Vec<Initiative>, StoreError>;
}

/// Opens the store a URL names and runs its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}

/// Current time as stored: RFC 3339 in UTC, to the second.
pub(crate) fn now() -> String {
    stamp(time::OffsetDateTime::now_utc())
}

/// A time as the store keeps it (RFC 3339 in UTC, to the second), so that stored times compare
/// as text.
pub fn stamp(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).expect("0 is a valid nanosecond");
    t.format(&time::format_description::well_known::Rfc3339).expect("UTC times format as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::means_unavailable;

    #[test]
    fn a_database_going_away_is_unavailable_and_a_bad_request_is_not() {
        // admin_shutdown (a fast stop), cannot_connect_now (starting up), query_canceled
        // (statement_timeout), connection_failure, too_many_connections.
        for code in ["57P01", "57P03", "57014", "08006", "53300"] {
            assert!(means_unavailable(code), "{code}");
        }
        // unique_violation, syntax_error, invalid_text_representation, undefined_table.
        for code in ["23505", "42601", "22P02", "42P01"] {
            assert!(!means_unavailable(code), "{code}");
        }
    }
}
