//! The services of an indexed sheet, kept in the sheet's entry when they are few.
//!
//! Nearly every sheet is filed under one to three services. A boxed slice of them would be a
//! heap allocation of its own for each sheet: 32 bytes of chunk and header for 2 to 6 bytes of
//! codes, 30 MB at a million sheets. Up to [`INLINE`] codes live in the 16 bytes the box's
//! pointer and length would take; only longer lists go to the heap.

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Codes kept in the entry itself.
const INLINE: usize = 3;

/// Dense referential indexes of a sheet's services, main service first.
#[derive(Clone, PartialEq, Eq)]
pub enum ServiceList {
    Few { len: u8, codes: [u16; INLINE] },
    Many(Box<[u16]>),
}

// The short list sits beside the box's non-null pointer, which tells the variants apart: no
// tag, no byte more than the box alone.
const _: () = assert!(size_of::<ServiceList>() == size_of::<Box<[u16]>>());

impl ServiceList {
    pub fn new(services: &[u16]) -> Self {
        if services.len() <= INLINE {
            let mut codes = [0; INLINE];
            codes[..services.len()].copy_from_slice(services);
            ServiceList::Few { len: services.len() as u8, codes }
        } else {
            ServiceList::Many(services.into())
        }
    }

    /// Bytes of its own allocation, if it has one.
    pub fn heap_bytes(&self) -> usize {
        match self {
            ServiceList::Few { .. } => 0,
            ServiceList::Many(codes) => size_of_val(&**codes),
        }
    }

    pub fn as_slice(&self) -> &[u16] {
        match self {
            ServiceList::Few { len, codes } => &codes[..*len as usize],
            ServiceList::Many(codes) => codes,
        }
    }
}

impl Deref for ServiceList {
    type Target = [u16];

    fn deref(&self) -> &[u16] {
        self.as_slice()
    }
}

impl std::fmt::Debug for ServiceList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// A sequence of codes, as the boxed slice it replaces was: snapshots read the same either way.
impl Serialize for ServiceList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ServiceList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let codes = Vec::<u16>::deserialize(deserializer)?;
        Ok(ServiceList::new(&codes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lists_read_back_as_given() {
        for codes in [&[][..], &[7], &[7, 3], &[7, 3, 65535], &[7, 3, 9, 1], &[1; 40]] {
            let list = ServiceList::new(codes);
            assert_eq!(list.as_slice(), codes);
            assert_eq!(matches!(list, ServiceList::Many(_)), codes.len() > INLINE, "{codes:?}");
            let bytes = postcard::to_allocvec(&list).unwrap();
            assert_eq!(bytes, postcard::to_allocvec(&codes.to_vec().into_boxed_slice()).unwrap(), "same bytes as a boxed slice");
            assert_eq!(postcard::from_bytes::<ServiceList>(&bytes).unwrap(), list);
        }
    }
}
