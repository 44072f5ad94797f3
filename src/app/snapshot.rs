//! The index saved to a file between runs, so that a restart reads it back (about a second
//! for a million sheets) instead of reading and indexing every sheet of the store again (half
//! a minute). See [`crate::index::snapshot`] for the file itself.
//!
//! A snapshot is only ever a head start. It is used when it was made from this store's log
//! (the entry it was saved at exists, with the same time), with this gazetteer and this
//! referential, and when it is not so far behind that a rebuild costs less; the log entries
//! written since are then applied before the server answers anything, as a replica applies
//! them. Anything else (no file, another format, a damaged or foreign file) is logged and the
//! index is built from the store as if there were no file; the new index is saved in the
//! background. A running server saves its index again when it stops, if it changed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};

use super::AppState;
use super::health::FeedState;
use crate::gazetteer::Gazetteer;
use crate::index::SpatialIndex;
use crate::index::snapshot::{Snapshot, SnapshotError};
use crate::referential::Referential;
use crate::store::feed::ChangeLog;

/// The snapshot file of a store: the one given (`off` for none), else beside a SQLite file
/// (`var/atlaas.db.index`). A PostgreSQL store has no file of its own to sit beside, and an
/// in-memory one nothing to come back to.
pub fn path_for(given: Option<&Path>, database_url: &str) -> Option<PathBuf> {
    match given {
        Some(off) if off.as_os_str() == "off" => None,
        Some(path) => Some(path.to_owned()),
        None => {
            let path = database_url.strip_prefix("sqlite://")?.split('?').next()?;
            (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(format!("{path}.index")))
        }
    }
}

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("{0}")]
    File(#[from] SnapshotError),
    #[error("it is at log entry {applied}, past the store's last ({head}): another or a restored store")]
    Ahead { applied: i64, head: i64 },
    #[error("log entry {0} is not the one it was saved at: another store")]
    OtherLog(i64),
    #[error("{behind} log entries were written since, more than it has sheets: rebuilding costs less")]
    FarBehind { behind: i64 },
    #[error("reading the change log: {0}")]
    Log(#[from] crate::store::StoreError),
}

/// The snapshot file of a running server.
pub struct SavedIndex {
    path: PathBuf,
    log: Box<dyn ChangeLog>,
    /// The version of the index last read or saved: an unchanged index is not saved again.
    saved: AtomicU64,
    /// The log entry of the snapshot this server started from (-1: it built its index).
    read_at: AtomicI64,
}

impl SavedIndex {
    pub fn new(path: PathBuf, log: Box<dyn ChangeLog>) -> Self {
        SavedIndex { path, log, saved: AtomicU64::new(u64::MAX), read_at: AtomicI64::new(-1) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log entry of the snapshot this server started from, if it started from one.
    pub fn read_at(&self) -> Option<i64> {
        Some(self.read_at.load(Ordering::Relaxed)).filter(|&at| at >= 0)
    }

    /// The saved index and the log entry it is at, if it may be used with this store, whose
    /// log ends at `head`; the entries after it are for the caller to apply.
    pub async fn load(&self, head: i64, gazetteer: &Arc<Gazetteer>, referential: &Arc<Referential>) -> Option<(SpatialIndex, i64)> {
        let t = Instant::now();
        match self.try_load(head, gazetteer, referential).await {
            Ok(Some((index, applied))) => {
                let elapsed_ms = t.elapsed().as_millis() as u64;
                tracing::info!(path = %self.path.display(), sheets = index.len(), applied, behind = head - applied, elapsed_ms, "index snapshot read");
                self.saved.store(index.version(), Ordering::Relaxed);
                self.read_at.store(applied, Ordering::Relaxed);
                Some((index, applied))
            }
            Ok(None) => {
                tracing::info!(path = %self.path.display(), "no index snapshot yet: building the index from the store");
                None
            }
            Err(why) => {
                tracing::warn!(path = %self.path.display(), reason = %why, "index snapshot not used: building the index from the store");
                None
            }
        }
    }

    async fn try_load(
        &self,
        head: i64,
        gazetteer: &Arc<Gazetteer>,
        referential: &Arc<Referential>,
    ) -> Result<Option<(SpatialIndex, i64)>, Refused> {
        let path = self.path.clone();
        let (g, r) = (gazetteer.clone(), referential.clone());
        // Decoded before the stamp is checked against the log: a snapshot is rarely refused,
        // and the file is read once.
        let read = tokio::task::spawn_blocking(move || -> Result<Option<(SpatialIndex, _)>, SnapshotError> {
            let bytes = match std::fs::read(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                other => other?,
            };
            let snapshot = Snapshot::open(&bytes)?;
            let stamp = snapshot.stamp.clone();
            Ok(Some((SpatialIndex::from_snapshot(snapshot, g, r)?, stamp)))
        });
        let Some((index, stamp)) = read.await.expect("reading a snapshot does not panic")? else { return Ok(None) };
        if stamp.applied > head {
            return Err(Refused::Ahead { applied: stamp.applied, head });
        }
        if self.log.mark(stamp.applied).await? != stamp.applied_at {
            return Err(Refused::OtherLog(stamp.applied));
        }
        let behind = head - stamp.applied;
        if behind > (index.len() as i64).max(10_000) {
            return Err(Refused::FarBehind { behind });
        }
        Ok(Some((index, stamp.applied)))
    }

    /// Saves `index`, which holds every change of the log up to entry `applied`. The file is
    /// written whole under another name and then renamed: a reader sees the old file or the
    /// new one, never half of one.
    pub async fn save(&self, index: Arc<SpatialIndex>, applied: i64) -> Result<()> {
        let t = Instant::now();
        let applied_at = self.log.mark(applied).await?;
        let path = self.path.clone();
        let version = index.version();
        tokio::task::spawn_blocking(move || write_file(&index, applied, applied_at, &path))
            .await
            .expect("writing a snapshot does not panic")?;
        self.saved.store(version, Ordering::Relaxed);
        tracing::info!(path = %self.path.display(), applied, elapsed_ms = t.elapsed().as_millis() as u64, "index snapshot saved");
        Ok(())
    }

    /// Saves the index of a stopping server, if it changed since it was read or saved and the
    /// server knows which log entry it is at.
    pub async fn save_on_stop(&self, state: &AppState) {
        // The position first: the index read after it holds at least what it says.
        let Some(FeedState::Live { applied, .. }) = state.feed.as_ref().map(|f| f.get()) else {
            tracing::info!("index snapshot not saved: the change feed was not followed to its end");
            return;
        };
        let index = state.index();
        if index.version() == self.saved.load(Ordering::Relaxed) {
            return;
        }
        if let Err(e) = self.save(index, applied).await {
            tracing::warn!(path = %self.path.display(), error = %format!("{e:#}"), "index snapshot not saved");
        }
    }
}

fn write_file(index: &SpatialIndex, applied: i64, applied_at: Option<String>, path: &Path) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("creating a file in {}", dir.display()))?;
    index.write_snapshot(applied, applied_at, file.as_file_mut()).context("writing the snapshot")?;
    file.as_file().sync_all()?;
    file.persist(path).with_context(|| format!("renaming the snapshot to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_sits_beside_a_sqlite_file_unless_told_otherwise() {
        let beside = |url: &str| path_for(None, url);
        assert_eq!(beside("sqlite://var/atlaas.db"), Some(PathBuf::from("var/atlaas.db.index")));
        assert_eq!(beside("sqlite:///srv/atlaas/a.db?mode=rwc"), Some(PathBuf::from("/srv/atlaas/a.db.index")));
        assert_eq!(beside("sqlite::memory:"), None);
        assert_eq!(beside("sqlite://:memory:"), None);
        assert_eq!(beside("postgres://atlaas@localhost/atlaas"), None, "no file of its own to sit beside");
        let given = Path::new("/var/cache/atlaas/replica-1.index");
        assert_eq!(path_for(Some(given), "postgres://atlaas@localhost/atlaas"), Some(given.to_owned()));
        assert_eq!(path_for(Some(Path::new("off")), "sqlite://var/atlaas.db"), None);
    }
}
