//! Secrets the service hands out once (API tokens, one-time links, session cookies): 256 bits
//! from the operating system's random generator, in base64url, behind a prefix that says what
//! they are. The store keeps their SHA-256 only: a hash of 256 random bits needs no salt nor
//! slow hashing, as there is no dictionary to try.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Characters of the random part: 32 bytes in base64url without padding.
pub const RANDOM_CHARS: usize = 43;

/// A secret in clear, as it is shown once. Its `Debug` prints only its prefix.
pub struct Secret {
    value: String,
    prefix: usize,
}

impl Secret {
    /// The secret, to hand to whoever asked for it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}…)", &self.value[..self.prefix])
    }
}

/// The operating system's random generator failed: nothing may be handed out.
#[derive(Debug, thiserror::Error)]
#[error("the system's random generator failed: {0}")]
pub struct RandomError(String);

/// A new secret: `prefix` and 256 random bits.
pub fn generate(prefix: &str) -> Result<Secret, RandomError> {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(Secret { value: format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)), prefix: prefix.len() })
}

/// Whether `presented` has the shape of a secret made with this prefix (checked before any
/// lookup, so that junk never reaches the store).
pub fn well_formed(presented: &str, prefix: &str) -> bool {
    presented.len() == prefix.len() + RANDOM_CHARS
        && presented.starts_with(prefix)
        && presented[prefix.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The SHA-256 of a secret, hex: what the store keeps and looks up.
pub fn hash(secret: &str) -> String {
    format!("{:x}", Sha256::digest(secret.as_bytes()))
}

/// Whether two secrets are equal, in a time that does not depend on where they differ (their
/// hashes are compared, and a hash tells nothing of the secret's characters).
pub fn same(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let (a, b) = (generate("atl_").unwrap(), generate("atl_").unwrap());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 4 + RANDOM_CHARS);
        assert!(well_formed(a.expose(), "atl_"));
        assert!(!well_formed(a.expose(), "ats_"));
        assert!(!well_formed(&a.expose()[1..], "atl_"));
        assert!(!format!("{a:?}").contains(&a.expose()[4..]), "Debug does not print the secret");
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        // The SHA-256 test vector of "abc" (FIPS 180-2).
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(same("abc", "abc") && !same("abc", "abd"));
    }
}
