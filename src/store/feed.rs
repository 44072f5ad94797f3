//! The PostgreSQL change feed (migrations/postgres/0002_change_feed.sql): the ordered log of
//! changed sheets and authorities, and the `atlaas_changes` notifications that announce it.

use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

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

    /// The last entry of the log (0 for an empty log).
    pub async fn head(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM changes").fetch_one(&self.pool).await?)
    }

    /// Entries after `seq`, in order, at most `limit`.
    pub async fn after(&self, seq: i64, limit: usize) -> Result<Vec<Change>, StoreError> {
        let q = sqlx::query_as("SELECT seq, initiative, authority FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2");
        Ok(q.bind(seq).bind(limit as i64).fetch_all(&self.pool).await?)
    }

    /// A listener on [`CHANNEL`], on a connection of its own.
    pub async fn listen(&self) -> Result<PgListener, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }
}
