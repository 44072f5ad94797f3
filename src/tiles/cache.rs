//! A bounded in-memory cache of encoded tiles, and the rule that says which tiles a write
//! touches.
//!
//! Entries are keyed by tile and by the request's filter. When the cache outgrows its byte
//! budget (tiles and keys: a filter's query string may be long), the least recently used
//! quarter goes; past [`MAX_FILTERS`] distinct filters, tiles of a new one are not kept. A write drops exactly the tiles that can
//! draw the places it changed: at every zoom, the tile holding the place's cluster cell and
//! the neighbours whose buffer reaches that cell.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use super::initiatives::CELL_BITS;
use super::{MAX_ZOOM, TileId};
use crate::hash::{Fnv1a, fnv1a};

/// A tile ready to send, plain and gzip-compressed. The bytes are shared, not copied, with
/// each response that sends them and with tiles made of the same part.
#[derive(Debug)]
pub struct CachedTile {
    pub raw: Bytes,
    pub gzip: Bytes,
    /// FNV-1a of the plain bytes: the ETag, the same on every replica and shared by both
    /// encodings (the gzip one adds `-gz`).
    pub hash: u64,
}

impl CachedTile {
    pub fn new(raw: Vec<u8>) -> Self {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 2), flate2::Compression::fast());
        gz.write_all(&raw).expect("writing to memory");
        let gzip = gz.finish().expect("writing to memory");
        CachedTile { hash: fnv1a(&raw), raw: raw.into(), gzip: gzip.into() }
    }

    /// A tile whose gzip form exists already (read from an archive).
    pub fn from_parts(raw: Vec<u8>, gzip: Vec<u8>) -> Self {
        CachedTile { hash: fnv1a(&raw), raw: raw.into(), gzip: gzip.into() }
    }

    /// A tile of freshly drawn data layers followed by a part drawn before (its boundary
    /// layer), whose gzip the caller joined. The ETag hashes the data and then the part's own
    /// hash rather than the part's bytes again: the same tile gets the same ETag on every
    /// replica, and the part's kilobytes are not hashed once per tile. Without data, the
    /// tile's bytes are the part's own.
    pub fn joined(data: &[u8], part: &CachedTile, gzip: Bytes) -> Self {
        let mut h = Fnv1a::default();
        h.write(data);
        h.write(&part.hash.to_le_bytes());
        let raw = if data.is_empty() { part.raw.clone() } else { [data, &part.raw].concat().into() };
        CachedTile { hash: h.finish(), raw, gzip }
    }

    /// A tile kept only in plain form (parts of tiles, exports).
    pub fn plain(raw: Vec<u8>) -> Self {
        CachedTile { hash: fnv1a(&raw), raw: raw.into(), gzip: Bytes::new() }
    }

    fn bytes(&self) -> usize {
        self.raw.len() + self.gzip.len() + 64
    }
}

struct Entry {
    tile: Arc<CachedTile>,
    used: AtomicU64,
}

/// Distinct filters whose tiles are kept: the map's own filter combinations are a few dozen
/// at a time, a client making up a new query string for every request is not worth caching.
pub const MAX_FILTERS: usize = 1024;

/// What an entry weighs in the budget: its tile, and its key.
fn cost(filter: &str, tile: &CachedTile) -> usize {
    tile.bytes() + filter.len()
}

#[derive(Default)]
struct Inner {
    tiles: HashMap<TileId, HashMap<String, Entry>>,
    bytes: usize,
    /// The index version of the latest invalidation: a tile made from an older index may
    /// draw what that invalidation dropped, and is not kept.
    version: u64,
    /// Entries of each distinct filter.
    filters: HashMap<String, usize>,
}

impl Inner {
    /// Takes an entry's weight and its filter's count out, once the entry is removed.
    fn forget(&mut self, filter: &str, tile: &CachedTile) {
        self.bytes -= cost(filter, tile);
        if let Some(n) = self.filters.get_mut(filter) {
            *n -= 1;
            if *n == 0 {
                self.filters.remove(filter);
            }
        }
    }
}

pub struct TileCache {
    inner: RwLock<Inner>,
    budget: usize,
    clock: AtomicU64,
    counts: Counts,
}

/// What the cache did since the process started, for `/metrics`.
#[derive(Default)]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
    evicted: AtomicU64,
    invalidated: AtomicU64,
}

/// A reading of the cache: its counters since start-up and what it holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Entries dropped to stay within the budget.
    pub evicted: u64,
    /// Entries dropped because the sheets they draw changed (an emptied cache included).
    pub invalidated: u64,
    pub entries: usize,
    pub bytes: usize,
    pub budget: usize,
}

impl TileCache {
    /// A cache holding at most `budget` bytes of tiles.
    pub fn new(budget: usize) -> Self {
        TileCache { inner: RwLock::default(), budget, clock: AtomicU64::new(0), counts: Counts::default() }
    }

