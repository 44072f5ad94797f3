//! Passwords: hashed with Argon2id at the parameters the OWASP Password Storage Cheat Sheet
//! gives (19 MiB of memory, 2 passes, 1 lane), in the PHC string format that carries the
//! algorithm, its parameters and a 128-bit salt from the operating system. Hashing costs some
//! 50 ms of one core by design: callers run it on a blocking thread.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRngCore;
use rand::rngs::OsRng;

use super::secret::RandomError;

/// Shortest password accepted, in characters. Length is what makes a password hard to guess
/// (NIST SP 800-63B asks for at least 8; a town agent's password guards public data's
/// integrity, so we ask for more and impose no composition rules).
pub const MIN_CHARS: usize = 12;
/// Longest accepted, so that no one makes the server hash megabytes.
pub const MAX_CHARS: usize = 256;

/// Memory (KiB), passes and lanes of Argon2id.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("OWASP's parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password that breaks the rules, with the reason to show.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {MIN_CHARS} characters (a few words make a good one)")]
    TooShort,
    #[error("a password has at most {MAX_CHARS} characters")]
    TooLong,
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

impl PasswordError {
    /// Whether the password broke a rule (the person can fix it), rather than the machine failing.
    pub fn is_rule(&self) -> bool {
        matches!(self, PasswordError::TooShort | PasswordError::TooLong)
    }
}

/// Checks a new password against the rules.
pub fn check(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

/// The PHC string of a password hashed with a fresh salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    OsRng.try_fill_bytes(&mut salt).map_err(|e| PasswordError::Hashing(format!("random salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    let hashed = argon2().hash_password(password.as_bytes(), &salt).map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(hashed.to_string())
}

/// Whether `password` is the one `phc` was made from. An unreadable hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// Verifies against a hash of no one's password, taking the time a real check takes: an
/// unknown address must not answer faster than a wrong password (that would tell which
/// addresses have accounts).
pub fn verify_nothing(password: &str) {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy = DECOY.get_or_init(|| hash("a decoy that matches no one's password").unwrap_or_default());
    verify(password, decoy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("correct horse battery stapler", &h));
        assert!(!verify("correct horse battery staple", "not a hash"));
        assert_ne!(hash("correct horse battery staple").unwrap(), h, "a fresh salt each time");
    }

    #[test]
    fn the_rules_are_about_length() {
        assert!(matches!(check("court"), Err(PasswordError::TooShort)));
        assert!(matches!(check(&"x".repeat(257)), Err(PasswordError::TooLong)));
        // Twelve characters, not twelve bytes: accents count once.
        assert!(check("éléphant été").is_ok());
        assert!(matches!(check("éléphant ét"), Err(PasswordError::TooShort)));
    }
}
