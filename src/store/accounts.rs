//! What the store keeps of people: accounts (with their password's Argon2id hash), the one-time
//! links that set a password, and signed-in sessions. Secrets (links, session cookies) are kept
//! as their SHA-256 only. One SQL text serves both backends, as for tokens ([`super::credentials`]).

use async_trait::async_trait;

use super::StoreError;
use super::rows::corrupt;
use crate::model::{Account, NewAccount, Role};

/// Accounts and sessions in the store. Like tokens, every lookup goes to the database, so that
/// disabling an account or signing out holds from the next request on, on every replica.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Stores a new account, without a password; a contributor's authority must be in the store.
    async fn create_account(&self, account: &NewAccount) -> Result<Account, StoreError>;

    /// Every account, disabled ones included, in the order they were made.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// The account with this address (lower case), with its password hash if it has one.
    async fn account_by_email(&self, email: &str) -> Result<Option<(Account, Option<String>)>, StoreError>;

    /// Disables an account and ends its sessions; false when there is no such enabled account.
    async fn disable_account(&self, id: i64) -> Result<bool, StoreError>;

    /// Stores a one-time link (the SHA-256 of its secret) that sets the account's password.
    async fn create_link(&self, account: i64, hash: &str, expires_at: &str) -> Result<(), StoreError>;

    /// Sets the password through a link that is unused, unexpired and of an enabled account,
    /// in one transaction: the link is spent and the account's sessions end. `None` when the
    /// link cannot be used.
    async fn use_link(&self, hash: &str, password_hash: &str) -> Result<Option<Account>, StoreError>;

    /// Opens a session (the SHA-256 of the cookie's secret) and records the sign-in.
    async fn create_session(&self, hash: &str, account: i64, csrf: &str) -> Result<(), StoreError>;

    /// The session with this hash and its account, whatever their state.
    async fn session(&self, hash: &str) -> Result<Option<Session>, StoreError>;

    /// Records that a session was just used.
    async fn touch_session(&self, hash: &str) -> Result<(), StoreError>;

    /// Ends a session; false when it had ended already or never was.
    async fn end_session(&self, hash: &str) -> Result<bool, StoreError>;
}

/// A signed-in browser: whose it is and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: Account,
    /// The token its pages send with every write.
    pub csrf: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ended_at: Option<String>,
}

/// A row of `accounts` as both backends return it (never the password hash).
#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    id: i64,
    email: String,
    role: String,
    authority: Option<String>,
    created_at: String,
    password_set_at: Option<String>,
    last_login_at: Option<String>,
    disabled_at: Option<String>,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        let role = Role::parse(&r.role).ok_or_else(|| corrupt("account role", &r.role))?;
        Ok(Account {
            id: r.id,
            email: r.email,
            role,
            authority: r.authority,
            created_at: r.created_at,
            password_set_at: r.password_set_at,
            last_login_at: r.last_login_at,
            disabled_at: r.disabled_at,
        })
    }
}

/// An account row with its password hash.
#[derive(sqlx::FromRow)]
pub(super) struct AccountWithPassword {
    #[sqlx(flatten)]
    account: AccountRow,
    password_hash: Option<String>,
}

impl AccountWithPassword {
    pub(super) fn split(self) -> Result<(Account, Option<String>), StoreError> {
        Ok((self.account.try_into()?, self.password_hash))
    }
}

/// A session row joined with its account.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf: String,
    session_created_at: String,
    last_seen_at: String,
    ended_at: Option<String>,
}

impl TryFrom<SessionRow> for Session {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(Session {
            account: r.account.try_into()?,
            csrf: r.csrf,
            created_at: r.session_created_at,
            last_seen_at: r.last_seen_at,
            ended_at: r.ended_at,
        })
    }
}

/// The columns of [`AccountRow`], for `SELECT … FROM accounts` and `RETURNING` (where SQLite
/// takes no table alias).
pub(super) const ACCOUNT_COLUMNS: &str =
    "CAST(id AS BIGINT) AS id, email, role, authority, created_at, password_set_at, last_login_at, disabled_at";

/// The same columns from `accounts a`, for joins.
pub(super) const ACCOUNT_COLUMNS_OF_A: &str = "CAST(a.id AS BIGINT) AS id, a.email, a.role, a.authority, a.created_at, \
     a.password_set_at, a.last_login_at, a.disabled_at";

