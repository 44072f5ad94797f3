//! What the change-feed follower tells `/health`: following, or not since when and why.

use std::sync::RwLock;
use std::time::Instant;

use serde::Serialize;

/// The state of the change feed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FeedState {
    /// Following: the last log entry applied.
    Live { applied: i64 },
    /// Not following since `since`, for `reason`; reads come from memory.
    Down {
        reason: String,
        #[serde(skip)]
        since: Instant,
    },
}

/// Shared between the follower, which sets it, and `/health`, which reads it.
#[derive(Debug)]
pub struct FeedHealth(RwLock<FeedState>);

impl FeedHealth {
    pub fn new(applied: i64) -> Self {
        FeedHealth(RwLock::new(FeedState::Live { applied }))
    }

    pub fn get(&self) -> FeedState {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set(&self, state: FeedState) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// Marks the feed down (logged once, when it goes down; `since` is when it first did).
    pub(crate) fn down(&self, reason: String) {
        let mut s = self.0.write().unwrap_or_else(|e| e.into_inner());
        if !matches!(*s, FeedState::Down { .. }) {
            tracing::warn!(%reason, "change feed lost; serving reads from memory");
            *s = FeedState::Down { reason, since: Instant::now() };
        }
    }
}
