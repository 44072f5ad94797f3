//! Start-up of the service: gazetteer and referential from files, the store, the sample sheets
//! on an empty store, then the in-memory index. Shared by `atlaas serve` and the tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};

use super::health::{FeedHealth, FeedState};
use super::live::LiveIndex;
use super::reads::{IndexReads, PostgisReads, Reads};
use super::snapshot::SavedIndex;
use super::work::Work;
use super::{AppState, Shared, build_index, replica};
use crate::archive::mbtiles::Archive;
use crate::basemap::{self, BasemapSlot, BasemapSource};
use crate::gazetteer::Gazetteer;
use crate::geocode::addresses::AddressBase;
use crate::index::SpatialIndex;
use crate::referential::Referential;
use crate::sample;
use crate::store::feed::{ChangeLog, PostgresFeed, SqliteFeed};
use crate::store::postgres::PostgresStore;
use crate::store::{self, Store, WriteBatch};
use crate::tiles::Tiles;
use crate::tiles::glyphs::Fonts;

/// The web pages of this checkout (`web/`, with MapLibre in `web/node_modules` once
/// `npm ci --prefix web` has run).
pub fn default_web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// What start-up needs to know.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub database_url: String,
    /// Folder with `gazetteer/` and `fonts/`.
    pub data_dir: PathBuf,
    /// The referential JSON file.
    pub referential: PathBuf,
    /// Sample sheets loaded on an empty store; `None` for none.
    pub sample: Option<SampleOptions>,
    /// Folder of the web pages.
    pub web_dir: PathBuf,
    /// Memory for cached tiles (0 for none).
    pub tile_cache_bytes: usize,
    /// An MBTiles archive to serve instead of live tiles.
    pub tiles_archive: Option<PathBuf>,
    /// Answer listings and nearby queries with PostGIS instead of the index.
    pub reads_from_postgis: bool,
    /// Folder of the national address base's files.
    pub addresses: Option<PathBuf>,
    /// A basemap under our layers.
    pub basemap: Option<BasemapSource>,
    /// Where the index is saved between runs ([`super::snapshot`]); `None` for nowhere.
    pub index_snapshot: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy)]
pub struct SampleOptions {
    pub count: usize,
    pub seed: u64,
}

/// Opens everything and builds the index; the returned state is ready to serve.
pub async fn start(options: &StartOptions) -> Result<AppState> {
    let t0 = Instant::now();
    let gazetteer = Arc::new(Gazetteer::load_data_dir(&options.data_dir).context("loading the gazetteer")?);
    tracing::info!(communes = gazetteer.communes().len(), elapsed_ms = t0.elapsed().as_millis() as u64, "gazetteer loaded");
    start_with_gazetteer(options, gazetteer).await
}

