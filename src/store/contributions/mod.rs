//! What the store keeps of contributions: each sheet's version and pending revision, which
//! authorities are trusted, the moderation queue, and the append-only history, written in the
//! same transaction as the change it records. One SQL text serves both backends, as for sheets
//! ([`super::sql`]).

use async_trait::async_trait;

mod rows;

use super::StoreError;
use crate::model::contribution::{Actor, HistoryEntry, NewHistoryEntry, Revision, RevisionState, SheetContent};
use crate::model::{Initiative, NewInitiative, SheetId};
pub(crate) use rows::{HISTORY_COLUMNS, HistoryRow, KeyedRevisionRow, REVISION_COLUMNS, RevisionRow};

/// A sheet with what an edit needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Editable {
    /// The stored row: the public version once published, the only version before.
    pub sheet: Initiative,
    /// The working copy waiting for a moderator, if any.
    pub revision: Option<Revision>,
    /// Whether the owner's contributors publish without moderation.
    pub trusted: bool,
}

impl Editable {
    /// Where the sheet stands for its authority: its working copy's state if it has one
    /// (`draft`, `proposed`, `rejected`), else its status (`draft`, `published`, `archived`).
    pub fn state(&self) -> &'static str {
        self.revision.as_ref().map_or(self.sheet.sheet.status.as_str(), |r| r.state.as_str())
    }
}

/// What a change does to a sheet's working copy.
#[derive(Debug, Clone, PartialEq)]
pub enum RevisionWrite {
    Keep,
    Set { state: RevisionState, content: SheetContent, reason: Option<String> },
    Clear,
}

/// One change of one sheet, with its history entry.
#[derive(Debug, Clone)]
pub struct Save {
    /// The sheet's id and the version the change was made from; `None` for a new sheet. The
    /// change is refused ([`StoreError::Stale`]) when the stored version is another.
    pub existing: Option<(SheetId, i64)>,
    /// The sheet's row after the change.
    pub sheet: NewInitiative,
    /// Whether the row's content changed (its `updated_at`, places and services are written);
    /// a change of the working copy alone leaves them.
    pub touch: bool,
    pub revision: RevisionWrite,
    pub actor: Actor,
    pub entry: NewHistoryEntry,
}

/// Which proposals the moderation queue lists.
#[derive(Debug, Clone, Default)]
pub struct ProposalQuery {
    pub authority: Option<String>,
    pub departement: Option<String>,
    /// Only proposals unchanged since this time (RFC 3339, UTC).
    pub waiting_since: Option<String>,
    pub limit: usize,
}

/// Contributions in the store.
#[async_trait]
pub trait Contributions: Send + Sync {
    /// A sheet, whatever its status, with its working copy and its owner's trust.
    async fn editable(&self, id: SheetId) -> Result<Option<Editable>, StoreError>;

    /// Writes a change and its history entry atomically, checking the version it was made from.
    async fn save(&self, save: Save) -> Result<Editable, StoreError> {
        Ok(self.save_all(vec![save]).await?.pop().expect("one change saved, one sheet returned"))
    }

    /// Writes changes of several sheets (an imported file's proposals) in one transaction:
    /// all of them, or none when one is refused.
    async fn save_all(&self, saves: Vec<Save>) -> Result<Vec<Editable>, StoreError>;

    /// A sheet's history, oldest first.
    async fn history(&self, id: SheetId) -> Result<Vec<HistoryEntry>, StoreError>;

    /// Every sheet of an authority, whatever its status, with its working copy, in id order
    /// after `after`, `limit` at most.
    async fn sheets_of(&self, authority: &str, after: Option<SheetId>, limit: usize) -> Result<Vec<Editable>, StoreError>;

    /// Proposals awaiting a moderator, longest waiting first.
    async fn proposals(&self, query: &ProposalQuery) -> Result<Vec<Editable>, StoreError>;

