//! The embedded default store: SQLite through sqlx, in WAL mode with foreign keys enforced on
//! every connection.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use super::{Store, StoreError, WriteBatch, now};
use crate::model::{Authority, AuthorityKind, GeocodeMethod, Initiative, LabelAward, NewInitiative, Place, Precision, SheetId, Status};
use crate::referential::{Level, Referential};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Rows a multi-row INSERT carries, well under SQLite's limit of bound variables.
const CHUNK: usize = 500;

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

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("unit enums serialize to strings"),
    }
}

fn parse_name<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| corrupt(what, s))
}

fn initiative_from_row(row: &SqliteRow) -> Result<Initiative, StoreError> {
    let status: String = row.try_get("status")?;
    let year: i64 = row.try_get("year")?;
    let services: String = row.try_get("services")?;
    let places: String = row.try_get("places")?;
    Ok(Initiative {
        id: row.try_get("id")?,
        sheet: NewInitiative {
            source: row.try_get("source")?,
            external_id: row.try_get("external_id")?,
            authority: row.try_get("authority")?,
            title: row.try_get("title")?,
            summary: row.try_get("summary")?,
            body: row.try_get("body")?,
            services: serde_json::from_str(&services).map_err(|_| corrupt("services", &services))?,
            year: u16::try_from(year).map_err(|_| corrupt("year", &year.to_string()))?,
            website: row.try_get("website")?,
            places: places_from_json(&places)?,
            status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
            sample: row.try_get("sample")?,
            updated_by: row.try_get("updated_by")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Places as aggregated by `initiatives.sql`: arrays in the column order of `places`.
fn places_from_json(json: &str) -> Result<Vec<Place>, StoreError> {
    type Row = (Option<String>, Option<String>, Option<String>, String, f64, f64, String, String);
    let rows: Vec<Row> = serde_json::from_str(json).map_err(|_| corrupt("places", json))?;
    rows.into_iter()
        .map(|(label, address, postal_code, commune, lon, lat, precision, method)| {
            Ok(Place {
                label,
                address,
                postal_code,
                commune,
                lon,
                lat,
                precision: parse_name::<Precision>("precision", &precision)?,
                method: parse_name::<GeocodeMethod>("method", &method)?,
            })
        })
        .collect()
}

impl SqliteStore {
    /// All authorities, or the one with `code`, with their awards.
    async fn authorities_where(&self, code: Option<&str>) -> Result<Vec<Authority>, StoreError> {
        let filter = if code.is_some() { "WHERE code = ?1" } else { "WHERE ?1 IS NULL" };
        let sql = format!("SELECT code, kind, name, commune, departement, region, population FROM authorities {filter} ORDER BY code");
        let rows = sqlx::query(&sql).bind(code).fetch_all(&self.pool).await?;
        let mut authorities = Vec::with_capacity(rows.len());
        let mut index = HashMap::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let population: i64 = row.try_get("population")?;
            let code: String = row.try_get("code")?;
            index.insert(code.clone(), authorities.len());
            authorities.push(Authority {
                code,
                kind: AuthorityKind::parse(&kind).ok_or_else(|| corrupt("authority kind", &kind))?,
                name: row.try_get("name")?,
                commune: row.try_get("commune")?,
                departement: row.try_get("departement")?,
                region: row.try_get("region")?,
                population: u32::try_from(population).map_err(|_| corrupt("population", &population.to_string()))?,
                awards: vec![],
            });
        }
        let filter = if code.is_some() { "WHERE authority = ?1" } else { "WHERE ?1 IS NULL" };
        let sql = format!("SELECT authority, year, arobases, mentions FROM label_awards {filter} ORDER BY authority, year");
        let awards = sqlx::query(&sql).bind(code).fetch_all(&self.pool).await?;
        for row in awards {
            let code: String = row.try_get("authority")?;
            let mentions: String = row.try_get("mentions")?;
            let award = LabelAward {
                year: row.try_get::<i64, _>("year")? as u16,
                arobases: row.try_get::<i64, _>("arobases")? as u8,
                mentions: serde_json::from_str(&mentions).map_err(|_| corrupt("mentions", &mentions))?,
            };
            if let Some(&i) = index.get(&code) {
                authorities[i].awards.push(award);
            }
        }
        Ok(authorities)
    }

    /// Sheets matching a WHERE clause on `initiatives i`, each with its services and places
    /// aggregated into the same row: one row a sheet keeps start-up reads short.
    /// `clause` binds `?1` (an id) and `?2` (a row limit).
    async fn initiatives_where(&self, clause: &str, id: SheetId, limit: usize) -> Result<Vec<Initiative>, StoreError> {
        let sql = format!("{} {clause}", include_str!("sqlite/initiatives.sql"));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(&sql).bind(id).bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(initiative_from_row).collect()
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn save_referential(&self, referential: &Referential) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let edition = i64::from(referential.edition());
        sqlx::query("DELETE FROM referential_entries WHERE edition = ?").bind(edition).execute(&mut *tx).await?;
        for chunk in referential.entries().chunks(CHUNK) {
            let mut insert =
                QueryBuilder::<Sqlite>::new("INSERT INTO referential_entries (edition, code, level, parent, label, published) ");
            insert.push_values(chunk, |mut b, e| {
                let level = match e.level {
                    Level::Theme => "theme",
                    Level::Challenge => "challenge",
                    Level::Use => "use",
                    Level::Service => "service",
                };
                b.push_bind(edition).push_bind(&e.code).push_bind(level).push_bind(&e.parent).push_bind(&e.label).push_bind(e.published);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn count_initiatives(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM initiatives").fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    async fn authorities(&self) -> Result<Vec<Authority>, StoreError> {
        self.authorities_where(None).await
    }

    async fn authority(&self, code: &str) -> Result<Option<Authority>, StoreError> {
        Ok(self.authorities_where(Some(code)).await?.pop())
    }

    async fn published_initiatives(&self, after: Option<SheetId>, limit: usize) -> Result<Vec<Initiative>, StoreError> {
        let clause = "WHERE i.status = 'published' AND i.id > ?1 ORDER BY i.id LIMIT ?2";
        self.initiatives_where(clause, after.unwrap_or(SheetId::MIN), limit).await
    }

    async fn initiative(&self, id: SheetId) -> Result<Option<Initiative>, StoreError> {
        Ok(self.initiatives_where("WHERE i.id = ?1 LIMIT ?2", id, 1).await?.pop())
    }

    async fn write(&self, batch: WriteBatch) -> Result<Vec<Initiative>, StoreError> {
        batch.check()?;
        let mut tx = self.pool.begin().await?;
        for authority in &batch.authorities {
            upsert_authority(&mut tx, authority).await?;
        }
        let stamp = now();
        let mut stored = Vec::with_capacity(batch.initiatives.len());
        for sheet in batch.initiatives {
            stored.push(upsert_initiative(&mut tx, sheet, &stamp).await?);
        }
        for chunk in stored.chunks(CHUNK) {
            replace_children(&mut tx, chunk).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }
}

async fn upsert_authority(tx: &mut Transaction<'_, Sqlite>, a: &Authority) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO authorities (code, kind, name, commune, departement, region, population) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name, commune = excluded.commune, \
         departement = excluded.departement, region = excluded.region, population = excluded.population",
    )
    .bind(&a.code)
    .bind(a.kind.as_str())
    .bind(&a.name)
    .bind(&a.commune)
    .bind(&a.departement)
    .bind(&a.region)
    .bind(i64::from(a.population))
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM label_awards WHERE authority = ?").bind(&a.code).execute(&mut **tx).await?;
    if !a.awards.is_empty() {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO label_awards (authority, year, arobases, mentions) ");
        insert.push_values(&a.awards, |mut b, award| {
            let mentions = serde_json::to_string(&award.mentions).expect("strings serialize");
            b.push_bind(&a.code).push_bind(i64::from(award.year)).push_bind(i64::from(award.arobases)).push_bind(mentions);
        });
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert_initiative(tx: &mut Transaction<'_, Sqlite>, s: NewInitiative, stamp: &str) -> Result<Initiative, StoreError> {
    let row = sqlx::query(
        "INSERT INTO initiatives (source, external_id, authority, title, summary, body, year, website, status, sample, \
         created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (source, external_id) DO UPDATE SET authority = excluded.authority, title = excluded.title, \
         summary = excluded.summary, body = excluded.body, year = excluded.year, website = excluded.website, \
         status = excluded.status, sample = excluded.sample, updated_at = excluded.updated_at, updated_by = excluded.updated_by \
         RETURNING id, created_at",
    )
    .bind(&s.source)
    .bind(&s.external_id)
    .bind(&s.authority)
    .bind(&s.title)
    .bind(&s.summary)
    .bind(&s.body)
    .bind(i64::from(s.year))
    .bind(&s.website)
    .bind(s.status.as_str())
    .bind(s.sample)
    .bind(stamp)
    .bind(stamp)
    .bind(&s.updated_by)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Initiative { id: row.try_get(0)?, created_at: row.try_get(1)?, updated_at: stamp.to_owned(), sheet: s })
}

async fn replace_children(tx: &mut Transaction<'_, Sqlite>, sheets: &[Initiative]) -> Result<(), StoreError> {
    for table in ["initiative_services", "places"] {
        let mut delete = QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE initiative IN ("));
        let mut ids = delete.separated(", ");
        for s in sheets {
            ids.push_bind(s.id);
        }
        delete.push(")");
        delete.build().execute(&mut **tx).await?;
    }
    let services: Vec<(SheetId, usize, &String)> =
        sheets.iter().flat_map(|s| s.sheet.services.iter().enumerate().map(move |(i, code)| (s.id, i, code))).collect();
    for chunk in services.chunks(CHUNK) {
        let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO initiative_services (initiative, position, service) ");
        insert.push_values(chunk, |mut b, (id, pos, code)| {
            b.push_bind(*id).push_bind(*pos as i64).push_bind(*code);
        });
        insert.build().execute(&mut **tx).await?;
    }
    let places: Vec<(SheetId, usize, &Place)> =
        sheets.iter().flat_map(|s| s.sheet.places.iter().enumerate().map(move |(i, p)| (s.id, i, p))).collect();
    for chunk in places.chunks(CHUNK) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO places (initiative, position, label, address, postal_code, commune, lon, lat, precision, method) ",
        );
        insert.push_values(chunk, |mut b, (id, pos, p)| {
            b.push_bind(*id)
                .push_bind(*pos as i64)
                .push_bind(&p.label)
                .push_bind(&p.address)
                .push_bind(&p.postal_code)
                .push_bind(&p.commune)
                .push_bind(p.lon)
                .push_bind(p.lat)
                .push_bind(serde_name(&p.precision))
                .push_bind(serde_name(&p.method));
        });
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}
