//! The PostgreSQL + PostGIS store, selected by `DATABASE_URL=postgres://…`. Same schema and
//! constraints as SQLite, with a PostGIS point (and GiST indexes) beside every place's lon/lat.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Postgres, QueryBuilder};

use super::StoreError;
use crate::model::{Bbox, SheetId};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `postgres://…` (the database must exist; the PostGIS extension is created
    /// by the first migration if the role may) and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        // Migrations may build indexes over millions of rows: their own connection, no timeout.
        let mut migrating = PgConnection::connect(url).await?;
        MIGRATOR.run(&mut migrating).await.map_err(|e| StoreError::Database(e.into()))?;
        migrating.close().await?;
        let options = with_statement_timeout(url.parse()?);
        // A request waits at most 2 s for a connection: when the database is gone (each new
        // connection refused until then) or saturated, a prompt 503 beats a hung client.
        let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(ACQUIRE_TIMEOUT).connect_with(options).await?;
        Ok(PostgresStore { pool })
    }
}

/// The longest a statement of the service may run: a query stuck behind a lock or gone
/// astray ends with an error instead of holding a pool connection for ever. Far above what
/// any statement takes (the largest, a page of the index's first load, takes a few seconds
/// at a million sheets).
pub const STATEMENT_TIMEOUT: &str = "60s";

/// How long a request waits for a connection of the pool.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn with_statement_timeout(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("statement_timeout", STATEMENT_TIMEOUT)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_of_the_pools_has_a_statement_timeout() {
        let options = with_statement_timeout("postgres://atlaas@127.0.0.1/atlaas".parse().unwrap());
        assert_eq!(options.get_options(), Some("-c statement_timeout=60s"));
    }
}

super::sql::sql_store!(PostgresStore, Postgres, "postgres", include_str!("postgres/initiatives.sql"));
super::credentials::sql_credentials!(PostgresStore, Postgres);
super::accounts::sql_accounts!(PostgresStore, Postgres);
super::jobs::sql_jobs!(PostgresStore, Postgres);
super::contributions::sql_contributions!(PostgresStore, sqlx::Postgres);

/// Marks a transaction as the service's own write, which records its history itself: the
/// triggers that log changes made by hand with SQL (migration 0005) then leave it alone.
async fn mark_service_write(tx: &mut sqlx::Transaction<'_, Postgres>) -> Result<(), StoreError> {
    sqlx::query("SELECT set_config('atlaas.channel', 'service', true)").execute(&mut **tx).await?;
    Ok(())
}

/// A published sheet found by a spatial query, at its closest place.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct SpatialHit {
    pub id: SheetId,
    /// Metres on the WGS 84 spheroid; 0 for bbox queries.
    pub distance_m: f64,
}

/// The filters of the API as plain SQL values (service codes, INSEE codes, sheet ids), bound
/// into the queries below; the application resolves an index filter into one.
#[derive(Debug, Clone, Default)]
pub struct SqlFilter {
    pub bbox: Option<Bbox>,
    /// Each set: service codes, any of which a sheet must have.
    pub services: Vec<Vec<String>>,
    pub years: Option<(i32, i32)>,
    pub min_arobases: Option<i32>,
    pub population: Option<(i64, i64)>,
    /// INSEE codes a place must be in (a city's arrondissements and former communes included;
    /// départements and régions become the codes of their communes).
    pub communes: Option<Vec<String>>,
    pub departements: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// Sheet ids a sheet must be among: what the in-memory text index matched for `q`.
    pub sheets: Option<Vec<i64>>,
}

