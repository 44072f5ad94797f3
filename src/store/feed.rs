//! The change feeds: the ordered log of changed sheets and authorities that triggers fill on
//! both backends (migrations/postgres/0002, migrations/sqlite/0007), read past the last entry
//! a server applied. On PostgreSQL, `atlaas_changes` notifications announce new entries; on
//! SQLite, where every writer is a process on the same machine, the log's head is polled.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::StoreError;
use crate::model::SheetId;

/// The notification channel the triggers raise.
pub const CHANNEL: &str = "atlaas_changes";

/// One entry of the log: a sheet or an authority changed (or was deleted).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Change {
    pub seq: i64,
    pub initiative: Option<SheetId>,
    pub authority: Option<String>,
}

/// The log as a follower reads it.
#[async_trait]
pub trait ChangeLog: Send + Sync {
    /// The last entry of the log (0 for an empty log).
    async fn head(&self) -> Result<i64, StoreError>;

    /// Entries after `seq`, in order, at most `limit`.
    async fn after(&self, seq: i64, limit: usize) -> Result<Vec<Change>, StoreError>;

    /// The time the log gives entry `seq` (as the database writes it), if there is one: with
    /// the position, what tells one store's log from another's.
    async fn mark(&self, seq: i64) -> Result<Option<String>, StoreError>;
}

/// A connection to the change feed of a PostgreSQL store, apart from the store's pool so that
/// following it never competes with requests.
pub struct PostgresFeed {
    pool: PgPool,
}

impl PostgresFeed {
    /// Connects lazily: a database that is down now is reached when it comes back.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let options = super::postgres::with_statement_timeout(url.parse()?);
        let pool = PgPoolOptions::new().max_connections(2).acquire_timeout(Duration::from_secs(3)).connect_lazy_with(options);
        Ok(PostgresFeed { pool })
    }

    /// A listener on [`CHANNEL`], on a connection of its own.
    pub async fn listen(&self) -> Result<PgListener, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}

#[async_trait]
impl ChangeLog for PostgresFeed {
    async fn head(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes").fetch_one(&self.pool).await?)
    }

    async fn after(&self, seq: i64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let q = sqlx::query_as("SELECT seq, initiative, authority FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2");
        Ok(q.bind(seq).bind(limit as i64).fetch_all(&self.pool).await?)
    }

    async fn mark(&self, seq: i64) -> Result<Option<String>, StoreError> {
        // In seconds since 1970, whatever time zone a session is set to.
        let q = sqlx::query_scalar("SELECT extract(epoch FROM at)::text FROM changes WHERE seq = $1");
        Ok(q.bind(seq).fetch_optional(&self.pool).await?)
    }
}

/// The change log of a SQLite store, read on a connection of its own (read-only).
pub struct SqliteFeed {
    pool: SqlitePool,
}

impl SqliteFeed {
    /// Opens the log of the store at `sqlite://PATH` (which the store has already migrated).
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?
            .read_only(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(SqliteFeed { pool })
    }
}

#[async_trait]
impl ChangeLog for SqliteFeed {
    async fn head(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes").fetch_one(&self.pool).await?)
    }

    async fn after(&self, seq: i64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let q = sqlx::query_as("SELECT seq, initiative, authority FROM changes WHERE seq > ? ORDER BY seq LIMIT ?");
        Ok(q.bind(seq).bind(limit as i64).fetch_all(&self.pool).await?)
    }

    async fn mark(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT at FROM changes WHERE seq = ?").bind(seq).fetch_optional(&self.pool).await?)
    }
}
