//! The application: what a running service holds (the store, the index, the tile cache and
//! the rest of [`AppState`]) and the one way to change it (apply what the store wrote to the
//! index, and drop the tiles that drew it), shared by the HTTP server, start-up ([`start`]),
//! the change-feed follower ([`replica`]) and the command line.
//!
//! Arrows point one way: the HTTP layer uses this module, this module uses the index, the
//! store and the tiles; nothing here knows HTTP.

pub mod health;
pub mod imports;
pub mod reads;
pub mod replica;
pub mod start;

use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::archive::mbtiles::Archive;
use crate::gazetteer::Gazetteer;
use crate::index::SpatialIndex;
use crate::model::{Authority, Initiative, SheetId};
use crate::referential::Referential;
use crate::store::Store;
use crate::tiles::Tiles;
use health::FeedHealth;
use reads::Reads;

/// What a running service holds; cheap to clone (every part is shared).
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub index: Arc<RwLock<SpatialIndex>>,
    pub gazetteer: Arc<Gazetteer>,
    pub referential: Arc<Referential>,
    pub tiles: Arc<Tiles>,
    /// What answers listings in id order and nearby queries: the index, or PostGIS
    /// (`--reads postgis`).
    pub reads: Arc<dyn Reads>,
    /// Folder of the web pages and of MapLibre's files.
    pub web_dir: Arc<PathBuf>,
    /// A tile archive served instead of live tiles (`--tiles-archive`).
    pub archive: Option<Arc<Archive>>,
    /// The PostgreSQL change feed this replica follows (none on SQLite).
    pub feed: Option<Arc<FeedHealth>>,
}

impl AppState {
    /// Read access to the index. A writer that panicked leaves data that is still consistent
    /// (each write replaces whole sheets), so a poisoned lock is read anyway.
    pub fn index(&self) -> RwLockReadGuard<'_, SpatialIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Brings the index in step with sheets just written to the store, and drops the cached
    /// tiles that draw them.
    pub fn apply_written(&self, sheets: &[Initiative]) {
        self.apply_changes(sheets, &[], &[]);
    }

    /// [`Self::apply_written`], plus sheets gone from the store and authorities changed (whose
    /// @ every tile may show: the tile cache is emptied).
    pub fn apply_changes(&self, sheets: &[Initiative], removed: &[SheetId], authorities: &[Authority]) {
        let (touched, version) = {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            index.upsert_authorities(authorities);
            let mut touched = index.apply(sheets);
            for &id in removed {
                touched.extend(index.remove(id));
            }
            index.compact_text();
            (touched, index.version())
        };
        // After the index: a tile rendered meanwhile from the old one carries its older
        // version, and the cache refuses it.
        if authorities.is_empty() {
            let dropped = self.tiles.cache.invalidate(&touched, version);
            tracing::debug!(sheets = sheets.len(), removed = removed.len(), tiles_dropped = dropped, "index updated");
        } else {
            self.tiles.cache.clear(version);
        }
    }

    /// Brings the index in step with one sheet written through the API, and with its authority
    /// when the index does not know it yet (the first sheet of an authority new to the store).
    pub async fn apply_written_sheet(&self, sheet: &Initiative) -> Result<(), crate::store::StoreError> {
        let known = self.index().authority_row_of(&sheet.sheet.authority).is_some();
        let authorities = if known { vec![] } else { self.store.authority(&sheet.sheet.authority).await?.into_iter().collect() };
        self.apply_changes(std::slice::from_ref(sheet), &[], &authorities);
        Ok(())
    }

    /// Swaps in an index rebuilt from the store, and forgets every cached tile.
    pub fn replace_index(&self, mut index: SpatialIndex) {
        let version = {
            let mut current = self.index.write().unwrap_or_else(|e| e.into_inner());
            index.succeed(&current);
            let version = index.version();
            *current = index;
            version
        };
        self.tiles.cache.clear(version);
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
    tracing::debug!(elapsed_ms = t.elapsed().as_millis() as u64, "R-trees bulk-loaded");
    Ok(index)
}
