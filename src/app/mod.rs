//! The application: what a running service holds (the store, the index, the tile cache and
//! the rest of [`AppState`]) and the one way to change it (apply what the store wrote to the
//! index, and drop the tiles that drew it), shared by the HTTP server, start-up ([`start`]),
//! the change-feed follower ([`replica`]) and the command line.
//!
//! Arrows point one way: the HTTP layer uses this module, this module uses the index, the
//! store and the tiles; nothing here knows HTTP.

pub mod health;
pub mod imports;
pub mod live;
pub mod reads;
pub mod replica;
pub mod snapshot;
pub mod start;
pub mod work;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::archive::mbtiles::Archive;
use crate::basemap::BasemapSlot;
use crate::gazetteer::Gazetteer;
use crate::geocode::addresses::AddressBase;
use crate::index::SpatialIndex;
use crate::model::{Authority, Initiative, SheetId};
use crate::referential::Referential;
use crate::store::Store;
use crate::tiles::Tiles;
use crate::tiles::glyphs::Fonts;
use health::FeedHealth;
use live::{Applied, Change, LiveIndex};
use reads::Reads;
use work::Work;

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What a running service holds, read through (`state.tiles`). Every request clones it: one
/// shared count to bump, where a struct of a dozen shared parts cost a dozen counts bumped
/// and dropped by both cores, 5 % of a server drawing tiles (measured with `perf`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of an [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub index: Arc<LiveIndex>,
    pub gazetteer: Arc<Gazetteer>,
    pub referential: Arc<Referential>,
    pub tiles: Arc<Tiles>,
    /// The fonts of the map's labels.
    pub fonts: Arc<Fonts>,
    /// The basemap drawn under our layers (`--basemap`), once read.
    pub basemap: Arc<BasemapSlot>,
    /// The national address base (`--addresses`), for imports and contributors' places.
    pub addresses: Option<Arc<AddressBase>>,
    /// What answers listings in id order and nearby queries: the index, or PostGIS
    /// (`--reads postgis`).
    pub reads: Arc<dyn Reads>,
    /// Folder of the web pages and of MapLibre's files.
    pub web_dir: Arc<PathBuf>,
    /// A tile archive served instead of live tiles (`--tiles-archive`).
    pub archive: Option<Arc<Archive>>,
    /// The change log this server follows (PostgreSQL's, or the SQLite file's).
    pub feed: Option<Arc<FeedHealth>>,
    /// The threads where requests compute (see [`work`]).
    pub work: Arc<Work>,
    /// What the imports sent to this server did.
    pub imports: Arc<imports::ImportCounts>,
    /// Where this server saves its index between runs, if anywhere.
    pub saved_index: Option<Arc<snapshot::SavedIndex>>,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }

    /// The current index: one consistent view, kept for as long as it is held (see [`live`]).
    pub fn index(&self) -> Arc<SpatialIndex> {
        self.index.snapshot()
    }

    /// Brings the index in step with sheets just written to the store, and drops the cached
    /// tiles that draw them.
    pub async fn apply_written(&self, sheets: &[Initiative]) {
        self.apply_changes(sheets, &[], &[]).await;
    }

    /// [`Self::apply_written`], plus sheets gone from the store and authorities changed (whose
    /// @ every tile may show: the tile cache is emptied). The index is copied and changed on a
    /// blocking thread, not on the async workers that answer requests.
    pub async fn apply_changes(&self, sheets: &[Initiative], removed: &[SheetId], authorities: &[Authority]) {
        let state = self.clone();
        let change = Change { sheets: sheets.to_vec(), removed: removed.to_vec(), authorities: authorities.to_vec() };
        tokio::task::spawn_blocking(move || state.index.apply(change, |done| state.forget_tiles(done)))
            .await
            .expect("applying changes to the index does not panic");
    }

    /// Drops the cached tiles that drew what a batch of changes touched.
    fn forget_tiles(&self, done: &Applied) {
        if done.authorities {
            self.tiles.cache.clear(done.version);
            self.tiles.forget_authorities(done.version);
        } else {
            let dropped = self.tiles.cache.invalidate(&done.touched, done.version);
            tracing::debug!(sheets = done.sheets, tiles_dropped = dropped, "index updated");
        }
    }

    /// Brings the index in step with one sheet written through the API, and with its authority
    /// when the index does not know it yet (the first sheet of an authority new to the store).
    pub async fn apply_written_sheet(&self, sheet: &Initiative) -> Result<(), crate::store::StoreError> {
        let known = self.index().authority_row_of(&sheet.sheet.authority).is_some();
        let authorities = if known { vec![] } else { self.store.authority(&sheet.sheet.authority).await?.into_iter().collect() };
        self.apply_changes(std::slice::from_ref(sheet), &[], &authorities).await;
        Ok(())
    }

    /// Swaps in an index rebuilt from the store, and forgets every cached tile.
    pub fn replace_index(&self, index: SpatialIndex) {
        let version = self.index.replace(index);
        self.tiles.cache.clear(version);
        self.tiles.forget_authorities(version);
    }
}

/// Sheets read from the store at a time while building the index: whole sheets (with their
/// body) never sit in memory all at once.
const INDEX_PAGE: usize = 10_000;

/// Bulk-loads the index from the store's published sheets.
pub async fn build_index(store: &dyn Store, gazetteer: Arc<Gazetteer>, referential: Arc<Referential>) -> Result<SpatialIndex> {
    let authorities = store.authorities().await.context("reading authorities")?;
    let mut builder = SpatialIndex::builder(gazetteer, referential, &authorities);
    let mut after = None;
    loop {
        let page = store.published_initiatives(after, INDEX_PAGE).await.context("reading published sheets")?;
        builder.add(&page);
        match page.last() {
            Some(last) if page.len() == INDEX_PAGE => after = Some(last.id),
            _ => break,
        }
    }
    let t = Instant::now();
    let index = builder.finish();
    tracing::debug!(elapsed_ms = t.elapsed().as_millis() as u64, "Z-order and lists built");
    Ok(index)
}
