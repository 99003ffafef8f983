//! Requirements that a spec release after v1.0.0 introduced. A runtime that claims an older
//! release (its `features.ociVersionMax`, or no features at all) is not held to them: such a
//! check is SKIP with the reason, never FAIL.
//!
//! Each entry was found by comparing the spec's text at its release tags (`git show
//! vX.Y.Z:config-linux.md` in opencontainers/runtime-spec).

/// (requirement ID, first release whose text has it)
const SINCE: &[(&str, &str)] = &[
    // The createRuntime, createContainer and startContainer hooks.
    ("runtime.lifecycle.createRuntime.invoke", "1.0.2"),
    ("runtime.lifecycle.createRuntime.fail", "1.0.2"),
    ("runtime.lifecycle.createContainer.invoke", "1.0.2"),
    ("runtime.lifecycle.createContainer.fail", "1.0.2"),
    ("runtime.lifecycle.startContainer.invoke", "1.0.2"),
    ("runtime.lifecycle.startContainer.fail", "1.0.2"),
    ("config.hooks.prestart.before_createRuntime", "1.0.2"),
    ("config.hooks.createRuntime.when", "1.0.2"),
    (
        "config.hooks.createRuntime.path.resolves_runtime_ns",
        "1.0.2",
    ),
    ("config.hooks.createRuntime.runs_in_runtime_ns", "1.0.2"),
    ("config.hooks.createContainer.when", "1.0.2"),
    ("config.hooks.createContainer.after_createRuntime", "1.0.2"),
    (
        "config.hooks.createContainer.path.resolves_runtime_ns",
        "1.0.2",
    ),
    ("config.hooks.createContainer.runs_in_container_ns", "1.0.2"),
    ("config.hooks.startContainer.when", "1.0.2"),
    (
        "config.hooks.startContainer.path.resolves_container_ns",
        "1.0.2",
    ),
    ("config.hooks.startContainer.runs_in_container_ns", "1.0.2"),
    // "When the action doesn't support an errno, the runtime MUST print and error and fail."
    (
        "config.linux.seccomp.syscalls.errnoRet.unsupported_error",
        "1.1.0",
    ),
    (
        "config.linux.seccomp.defaultErrnoRet.unsupported_error",
        "1.1.0",
    ),
    // The idmap and ridmap mount options.
    (
        "config.mounts.options.linux.idmap.error_no_mapping",
        "1.2.0",
    ),
    (
        "config.mounts.options.linux.ridmap.error_no_mapping",
        "1.2.0",
    ),
];

/// Whether a runtime claiming `claimed` is held to what `since` introduced. A pre-release
/// claims the release it leads to: "1.0.2-dev" is held to 1.0.2.
pub fn holds(claimed: &semver::Version, since: &semver::Version) -> bool {
    semver::Version::new(claimed.major, claimed.minor, claimed.patch) >= *since
}

/// The newest release that introduced one of `requirements`, if any is newer than v1.0.0.
pub fn introduced(requirements: &[&str]) -> Option<semver::Version> {
    requirements
        .iter()
        .filter_map(|id| SINCE.iter().find(|(r, _)| r == id))
        .filter_map(|(_, v)| semver::Version::parse(v).ok())
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_a_known_requirement_and_a_release() {
        for (id, v) in SINCE {
            assert!(oci_check_validator::requirements::get(id).is_some(), "{id}");
            semver::Version::parse(v).unwrap();
        }
    }

    #[test]
    fn a_pre_release_is_held_to_its_release() {
        let v = |s| semver::Version::parse(s).unwrap();
        assert!(holds(&v("1.0.2-dev"), &v("1.0.2")));
        assert!(!holds(&v("1.0.2-dev"), &v("1.1.0")));
        assert!(holds(&v("1.3.0"), &v("1.1.0")));
        assert!(!holds(&v("1.0.1"), &v("1.0.2")));
    }

    #[test]
    fn the_newest_release_wins() {
        assert_eq!(introduced(&["runtime.ops.create.creates"]), None);
        assert_eq!(
            introduced(&[
                "config.linux.seccomp.defaultErrnoRet.unsupported_error",
                "config.mounts.options.linux.idmap.error_no_mapping"
            ])
            .map(|v| v.to_string()),
            Some("1.2.0".into())
        );
    }
}
