//! What the store keeps of imports sent over HTTP: their state, progress and report
//! ([`ImportJob`]). One SQL text serves both backends.

use async_trait::async_trait;

use super::StoreError;
use super::rows::corrupt;
use crate::model::job::{ImportJob, JobState};

/// Import jobs in the store.
#[async_trait]
pub trait Jobs: Send + Sync {
    /// Records a job that starts now, running.
    async fn create_job(&self, job: &ImportJob) -> Result<(), StoreError>;

    /// Records how far a running job got.
    async fn job_progress(&self, id: &str, rows_total: Option<u64>, rows_checked: u64) -> Result<(), StoreError>;

    /// Records how a job ended (`report` and `error` as JSON and text).
    async fn finish_job(&self, job: &ImportJob) -> Result<(), StoreError>;

    async fn job(&self, id: &str) -> Result<Option<ImportJob>, StoreError>;
}

/// A row of `import_jobs` as both backends return it.
#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    id: String,
    actor: String,
    authority: Option<String>,
    file: String,
    dry_run: bool,
    state: String,
    rows_total: Option<i64>,
    rows_checked: i64,
    report: Option<String>,
    error: Option<String>,
    created_at: String,
    updated_at: String,
}

impl TryFrom<JobRow> for ImportJob {
    type Error = StoreError;

    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        let state = JobState::parse(&r.state).ok_or_else(|| corrupt("job state", &r.state))?;
        let report = r.report.as_deref().map(serde_json::from_str).transpose().map_err(|e| corrupt("job report", &e.to_string()))?;
        Ok(ImportJob {
            id: r.id,
            actor: r.actor,
            authority: r.authority,
            file: r.file,
            dry_run: r.dry_run,
            state,
            rows_total: r.rows_total.map(|n| n.max(0) as u64),
            rows_checked: r.rows_checked.max(0) as u64,
            report,
            error: r.error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Implements [`Jobs`] for `$store` (a struct with a `pool: sqlx::Pool<$db>`).
macro_rules! sql_jobs {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::jobs::Jobs for $store {
            async fn create_job(&self, j: &$crate::model::job::ImportJob) -> Result<(), $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO import_jobs (id, actor, authority, file, dry_run, state, created_at, updated_at) VALUES (",
                );
                let mut v = q.separated(", ");
                v.push_bind(&j.id).push_bind(&j.actor).push_bind(&j.authority).push_bind(&j.file).push_bind(j.dry_run);
                v.push_bind(j.state.as_str()).push_bind(&j.created_at).push_bind(&j.updated_at);
                q.push(")");
                q.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn job_progress(&self, id: &str, total: Option<u64>, checked: u64) -> Result<(), $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE import_jobs SET rows_total = ");
                q.push_bind(total.map(|n| n as i64)).push(", rows_checked = ").push_bind(checked as i64);
                q.push(", updated_at = ").push_bind($crate::store::now());
                q.push(" WHERE state = 'running' AND id = ").push_bind(id);
                q.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn finish_job(&self, j: &$crate::model::job::ImportJob) -> Result<(), $crate::store::StoreError> {
                let report = j.report.as_ref().map(|r| r.to_string());
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE import_jobs SET state = ");
                q.push_bind(j.state.as_str()).push(", rows_total = ").push_bind(j.rows_total.map(|n| n as i64));
                q.push(", rows_checked = ").push_bind(j.rows_checked as i64).push(", report = ").push_bind(report);
                q.push(", error = ").push_bind(&j.error).push(", updated_at = ").push_bind($crate::store::now());
                q.push(" WHERE id = ").push_bind(&j.id);
                q.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn job(&self, id: &str) -> Result<Option<$crate::model::job::ImportJob>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, actor, authority, file, dry_run, state, CAST(rows_total AS BIGINT) AS rows_total, \
                     CAST(rows_checked AS BIGINT) AS rows_checked, report, error, created_at, updated_at FROM import_jobs WHERE id = ",
                );
                q.push_bind(id);
                let row: Option<$crate::store::jobs::JobRow> = q.build_query_as().fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }
        }
    };
}

pub(super) use sql_jobs;
