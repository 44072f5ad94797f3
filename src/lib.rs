//! The Atlaas map service: French local authorities' digital initiatives on a national map.
//!
//! The parts, from the data to the server (docs/ARCHITECTURE.md draws them):
//! [`gazetteer`] (real French communes), [`referential`] (the classification of services),
//! [`geocode`] and [`import`] (files to checked, located sheets), [`sample`] (generated
//! sheets), [`store`] (the system of record, SQLite or PostGIS), [`index`] (the in-memory
//! Z-order of places and text index that answer reads), [`compare`] (related sheets, peers, mosaic),
//! [`tiles`] (vector tiles from the index), [`archive`] (tile pyramids in a file) and [`auth`]
//! (who may write: API tokens), [`basemap`] (an optional basemap under our layers); [`app`]
//! holds what a running service shares and keeps the index in step with the store, and
//! [`http`] is the axum server over it.
#![forbid(unsafe_code)]
// These docs are for the people who work on the service (`cargo doc --document-private-items`),
// so a public item may point at the private one that explains it.
#![allow(rustdoc::private_intra_doc_links)]

pub mod app;
pub mod archive;
pub mod auth;
pub mod basemap;
pub mod compare;
pub mod config;
pub mod contributions;
pub mod gazetteer;
pub mod geocode;
pub mod hash;
pub mod http;
pub mod import;
pub mod index;
pub mod label;
pub mod model;
pub mod referential;
pub mod sample;
pub mod store;
pub mod tiles;
