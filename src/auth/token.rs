//! API tokens: `atl_` and 43 characters of base64url carrying 256 bits from the operating
//! system's random generator. The store keeps the SHA-256 of a token (and its first characters,
//! to tell it in lists), so a copy of the database gives no usable token; a presented token is
//! hashed and looked up. A hash of 256 random bits needs no salt nor slow hashing: there is no
//! dictionary to try.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AuthError, Caller};
use crate::gazetteer::Gazetteer;
use crate::model::{ApiToken, NewApiToken, Role};
use crate::store::{Store, StoreError, WriteBatch};

/// What every token begins with, so that it is recognised (by people and by secret scanners).
pub const PREFIX: &str = "atl_";
/// Characters of a token: the prefix and 32 bytes in base64url without padding.
pub const LENGTH: usize = PREFIX.len() + 43;
/// Characters kept in the store and shown in lists.
const SHOWN: usize = PREFIX.len() + 8;
/// Longest lifetime a token may be given.
pub const MAX_LIFETIME_DAYS: i64 = 5 * 366;

/// A token in clear, as it is shown once. Its `Debug` does not print it.
pub struct Secret(String);

impl Secret {
    /// The token, to print for whoever asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}…)", &self.0[..SHOWN])
    }
}

/// The SHA-256 of a token, hex: what the store keeps and looks up.
pub fn hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// A new token from the operating system's random generator.
fn generate() -> Result<Secret, IssueError> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| IssueError::Random(e.to_string()))?;
    Ok(Secret(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))))
}

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
    #[error("the system's random generator failed: {0}")]
    Random(String),
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
    let authority = match (request.role, request.authority.as_deref().map(str::trim)) {
        (Role::Contributor, Some(code)) if !code.is_empty() => Some(known_authority(store, gazetteer, code).await?),
        (Role::Contributor, _) => return Err(IssueError::Invalid("a contributor's token needs the authority it writes for".into())),
        (_, Some(code)) if !code.is_empty() => {
            return Err(IssueError::Invalid(format!(
                "a {} token writes for no authority in particular: leave out {code:?}",
                request.role.as_str()
            )));
        }
        _ => None,
    };
    let expires_at = match request.lifetime_days {
        Some(days) if (1..=MAX_LIFETIME_DAYS).contains(&days) => {
            Some(crate::store::stamp(OffsetDateTime::now_utc() + time::Duration::days(days)))
        }
        Some(days) => return Err(IssueError::Invalid(format!("a token lasts from 1 to {MAX_LIFETIME_DAYS} days, not {days}"))),
        None => None,
    };
    let secret = generate()?;
    let record = NewApiToken {
        prefix: secret.0[..SHOWN].to_owned(),
        hash: hash(&secret.0),
        role: request.role,
        authority,
        label: label.to_owned(),
        expires_at,
    };
    let stored = store.create_token(&record).await?;
    Ok((secret, stored))
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
    let well_formed = presented.len() == LENGTH
        && presented.starts_with(PREFIX)
        && presented[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
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
    Ok(Caller { role: token.role, authority: token.authority, token: token.id, token_prefix: token.prefix })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_recognisable() {
        let (a, b) = (generate().unwrap(), generate().unwrap());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), LENGTH);
        assert!(a.expose().starts_with(PREFIX));
        assert!(!format!("{a:?}").contains(&a.expose()[SHOWN..]), "Debug does not print the token");
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        // The SHA-256 test vector of "abc" (FIPS 180-2).
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

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
