//! What the change-feed follower tells `/health`: following (and which stored sheets it could
//! not read), or not since when and why. The public gets reason codes; the database's own
//! words, which may name its hosts and tables, go to the log only.

use std::collections::BTreeSet;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::model::SheetId;

/// Why the feed is not followed, as `/health` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DownReason {
    /// The database does not answer.
    DatabaseUnreachable,
    /// The connection that carries the notifications was lost.
    ConnectionLost,
    /// Rebuilding the index from the store failed.
    ResyncFailed,
}

/// The state of the change feed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FeedState {
    /// Following: the last log entry applied, and the sheets whose stored rows cannot be read
    /// (changed by hand, say): the index keeps their last good version until they are fixed.
    Live {
        applied: i64,
        #[serde(skip_serializing_if = "BTreeSet::is_empty")]
        unreadable: BTreeSet<SheetId>,
    },
    /// Not following since `since`, for `reason`; reads come from memory.
    Down {
        reason: DownReason,
        #[serde(skip)]
        since: Instant,
    },
}

/// Shared between the follower, which sets it, and `/health` and `/metrics`, which read it.
#[derive(Debug)]
pub struct FeedHealth {
    state: RwLock<FeedState>,
    /// When the follower last read the log to its end (milliseconds since 1970): how stale
    /// this server's index may be is the time since.
    caught_up_ms: AtomicU64,
}

impl FeedHealth {
    pub fn new(applied: i64) -> Self {
        let health =
            FeedHealth { state: RwLock::new(FeedState::Live { applied, unreadable: BTreeSet::new() }), caught_up_ms: AtomicU64::new(0) };
        health.mark_caught_up();
        health
    }

    pub fn get(&self) -> FeedState {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// When the index last caught up with the log, in seconds since 1970.
    pub fn caught_up_at(&self) -> f64 {
        self.caught_up_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// Sets the state; a live one means the log was just read to its end.
    pub(crate) fn set(&self, state: FeedState) {
        let live = matches!(state, FeedState::Live { .. });
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = state;
        if live {
            self.mark_caught_up();
        }
    }

    fn mark_caught_up(&self) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        self.caught_up_ms.store(now, Ordering::Relaxed);
    }

    /// Marks the feed down: the detail is logged (once per reason, then at debug level),
    /// `/health` gives the reason code and how long since the feed first went down.
    pub(crate) fn down(&self, reason: DownReason, detail: &dyn std::fmt::Display) {
        let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
        let since = match *s {
            FeedState::Down { reason: was, .. } if was == reason => {
                tracing::debug!(?reason, %detail, "change feed still not followed");
                return;
            }
            FeedState::Down { since, .. } => since,
            FeedState::Live { .. } => Instant::now(),
        };
        tracing::warn!(?reason, %detail, "change feed not followed; serving reads from memory");
        *s = FeedState::Down { reason, since };
    }
}
