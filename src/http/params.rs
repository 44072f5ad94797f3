//! What the HTTP layer adds to the query-string parsing of [`crate::index::filter::query`]:
//! the page sizes and the opaque paging cursor, and the 400 that a bad parameter becomes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{Error, Result};
use crate::index::filter::query::{Params, QueryError};
use crate::model::SheetId;

/// Largest page of `/api/initiatives` and of `/api/nearby`.
pub const MAX_LIMIT: usize = 1000;

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        Error::BadRequest(e.0)
    }
}

/// A sheet id from a path.
pub fn sheet_id(id: &str) -> Result<SheetId> {
    id.parse().map_err(|_| Error::bad_request(format!("initiative id must be a whole number, not {id:?}")))
}

/// Takes the opaque paging cursor of a previous page.
pub fn take_cursor(p: &mut Params) -> Result<Option<Cursor>> {
    let Some(v) = p.take("cursor") else { return Ok(None) };
    let bad = || Error::bad_request("cursor is not one this server gave: pass the next_cursor of a previous page unchanged");
    let bytes = URL_SAFE_NO_PAD.decode(v.as_bytes()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    if let Some(id) = text.strip_prefix("after:") {
        return id.parse().map(|id| Some(Cursor::After(id))).map_err(|_| bad());
    }
    text.strip_prefix("rank:").and_then(|n| n.parse().ok()).map(|n| Some(Cursor::Rank(n))).ok_or_else(bad)
}

/// Where the previous page of a listing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// In id order: the last id shown.
    After(SheetId),
    /// In relevance order: how many sheets were shown.
    Rank(usize),
}

impl Cursor {
    pub fn encode(self) -> String {
        match self {
            Cursor::After(id) => URL_SAFE_NO_PAD.encode(format!("after:{id}")),
            Cursor::Rank(n) => URL_SAFE_NO_PAD.encode(format!("rank:{n}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn decode(raw: &str) -> Result<Option<Cursor>> {
        let mut p = Params::parse(Some(&serde_urlencoded::to_string([("cursor", raw)]).unwrap()))?;
        take_cursor(&mut p)
    }

    proptest! {
        #[test]
        fn a_cursor_this_server_gave_comes_back_as_it_was(id in any::<SheetId>(), rank in any::<usize>()) {
            for cursor in [Cursor::After(id), Cursor::Rank(rank)] {
                prop_assert_eq!(decode(&cursor.encode()).unwrap(), Some(cursor));
            }
        }

        /// Any other text, random or a real cursor altered, is a 400 naming the cursor.
        #[test]
        fn any_other_cursor_is_a_400_that_says_so(raw in "[A-Za-z0-9_=+/ %-]{0,40}", cut in 0usize..20) {
            let real = Cursor::After(42).encode();
            for candidate in [raw.clone(), real[..cut.min(real.len())].to_owned(), format!("{real}{raw}")] {
                match decode(&candidate) {
                    // Absent when empty; a cursor when the text is one (`after:42` cut short may still be).
                    Ok(None) => prop_assert!(candidate.trim().is_empty(), "{candidate:?} taken for no cursor"),
                    Ok(Some(c)) => prop_assert_eq!(c.encode(), candidate.trim()),
                    Err(e) => {
                        prop_assert!(matches!(&e, Error::BadRequest(m) if m.contains("cursor")), "{candidate:?}: {e}");
                    }
                }
            }
        }
    }
}
