//! cgroups: `linux.cgroupsPath` and `linux.resources`, each value read back by the probe from the container's own cgroup.

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    Vec::new()
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];
