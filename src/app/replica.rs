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

/// Entries read from the log at a time. PostgreSQL logs a sheet's places and services too
/// (about four entries a sheet), and the entries of one sheet may straddle two pages, each of
/// which reads it: large pages read each sheet of an import about once.
pub const PAGE: usize = 50_000;
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
///
/// Pages of the log are read one after the other, but applied to the index together, up to
/// [`APPLY_EVERY`] sheets at a time: each application copies the index and re-indexes what it
/// names, and a large import applied page by page would do that many times over.
pub async fn catch_up(state: &AppState, feed: &dyn ChangeLog, applied: i64, unreadable: &mut BTreeSet<SheetId>) -> Result<i64, StoreError> {
    catch_up_in_pages(state, feed, applied, unreadable, PAGE).await
}

/// [`catch_up`], reading the log `page` entries at a time.
pub async fn catch_up_in_pages(
    state: &AppState,
    feed: &dyn ChangeLog,
    mut applied: i64,
    unreadable: &mut BTreeSet<SheetId>,
    page: usize,
) -> Result<i64, StoreError> {
    let mut pending = Pending::default();
    loop {
        let changes = feed.after(applied, page).await?;
        let Some(last) = changes.last() else { break };
        let last = last.seq;
        let codes: BTreeSet<String> = changes.iter().filter_map(|c| c.authority.clone()).collect();
        pending.authorities.extend(authorities(state, &codes.into_iter().collect::<Vec<_>>()).await?);
        let ids: Vec<SheetId> = changes.iter().filter_map(|c| c.initiative).collect::<BTreeSet<_>>().into_iter().collect();
        read_sheets(state, &ids, &mut pending, unreadable).await?;
        tracing::debug!(from = applied, to = last, "change feed read");
        applied = last;
        if pending.written.len() + pending.removed.len() >= APPLY_EVERY {
            pending.apply(state).await;
        }
        if changes.len() < page {
            break;
        }
    }
    pending.apply(state).await;
    Ok(applied)
}

/// Sheets applied to the index at once, at most (and all of a smaller catching up). PostgreSQL
/// logs a sheet's row, places and services apart, and an import writes all the rows, then all
/// the places: the same sheet comes back on later pages, and is applied once if it is still
/// pending. A bound on what is held in memory meanwhile (about 1 KB a sheet).
const APPLY_EVERY: usize = 100_000;

/// What the log named, read from the store, not applied yet.
/// A sheet read on two pages (changed again meanwhile) ends as its last reading says.
#[derive(Default)]
struct Pending {
    written: std::collections::BTreeMap<SheetId, crate::model::Initiative>,
    removed: BTreeSet<SheetId>,
    authorities: Vec<crate::model::Authority>,
}

impl Pending {
    async fn apply(&mut self, state: &AppState) {
        if self.written.is_empty() && self.removed.is_empty() && self.authorities.is_empty() {
            return;
        }
        let Pending { written, removed, authorities } = std::mem::take(self);
        let (written, removed): (Vec<_>, Vec<_>) = (written.into_values().collect(), removed.into_iter().collect());
        state.apply_changes(&written, &removed, &authorities).await;
        tracing::debug!(sheets = written.len() + removed.len(), authorities = authorities.len(), "change feed applied");
    }
}

/// The authorities with these codes, read 500 to a query; when one of them cannot be read, the
/// others are read one by one and the broken one is left as the index has it.
async fn authorities(state: &AppState, codes: &[String]) -> Result<Vec<crate::model::Authority>, StoreError> {
    match state.store.authorities_among(codes).await {
        Err(StoreError::Corrupt(_)) => {}
        other => return other,
    }
    let mut found = Vec::with_capacity(codes.len());
    for code in codes {
        match state.store.authority(code).await {
            Ok(one) => found.extend(one),
            Err(StoreError::Corrupt(detail)) => tracing::error!(authority = %code, %detail, "stored authority unreadable: left as it was"),
            Err(e) => return Err(e),
        }
    }
    Ok(found)
}

/// Reads the sheets with these ids (sorted) into `pending`: one query per 500 sheets, not one
/// per sheet, so that a 100k-sheet import is 200 reads.
async fn read_sheets(
    state: &AppState,
    ids: &[SheetId],
    pending: &mut Pending,
    unreadable: &mut BTreeSet<SheetId>,
) -> Result<(), StoreError> {
    let mut found = state.store.initiatives_among(ids).await?.into_iter().peekable();
    for &id in ids {
        match found.next_if(|(stored, _)| *stored == id) {
            Some((_, Ok(sheet))) => {
                pending.removed.remove(&id);
                pending.written.insert(id, sheet);
            }
            None => {
                pending.written.remove(&id);
                pending.removed.insert(id);
            }
            Some((_, Err(StoreError::Corrupt(detail)))) => {
                tracing::error!(initiative = id, %detail, "stored sheet unreadable: its last good version is kept");
                unreadable.insert(id);
                continue;
            }
            Some((_, Err(e))) => return Err(e),
        }
        unreadable.remove(&id);
    }
    Ok(())
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
