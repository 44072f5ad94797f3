//! What an import changes: whether a stored sheet already says what the file says, and the
//! history entry of one it writes.

use crate::model::contribution::{NewHistoryEntry, SheetContent};
use crate::model::{NewInitiative, Status};

/// Whether a stored sheet already says exactly what the file says (positions to a nanodegree:
/// stores may print the last digit of a double differently).
pub(super) fn same_content(stored: &NewInitiative, new: &NewInitiative) -> bool {
    let places_match = stored.places.len() == new.places.len()
        && stored.places.iter().zip(&new.places).all(|(a, b)| {
            let close = (a.lon - b.lon).abs() < 1e-9 && (a.lat - b.lat).abs() < 1e-9;
            close
                && (&a.label, &a.address, &a.postal_code, &a.commune, a.precision, a.method)
                    == (&b.label, &b.address, &b.postal_code, &b.commune, b.precision, b.method)
        });
    places_match
        && (&stored.authority, &stored.title, &stored.summary, &stored.body, &stored.services, stored.year)
            == (&new.authority, &new.title, &new.summary, &new.body, &new.services, new.year)
        && (&stored.website, stored.status, stored.sample, &stored.source_data) == (&new.website, new.status, new.sample, &new.source_data)
}

/// The history entry of an imported sheet: each field that changed (from nothing for a new
/// sheet), its owner and status included.
pub(super) fn history_entry(stored: Option<&NewInitiative>, new: &NewInitiative) -> NewHistoryEntry {
    let mut changes = SheetContent::of(new).changes_from(stored.map(SheetContent::of).as_ref());
    let owner = (stored.map(|s| s.authority.as_str()), new.authority.as_str());
    let status = (stored.map(|s| s.status.as_str()), new.status.as_str());
    for (field, (before, after)) in [("authority", owner), ("status", status)] {
        if before != Some(after) {
            changes.insert(field.into(), [before.into(), after.into()]);
        }
    }
    let public = new.status == Status::Published || stored.is_some_and(|s| s.status == Status::Published);
    NewHistoryEntry { action: "imported", public, reason: None, changes }
}
