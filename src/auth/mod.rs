//! Who is calling and what they may do. Machines present API tokens ([`token`]): each carries a
//! role (contributor of one authority, moderator, admin), is shown once when it is made, and is
//! stored only as a hash.

pub mod token;

use crate::model::Role;
use crate::model::contribution::{Actor, Channel};

/// A caller whose credentials were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    /// The authority a contributor writes for; `None` for moderators and admins.
    pub authority: Option<String>,
    /// The token it presented (its id in the store, never the token itself), for the history.
    pub token: i64,
    /// The first characters of that token, to tell it in answers and logs.
    pub token_prefix: String,
}

impl Caller {
    /// Who the history says made a change: the token's id, never the token.
    pub fn actor(&self) -> Actor {
        Actor { id: format!("token:{}", self.token), channel: Channel::Api }
    }
}

/// Why credentials were refused. The messages are safe to show: they never repeat a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("this is not an Atlaas API token (they begin with atl_ and are 47 characters long)")]
    Malformed,
    #[error("no such API token")]
    Unknown,
    #[error("this API token was revoked")]
    Revoked,
    #[error("this API token expired")]
    Expired,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
