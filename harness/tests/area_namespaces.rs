//! Every namespaces:: check can fail: each runs against a runtime that ignores or breaks the
//! part of the config (or of the features document) it checks, and must FAIL there while it
//! passes, or is SKIP with a reason, against runc.

mod support;
use support::*;

use std::path::Path;

/// (mode of tests/broken-runtime, the checks that must fail against it)
const TABLE: &[(&str, &[&str])] = &[
    (
        "ignore:/linux/seccomp",
        &[
            "namespaces::seccomp_rule_blocks_its_syscall",
            "namespaces::seccomp_default_action_applies_to_unnamed_calls",
            // No filter, so nothing is sent and nothing can fail.
            "namespaces::seccomp_listener_send_failure_is_an_error",
        ],
    ),
    (
        "ignore:/linux/seccomp/listenerPath",
        &["namespaces::seccomp_listener_gets_the_process_state"],
    ),
    (
        // The second rule (ioprio_get only for IOPRIO_WHO_PGRP) applied to every call.
        "ignore:/linux/seccomp/syscalls/1/args",
        &["namespaces::seccomp_argument_filters_select_calls"],
    ),
    (
        // Claims v1.3.0, which has linux.netDevices, and ignores them (runc 1.1.5 does).
        "claims-1.3.0",
        &[
            "namespaces::net_device_is_moved_up_with_its_addresses",
            "namespaces::net_device_name_conflict_is_refused",
            "namespaces::net_device_template_name_is_allowed",
            "namespaces::unmovable_net_device_is_refused",
            "namespaces::net_device_is_not_moved_out_at_delete",
        ],
    ),
];

/// (mode of tests/broken-namespaces, the checks that must fail against it)
const OWN_TABLE: &[(&str, &[&str])] = &[
    (
        "ns-drop:pid,network,mount,ipc,uts,user,cgroup",
        &[
            "namespaces::pid_without_path_is_a_new_namespace",
            "namespaces::network_without_path_is_a_new_namespace",
            "namespaces::mount_without_path_is_a_new_namespace",
            "namespaces::ipc_without_path_is_a_new_namespace",
            "namespaces::uts_without_path_is_a_new_namespace",
            "namespaces::user_without_path_is_a_new_namespace",
            "namespaces::cgroup_without_path_is_a_new_namespace",
        ],
    ),
    (
        "ns-add-unlisted",
        &["namespaces::unlisted_kinds_are_the_runtimes"],
    ),
    (
        "ns-drop-path",
        &[
            "namespaces::listed_paths_are_joined",
            "namespaces::path_of_another_type_is_refused",
        ],
    ),
    (
        "shrink-id-maps",
        &["namespaces::user_namespace_has_the_configured_id_mappings"],
    ),
    (
        "chown-rootfs",
        &["namespaces::id_mappings_do_not_chown_the_rootfs"],
    ),
    (
        // Lists `time`, which runc 1.1.5 does not support, and claims v1.1.0, which brought it.
        "features-add:/linux/namespaces=time,/ociVersionMax=1.1.0",
        &[
            "namespaces::time_without_path_is_a_new_namespace",
            "namespaces::time_namespace_has_the_configured_offsets",
            "namespaces::features_namespaces_are_recognized",
        ],
    ),
    (
        "features-add:/linux/seccomp/actions=SCMP_ACT_OCI_CHECK_BOGUS,\
         /linux/seccomp/operators=SCMP_CMP_OCI_CHECK_BOGUS,\
         /linux/seccomp/archs=SCMP_ARCH_OCI_CHECK_BOGUS,\
         /linux/seccomp/knownFlags=SECCOMP_FILTER_FLAG_OCI_CHECK_BOGUS,\
         /linux/seccomp/supportedFlags=SECCOMP_FILTER_FLAG_OCI_CHECK_BOGUS",
        &[
            "namespaces::features_seccomp_actions_are_recognized",
            "namespaces::features_seccomp_operators_are_recognized",
            "namespaces::features_seccomp_archs_are_recognized",
            "namespaces::features_seccomp_known_flags_are_recognized",
            "namespaces::features_seccomp_supported_flags_are_supported",
        ],
    ),
    // runc 1.1.5 claims 1.0.2-dev, before errnoRet and defaultErrnoRet: `claim` holds it to
    // v1.3.0, so the errno of each blocked call is checked (EIO, 5, is none of the expected).
    (
        "claim+seccomp-errno:5",
        &[
            "namespaces::seccomp_rule_blocks_its_syscall",
            "namespaces::seccomp_default_action_applies_to_unnamed_calls",
            "namespaces::seccomp_argument_filters_select_calls",
        ],
    ),
    (
        "claim+seccomp-errno-default:5",
        &["namespaces::seccomp_errno_defaults_to_eperm"],
    ),
    (
        "claim+seccomp-default-allow",
        &[
            "namespaces::seccomp_default_action_applies_to_unnamed_calls",
            "namespaces::seccomp_errno_defaults_to_eperm",
        ],
    ),
    (
        "notify:twice",
        &["namespaces::seccomp_listener_gets_the_process_state"],
    ),
    (
        "notify:fds-late",
        &["namespaces::seccomp_listener_gets_the_process_state"],
    ),
    (
        "notify:no-fd",
        &["namespaces::seccomp_listener_gets_the_process_state"],
    ),
    (
        "notify:wrong-pid",
        &["namespaces::seccomp_listener_gets_the_process_state"],
    ),
];

/// Checks runc 1.1.5 really fails (each also in ci/expect-fail/runc-1.1.5.txt).
const RUNC_DEVIATIONS: &[&str] = &[];

#[test]
fn every_check_fails_against_the_runtime_that_breaks_it() {
    let problems = check_table(TABLE, RUNC_DEVIATIONS);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_check_fails_against_the_namespaces_wrapper_that_breaks_it() {
    let problems = check_table_with(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-namespaces"),
        OWN_TABLE,
        RUNC_DEVIATIONS,
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The seccomp checks whose errno part (spec v1.1.0) runc is not held to by its own claim.
const SECCOMP_ERRNO_CHECKS: &[&str] = &[
    "namespaces::seccomp_rule_blocks_its_syscall",
    "namespaces::seccomp_default_action_applies_to_unnamed_calls",
    "namespaces::seccomp_errno_defaults_to_eperm",
    "namespaces::seccomp_argument_filters_select_calls",
];

/// Held to spec v1.3.0 (`broken-namespaces --break=claim` changes nothing but the claim), runc
/// passes the seccomp checks, errno included: they pass against a runtime that does what they
/// ask, not only fail against one that does not.
#[test]
fn seccomp_errno_checks_pass_when_runc_is_held_to_the_newest_spec() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-namespaces");
    let r = run(
        &options(&wrapper, &["--break=claim"], &probe, SECCOMP_ERRNO_CHECKS),
        None,
    );
    let mut problems = Vec::new();
    for check in SECCOMP_ERRNO_CHECKS {
        let got = outcome(&r, check);
        if got != oci_check_model::Outcome::Pass {
            let res = r.results.iter().find(|x| x.id == *check).expect("a result");
            problems.push(format!("{check}: {got:?}: {}", res.message));
        }
    }
    let left = traces(&work_dir(&r));
    if !left.is_empty() {
        problems.push(format!("left {left:?}"));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_check_is_shown_failing() {
    let all: Vec<(&str, &[&str])> = TABLE.iter().chain(OWN_TABLE).copied().collect();
    let missing = never_shown_failing("namespaces::", &all, RUNC_DEVIATIONS);
    assert!(missing.is_empty(), "{missing:#?}");
}
