//! Who may do what to which sheet: the one place that says it. Handlers and operations ask here
//! before they touch the store, and `tests/contributions_matrix.rs` walks every route with every
//! kind of caller to hold it.

use crate::auth::Caller;
use crate::model::Role;

/// What a caller wants to do to a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Create a sheet for an authority, edit, submit or archive one of its sheets, and read
    /// its working copy and whole history.
    Write,
    /// Publish or reject a proposal, list the moderation queue.
    Moderate,
}

/// Whether `caller` may do `verb` to the sheets of the authority `owner`. A contributor writes
/// its own authority's sheets and nothing else; moderators and admins may do everything to
/// every sheet (admins also manage tokens).
pub fn may(caller: &Caller, verb: Verb, owner: &str) -> bool {
    match caller.role {
        Role::Moderator | Role::Admin => true,
        Role::Contributor => verb == Verb::Write && caller.authority.as_deref() == Some(owner),
    }
}

/// Whether what `caller` writes is public at once: a moderator's or an admin's, and a
/// contributor's of a trusted authority. Others' writes wait for a moderator.
pub fn publishes_directly(caller: &Caller, owner_trusted: bool) -> bool {
    caller.role != Role::Contributor || owner_trusted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credential;

    fn caller(role: Role, authority: Option<&str>) -> Caller {
        Caller { role, authority: authority.map(str::to_owned), credential: Credential::Token { id: 1, prefix: "atl_test".into() } }
    }

    #[test]
    fn contributors_write_their_own_authority_only_and_never_moderate() {
        let marck = caller(Role::Contributor, Some("62548"));
        assert!(may(&marck, Verb::Write, "62548"));
        assert!(!may(&marck, Verb::Write, "71230"));
        assert!(!may(&marck, Verb::Moderate, "62548"));
        // A code that merely starts like another is another authority.
        assert!(!may(&marck, Verb::Write, "625480"));
        assert!(!publishes_directly(&marck, false));
        assert!(publishes_directly(&marck, true));
    }

    #[test]
    fn moderators_and_admins_may_everything() {
        for role in [Role::Moderator, Role::Admin] {
            let c = caller(role, None);
            assert!(may(&c, Verb::Write, "71230") && may(&c, Verb::Moderate, "71230"));
            assert!(publishes_directly(&c, false));
        }
    }
}