impl SqlFilter {
    /// ` AND …` conditions on the sheet `i`.
    fn push_sheet(&self, q: &mut QueryBuilder<'_, Postgres>) {
        if let Some(ids) = &self.sheets {
            q.push(" AND i.id = ANY(").push_bind(ids.clone()).push(")");
        }
        for set in &self.services {
            q.push(" AND EXISTS (SELECT 1 FROM initiative_services s WHERE s.initiative = i.id AND s.service = ANY(");
            q.push_bind(set.clone()).push("))");
        }
        if let Some((from, to)) = self.years {
            q.push(" AND i.year BETWEEN ").push_bind(from).push(" AND ").push_bind(to);
        }
        if let Some(min) = self.min_arobases {
            q.push(" AND (SELECT la.arobases FROM label_awards la WHERE la.authority = i.authority ORDER BY la.year DESC LIMIT 1) >= ");
            q.push_bind(min);
        }
        if let Some((from, to)) = self.population {
            q.push(" AND (SELECT a.population FROM authorities a WHERE a.code = i.authority) BETWEEN ")
                .push_bind(from)
                .push(" AND ")
                .push_bind(to);
        }
    }

    /// ` AND …` conditions on the place `p`.
    fn push_place(&self, q: &mut QueryBuilder<'_, Postgres>) {
        if let Some(b) = &self.bbox {
            q.push(" AND p.geom && ST_MakeEnvelope(").push_bind(b.min_lon).push(", ").push_bind(b.min_lat);
            q.push(", ").push_bind(b.max_lon).push(", ").push_bind(b.max_lat).push(", 4326)");
        }
        for codes in [&self.communes, &self.departements, &self.regions].into_iter().flatten() {
            q.push(" AND p.commune = ANY(").push_bind(codes.clone()).push(")");
        }
    }
}

/// Spatial SQL where PostGIS is the right tool: the same questions the in-memory index answers, asked
/// of the database (values bound, never formatted into the SQL).
impl PostgresStore {
    /// Published sheets with a place that passes the filter (edges of the bbox included), in
    /// id order after `after`, `limit` at most.
    pub async fn find(&self, f: &SqlFilter, after: Option<SheetId>, limit: usize) -> Result<Vec<SheetId>, StoreError> {
        let mut q = QueryBuilder::new("SELECT i.id FROM initiatives i WHERE i.status = 'published' AND i.id > ");
        q.push_bind(after.unwrap_or(SheetId::MIN));
        f.push_sheet(&mut q);
        q.push(" AND EXISTS (SELECT 1 FROM places p WHERE p.initiative = i.id");
        f.push_place(&mut q);
        q.push(") ORDER BY i.id LIMIT ").push_bind(limit as i64);
        Ok(q.build_query_scalar().fetch_all(&self.pool).await?)
    }

    /// Published sheets with a place in the bbox (edges included), in id order.
    pub async fn sheets_in_bbox(&self, b: &Bbox) -> Result<Vec<SpatialHit>, StoreError> {
        let f = SqlFilter { bbox: Some(*b), ..SqlFilter::default() };
        Ok(self.find(&f, None, i64::MAX as usize).await?.into_iter().map(|id| SpatialHit { id, distance_m: 0.0 }).collect())
    }

    /// The published sheets closest to `[lon, lat]` (each at its closest place that passes the
    /// filter), closest first, ties by id; within `radius_m` when given. Exact whatever the
    /// number of places per sheet: see [`Self::k_nearest`].
    pub async fn nearest(&self, origin: [f64; 2], radius_m: Option<f64>, k: usize, f: &SqlFilter) -> Result<Vec<SpatialHit>, StoreError> {
        match radius_m {
            _ if k == 0 => Ok(vec![]),
            Some(r) => self.within(origin, r, k, f).await,
            None => self.k_nearest(origin, k, f).await,
        }
    }

