//! What the store keeps of who may write: API tokens (their hash, role, authority and dates).
//! One SQL text serves both backends, as for sheets ([`super::sql`]).

use async_trait::async_trait;

use super::StoreError;
use super::rows::corrupt;
use crate::model::{ApiToken, NewApiToken, Role};

/// Tokens in the store. Every lookup goes to the database (nothing is cached), so that a
/// revocation holds from the next request on, on every server sharing the store.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// Stores a new token; a contributor's authority must be in the store.
    async fn create_token(&self, token: &NewApiToken) -> Result<ApiToken, StoreError>;

    /// Every token, revoked and expired ones included, in the order they were made.
    async fn tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    /// The token with this hash, whatever its state.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>, StoreError>;

    /// Revokes a token that is not revoked yet; false when there is none with this id.
    async fn revoke_token(&self, id: i64) -> Result<bool, StoreError>;

    /// Records that a token was just used.
    async fn touch_token(&self, id: i64) -> Result<(), StoreError>;
}

/// A row of `api_tokens` as both backends return it.
#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    id: i64,
    prefix: String,
    role: String,
    authority: Option<String>,
    label: String,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        let role = Role::parse(&r.role).ok_or_else(|| corrupt("token role", &r.role))?;
        Ok(ApiToken {
            id: r.id,
            prefix: r.prefix,
            role,
            authority: r.authority,
            label: r.label,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

/// The columns of [`TokenRow`], for `SELECT` and `RETURNING`.
pub(super) const TOKEN_COLUMNS: &str =
    "CAST(id AS BIGINT) AS id, prefix, role, authority, label, created_at, expires_at, last_used_at, revoked_at";

/// Implements [`Credentials`] for `$store` (a struct with a `pool: sqlx::Pool<$db>`).
macro_rules! sql_credentials {
    ($store:ident, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::credentials::Credentials for $store {
            async fn create_token(&self, t: &$crate::model::NewApiToken) -> Result<$crate::model::ApiToken, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO api_tokens (prefix, hash, role, authority, label, created_at, expires_at) VALUES (",
                );
                let mut v = q.separated(", ");
                v.push_bind(&t.prefix).push_bind(&t.hash).push_bind(t.role.as_str()).push_bind(&t.authority);
                v.push_bind(&t.label).push_bind($crate::store::now()).push_bind(&t.expires_at);
                q.push(") RETURNING ").push($crate::store::credentials::TOKEN_COLUMNS);
                let row: $crate::store::credentials::TokenRow = q.build_query_as().fetch_one(&self.pool).await?;
                row.try_into()
            }

            async fn tokens(&self) -> Result<Vec<$crate::model::ApiToken>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT ");
                q.push($crate::store::credentials::TOKEN_COLUMNS).push(" FROM api_tokens");
                q.push(" ORDER BY id");
                let rows: Vec<$crate::store::credentials::TokenRow> = q.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn token_by_hash(&self, hash: &str) -> Result<Option<$crate::model::ApiToken>, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT ");
                q.push($crate::store::credentials::TOKEN_COLUMNS).push(" FROM api_tokens");
                q.push(" WHERE hash = ").push_bind(hash);
                let row: Option<$crate::store::credentials::TokenRow> = q.build_query_as().fetch_optional(&self.pool).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn revoke_token(&self, id: i64) -> Result<bool, $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE api_tokens SET revoked_at = ");
                q.push_bind($crate::store::now()).push(" WHERE revoked_at IS NULL AND id = ").push_bind(id);
                Ok(q.build().execute(&self.pool).await?.rows_affected() == 1)
            }

            async fn touch_token(&self, id: i64) -> Result<(), $crate::store::StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE api_tokens SET last_used_at = ");
                q.push_bind($crate::store::now()).push(" WHERE id = ").push_bind(id);
                q.build().execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(super) use sql_credentials;
