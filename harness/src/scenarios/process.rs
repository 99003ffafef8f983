//! The process: args, env, cwd, user, capabilities, rlimits, and the rest of `process`; `root`; hostname and domainname.

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    Vec::new()
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];
