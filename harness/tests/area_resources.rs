//! The resources area (cgroups): every check FAILs against a runtime that ignores or breaks
//! the part of the config it is about, and passes, SKIPs or is a known runc deviation against
//! runc.

mod support;
use support::*;

use std::path::{Path, PathBuf};

/// (mode of tests/broken-runtime, the checks that must FAIL against it)
const TABLE: &[(&str, &[&str])] = &[
    (
        "ignore:/linux/cgroupsPath",
        &[
            "resources::absolute_cgroups_path_is_relative_to_the_cgroup_mount",
            "resources::same_cgroups_path_attaches_to_the_same_place",
            "resources::unusable_cgroups_path_is_refused",
        ],
    ),
    (
        "ignore:/linux/resources/memory",
        &["resources::memory_limits_are_applied"],
    ),
    (
        "ignore:/linux/resources/cpu",
        &[
            "resources::cpu_shares_quota_and_period_are_applied",
            "resources::cpuset_cpus_and_mems_are_applied",
        ],
    ),
    (
        "ignore:/linux/resources/pids",
        &["resources::pids_limit_is_applied"],
    ),
    (
        "ignore:/linux/resources/blockIO",
        &["resources::block_io_weight_and_throttles_are_applied"],
    ),
    (
        "ignore:/linux/resources/hugepageLimits",
        &["resources::hugepage_limits_are_applied_or_refused"],
    ),
    (
        "ignore:/linux/intelRdt",
        &["resources::intel_rdt_without_resctrl_is_refused"],
    ),
    (
        // runc 1.1.5 claims spec 1.0.2 and so is not held to these; claiming 1.3.0 it is, and
        // it ignores cpu burst and idle, takes a pids limit of 0 for "unlimited", and refuses
        // `unified` on a hybrid host.
        "claims-1.3.0",
        &[
            "resources::cpu_burst_and_idle_are_applied",
            "resources::pids_limit_zero_is_a_limit",
            "resources::unified_values_are_written_with_their_controller_enabled",
        ],
    ),
];

/// (mode of tests/broken-resources, the checks that must FAIL against it)
const BROKEN_RESOURCES: &[(&str, &[&str])] = &[
    (
        "claims-1.3.0+ignore:/linux/resources/unified",
        &["resources::unified_key_of_a_missing_controller_is_refused"],
    ),
    (
        "refuse:/linux/resources/memory/kernel",
        &["resources::deprecated_kernel_memory_limits_do_not_stop_the_container"],
    ),
    (
        // Lists memory policies in its features, and refuses them in config.json.
        "claims-1.3.0+lists-memory-policy+refuse:/linux/memoryPolicy",
        &[
            "resources::memory_policy_modes_of_the_features_are_recognized",
            "resources::memory_policy_flags_of_the_features_are_recognized",
        ],
    ),
    (
        "chown-cgroup",
        &[
            "resources::cgroup_ownership_is_unchanged_on_cgroup_v1",
            "resources::cgroup_ownership_is_unchanged_without_a_cgroup_namespace",
            "resources::cgroup_ownership_is_unchanged_without_a_cgroup_mount",
        ],
    ),
];

/// Checks runc 1.1.5 fails (each in ci/expect-fail/runc-1.1.5.txt with the spec sentence).
const RUNC_DEVIATIONS: &[&str] = &["resources::intel_rdt_without_resctrl_is_refused"];

fn broken_resources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-resources")
}

#[test]
fn every_resources_check_fails_against_a_runtime_that_breaks_it() {
    let mut problems = check_table(TABLE, RUNC_DEVIATIONS);
    problems.extend(check_table_with(
        &broken_resources(),
        BROKEN_RESOURCES,
        RUNC_DEVIATIONS,
    ));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_resources_check_is_shown_failing() {
    let all: Vec<(&str, &[&str])> = TABLE.iter().chain(BROKEN_RESOURCES).copied().collect();
    let missing = never_shown_failing("resources::", &all, RUNC_DEVIATIONS);
    assert!(missing.is_empty(), "never shown failing: {missing:?}");
}
