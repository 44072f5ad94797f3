//! An import sent over HTTP: it runs in the background, and its progress and report are
//! stored so that any server sharing the store can tell where it stands.

use serde::Serialize;
use serde_json::Value;

/// Where an import job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    /// Finished; the report says what was written (nothing for a dry run).
    Done,
    /// The file, or one of its rows, was refused: nothing was written.
    Refused,
    /// The service could not finish (the database went away, a server stopped): nothing was
    /// written, as an import is one transaction.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [JobState::Running, JobState::Done, JobState::Refused, JobState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Refused => "refused",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        JobState::ALL.into_iter().find(|j| j.as_str() == s)
    }
}

/// An import job as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportJob {
    /// 32 hex digits.
    pub id: String,
    /// Who started it: `token:ID` or `account:ID`.
    pub actor: String,
    /// The authority of a contributor who started it.
    pub authority: Option<String>,
    pub file: String,
    pub dry_run: bool,
    pub state: JobState,
    /// Rows in the file, once read.
    pub rows_total: Option<u64>,
    /// Rows checked and geocoded so far.
    pub rows_checked: u64,
    /// The import's report (as `atlaas import --report json` prints it), once finished.
    pub report: Option<Value>,
    /// Why the file was refused or the job failed.
    pub error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}
