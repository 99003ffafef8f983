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
            "resources::relative_cgroups_path_is_taken_below_a_runtime_location",
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
        "ignore:/linux/resources/rdma",
        &["resources::rdma_limits_without_the_rdma_controller_are_refused"],
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
        "reverse:/linux/resources/devices",
        &["resources::device_rules_are_applied_in_the_listed_order"],
    ),
    (
        "shorten-relative-cgroups-path",
        &["resources::relative_cgroups_path_is_taken_below_a_runtime_location"],
    ),
    (
        "delete-keeps-cgroup",
        &["resources::relative_cgroups_path_is_taken_below_a_runtime_location"],
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

/// This host has no net_cls or net_prio hierarchy: the wrapper's `with-net-cgroups` gives the
/// runtime one, in a mount namespace of its own. Run after every other mode: while the
/// hierarchy exists, every process's /proc/PID/cgroup has one more line.
const WITH_NET_CGROUPS: &[(&str, &[&str])] = &[(
    "with-net-cgroups+ignore:/linux/resources/network",
    &["resources::network_class_id_and_priorities_are_applied"],
)];

/// Checks runc 1.1.5 fails (each in ci/expect-fail/runc-1.1.5.txt with the spec sentence).
const RUNC_DEVIATIONS: &[&str] = &["resources::intel_rdt_without_resctrl_is_refused"];

/// Checks no host here can run (SKIP everywhere): their comparison is shown failing by the
/// unit tests named.
const SHOWN_FAILING_BY_UNIT_TESTS: &[(&str, &str)] = &[(
    "resources::rdma_limits_are_applied",
    "no rdma controller or RDMA device here; scenarios::resources::tests::rdma_limits_must_be_the_devices_line",
)];

fn broken_resources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-resources")
}

/// The net_cls line of /proc/cgroups: (hierarchy ID, number of cgroups in it). ID 0: the
/// controller is on no v1 hierarchy.
fn net_cls_hierarchy() -> Option<(u32, u64)> {
    let text = std::fs::read_to_string("/proc/cgroups").ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("net_cls\t"))?;
    let mut f = line.split('\t');
    Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
}

/// Polls `done` until it holds, up to a deadline; false if it never did.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    true
}

/// The network check against runc on a host that has net_cls and net_prio (the wrapper's
/// `with-net-cgroups`, breaking nothing) must pass, not only SKIP as on this host.
fn network_check_passes_with_net_cgroups() -> Vec<String> {
    let Some((_, probe)) = prerequisites() else {
        return Vec::new();
    };
    let check = "resources::network_class_id_and_priorities_are_applied";
    let opts = options(
        &broken_resources(),
        &["--break=with-net-cgroups"],
        &probe,
        &[check],
    );
    let run = run(&opts, None);
    let mut problems = Vec::new();
    let got = outcome(&run, check);
    if got != oci_check_model::Outcome::Pass {
        let r = run
            .results
            .iter()
            .find(|r| r.id == check)
            .expect("a result");
        problems.push(format!(
            "{check} against runc with net cgroups: {got:?}: {}",
            r.message
        ));
    }
    let left = traces(&work_dir(&run));
    if !left.is_empty() {
        problems.push(format!("--break=with-net-cgroups left {left:?}"));
    }
    problems
}

/// Nothing left of the net_cls,net_prio hierarchy the wrapper mounted: no cgroup in it (those
/// found are reported, and removed), and the kernel has dropped it. It goes only when its last
/// mount goes while it has no child, and children go a moment after their rmdir: so each look
/// mounts and unmounts it again, until it is gone.
fn net_cgroups_gone(was: Option<(u32, u64)>) -> Vec<String> {
    if was.is_none_or(|(id, _)| id != 0) || prerequisites().is_none() {
        return Vec::new();
    }
    let wrapper = broken_resources();
    let mut problems = Vec::new();
    let out = std::process::Command::new(&wrapper)
        .args(["--break=with-net-cgroups", "oci-check-net-leftovers"])
        .output()
        .expect("running the wrapper");
    let left = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || !left.is_empty() {
        problems.push(format!(
            "net_cls,net_prio cgroups were left (now removed): {left:?} {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // The kernel drops the hierarchy when its last mount goes while it has no child; children
    // are freed a moment after their rmdir. So: wait for the children to be freed, mount and
    // unmount it once more, wait for it to go.
    let gone_or_childless = || net_cls_hierarchy().is_some_and(|(id, n)| id == 0 || n == 1);
    if !eventually(gone_or_childless) {
        problems.push(format!(
            "the net_cls hierarchy keeps children: {:?}",
            net_cls_hierarchy()
        ));
        return problems;
    }
    if net_cls_hierarchy().is_some_and(|(id, _)| id != 0) {
        let _ = std::process::Command::new(&wrapper)
            .args(["--break=with-net-cgroups", "--version"])
            .output();
    }
    if !eventually(|| net_cls_hierarchy().is_some_and(|(id, _)| id == 0)) {
        problems.push(format!(
            "the net_cls hierarchy is still there: {:?}",
            net_cls_hierarchy()
        ));
    }
    problems
}

#[test]
fn every_resources_check_fails_against_a_runtime_that_breaks_it() {
    let mut problems = check_table(TABLE, RUNC_DEVIATIONS);
    problems.extend(check_table_with(
        &broken_resources(),
        BROKEN_RESOURCES,
        RUNC_DEVIATIONS,
    ));
    let net_before = net_cls_hierarchy();
    problems.extend(check_table_with(
        &broken_resources(),
        WITH_NET_CGROUPS,
        RUNC_DEVIATIONS,
    ));
    problems.extend(network_check_passes_with_net_cgroups());
    problems.extend(net_cgroups_gone(net_before));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_resources_check_is_shown_failing() {
    let all: Vec<(&str, &[&str])> = TABLE
        .iter()
        .chain(BROKEN_RESOURCES)
        .chain(WITH_NET_CGROUPS)
        .copied()
        .collect();
    let covered: Vec<&str> = RUNC_DEVIATIONS
        .iter()
        .copied()
        .chain(SHOWN_FAILING_BY_UNIT_TESTS.iter().map(|(n, _)| *n))
        .collect();
    let missing = never_shown_failing("resources::", &all, &covered);
    assert!(missing.is_empty(), "never shown failing: {missing:?}");
}
