//! Tile archives in MBTiles 1.3 (an SQLite file: `metadata` and `tiles` tables, rows in the TMS
//! scheme, tile data gzip-compressed), for static hosting or for a server that serves a fixed
//! pyramid instead of live tiles (`atlaas serve --tiles-archive`).
//!
//! An export is written to `<out>.partial` and renamed at the end: a crash or a bad option
//! never leaves a half-written archive under the final name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Row, SqliteConnection};

use crate::index::{Filter, SpatialIndex};
use crate::model::Bbox;
use crate::tiles::{self, Boundaries, CachedTile, TileId, metadata, render};

/// Tiles inserted per statement.
const BATCH: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write or read the archive {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the archive {path}: {source}")]
    Database { path: String, source: sqlx::Error },
}

/// What to export.
pub struct ExportOptions {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Only tiles meeting this box (default: every commune's box).
    pub bbox: Option<Bbox>,
    pub filter: Filter,
    /// `metadata` rows added to (or replacing) the standard ones: name, description,
    /// attribution, bounds, center, json (vector_layers).
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
pub struct ExportReport {
    pub tiles: u64,
    pub empty_skipped: u64,
    pub bytes: u64,
    pub per_zoom: BTreeMap<u8, u64>,
}

/// The tiles of `zoom` that meet the communes (or `bbox`): the map's extent, overseas included,
/// without the empty ocean in between.
fn tiles_to_export(index: &SpatialIndex, zoom: u8, bbox: Option<&Bbox>) -> BTreeSet<(u32, u32)> {
    let mut out = BTreeSet::new();
    let boxes: Vec<[f64; 4]> = match bbox {
        Some(b) => vec![[b.min_lon, b.min_lat, b.max_lon, b.max_lat]],
        None => index.gazetteer().communes().iter().filter(|c| c.kind.is_current()).map(|c| c.bbox).collect(),
    };
    for [w, s, e, n] in boxes {
        let nw = TileId::containing(zoom, w, n);
        let se = TileId::containing(zoom, e, s);
        for x in nw.x..=se.x {
            for y in nw.y..=se.y {
                out.insert((x, y));
            }
        }
    }
    out
}

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
    if options.min_zoom > options.max_zoom || options.max_zoom > tiles::MAX_ZOOM {
        return Err(ArchiveError::Invalid(format!("zooms must satisfy 0 ≤ min ≤ max ≤ {}", tiles::MAX_ZOOM)));
    }
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let io = |source| ArchiveError::Io { path: partial.display().to_string(), source };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
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

    let mut report = ExportReport::default();
    let mut tx = db.begin().await.map_err(&err)?;
    for zoom in options.min_zoom..=options.max_zoom {
        let mut batch: Vec<(TileId, Vec<u8>)> = Vec::with_capacity(BATCH);
        for (x, y) in tiles_to_export(index, zoom, options.bbox.as_ref()) {
            let tile = TileId { z: zoom, x, y };
            let raw = render(index, Some(boundaries), tile, &options.filter);
            if raw.is_empty() {
                report.empty_skipped += 1;
                continue;
            }
            batch.push((tile, CachedTile::new(raw).gzip));
            if batch.len() == BATCH {
                insert(&mut tx, &batch, &mut report).await.map_err(&err)?;
                batch.clear();
            }
        }
        insert(&mut tx, &batch, &mut report).await.map_err(&err)?;
    }
    let mut metadata = standard_metadata(index, options);
    metadata.extend(options.metadata.clone());
    metadata.insert("format".into(), "pbf".into());
    metadata.insert("minzoom".into(), options.min_zoom.to_string());
    metadata.insert("maxzoom".into(), options.max_zoom.to_string());
    metadata.entry("type".into()).or_insert_with(|| "overlay".into());
    metadata.entry("version".into()).or_insert_with(|| "1".into());
    for (name, value) in &metadata {
        sqlx::query("INSERT INTO metadata (name, value) VALUES (?, ?)").bind(name).bind(value).execute(&mut *tx).await.map_err(&err)?;
    }
    tx.commit().await.map_err(&err)?;
    db.close().await.map_err(&err)?;
    std::fs::rename(&partial, out).map_err(io)?;
    Ok(report)
}

/// The metadata rows MBTiles readers expect, from the index and the options.
fn standard_metadata(index: &SpatialIndex, options: &ExportOptions) -> BTreeMap<String, String> {
    let [w, s, e, n] =
        options.bbox.map(|b| [b.min_lon, b.min_lat, b.max_lon, b.max_lat]).unwrap_or_else(|| metadata::france_bounds(index.gazetteer()));
    let center_zoom = options.min_zoom.max(5).min(options.max_zoom);
    BTreeMap::from([
        ("name".to_owned(), "atlaas".to_owned()),
        ("description".to_owned(), metadata::DESCRIPTION.to_owned()),
        ("attribution".to_owned(), metadata::attribution(index.all_sample())),
        ("bounds".to_owned(), format!("{w},{s},{e},{n}")),
        ("center".to_owned(), format!("2.35,46.6,{center_zoom}")),
        ("json".to_owned(), serde_json::json!({ "vector_layers": metadata::vector_layers(index.referential()) }).to_string()),
    ])
}

async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    batch: &[(TileId, Vec<u8>)],
    report: &mut ExportReport,
) -> Result<(), sqlx::Error> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut q = sqlx::QueryBuilder::new("INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) ");
    q.push_values(batch, |mut row, (t, data)| {
        // MBTiles rows count from the south (TMS).
        let tms_row = (1u32 << t.z) - 1 - t.y;
        row.push_bind(t.z as i64).push_bind(t.x as i64).push_bind(tms_row as i64).push_bind(data.as_slice());
    });
    q.build().execute(&mut **tx).await?;
    for (t, data) in batch {
        report.tiles += 1;
        report.bytes += data.len() as u64;
        *report.per_zoom.entry(t.z).or_default() += 1;
    }
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