/// Implements [`Accounts`] for `$store` (a struct with a `pool: sqlx::Pool<$db>`).
macro_rules! sql_accounts {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::Accounts for $store {
            async fn create_account(&self, n: &$crate::model::NewAccount) -> Result<$crate::model::Account, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO accounts (email, role, authority, created_at) VALUES (");
                let mut v = q.separated(", ");
                v.push_bind(&n.email).push_bind(n.role.as_str()).push_bind(&n.authority).push_bind($crate::store::now());
                q.push(") RETURNING ").push($crate::store::accounts::ACCOUNT_COLUMNS);
                let row: $crate::store::accounts::AccountRow = q.build_query_as().fetch_one(&self.pool).await?;
                row.try_into()
            }

            async fn accounts(&self) -> Result<Vec<$crate::model::Account>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT ");
                q.push($crate::store::accounts::ACCOUNT_COLUMNS).push(" FROM accounts ORDER BY id");
                let rows: Vec<$crate::store::accounts::AccountRow> = q.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn account_by_email(
                &self,
                email: &str,
            ) -> Result<Option<($crate::model::Account, Option<String>)>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT ");
                q.push($crate::store::accounts::ACCOUNT_COLUMNS).push(", password_hash FROM accounts WHERE email = ");
                q.push_bind(email);
                let row: Option<$crate::store::accounts::AccountWithPassword> = q.build_query_as().fetch_optional(&self.pool).await?;
                row.map(|r| r.split()).transpose()
            }

            async fn disable_account(&self, id: i64) -> Result<bool, $crate::store::StoreError> {
                let now = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE accounts SET disabled_at = ");
                q.push_bind(&now).push(" WHERE disabled_at IS NULL AND id = ").push_bind(id);
                if q.build().execute(&mut *tx).await?.rows_affected() != 1 {
                    return Ok(false);
                }
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET ended_at = ");
                q.push_bind(&now).push(" WHERE ended_at IS NULL AND account = ").push_bind(id);
                q.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn create_link(&self, account: i64, hash: &str, expires_at: &str) -> Result<(), $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO account_links (hash, account, created_at, expires_at) VALUES (");
                let mut v = q.separated(", ");
                v.push_bind(hash).push_bind(account).push_bind($crate::store::now()).push_bind(expires_at);
                q.push(")");
                q.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn use_link(&self, hash: &str, password_hash: &str) -> Result<Option<$crate::model::Account>, $crate::store::StoreError> {
                // Stored times are all formatted alike (store::stamp), so they compare as text.
                let now = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE account_links SET used_at = ");
                q.push_bind(&now).push(" WHERE used_at IS NULL AND hash = ").push_bind(hash);
                q.push(" AND expires_at > ").push_bind(&now).push(" RETURNING CAST(account AS BIGINT)");
                let Some(account): Option<i64> = q.build_query_scalar().fetch_optional(&mut *tx).await? else {
                    return Ok(None);
                };
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE accounts SET password_hash = ");
                q.push_bind(password_hash).push(", password_set_at = ").push_bind(&now);
                q.push(" WHERE disabled_at IS NULL AND id = ").push_bind(account);
                q.push(" RETURNING ").push($crate::store::accounts::ACCOUNT_COLUMNS);
                let Some(row): Option<$crate::store::accounts::AccountRow> = q.build_query_as().fetch_optional(&mut *tx).await? else {
                    // A disabled account's link spends nothing: the transaction is dropped.
                    return Ok(None);
                };
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET ended_at = ");
                q.push_bind(&now).push(" WHERE ended_at IS NULL AND account = ").push_bind(account);
                q.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(Some(row.try_into()?))
            }

            async fn create_session(&self, hash: &str, account: i64, csrf: &str) -> Result<(), $crate::store::StoreError> {
                let now = $crate::store::now();
                let mut tx = self.pool.begin().await?;
                let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO sessions (hash, account, csrf, created_at, last_seen_at) VALUES (");
                let mut v = q.separated(", ");
                v.push_bind(hash).push_bind(account).push_bind(csrf).push_bind(&now).push_bind(&now);
                q.push(")");
                q.build().execute(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE accounts SET last_login_at = ");
                q.push_bind(&now).push(" WHERE id = ").push_bind(account);
                q.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, hash: &str) -> Result<Option<$crate::store::accounts::Session>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT ");
                q.push($crate::store::accounts::ACCOUNT_COLUMNS_OF_A);
                q.push(", s.csrf, s.created_at AS session_created_at, s.last_seen_at, s.ended_at");
                q.push(" FROM sessions s JOIN accounts a ON a.id = s.account WHERE s.hash = ").push_bind(hash);
                let row: Option<$crate::store::accounts::SessionRow> = q.build_query_as().fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn touch_session(&self, hash: &str) -> Result<(), $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET last_seen_at = ");
                q.push_bind($crate::store::now()).push(" WHERE hash = ").push_bind(hash);
                q.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn end_session(&self, hash: &str) -> Result<bool, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE sessions SET ended_at = ");
                q.push_bind($crate::store::now()).push(" WHERE ended_at IS NULL AND hash = ").push_bind(hash);
                Ok(q.build().execute(&self.pool).await?.rows_affected() == 1)
            }
        }
    };
}

pub(super) use sql_accounts;
