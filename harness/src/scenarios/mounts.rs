//! Mounts, the Linux default filesystems and devices, `linux.devices`, maskedPaths, readonlyPaths, sysctl.

use crate::scenario::Scenario;

pub fn scenarios() -> Vec<Scenario> {
    Vec::new()
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];
