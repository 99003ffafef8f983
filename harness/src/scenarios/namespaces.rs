//! Namespaces (new, joined by path, shared with the host), user and time namespaces, seccomp, AppArmor and SELinux.

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    Vec::new()
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];
