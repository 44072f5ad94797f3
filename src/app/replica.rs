//! Keeps this server's index in step with a store that other writers share: on PostgreSQL,
//! other replicas, `atlaas sample`, a person with psql; on a SQLite file, `atlaas import` or
//! `atlaas sample` run beside the server ([`follow_file`], which polls the same log).
//!
//! The database logs every change in order (`changes`, filled by triggers) and raises
//! `atlaas_changes` once per writing transaction. Notifications are only a wake-up: on each,
//! and every few seconds in case one was missed, the follower reads the log past the last
//! entry it applied, reloads the sheets and authorities named there, and applies them (which
//! also drops the cached tiles that drew them). When the connection is lost, the server keeps
//! answering from memory, `/health` says so with a 503, and the follower reconnects with a
//! growing delay; once back, it rebuilds the whole index from the store (whatever happened
//! meanwhile, even to the log) and catches up from where the rebuild started.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::AppState;
use super::build_index;
use super::health::{DownReason, FeedHealth, FeedState};
use crate::model::SheetId;
use crate::store::StoreError;
use crate::store::feed::{ChangeLog, PostgresFeed, SqliteFeed};

/// Entries read from the log at a time.
const PAGE: usize = 5_000;
/// How often the log is read without a notification: the bound on a missed one's delay.
const POLL: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Starts following the feed from log entry `applied` (the head read before the index was
/// built), reporting to `health` (the one in `state`).
pub fn follow(state: AppState, feed: PostgresFeed, applied: i64, health: Arc<FeedHealth>) {
    tokio::spawn(run(state, feed, applied, health));
}

async fn run(state: AppState, feed: PostgresFeed, mut applied: i64, health: Arc<FeedHealth>) {
    let mut backoff = Duration::from_millis(200);
    let mut lost = false;
    loop {
        let mut listener = match feed.listen().await {
            Ok(l) => l,
            Err(e) => {
                health.down(DownReason::DatabaseUnreachable, &e);
                lost = true;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        if lost {
            match resync(&state, &feed).await {
                Ok(head) => {
                    applied = head;
                    tracing::info!(applied, "change feed back: index rebuilt from the store");
                }
                Err(e) => {
                    // The last good index keeps serving; a rebuild is costly, so wait longer each time.
                    health.down(DownReason::ResyncFailed, &format!("{e:#}"));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        backoff = Duration::from_millis(200);
        match follow_until_lost(&state, &feed, &mut listener, &mut applied, &health).await {
            Ok(()) => unreachable!("following ends only on an error"),
            Err(e) => {
                health.down(DownReason::ConnectionLost, &format!("{e:#}"));
                lost = true;
            }
        }
    }
}

/// Applies the log on every notification and every [`POLL`]; returns when the connection fails.
async fn follow_until_lost(
    state: &AppState,
    feed: &PostgresFeed,
    listener: &mut PgListener,
    applied: &mut i64,
    health: &FeedHealth,
) -> anyhow::Result<()> {
    let mut unreadable = BTreeSet::new();
    loop {
        *applied = catch_up(state, feed, *applied, &mut unreadable).await?;
        health.set(FeedState::Live { applied: *applied, unreadable: unreadable.clone() });
        tokio::select! {
            n = listener.try_recv() => match n {
                Ok(Some(_)) => {}
                // The connection dropped; what was said meanwhile is lost.
                Ok(None) => anyhow::bail!("the notification connection was lost"),
                Err(e) => return Err(e.into()),
            },
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Reads the log after `applied` and applies what it names; returns the last entry applied.
/// A sheet whose stored row cannot be read is left as the index has it, named in the log and
/// in `unreadable` (until a later change makes it readable): one bad row must not stop the
/// feed, nor make it rebuild the index again and again.
pub async fn catch_up(
    state: &AppState,
    feed: &dyn ChangeLog,
    mut applied: i64,
    unreadable: &mut BTreeSet<SheetId>,
) -> Result<i64, StoreError> {
    loop {
        let changes = feed.after(applied, PAGE).await?;
        let Some(last) = changes.last() else { return Ok(applied) };
        let last = last.seq;
        let sheets: BTreeSet<_> = changes.iter().filter_map(|c| c.initiative).collect();
        let codes: BTreeSet<_> = changes.iter().filter_map(|c| c.authority.clone()).collect();
        let mut authorities = Vec::with_capacity(codes.len());
        for code in &codes {
            match state.store.authority(code).await {
                Ok(found) => authorities.extend(found),
                Err(StoreError::Corrupt(detail)) => {
                    tracing::error!(authority = %code, %detail, "stored authority unreadable: left as it was")
                }
                Err(e) => return Err(e),
            }
        }
        let (mut written, mut removed) = (Vec::new(), Vec::new());
        for id in sheets {
            match state.store.initiative(id).await {
                Ok(Some(sheet)) => written.push(sheet),
                Ok(None) => removed.push(id),
                Err(StoreError::Corrupt(detail)) => {
                    tracing::error!(initiative = id, %detail, "stored sheet unreadable: its last good version is kept");
                    unreadable.insert(id);
                    continue;
                }
                Err(e) => return Err(e),
            }
            unreadable.remove(&id);
        }
        state.apply_changes(&written, &removed, &authorities).await;
        tracing::debug!(
            from = applied,
            to = last,
            sheets = written.len() + removed.len(),
            authorities = authorities.len(),
            "change feed applied"
        );
        applied = last;
        if changes.len() < PAGE {
            return Ok(applied);
        }
    }
}

/// How often a server on SQLite reads the log's head: the bound on how long a write by
/// another process (`atlaas import`, say) takes to show.
const FILE_POLL: Duration = Duration::from_millis(250);

/// Follows the change log of a SQLite store from entry `applied`: every [`FILE_POLL`], when the
/// head has moved, applies what the log names past it. A file has no connection to lose: an
/// error (the disk, a lock held too long) is reported and the next poll tries again.
pub fn follow_file(state: AppState, feed: SqliteFeed, mut applied: i64, health: Arc<FeedHealth>) {
    tokio::spawn(async move {
        let mut unreadable = BTreeSet::new();
        loop {
            tokio::time::sleep(FILE_POLL).await;
            let caught_up = match feed.head().await {
                Ok(head) if head > applied => catch_up(&state, &feed, applied, &mut unreadable).await,
                Ok(_) => Ok(applied),
                Err(e) => Err(e),
            };
            match caught_up {
                Ok(now) => {
                    applied = now;
                    health.set(FeedState::Live { applied, unreadable: unreadable.clone() });
                }
                Err(e) => health.down(DownReason::DatabaseUnreachable, &e),
            }
        }
    });
}

/// Rebuilds the index from the store and swaps it in; returns the log head read before the
/// rebuild, from which catching up resumes (entries applied twice are harmless: a sheet is
/// reloaded whole).
async fn resync(state: &AppState, feed: &PostgresFeed) -> anyhow::Result<i64> {
    let head = feed.head().await?;
    let index = build_index(state.store.as_ref(), state.gazetteer.clone(), state.referential.clone()).await?;
    state.replace_index(index);
    Ok(head)
}