    /// Whether an authority's contributors publish without moderation (false for an unknown one).
    async fn trusted(&self, code: &str) -> Result<bool, StoreError>;

    /// Marks an authority trusted or not; false when the store has no such authority.
    async fn set_trusted(&self, code: &str, trusted: bool) -> Result<bool, StoreError>;
}

/// Implements [`Contributions`] for `$store` (a struct with a `pool: sqlx::Pool<$db>`, in a
/// module where [`super::sql::sql_store`] was expanded and `mark_service_write` is defined).
macro_rules! sql_contributions {
    ($store:ident, $db:ty) => {
        mod contributions_sql {
            use $crate::model::contribution::{HistoryEntry, Revision};
            use $crate::model::{Initiative, NewInitiative, SheetId};
            use $crate::store::StoreError;
            use $crate::store::contributions::{HISTORY_COLUMNS, HistoryRow, REVISION_COLUMNS, RevisionRow, RevisionWrite};

            type Tx<'c> = sqlx::Transaction<'c, $db>;

            pub(super) async fn revision_of<'e>(
                db: impl sqlx::Executor<'e, Database = $db>,
                id: SheetId,
            ) -> Result<Option<Revision>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(format!("SELECT {REVISION_COLUMNS} FROM revisions WHERE initiative = "));
                q.push_bind(id);
                let row: Option<RevisionRow> = q.build_query_as().fetch_optional(db).await?;
                row.map(TryInto::try_into).transpose()
            }

            pub(super) async fn is_trusted<'e>(db: impl sqlx::Executor<'e, Database = $db>, code: &str) -> Result<bool, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT trusted FROM authorities WHERE code = ");
                q.push_bind(code.to_owned());
                let trusted: Option<bool> = q.build_query_scalar().fetch_optional(db).await?;
                Ok(trusted.unwrap_or(false))
            }

            pub(super) async fn history_of(pool: &sqlx::Pool<$db>, id: SheetId) -> Result<Vec<HistoryEntry>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(format!("SELECT {HISTORY_COLUMNS} FROM history WHERE initiative = "));
                q.push_bind(id).push(" ORDER BY id");
                let rows: Vec<HistoryRow> = q.build_query_as().fetch_all(pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            /// Rewrites a sheet's row if its version is still `version`; its places and services
            /// too when `touch`.
            pub(super) async fn update_sheet(
                tx: &mut Tx<'_>,
                (id, version): (SheetId, i64),
                s: NewInitiative,
                touch: bool,
                stamp: &str,
            ) -> Result<Initiative, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE initiatives SET version = version + 1, authority = ");
                q.push_bind(&s.authority).push(", title = ").push_bind(&s.title).push(", summary = ").push_bind(&s.summary);
                q.push(", body = ").push_bind(&s.body).push(", year = ").push_bind(i32::from(s.year));
                q.push(", website = ").push_bind(&s.website).push(", status = ").push_bind(s.status.as_str());
                q.push(", updated_by = ").push_bind(&s.updated_by);
                if touch {
                    q.push(", updated_at = ").push_bind(stamp);
                }
                q.push(" WHERE id = ").push_bind(id).push(" AND version = ").push_bind(version);
                q.push(" RETURNING created_at, updated_at, CAST(version AS BIGINT)");
                let row: Option<(String, String, i64)> = q.build_query_as().fetch_optional(&mut **tx).await?;
                let Some((created_at, updated_at, version_now)) = row else {
                    let mut q = sqlx::QueryBuilder::<$db>::new("SELECT CAST(version AS BIGINT) FROM initiatives WHERE id = ");
                    q.push_bind(id);
                    let current: Option<i64> = q.build_query_scalar().fetch_optional(&mut **tx).await?;
                    return Err(match current {
                        Some(current) => StoreError::Stale { id, expected: version, current },
                        None => StoreError::NotFound(format!("no initiative {id}")),
                    });
                };
                let sheet = Initiative { id, sheet: s, created_at, updated_at, version: version_now };
                if touch {
                    super::replace_children(tx, std::slice::from_ref(&sheet)).await?;
                }
                Ok(sheet)
            }

            /// One change of [`Contributions::save_all`](crate::store::contributions::Contributions::save_all), inside its transaction.
            pub(super) async fn save_one(
                tx: &mut Tx<'_>,
                save: $crate::store::contributions::Save,
                stamp: &str,
            ) -> Result<$crate::store::contributions::Editable, StoreError> {
                let sheet = match save.existing {
                    Some(existing) => update_sheet(tx, existing, save.sheet, save.touch, stamp).await?,
                    None => {
                        let stored = super::upsert_initiatives(tx, vec![save.sheet], stamp).await?;
                        super::replace_children(tx, &stored).await?;
                        stored.into_iter().next().expect("one sheet written, one returned")
                    }
                };
                let revision = write_revision(tx, sheet.id, save.revision, &save.actor.id, stamp).await?;
                let e = &save.entry;
                let changes = serde_json::to_string(&e.changes).expect("JSON values serialize");
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO history (initiative, version, at, actor, channel, action, public, reason, changes) VALUES (",
                );
                let mut v = q.separated(", ");
                v.push_bind(sheet.id).push_bind(sheet.version).push_bind(stamp.to_owned()).push_bind(save.actor.id.clone());
                v.push_bind(save.actor.channel.as_str()).push_bind(e.action).push_bind(e.public).push_bind(e.reason.clone());
                v.push_bind(changes);
                q.push(")");
                q.build().execute(&mut **tx).await?;
                let trusted = is_trusted(&mut **tx, &sheet.sheet.authority).await?;
                Ok($crate::store::contributions::Editable { sheet, revision, trusted })
            }

            pub(super) async fn write_revision(
                tx: &mut Tx<'_>,
                id: SheetId,
                write: RevisionWrite,
                by: &str,
                stamp: &str,
            ) -> Result<Option<Revision>, StoreError> {
                match write {
                    RevisionWrite::Keep => revision_of(&mut **tx, id).await,
                    RevisionWrite::Clear => {
                        let mut q = sqlx::QueryBuilder::<$db>::new("DELETE FROM revisions WHERE initiative = ");
                        q.push_bind(id);
                        q.build().execute(&mut **tx).await?;
                        Ok(None)
                    }
                    RevisionWrite::Set { state, content, reason } => {
                        let content = serde_json::to_string(&content).expect("sheet content serializes");
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO revisions (initiative, state, content, reason, created_at, updated_at, updated_by) VALUES (",
                        );
                        let mut v = q.separated(", ");
                        v.push_bind(id).push_bind(state.as_str()).push_bind(content).push_bind(reason);
                        v.push_bind(stamp.to_owned()).push_bind(stamp.to_owned()).push_bind(by.to_owned());
                        q.push(
                            ") ON CONFLICT (initiative) DO UPDATE SET state = excluded.state, content = excluded.content, \
                             reason = excluded.reason, updated_at = excluded.updated_at, updated_by = excluded.updated_by RETURNING ",
                        );
                        q.push(REVISION_COLUMNS);
                        let row: RevisionRow = q.build_query_as().fetch_one(&mut **tx).await?;
                        Ok(Some(row.try_into()?))
                    }
                }
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::contributions::Contributions for $store {
            async fn editable(
                &self,
                id: $crate::model::SheetId,
            ) -> Result<Option<$crate::store::contributions::Editable>, $crate::store::StoreError> {
                let Some(sheet) = self.initiatives_where($crate::store::sql::Which::One(id), 1).await?.pop() else {
                    return Ok(None);
                };
                let revision = contributions_sql::revision_of(&self.pool, id).await?;
                let trusted = contributions_sql::is_trusted(&self.pool, &sheet.sheet.authority).await?;
                Ok(Some($crate::store::contributions::Editable { sheet, revision, trusted }))
            }

            async fn save_all(
                &self,
                saves: Vec<$crate::store::contributions::Save>,
            ) -> Result<Vec<$crate::store::contributions::Editable>, $crate::store::StoreError> {
                let initiatives = saves.iter().map(|s| s.sheet.clone()).collect();
                $crate::store::WriteBatch { initiatives, ..Default::default() }.check()?;
                let stamp = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                mark_service_write(&mut tx).await?;
                let mut saved = Vec::with_capacity(saves.len());
                for save in saves {
                    saved.push(contributions_sql::save_one(&mut tx, save, &stamp).await?);
                }
                tx.commit().await?;
                Ok(saved)
            }


            async fn history(
                &self,
                id: $crate::model::SheetId,
            ) -> Result<Vec<$crate::model::contribution::HistoryEntry>, $crate::store::StoreError> {
                contributions_sql::history_of(&self.pool, id).await
            }

            async fn sheets_of(
                &self,
                authority: &str,
                after: Option<$crate::model::SheetId>,
                limit: usize,
            ) -> Result<Vec<$crate::store::contributions::Editable>, $crate::store::StoreError> {
                use $crate::store::contributions::{Editable, KeyedRevisionRow, REVISION_COLUMNS};
                let which = $crate::store::sql::Which::AuthorityAfter(authority, after.unwrap_or($crate::model::SheetId::MIN));
                let sheets = self.initiatives_where(which, limit).await?;
                let mut revisions = std::collections::HashMap::new();
                if let (Some(first), Some(last)) = (sheets.first(), sheets.last()) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT CAST(r.initiative AS BIGINT) AS initiative, {} FROM revisions r JOIN initiatives i ON i.id = r.initiative \
                         WHERE i.authority = ",
                        REVISION_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ")
                    ));
                    q.push_bind(authority.to_owned()).push(" AND r.initiative BETWEEN ").push_bind(first.id).push(" AND ").push_bind(last.id);
                    let rows: Vec<KeyedRevisionRow> = q.build_query_as().fetch_all(&self.pool).await?;
                    for r in rows {
                        revisions.insert(r.initiative, $crate::model::contribution::Revision::try_from(r.row)?);
                    }
                }
                let trusted = contributions_sql::is_trusted(&self.pool, authority).await?;
                Ok(sheets.into_iter().map(|sheet| Editable { revision: revisions.remove(&sheet.id), sheet, trusted }).collect())
            }

            async fn proposals(
                &self,
                query: &$crate::store::contributions::ProposalQuery,
            ) -> Result<Vec<$crate::store::contributions::Editable>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.initiative FROM revisions r JOIN initiatives i ON i.id = r.initiative \
                     JOIN authorities a ON a.code = i.authority WHERE r.state = 'proposed'",
                );
                if let Some(code) = &query.authority {
                    q.push(" AND i.authority = ").push_bind(code.clone());
                }
                if let Some(dep) = &query.departement {
                    q.push(" AND a.departement = ").push_bind(dep.clone());
                }
                if let Some(at) = &query.waiting_since {
                    q.push(" AND r.updated_at <= ").push_bind(at.clone());
                }
                q.push(" ORDER BY r.updated_at, r.initiative LIMIT ").push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX));
                let ids: Vec<i64> = q.build_query_scalar().fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    // A proposal published meanwhile has left the queue.
                    out.extend(self.editable(id).await?.filter(|e| e.revision.is_some()));
                }
                Ok(out)
            }

            async fn trusted(&self, code: &str) -> Result<bool, $crate::store::StoreError> {
                contributions_sql::is_trusted(&self.pool, code).await
            }

            async fn set_trusted(&self, code: &str, trusted: bool) -> Result<bool, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE authorities SET trusted = ");
                q.push_bind(trusted).push(" WHERE code = ").push_bind(code.to_owned());
                Ok(q.build().execute(&self.pool).await?.rows_affected() == 1)
            }
        }
    };
}

pub(super) use sql_contributions;