/// [`start`] with a gazetteer already loaded (tests share one between servers).
pub async fn start_with_gazetteer(options: &StartOptions, gazetteer: Arc<Gazetteer>) -> Result<AppState> {
    let t0 = Instant::now();
    let referential = Arc::new(Referential::load(&options.referential)?);
    // Before the index: a wrong basemap path must not wait for it to be built.
    let basemap = match &options.basemap {
        Some(source) => basemap::start(source).await?,
        None => Arc::new(BasemapSlot::default()),
    };
    let store = store::open(&options.database_url).await.with_context(|| format!("opening the store {}", options.database_url))?;
    store.save_referential(&referential).await.context("saving the referential")?;
    if let Some(s) = options.sample {
        fill_if_empty(store.as_ref(), &gazetteer, &referential, s).await?;
    }
    tracing::debug!(elapsed_ms = t0.elapsed().as_millis() as u64, "store open");
    // On PostgreSQL, other writers may share the store: the change feed's head is read before
    // the index, so that whatever is written meanwhile is caught up afterwards.
    // On SQLite, other processes may write the same file (`atlaas import`): its log is polled.
    let feed = if options.database_url.starts_with("postgres") {
        let feed = PostgresFeed::connect(&options.database_url)?;
        let head = feed.head().await.context("reading the change feed")?;
        Some((Feed::Postgres(feed), head))
    } else if !options.database_url.contains(":memory:") {
        let feed = SqliteFeed::open(&options.database_url).await.context("opening the change log")?;
        let head = feed.head().await.context("reading the change log")?;
        Some((Feed::Sqlite(feed), head))
    } else {
        None
    };
    let saved = saved_index(options, feed.as_ref().map(|f| &f.0)).await?;
    let head = feed.as_ref().map_or(0, |f| f.1);
    let (index, from_snapshot) = first_index(store.as_ref(), saved.as_deref(), head, &gazetteer, &referential).await?;
    let tiles = Arc::new(Tiles::new(gazetteer.clone(), options.tile_cache_bytes));
    tiles.prepare();
    let fonts_dir = options.data_dir.join("fonts");
    let fonts = Fonts::load(&fonts_dir)?;
    match fonts.label_font() {
        Some(font) => tracing::debug!(font, "labels drawn with"),
        None => tracing::warn!(dir = %fonts_dir.display(), "no font in the fonts folder: the map style has no labels"),
    }
    let archive = match &options.tiles_archive {
        Some(path) => {
            let archive = Archive::open(path).await.with_context(|| format!("opening the tile archive {}", path.display()))?;
            tracing::info!(path = %path.display(), "serving tiles from the archive");
            Some(Arc::new(archive))
        }
        None => None,
    };
    let health = feed.as_ref().map(|(_, head)| Arc::new(FeedHealth::new(*head)));
    let index = Arc::new(LiveIndex::new(index));
    let on_postgres = matches!(feed, Some((Feed::Postgres(_), _)));
    let work = Arc::new(Work::per_core());
    let reads = reads(options, on_postgres, &work).await?;
    let state = AppState::new(Shared {
        store,
        index,
        gazetteer,
        referential,
        tiles,
        fonts: Arc::new(fonts),
        addresses: addresses(options)?,
        basemap,
        reads,
        web_dir: Arc::new(options.web_dir.clone()),
        archive,
        feed: health.clone(),
        work,
        imports: Arc::default(),
        saved_index: saved.clone(),
    });
    let applied = match (&feed, from_snapshot) {
        // Whatever was written since the snapshot is in the index before anything is answered.
        (Some((feed, _)), Some(at)) => catch_up_from_snapshot(&state, feed.log(), at).await?,
        _ => head,
    };
    tracing::info!(
        sheets = state.index().len(),
        places = state.index().place_count(),
        elapsed_ms = t0.elapsed().as_millis() as u64,
        "ready"
    );
    log_memory(&state.index());
    if let (Some(saved), None) = (&saved, from_snapshot) {
        save_in_background(saved.clone(), state.index(), head);
    }
    match (feed, health) {
        (Some((Feed::Postgres(feed), _)), Some(health)) => replica::follow(state.clone(), feed, applied, health),
        (Some((Feed::Sqlite(feed), _)), Some(health)) => replica::follow_file(state.clone(), feed, applied, health),
        _ => {}
    }
    Ok(state)
}

/// The snapshot file of this server, when it follows a change log (positions in it are what
/// tell a snapshot's age) and one is asked for.
async fn saved_index(options: &StartOptions, feed: Option<&Feed>) -> Result<Option<Arc<SavedIndex>>> {
    let (Some(feed), Some(path)) = (feed, &options.index_snapshot) else { return Ok(None) };
    let log: Box<dyn ChangeLog> = match feed {
        Feed::Postgres(_) => Box::new(PostgresFeed::connect(&options.database_url)?),
        Feed::Sqlite(_) => Box::new(SqliteFeed::open(&options.database_url).await?),
    };
    Ok(Some(Arc::new(SavedIndex::new(path.clone(), log))))
}

