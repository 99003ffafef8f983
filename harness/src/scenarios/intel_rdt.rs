//! linux.intelRdt: what the runtime does in the resctrl filesystem.

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    vec![]
}

/// Counted intelRdt rows no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];