    pub fn get(&self, tile: TileId, filter: &str) -> Option<Arc<CachedTile>> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = inner.tiles.get(&tile).and_then(|entries| entries.get(filter)) else {
            self.counts.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        self.counts.hits.fetch_add(1, Ordering::Relaxed);
        entry.used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(entry.tile.clone())
    }

    pub fn stats(&self) -> CacheStats {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        CacheStats {
            hits: self.counts.hits.load(Ordering::Relaxed),
            misses: self.counts.misses.load(Ordering::Relaxed),
            evicted: self.counts.evicted.load(Ordering::Relaxed),
            invalidated: self.counts.invalidated.load(Ordering::Relaxed),
            entries: inner.tiles.values().map(HashMap::len).sum(),
            bytes: inner.bytes,
            budget: self.budget,
        }
    }

    /// Keeps a tile made from the index at `version`, unless the index has changed since in a
    /// way the cache was told about (a tile rendered while a write was applied).
    pub fn insert(&self, tile: TileId, filter: &str, value: Arc<CachedTile>, version: u64) {
        if value.bytes() > self.budget {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if version < inner.version {
            return;
        }
        if !inner.filters.contains_key(filter) && inner.filters.len() >= MAX_FILTERS {
            return;
        }
        inner.bytes += cost(filter, &value);
        *inner.filters.entry(filter.to_owned()).or_default() += 1;
        let entry = Entry { tile: value, used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)) };
        if let Some(old) = inner.tiles.entry(tile).or_default().insert(filter.to_owned(), entry) {
            inner.forget(filter, &old.tile);
        }
        if inner.bytes > self.budget {
            let evicted = evict(&mut inner, self.budget * 3 / 4);
            self.counts.evicted.fetch_add(evicted, Ordering::Relaxed);
        }
    }

    /// Drops the cached tiles that draw any of these `[lon, lat]` positions, changed in the
    /// index at `version`; returns how many.
    pub fn invalidate(&self, touched: &[[f64; 2]], version: u64) -> usize {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.version = inner.version.max(version);
        let mut dropped = 0;
        for &[lon, lat] in touched {
            for z in 0..=MAX_ZOOM {
                for tile in tiles_drawing(z, lon, lat) {
                    if let Some(entries) = inner.tiles.remove(&tile) {
                        dropped += entries.len();
                        for (filter, e) in &entries {
                            inner.forget(filter, &e.tile);
                        }
                    }
                }
            }
        }
        self.counts.invalidated.fetch_add(dropped as u64, Ordering::Relaxed);
        dropped
    }

    /// Drops everything (after a change that every tile may show, such as an authority's @),
    /// made in the index at `version`.
    pub fn clear(&self, version: u64) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let version = inner.version.max(version);
        let dropped: usize = inner.tiles.values().map(HashMap::len).sum();
        self.counts.invalidated.fetch_add(dropped as u64, Ordering::Relaxed);
        *inner = Inner { version, ..Inner::default() };
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).tiles.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drops the least recently used entries until the cache weighs `target` at most; how many.
fn evict(inner: &mut Inner, target: usize) -> u64 {
    let mut evicted = 0;
    let mut ages: Vec<(u64, TileId, String)> = inner
        .tiles
        .iter()
        .flat_map(|(t, entries)| entries.iter().map(move |(k, e)| (e.used.load(Ordering::Relaxed), *t, k.clone())))
        .collect();
    ages.sort_unstable_by_key(|(used, ..)| *used);
    for (_, tile, key) in ages {
        if inner.bytes <= target {
            break;
        }
        let Some(entries) = inner.tiles.get_mut(&tile) else { continue };
        let removed = entries.remove(&key);
        if entries.is_empty() {
            inner.tiles.remove(&tile);
        }
        if let Some(e) = removed {
            inner.forget(&key, &e.tile);
            evicted += 1;
        }
    }
    evicted
}