/// The index to start from, with the log entry it holds when it is a snapshot's: the saved
/// one when it may be used, else one built from the store.
async fn first_index(
    store: &dyn Store,
    saved: Option<&SavedIndex>,
    head: i64,
    gazetteer: &Arc<Gazetteer>,
    referential: &Arc<Referential>,
) -> Result<(SpatialIndex, Option<i64>)> {
    if let Some(saved) = saved
        && let Some((index, at)) = saved.load(head, gazetteer, referential).await
    {
        return Ok((index, Some(at)));
    }
    Ok((build_index(store, gazetteer.clone(), referential.clone()).await?, None))
}

/// Saves an index just built from the store (which holds the log up to `head`) while the
/// server starts serving.
fn save_in_background(saved: Arc<SavedIndex>, index: Arc<SpatialIndex>, head: i64) {
    tokio::spawn(async move {
        if let Err(e) = saved.save(index, head).await {
            tracing::warn!(path = %saved.path().display(), error = %format!("{e:#}"), "index snapshot not saved");
        }
    });
}

/// Applies the log entries written after a snapshot's; returns the last one applied.
async fn catch_up_from_snapshot(state: &AppState, log: &dyn ChangeLog, from: i64) -> Result<i64> {
    let t = Instant::now();
    let mut unreadable = std::collections::BTreeSet::new();
    let applied = replica::catch_up(state, log, from, &mut unreadable).await.context("catching up with the change log")?;
    if let Some(health) = &state.feed {
        health.set(FeedState::Live { applied, unreadable });
    }
    tracing::debug!(from, to = applied, elapsed_ms = t.elapsed().as_millis() as u64, "caught up since the snapshot");
    Ok(applied)
}

/// The address base of `--addresses`, its files read in the background.
fn addresses(options: &StartOptions) -> Result<Option<Arc<AddressBase>>> {
    let Some(dir) = &options.addresses else { return Ok(None) };
    let base = Arc::new(AddressBase::open(dir)?);
    let preloaded = base.clone();
    tokio::task::spawn_blocking(move || preloaded.preload());
    Ok(Some(base))
}

/// Where the index's memory goes, for `RUST_LOG=atlaas=debug`.
fn log_memory(index: &SpatialIndex) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let (m, mb) = (index.memory(), |b: usize| b >> 20);
    tracing::debug!(
        total_mb = mb(m.total()),
        sheets_mb = mb(m.sheets),
        sheet_heap_mb = mb(m.sheet_heap),
        zorder_mb = mb(m.zorder),
        text_mb = mb(m.text),
        lists_mb = mb(m.lists),
        authorities_mb = mb(m.authorities),
        "index memory"
    );
}

/// The change log a server follows.
enum Feed {
    Postgres(PostgresFeed),
    Sqlite(SqliteFeed),
}

impl Feed {
    fn log(&self) -> &dyn ChangeLog {
        match self {
            Feed::Postgres(feed) => feed,
            Feed::Sqlite(feed) => feed,
        }
    }
}

/// Loads the sample sheets into a store that holds no sheet.
async fn fill_if_empty(store: &dyn Store, gazetteer: &Gazetteer, referential: &Referential, s: SampleOptions) -> Result<()> {
    if store.count_initiatives().await? > 0 {
        return Ok(());
    }
    let t = Instant::now();
    let generated = sample::generate(gazetteer, referential, s.count, s.seed);
    store
        .write(WriteBatch { authorities: generated.authorities, initiatives: generated.initiatives, ..Default::default() })
        .await
        .context("loading sample sheets")?;
    tracing::info!(count = s.count, seed = s.seed, elapsed_ms = t.elapsed().as_millis() as u64, "empty store: sample sheets loaded");
    Ok(())
}

/// What answers listings and nearby: the index, or PostGIS (which needs a PostgreSQL store).
async fn reads(options: &StartOptions, on_postgres: bool, work: &Arc<Work>) -> Result<Arc<dyn Reads>> {
    Ok(match (options.reads_from_postgis, on_postgres) {
        (false, _) => Arc::new(IndexReads { work: work.clone() }),
        (true, true) => Arc::new(PostgisReads { store: PostgresStore::open(&options.database_url).await? }),
        (true, false) => anyhow::bail!("reads from PostGIS need a postgres:// database URL"),
    })
}
