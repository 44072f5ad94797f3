//! The PostgreSQL + PostGIS store, selected by `DATABASE_URL=postgres://…`. Same schema and
//! constraints as SQLite, with a PostGIS point (and GiST indexes) beside every place's lon/lat.

use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::StoreError;
use crate::index::Bbox;
use crate::model::SheetId;

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

/// A published sheet found by a spatial query, at its closest place.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct SpatialHit {
    pub id: SheetId,
    /// Metres on the WGS 84 spheroid; 0 for bbox queries.
    pub distance_m: f64,
}

/// Spatial SQL where PostGIS is the right tool: the same questions the R-tree answers, asked
/// of the database (values bound, never formatted into the SQL).
impl PostgresStore {
    /// Published sheets with a place in the bbox (edges included), in id order.
    pub async fn sheets_in_bbox(&self, b: &Bbox) -> Result<Vec<SpatialHit>, StoreError> {
        let sql = "SELECT DISTINCT p.initiative AS id, 0::float8 AS distance_m \
                   FROM places p JOIN initiatives i ON i.id = p.initiative AND i.status = 'published' \
                   WHERE p.geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) \
                     AND ST_Intersects(p.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326)) \
                   ORDER BY 1";
        let q = sqlx::query_as(sql).bind(b.min_lon).bind(b.min_lat).bind(b.max_lon).bind(b.max_lat);
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// Published sheets within `radius_m` of `[lon, lat]`, closest first (ties by id).
    pub async fn sheets_within(&self, origin: [f64; 2], radius_m: f64, limit: usize) -> Result<Vec<SpatialHit>, StoreError> {
        let sql = "WITH o AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g) \
                   SELECT p.initiative AS id, min(ST_Distance(p.geom::geography, o.g)) AS distance_m \
                   FROM places p JOIN initiatives i ON i.id = p.initiative AND i.status = 'published', o \
                   WHERE ST_DWithin(p.geom::geography, o.g, $3) \
                   GROUP BY p.initiative ORDER BY distance_m, id LIMIT $4";
        let q = sqlx::query_as(sql).bind(origin[0]).bind(origin[1]).bind(radius_m).bind(limit as i64);
        Ok(q.fetch_all(&self.pool).await?)
    }

    /// The `k` published sheets closest to `[lon, lat]` (ties by id). The GiST index orders
    /// places by `<->` on the sphere; enough of them are taken to re-rank on the spheroid.
    pub async fn nearest_sheets(&self, origin: [f64; 2], k: usize) -> Result<Vec<SpatialHit>, StoreError> {
        let sql = "WITH o AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g), \
                   near AS (SELECT p.initiative, ST_Distance(p.geom::geography, o.g) AS d \
                            FROM places p JOIN initiatives i ON i.id = p.initiative AND i.status = 'published', o \
                            ORDER BY p.geom::geography <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT $3) \
                   SELECT initiative AS id, min(d) AS distance_m FROM near \
                   GROUP BY initiative ORDER BY distance_m, id LIMIT $4";
        // Sheets with several places and the sphere/spheroid gap call for a margin of candidates.
        let candidates = (k * 3 + 64) as i64;
        let q = sqlx::query_as(sql).bind(origin[0]).bind(origin[1]).bind(candidates).bind(k as i64);
        Ok(q.fetch_all(&self.pool).await?)
    }
}
