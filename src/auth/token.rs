//! API tokens: `atl_` and 256 bits from the operating system's random generator
//! ([`super::secret`]). The store keeps the SHA-256 of a token (and its first characters, to
//! tell it in lists), so a copy of the database gives no usable token; a presented token is
//! hashed and looked up.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::secret::{self, RandomError, Secret};
use super::{AuthError, Caller, Credential};
use crate::gazetteer::Gazetteer;
use crate::model::{ApiToken, NewApiToken, Role};
use crate::store::{Store, StoreError, WriteBatch};

pub use super::secret::hash;

/// What every token begins with, so that it is recognised (by people and by secret scanners).
pub const PREFIX: &str = "atl_";
/// Characters of a token: the prefix and 32 bytes in base64url without padding.
pub const LENGTH: usize = PREFIX.len() + secret::RANDOM_CHARS;
/// Characters kept in the store and shown in lists.
const SHOWN: usize = PREFIX.len() + 8;
/// Longest lifetime a token may be given.
pub const MAX_LIFETIME_DAYS: i64 = 5 * 366;

/// What a new token may do.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub role: Role,
    /// Required for a contributor, refused otherwise.
    pub authority: Option<String>,
    pub label: String,
    /// Days until it expires; `None` for a token that lasts until it is revoked.
    pub lifetime_days: Option<i64>,
}

/// Why a token cannot be made as asked.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a token and stores its hash; the token itself is returned once, here. A
/// contributor's authority that the store lacks is added from the gazetteer (as an import
/// does), so that a town can get a token before its first sheet.
pub async fn issue(store: &dyn Store, gazetteer: &Gazetteer, request: &TokenRequest) -> Result<(Secret, ApiToken), IssueError> {
    let label = request.label.trim();
    if label.is_empty() {
        return Err(IssueError::Invalid("a token needs a label saying who holds it".into()));
    }
    let authority = authority_for(store, gazetteer, request.role, request.authority.as_deref(), "token").await?;
    let expires_at = match request.lifetime_days {
        Some(days) if (1..=MAX_LIFETIME_DAYS).contains(&days) => {
            Some(crate::store::stamp(OffsetDateTime::now_utc() + time::Duration::days(days)))
        }
        Some(days) => return Err(IssueError::Invalid(format!("a token lasts from 1 to {MAX_LIFETIME_DAYS} days, not {days}"))),
        None => None,
    };
    let secret = secret::generate(PREFIX)?;
    let record = NewApiToken {
        prefix: secret.expose()[..SHOWN].to_owned(),
        hash: hash(secret.expose()),
        role: request.role,
        authority,
        label: label.to_owned(),
        expires_at,
    };
    let stored = store.create_token(&record).await?;
    Ok((secret, stored))
}

/// The authority a contributor's token or account (`what`) writes for, checked: required for a
/// contributor, refused for the other roles, which write for none in particular.
pub(super) async fn authority_for(
    store: &dyn Store,
    gazetteer: &Gazetteer,
    role: Role,
    authority: Option<&str>,
    what: &str,
) -> Result<Option<String>, IssueError> {
    match (role, authority.map(str::trim)) {
        (Role::Contributor, Some(code)) if !code.is_empty() => Ok(Some(known_authority(store, gazetteer, code).await?)),
        (Role::Contributor, _) => Err(IssueError::Invalid(format!("a contributor's {what} needs the authority it writes for"))),
        (_, Some(code)) if !code.is_empty() => {
            Err(IssueError::Invalid(format!("a {} {what} writes for no authority in particular: leave out {code:?}", role.as_str())))
        }
        _ => Ok(None),
    }
}

/// The code of an authority the store holds, adding it from the gazetteer when it is new there
/// (a town gets a token, or writes its first sheet, before any import brought it).
pub async fn known_authority(store: &dyn Store, gazetteer: &Gazetteer, code: &str) -> Result<String, IssueError> {
    if let Some(a) = store.authority(code).await? {
        return Ok(a.code);
    }
    let a = gazetteer
        .authority(code)
        .ok_or_else(|| IssueError::Invalid(format!("no authority {code:?}: give an INSEE code, an EPCI's SIREN, dep-XX or reg-XX")))?;
    let code = a.code.clone();
    store.write(WriteBatch { new_authorities: vec![a], ..WriteBatch::default() }).await?;
    Ok(code)
}

/// Days from a lifetime written `90d`, `12w` or `1y` (a year is 365 days).
pub fn parse_lifetime(v: &str) -> Result<i64, String> {
    let bad = || format!("a lifetime is a number of days, weeks or years such as 90d, 12w or 1y, not {v:?}");
    let v = v.trim();
    let (number, unit) = v.split_at(v.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => n,
        "w" => n.checked_mul(7).ok_or_else(bad)?,
        "y" => n.checked_mul(365).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if (1..=MAX_LIFETIME_DAYS).contains(&days) { Ok(days) } else { Err(format!("a token lasts from 1 to {MAX_LIFETIME_DAYS} days")) }
}

/// The caller a presented token stands for: it must be one the store holds, neither revoked
/// nor expired. Its last use is recorded.
pub async fn authenticate(store: &dyn Store, presented: &str) -> Result<Caller, AuthError> {
    if !secret::well_formed(presented, PREFIX) {
        return Err(AuthError::Malformed);
    }
    let token = store.token_by_hash(&hash(presented)).await?.ok_or(AuthError::Unknown)?;
    if token.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if let Some(expires) = &token.expires_at {
        // An unreadable date counts as expired: a token is never let through by doubt.
        let expired = OffsetDateTime::parse(expires, &Rfc3339).map_or(true, |at| at <= OffsetDateTime::now_utc());
        if expired {
            return Err(AuthError::Expired);
        }
    }
    store.touch_token(token.id).await?;
    Ok(Caller { role: token.role, authority: token.authority, credential: Credential::Token { id: token.id, prefix: token.prefix } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_days_weeks_and_years() {
        assert_eq!(parse_lifetime("90d"), Ok(90));
        assert_eq!(parse_lifetime("12w"), Ok(84));
        assert_eq!(parse_lifetime("1y"), Ok(365));
        for bad in ["", "d", "90", "0d", "-3d", "10y", "3 mois", "99999999999999999999w"] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?}");
        }
    }
}
