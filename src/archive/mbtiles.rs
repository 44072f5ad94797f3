//! Tile archives in MBTiles 1.3 (an SQLite file: `metadata` and `tiles` tables, rows in the TMS
//! scheme, tile data gzip-compressed), for a server that serves a fixed pyramid instead of
//! live tiles (`atlaas serve --tiles-archive`) or for the many tools that read MBTiles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Row, SqliteConnection};

use super::{ArchiveError, ExportOptions, ExportReport, Pyramid, complete, partial, standard_metadata};
use crate::index::SpatialIndex;
use crate::tiles::{self, Boundaries, TileId};

/// Tiles inserted per statement.
const BATCH: usize = 200;

fn db_error(path: &Path) -> impl Fn(sqlx::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Database { path: path.display().to_string(), source }
}

/// Writes an MBTiles archive of the index's tiles. Boundaries are included.
pub async fn export(
    index: &SpatialIndex,
    boundaries: &Boundaries,
    out: &Path,
    options: &ExportOptions,
) -> Result<ExportReport, ArchiveError> {
    let mut pyramid = Pyramid::new(index, boundaries, options, |t| (u64::from(t.x) << 32) | u64::from(t.y))?;
    let partial = partial(out)?;
    let err = db_error(&partial);
    let url = format!("sqlite://{}", partial.display());
    let connect = SqliteConnectOptions::from_str(&url).map_err(&err)?.create_if_missing(true).journal_mode(SqliteJournalMode::Off);
    let mut db = SqliteConnection::connect_with(&connect).await.map_err(&err)?;
    sqlx::raw_sql(
        "CREATE TABLE metadata (name TEXT NOT NULL PRIMARY KEY, value TEXT);
         CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )
    .execute(&mut db)
    .await
    .map_err(&err)?;

    let mut tx = db.begin().await.map_err(&err)?;
    while let Some(batch) = pyramid.next_batch(BATCH) {
        insert(&mut tx, &batch).await.map_err(&err)?;
    }
    for (name, value) in &standard_metadata(index, options) {
        sqlx::query("INSERT INTO metadata (name, value) VALUES (?, ?)").bind(name).bind(value).execute(&mut *tx).await.map_err(&err)?;
    }
    tx.commit().await.map_err(&err)?;
    db.close().await.map_err(&err)?;
    complete(&partial, out)?;
    Ok(pyramid.report)
}

async fn insert(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, batch: &[(TileId, Vec<u8>)]) -> Result<(), sqlx::Error> {
    let mut q = sqlx::QueryBuilder::new("INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) ");
    q.push_values(batch, |mut row, (t, data)| {
        // MBTiles rows count from the south (TMS).
        let tms_row = (1u32 << t.z) - 1 - t.y;
        row.push_bind(t.z as i64).push_bind(t.x as i64).push_bind(tms_row as i64).push_bind(data.as_slice());
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

/// An MBTiles archive opened for serving.
pub struct Archive {
    pool: SqlitePool,
    path: PathBuf,
    pub metadata: BTreeMap<String, String>,
}

impl Archive {
    pub async fn open(path: &Path) -> Result<Self, ArchiveError> {
        if !path.is_file() {
            return Err(ArchiveError::Invalid(format!("{} is not a file", path.display())));
        }
        let err = db_error(path);
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display())).map_err(&err)?.read_only(true);
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(&err)?;
        let rows = sqlx::query("SELECT name, value FROM metadata").fetch_all(&pool).await.map_err(&err)?;
        let metadata: BTreeMap<String, String> =
            rows.iter().map(|r| (r.get::<String, _>(0), r.try_get::<String, _>(1).unwrap_or_default())).collect();
        if metadata.get("format").map(String::as_str) != Some("pbf") {
            return Err(ArchiveError::Invalid(format!("{} holds no vector tiles (metadata format is not pbf)", path.display())));
        }
        Ok(Archive { pool, path: path.to_owned(), metadata })
    }

    /// The gzip-compressed tile, or `None` when the archive does not hold it.
    pub async fn tile(&self, t: TileId) -> Result<Option<Vec<u8>>, ArchiveError> {
        let tms_row = (1u32 << t.z) - 1 - t.y;
        sqlx::query_scalar("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?")
            .bind(t.z as i64)
            .bind(t.x as i64)
            .bind(tms_row as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error(&self.path))
    }

    pub fn zoom_range(&self) -> (u8, u8) {
        let get = |k: &str, d: u8| self.metadata.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        (get("minzoom", 0), get("maxzoom", tiles::MAX_ZOOM))
    }

    /// The archive's `json` metadata (vector_layers), if any.
    pub fn json(&self) -> Option<Value> {
        self.metadata.get("json").and_then(|j| serde_json::from_str(j).ok())
    }
}
