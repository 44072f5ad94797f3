//! The Atlaas map service: French local authorities' digital initiatives on a national map.
//!
//! The parts follow DESIGN.md's diagram: [`gazetteer`] (real French communes), [`referential`]
//! (the classification of services), [`sample`] (generated sheets), [`store`] (the system of
//! record), [`index`] (the in-memory R-trees that answer reads), [`tiles`] (vector tiles from
//! the index) and [`http`] (the axum server); [`replica`] keeps the index in step with a
//! PostgreSQL store that other writers share;
//! [`service`] wires them at start-up.
#![forbid(unsafe_code)]

pub mod compare;
pub mod config;
pub mod gazetteer;
pub mod geocode;
pub mod http;
pub mod import;
pub mod index;
pub mod model;
pub mod referential;
pub mod replica;
pub mod sample;
pub mod service;
pub mod store;
pub mod tiles;
