//! The embedded default store: SQLite through sqlx, in WAL mode with foreign keys enforced on
//! every connection.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `sqlite://PATH` or `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // An in-memory database lives in one connection: a pool of several would see several.
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new().max_connections(max).connect_with(options).await?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Database(e.into()))?;
        Ok(SqliteStore { pool })
    }
}

super::sql::sql_store!(SqliteStore, Sqlite, "sqlite", include_str!("sqlite/initiatives.sql"));
super::credentials::sql_credentials!(SqliteStore, Sqlite);
super::accounts::sql_accounts!(SqliteStore, Sqlite);
super::jobs::sql_jobs!(SqliteStore, Sqlite);
super::contributions::sql_contributions!(SqliteStore, sqlx::Sqlite);

/// Marks a transaction as the service's own write. SQLite has no trigger that needs to tell
/// them from others (only PostgreSQL logs changes made by hand), so there is nothing to do.
async fn mark_service_write(_tx: &mut sqlx::Transaction<'_, Sqlite>) -> Result<(), StoreError> {
    Ok(())
}