/// The tiles of zoom `z` that can draw a place at `[lon, lat]`: the one holding it, and the
/// neighbours whose buffer (one cell wide) reaches the cell holding it.
pub fn tiles_drawing(z: u8, lon: f64, lat: f64) -> impl Iterator<Item = TileId> {
    let own = TileId::containing(z, lon, lat);
    let deep = TileId::containing(z + CELL_BITS, lon, lat);
    let last_cell = (1u32 << CELL_BITS) - 1;
    let side = |cell: u32| -> i64 {
        match cell & last_cell {
            0 => -1,
            c if c == last_cell => 1,
            _ => 0,
        }
    };
    let (sx, sy) = (side(deep.x), side(deep.y));
    let n = 1i64 << z;
    let mut out = vec![own];
    for (dx, dy) in [(sx, 0), (0, sy), (sx, sy)] {
        let (x, y) = (own.x as i64 + dx, own.y as i64 + dy);
        if (dx, dy) != (0, 0) && (0..n).contains(&x) && (0..n).contains(&y) {
            out.push(TileId { z, x: x as u32, y: y as u32 });
        }
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(bytes: usize) -> Arc<CachedTile> {
        Arc::new(CachedTile::new(vec![7; bytes]))
    }

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let cache = TileCache::new(10_000);
        let id = |x| TileId { z: 10, x, y: 0 };
        // Each tile weighs a little over 1,000 bytes: twelve overflow the budget.
        for x in 0..12 {
            cache.insert(id(x), "", tile(1000), 0);
            cache.get(id(0), "").expect("the first tile is kept warm");
        }
        assert!(cache.get(id(0), "").is_some(), "recently used");
        assert!(cache.get(id(1), "").is_none(), "least recently used goes first");
        let stats = cache.stats();
        assert!(stats.bytes <= 10_000);
        assert_eq!((stats.hits, stats.misses), (13, 1));
        assert_eq!(stats.entries as u64 + stats.evicted, 12, "{stats:?}");
        assert!(stats.evicted >= 2, "{stats:?}");
    }

    #[test]
    fn a_write_drops_the_tiles_that_draw_it_and_no_other() {
        let cache = TileCache::new(1 << 20);
        let marck = TileId::containing(12, 1.9557, 50.9491);
        let elsewhere = TileId::containing(12, 5.3698, 43.2965);
        cache.insert(marck, "", tile(10), 0);
        cache.insert(marck, "theme=1", tile(10), 0);
        cache.insert(elsewhere, "", tile(10), 0);
        assert_eq!(cache.invalidate(&[[1.9557, 50.9491]], 1), 2);
        assert!(cache.get(elsewhere, "").is_some());
        assert_eq!(cache.len(), 1);
        cache.clear(2);
        assert_eq!((cache.stats().invalidated, cache.stats().entries, cache.stats().bytes), (3, 0, 0));
    }

    /// A tile rendered from the index before a write, and offered to the cache after the
    /// write's invalidation, would show the old content until the next write there.
    #[test]
    fn a_tile_made_before_the_latest_change_is_not_kept() {
        let cache = TileCache::new(1 << 20);
        let marck = TileId::containing(12, 1.9557, 50.9491);
        cache.invalidate(&[[1.9557, 50.9491]], 5);
        cache.insert(marck, "", tile(10), 4);
        assert!(cache.get(marck, "").is_none(), "made from version 4, after the change of version 5");
        cache.insert(marck, "", tile(10), 5);
        assert!(cache.get(marck, "").is_some());
        // An invalidation that arrives late does not take the version back.
        cache.invalidate(&[], 3);
        cache.insert(marck, "theme=1", tile(10), 4);
        assert!(cache.get(marck, "theme=1").is_none());
        // Nor does clearing.
        cache.clear(2);
        cache.insert(marck, "", tile(10), 4);
        assert!(cache.is_empty());
    }

    /// Long query strings weigh what they are, and a flood of new filters is not kept.
    #[test]
    fn keys_count_in_the_budget_and_new_filters_are_capped() {
        let cache = TileCache::new(1 << 20);
        let id = TileId { z: 10, x: 0, y: 0 };
        let long = "q=".to_owned() + &"x".repeat(100_000);
        cache.insert(id, &long, tile(10), 0);
        assert!(cache.inner.read().unwrap().bytes > 100_000, "the key is counted");
        cache.invalidate(&[], 0);
        cache.clear(0);
        for n in 0..MAX_FILTERS + 10 {
            cache.insert(id, &format!("theme={n}"), tile(10), 0);
        }
        assert_eq!(cache.len(), MAX_FILTERS, "tiles of the filters past the cap are not kept");
        // A filter already cached still takes more tiles; once the tiles go, a new one may come.
        cache.insert(TileId { z: 10, x: 1, y: 0 }, "theme=0", tile(10), 0);
        assert_eq!(cache.len(), MAX_FILTERS + 1);
        cache.insert(id, "theme=new", tile(10), 0);
        assert!(cache.get(id, "theme=new").is_none());
        {
            let inner = cache.inner.read().unwrap();
            assert_eq!(inner.filters.values().sum::<usize>(), inner.tiles.values().map(HashMap::len).sum::<usize>());
        }
        cache.clear(0);
        cache.insert(id, "theme=new", tile(10), 0);
        assert!(cache.get(id, "theme=new").is_some());
    }

    #[test]
    fn a_place_on_a_tile_edge_also_touches_the_neighbour() {
        // Just inside the west edge of a zoom-4 tile.
        let t = TileId { z: 4, x: 8, y: 5 };
        let [west, south, _, north] = t.bounds(0.0);
        let lon = west + 1e-6;
        let lat = (south + north) / 2.0;
        let drawn: Vec<TileId> = tiles_drawing(4, lon, lat).collect();
        assert!(drawn.contains(&t) && drawn.contains(&TileId { z: 4, x: 7, y: 5 }), "{drawn:?}");
        let middle: Vec<TileId> = tiles_drawing(4, (west + t.bounds(0.0)[2]) / 2.0, lat).collect();
        assert_eq!(middle, [t]);
    }
}
