//! Imports sent over HTTP, run in the background: the same core as `atlaas import`
//! ([`crate::import`]), with the job's progress and report kept in the store so that any
//! server sharing it can answer `GET /api/imports/{id}`. Checking and geocoding the rows runs
//! on a blocking thread (it is all computation); the write is one transaction, so a job that
//! fails or whose server stops leaves nothing half-written.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

use super::AppState;
use crate::auth::Caller;
use crate::import::{ImportError, ImportOptions, Outcome, Progress, prepare, write_prepared};
use crate::model::Role;
use crate::model::job::{ImportJob, JobState};
use crate::store::{StoreError, now};

/// How often a running job's progress is written to the store.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);
/// A job still "running" whose progress has not been written for this long lost its server.
const GIVEN_UP_AFTER: Duration = Duration::from_secs(60);
/// Imports one server runs at once; later ones wait their turn (still `running`, no rows
/// checked yet). Each holds its file in memory a few times over, and checking takes a core.
pub const AT_ONCE: usize = 2;
static TURNS: Semaphore = Semaphore::const_new(AT_ONCE);

/// What the imports run by this server did since it started, for `/metrics`.
#[derive(Debug, Default)]
pub struct ImportCounts {
    pub done: AtomicU64,
    pub refused: AtomicU64,
    pub failed: AtomicU64,
    pub rows_checked: AtomicU64,
    pub sheets_written: AtomicU64,
}

impl ImportCounts {
    fn count(&self, job: &ImportJob, written: usize) {
        let outcome = match job.state {
            JobState::Done => &self.done,
            JobState::Refused => &self.refused,
            JobState::Failed | JobState::Running => &self.failed,
        };
        outcome.fetch_add(1, Ordering::Relaxed);
        self.rows_checked.fetch_add(job.rows_checked, Ordering::Relaxed);
        self.sheets_written.fetch_add(written as u64, Ordering::Relaxed);
    }
}

/// Starts an import of `bytes` for `caller`; the receiver hears when it has finished.
pub async fn start(
    state: &AppState,
    caller: &Caller,
    bytes: Vec<u8>,
    mut options: ImportOptions,
) -> Result<(ImportJob, oneshot::Receiver<()>), StoreError> {
    let stamp = now();
    let job = ImportJob {
        id: format!("{:032x}", rand::random::<u128>()),
        actor: caller.actor().id,
        authority: caller.authority.clone(),
        file: options.file_name.clone(),
        dry_run: options.dry_run,
        state: JobState::Running,
        rows_total: None,
        rows_checked: 0,
        report: None,
        error: None,
        created_at: stamp.clone(),
        updated_at: stamp,
    };
    state.store.create_job(&job).await?;
    let progress = Arc::new(Progress::default());
    options.progress = Some(progress.clone());
    let (done, finished) = oneshot::channel();
    tokio::spawn(run(state.clone(), job.clone(), bytes, options, progress, done));
    Ok((job, finished))
}

async fn run(
    state: AppState,
    mut job: ImportJob,
    bytes: Vec<u8>,
    options: ImportOptions,
    progress: Arc<Progress>,
    done: oneshot::Sender<()>,
) {
    let ticker = tokio::spawn(report_progress(state.clone(), job.id.clone(), progress.clone()));
    let outcome = {
        let _turn = TURNS.acquire().await.expect("the semaphore of imports is never closed");
        import(&state, bytes, &options).await
    };
    ticker.abort();
    job.rows_total = Some(progress.total.load(Ordering::Relaxed));
    job.rows_checked = progress.checked.load(Ordering::Relaxed);
    let mut written = 0;
    match outcome {
        Ok(outcome) => {
            written = outcome.written.len();
            // The server that ran it shows the change at once; the others through the change feed.
            state.apply_changes(&outcome.written, &[], &outcome.new_authorities).await;
            let refused = !outcome.report.errors.is_empty() && !options.skip_invalid;
            job.state = if refused { JobState::Refused } else { JobState::Done };
            job.report = Some(serde_json::to_value(&outcome.report).expect("a report serializes"));
        }
        Err(ImportError::Store(e)) => {
            tracing::error!(job = %job.id, "import failed: {e}");
            job.state = JobState::Failed;
            job.error = Some(match e {
                StoreError::Stale { id, .. } => {
                    format!("initiative {id} changed while the file was imported; nothing was written: send the file again")
                }
                _ => "the database could not finish the import; nothing was written: send the file again".into(),
            });
        }
        Err(refused) => {
            job.state = JobState::Refused;
            job.error = Some(refused.to_string());
        }
    }
    state.imports.count(&job, written);
    if let Err(e) = state.store.finish_job(&job).await {
        tracing::error!(job = %job.id, "the end of an import could not be recorded: {e}");
    }
    let _ = done.send(());
}

/// Reads and checks on a blocking thread, then writes.
async fn import(state: &AppState, bytes: Vec<u8>, options: &ImportOptions) -> Result<Outcome, ImportError> {
    let (gazetteer, referential, for_thread) = (state.gazetteer.clone(), state.referential.clone(), options.clone());
    let prepared = tokio::task::spawn_blocking(move || prepare(&gazetteer, &referential, &bytes, &for_thread))
        .await
        .map_err(|e| ImportError::Malformed(format!("the file could not be read: {e}")))??;
    write_prepared(state.store.as_ref(), &state.gazetteer, prepared, options).await
}

async fn report_progress(state: AppState, id: String, progress: Arc<Progress>) {
    let mut every = tokio::time::interval(PROGRESS_EVERY);
    loop {
        every.tick().await;
        let total = Some(progress.total.load(Ordering::Relaxed)).filter(|&n| n > 0);
        if let Err(e) = state.store.job_progress(&id, total, progress.checked.load(Ordering::Relaxed)).await {
            tracing::warn!(job = %id, "progress not recorded: {e}");
        }
    }
}

/// A job as the caller may see it: `None` when it is not theirs to see (its starter, the
/// contributors of its authority, moderators and admins may). A job left running by a server
/// that stopped is shown as failed.
pub async fn visible_job(state: &AppState, caller: &Caller, id: &str) -> Result<Option<ImportJob>, StoreError> {
    let well_formed = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(mut job) = (if well_formed { state.store.job(id).await? } else { None }) else {
        return Ok(None);
    };
    let allowed = match caller.role {
        Role::Moderator | Role::Admin => true,
        Role::Contributor => job.actor == caller.actor().id || (job.authority.is_some() && job.authority == caller.authority),
    };
    if !allowed {
        return Ok(None);
    }
    if job.state == JobState::Running && silent_for(&job.updated_at) > GIVEN_UP_AFTER {
        job.state = JobState::Failed;
        job.error = Some("the server running this import stopped; nothing was written: send the file again".into());
    }
    Ok(Some(job))
}

/// Time since a stored stamp (an unreadable one counts as long ago).
fn silent_for(stamp: &str) -> Duration {
    let at = time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    (time::OffsetDateTime::now_utc() - at).try_into().unwrap_or(Duration::ZERO)
}
