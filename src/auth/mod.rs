//! Who is calling and what they may do. Machines present API tokens ([`token`]); people sign
//! in with an account's e-mail address and password and then present a session cookie
//! ([`account`]). Each carries a role (contributor of one authority, moderator, admin). Every
//! secret is made by [`secret`] and stored only as a hash; passwords with Argon2id
//! ([`password`]).

pub mod account;
pub mod password;
pub mod secret;
pub mod token;

use crate::model::Role;
use crate::model::contribution::{Actor, Channel};

/// A caller whose credentials were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    /// The authority a contributor writes for; `None` for moderators and admins.
    pub authority: Option<String>,
    pub credential: Credential,
}

/// What a caller presented, as the history and answers may name it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token: its id in the store and its first characters.
    Token { id: i64, prefix: String },
    /// A signed-in person's session: their account.
    Session { account: i64, email: String },
}

impl Caller {
    /// Who the history says made a change: the token's or the account's id.
    pub fn actor(&self) -> Actor {
        let id = match &self.credential {
            Credential::Token { id, .. } => format!("token:{id}"),
            Credential::Session { account, .. } => format!("account:{account}"),
        };
        Actor { id, channel: Channel::Api }
    }
}

/// Why credentials were refused. The messages are safe to show: they never repeat a secret,
/// and a wrong password does not say whether the address has an account.
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
    #[error("wrong e-mail address or password")]
    WrongPassword,
    #[error("this account is disabled: ask an administrator of the Atlaas")]
    Disabled,
    #[error("this session has ended or expired: sign in again")]
    NoSession,
    #[error(transparent)]
    Random(#[from] secret::RandomError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