    /// The `k` nearest sheets, in two steps. The GiST index hands out places in order of
    /// distance on the sphere (`<->`), `n` at a time, until they name `k` different sheets
    /// (a sheet with hundreds of places near the origin takes more: `n` grows fourfold). Those
    /// `k` sheets lie within `bound` on the spheroid (the farthest of their closest places
    /// seen), so the true `k` nearest do too: every sheet with a place within `bound` is then
    /// ranked on the spheroid ([`Self::within`]).
    async fn k_nearest(&self, origin: [f64; 2], k: usize, f: &SqlFilter) -> Result<Vec<SpatialHit>, StoreError> {
        let mut n = k * 3 + 64;
        loop {
            let places = self.closest_places(origin, n, f).await?;
            // Sheets in order of first sight (nearest on the sphere first), each at its closest.
            let (mut closest, mut at): (Vec<SpatialHit>, HashMap<SheetId, usize>) = (vec![], HashMap::new());
            for &(id, d) in &places {
                let i = *at.entry(id).or_insert_with(|| {
                    closest.push(SpatialHit { id, distance_m: d });
                    closest.len() - 1
                });
                closest[i].distance_m = closest[i].distance_m.min(d);
            }
            if places.len() < n {
                // Every place that passes the filter was seen.
                closest.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));
                closest.truncate(k);
                return Ok(closest);
            }
            if closest.len() >= k {
                let bound = closest[..k].iter().map(|h| h.distance_m).fold(0.0, f64::max);
                // A hair over, so that a place exactly at the bound is not lost to rounding.
                return self.within(origin, bound * (1.0 + 1e-9) + 1e-3, k, f).await;
            }
            n *= 4;
        }
    }

    /// Places passing the filter, `n` at most, nearest on the sphere first (the GiST index's
    /// order), each with its sheet and its distance on the spheroid.
    async fn closest_places(&self, origin: [f64; 2], n: usize, f: &SqlFilter) -> Result<Vec<(SheetId, f64)>, StoreError> {
        let mut q = with_origin(origin);
        q.push(" ");
        push_filtered_places(&mut q, f);
        q.push(" ORDER BY p.geom::geography <-> o.g LIMIT ").push_bind(n as i64);
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    /// Sheets with a place within `radius_m` on the spheroid (the GiST index answers
    /// `ST_DWithin`), each at its closest, closest first, ties by id, `k` at most.
    async fn within(&self, origin: [f64; 2], radius_m: f64, k: usize, f: &SqlFilter) -> Result<Vec<SpatialHit>, StoreError> {
        let mut q = with_origin(origin);
        q.push(", near AS (");
        push_filtered_places(&mut q, f);
        q.push(" AND ST_DWithin(p.geom::geography, o.g, ").push_bind(radius_m).push(")");
        q.push(") SELECT initiative AS id, min(d) AS distance_m FROM near GROUP BY initiative ORDER BY distance_m, id LIMIT ");
        q.push_bind(k as i64);
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    /// Published sheets within `radius_m` of `[lon, lat]`, closest first (ties by id).
    pub async fn sheets_within(&self, origin: [f64; 2], radius_m: f64, limit: usize) -> Result<Vec<SpatialHit>, StoreError> {
        self.nearest(origin, Some(radius_m), limit, &SqlFilter::default()).await
    }

    /// The `k` published sheets closest to `[lon, lat]` (ties by id).
    pub async fn nearest_sheets(&self, origin: [f64; 2], k: usize) -> Result<Vec<SpatialHit>, StoreError> {
        self.nearest(origin, None, k, &SqlFilter::default()).await
    }
}

/// `WITH o AS (…)`: the origin as a geography, named `o.g`.
fn with_origin(origin: [f64; 2]) -> QueryBuilder<'static, Postgres> {
    let mut q = QueryBuilder::new("WITH o AS (SELECT ST_SetSRID(ST_MakePoint(");
    q.push_bind(origin[0]).push(", ").push_bind(origin[1]).push("), 4326)::geography AS g)");
    q
}

/// Published places passing the filter, each with its sheet and its distance `d` from `o.g`
/// on the spheroid; ends inside the `WHERE`, for more conditions.
fn push_filtered_places(q: &mut QueryBuilder<'static, Postgres>, f: &SqlFilter) {
    q.push("SELECT p.initiative, ST_Distance(p.geom::geography, o.g) AS d ");
    q.push("FROM places p JOIN initiatives i ON i.id = p.initiative AND i.status = 'published', o WHERE true");
    f.push_sheet(q);
    f.push_place(q);
}
