//! The PostgreSQL + PostGIS store, selected by `DATABASE_URL=postgres://…`. Same schema and
//! constraints as SQLite, with a PostGIS point (and GiST indexes) beside every place's lon/lat.

use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::StoreError;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `postgres://…` (the database must exist; the PostGIS extension is created
    /// by the first migration if the role may) and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(5)).connect(url).await?;
        MIGRATOR.run(&pool).await.map_err(|e| StoreError::Database(e.into()))?;
        Ok(PostgresStore { pool })
    }
}

super::sql::sql_store!(PostgresStore, Postgres, "postgres", include_str!("postgres/initiatives.sql"));
