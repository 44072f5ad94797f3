//! People's accounts: made by an administrator on the command line, with a one-time link (the
//! person sets their own password through it; the same kind of link resets a forgotten one),
//! then signed in with the e-mail address and password, which opens a session held by a
//! cookie. A session ends when its holder signs out, after a working day without use, a week
//! after it began, when the password changes and when the account is disabled.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::password::{self, PasswordError};
use super::secret::{self, Secret};
use super::token::{IssueError, authority_for};
use super::{AuthError, Caller, Credential};
use crate::gazetteer::Gazetteer;
use crate::model::{Account, NewAccount, Role};
use crate::store::{Store, StoreError, stamp};

/// What one-time links begin with.
pub const LINK_PREFIX: &str = "atlk_";
/// What session cookies' secrets begin with.
pub const SESSION_PREFIX: &str = "atls_";
/// How long a one-time link may wait to be used.
pub const LINK_LIFETIME: Duration = Duration::days(7);
/// A session unused for this long has ended.
pub const SESSION_IDLE: Duration = Duration::hours(8);
/// A session ends this long after it began, used or not.
pub const SESSION_LIFETIME: Duration = Duration::days(7);
/// A session's last use is recorded at most this often (not one write per request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// An account to make.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    pub email: String,
    pub role: Role,
    /// Required for a contributor, refused otherwise.
    pub authority: Option<String>,
}

/// The address in the form accounts are stored under (trimmed, lower case), if it looks like
/// one: something, one arobase, a domain with a dot, no spaces.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(email)
}

/// Makes an account and its first one-time link, returned once, here.
pub async fn create(store: &dyn Store, gazetteer: &Gazetteer, request: &AccountRequest) -> Result<(Account, Secret), IssueError> {
    let email =
        normalise_email(&request.email).ok_or_else(|| IssueError::Invalid(format!("{:?} is not an e-mail address", request.email)))?;
    if store.account_by_email(&email).await?.is_some() {
        return Err(IssueError::Invalid(format!("there is already an account for {email}")));
    }
    let authority = authority_for(store, gazetteer, request.role, request.authority.as_deref(), "account").await?;
    let account = store.create_account(&NewAccount { email, role: request.role, authority }).await?;
    let link = issue_link(store, account.id).await?;
    Ok((account, link))
}

/// A new one-time link for an enabled account (a forgotten password, a lost first link).
/// Links issued before stay valid until used or expired.
pub async fn new_link(store: &dyn Store, email: &str) -> Result<(Account, Secret), IssueError> {
    let known = match normalise_email(email) {
        Some(email) => store.account_by_email(&email).await?,
        None => None,
    };
    let (account, _) = known.ok_or_else(|| IssueError::Invalid(format!("no account for {email:?}")))?;
    if account.disabled_at.is_some() {
        return Err(IssueError::Invalid(format!("the account of {} is disabled", account.email)));
    }
    let link = issue_link(store, account.id).await?;
    Ok((account, link))
}

async fn issue_link(store: &dyn Store, account: i64) -> Result<Secret, IssueError> {
    let link = secret::generate(LINK_PREFIX)?;
    let expires = stamp(OffsetDateTime::now_utc() + LINK_LIFETIME);
    store.create_link(account, &secret::hash(link.expose()), &expires).await?;
    Ok(link)
}

/// Why a password could not be set through a link.
#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error(transparent)]
    Rules(#[from] PasswordError),
    #[error("this link is unknown, was used already or expired: ask an administrator for a new one")]
    BadLink,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sets an account's password through a one-time link, which is spent; the account's open
/// sessions end.
pub async fn set_password(store: &dyn Store, link: &str, new_password: &str) -> Result<Account, SetPasswordError> {
    password::check(new_password)?;
    if !secret::well_formed(link.trim(), LINK_PREFIX) {
        return Err(SetPasswordError::BadLink);
    }
    let owned = new_password.to_owned();
    let phc = tokio::task::spawn_blocking(move || password::hash(&owned)).await.map_err(|e| PasswordError::Hashing(e.to_string()))??;
    store.use_link(&secret::hash(link.trim()), &phc).await?.ok_or(SetPasswordError::BadLink)
}

/// A session just opened: the cookie's secret (shown once) and the CSRF token of its pages.
#[derive(Debug)]
pub struct SignedIn {
    pub session: Secret,
    pub csrf: String,
    pub account: Account,
}

/// Checks an address and password and opens a session. Whatever is wrong (no such address, no
/// password set yet, the wrong password) answers the same, after the same work.
pub async fn sign_in(store: &dyn Store, email: &str, password: &str) -> Result<SignedIn, AuthError> {
    let found = match normalise_email(email) {
        Some(email) => store.account_by_email(&email).await?,
        None => None,
    };
    let presented = password.chars().take(password::MAX_CHARS).collect::<String>();
    let (account, phc) = match found {
        Some((account, Some(phc))) => (Some(account), Some(phc)),
        _ => (None, None),
    };
    let matches = tokio::task::spawn_blocking(move || match phc {
        Some(phc) => password::verify(&presented, &phc),
        None => {
            password::verify_nothing(&presented);
            false
        }
    })
    .await
    .unwrap_or(false);
    let account = account.filter(|_| matches).ok_or(AuthError::WrongPassword)?;
    if account.disabled_at.is_some() {
        return Err(AuthError::Disabled);
    }
    let session = secret::generate(SESSION_PREFIX)?;
    let csrf = secret::generate("")?.expose().to_owned();
    store.create_session(&secret::hash(session.expose()), account.id, &csrf).await?;
    Ok(SignedIn { session, csrf, account })
}

/// The caller a session cookie stands for, with the CSRF token its writes must carry.
pub async fn authenticate(store: &dyn Store, cookie: &str) -> Result<(Caller, String), AuthError> {
    if !secret::well_formed(cookie, SESSION_PREFIX) {
        return Err(AuthError::NoSession);
    }
    let hash = secret::hash(cookie);
    let session = store.session(&hash).await?.ok_or(AuthError::NoSession)?;
    let now = OffsetDateTime::now_utc();
    // An unreadable date counts as past: a session is never let through by doubt.
    let at = |s: &str| OffsetDateTime::parse(s, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let (began, seen) = (at(&session.created_at), at(&session.last_seen_at));
    if session.ended_at.is_some() || now - seen > SESSION_IDLE || now - began > SESSION_LIFETIME {
        return Err(AuthError::NoSession);
    }
    let account = session.account;
    if account.disabled_at.is_some() {
        return Err(AuthError::Disabled);
    }
    if now - seen > TOUCH_EVERY {
        store.touch_session(&hash).await?;
    }
    let credential = Credential::Session { account: account.id, email: account.email };
    Ok((Caller { role: account.role, authority: account.authority, credential }, session.csrf))
}

/// Ends the session a cookie holds; false when it was not open.
pub async fn sign_out(store: &dyn Store, cookie: &str) -> Result<bool, StoreError> {
    if !secret::well_formed(cookie, SESSION_PREFIX) {
        return Ok(false);
    }
    store.end_session(&secret::hash(cookie)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_lowered_and_checked() {
        assert_eq!(normalise_email("  Agent.Numerique@Mairie-Marck.FR "), Some("agent.numerique@mairie-marck.fr".into()));
        for bad in ["", "agent", "@mairie.fr", "agent@", "agent@localhost", "agent@.fr", "a b@mairie.fr", "a@b@mairie.fr"] {
            assert_eq!(normalise_email(bad), None, "{bad:?}");
        }
    }
}
