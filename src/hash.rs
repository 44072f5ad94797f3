//! FNV-1a, 64 bits: a hash that is the same on every machine and replica (tile ETags) and
//! cheap on short keys (the words of the text index, hashed by the hundred million at
//! start-up, where the standard library's SipHash, built against hash flooding that a
//! store's own texts cannot mount, costs most).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

/// The FNV-1a hasher, for hash maps ([`FnvMap`]) and for [`fnv1a`].
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(OFFSET_BASIS)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    }
}

/// A hash map keyed through FNV-1a.
pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv1a>>;

/// The FNV-1a hash of some bytes.
///
/// ```
/// // The reference value of the empty input is the offset basis; "a" is FNV's own test vector.
/// assert_eq!(atlaas::hash::fnv1a(b""), 0xcbf2_9ce4_8422_2325);
/// assert_eq!(atlaas::hash::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a::default();
    h.write(bytes);
    h.finish()
}
