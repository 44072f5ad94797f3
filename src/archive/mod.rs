//! Tile archives: a pyramid of the live tiles written to one file for static hosting, and
//! read back by a server that serves a fixed pyramid instead of live tiles.
//!
//! Kept apart from [`crate::tiles`], which makes tiles and knows nothing of storage: an archive
//! is a storage format (MBTiles is an SQLite file), filled by calling the tile maker.

pub mod mbtiles;
