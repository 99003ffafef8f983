//! The process area (`process::`): every check FAILs against a runtime that ignores or breaks
//! the part of the config it checks, and passes (or is SKIP, or a known runc deviation) against
//! runc.

mod support;
use std::path::Path;
use support::*;

/// (mode of tests/broken-runtime, the checks that must FAIL against it)
const TABLE: &[(&str, &[&str])] = &[
    (
        "ignore:/hostname",
        &["process::hostname_without_a_uts_namespace_is_applied_or_refused"],
    ),
    (
        "ignore:/process/args/9",
        &["process::args_are_the_programs_argv"],
    ),
    (
        "ignore:/process/env/1",
        &["process::env_is_the_programs_environment"],
    ),
    (
        "ignore:/process/cwd",
        &["process::cwd_is_the_working_directory"],
    ),
    (
        "ignore:/process/user/uid,/process/user/gid",
        &["process::user_uid_gid_and_additional_gids_are_applied"],
    ),
    (
        "ignore:/process/user/additionalGids",
        &["process::user_uid_gid_and_additional_gids_are_applied"],
    ),
    ("ignore:/process/user/umask", &["process::umask_is_applied"]),
    (
        "ignore:/process/capabilities/ambient",
        &["process::capabilities_are_the_configured_sets"],
    ),
    (
        "ignore:/process/capabilities/bounding",
        &[
            "process::capabilities_are_the_configured_sets",
            "process::features_capabilities_are_recognized",
        ],
    ),
    (
        "ignore:/process/capabilities/bounding/0",
        &["process::unmappable_capabilities_are_logged_as_warnings"],
    ),
    (
        "ignore:/process/noNewPrivileges",
        &["process::no_new_privileges_is_set"],
    ),
    (
        "ignore:/process/rlimits/0/soft",
        &["process::rlimit_soft_values_are_applied"],
    ),
    (
        "ignore:/process/rlimits/2/hard",
        &["process::rlimit_hard_values_are_applied"],
    ),
    (
        "ignore:/process/oomScoreAdj",
        &["process::oom_score_adj_is_applied"],
    ),
    (
        "ignore:/root/readonly",
        &["process::root_readonly_is_enforced"],
    ),
    (
        "ignore:/root/path",
        &["process::root_path_is_the_containers_root"],
    ),
    (
        "ignore:/hostname",
        &["process::hostname_is_set_in_the_uts_namespace"],
    ),
    (
        // runc 1.1.5 claims spec 1.0.2, before these fields (SKIP); claiming 1.3.0 it is held
        // to them, and ignores them.
        "claims-1.3.0",
        &[
            "process::domainname_is_set_in_the_uts_namespace",
            "process::scheduler_is_applied",
            "process::io_priority_is_applied",
        ],
    ),
];

/// (mode of tests/broken-process, the checks that must FAIL against it)
const PROCESS_TABLE: &[(&str, &[&str])] = &[
    (
        "refuses-unknown",
        &[
            "process::unknown_annotation_keys_are_ignored",
            "process::unknown_properties_are_ignored",
        ],
    ),
    (
        "refuses-console-size",
        &["process::console_size_is_ignored_without_terminal"],
    ),
    (
        "sets-oom-score",
        &["process::oom_score_adj_is_unchanged_when_unset"],
    ),
    ("default-umask", &["process::umask_unset_is_the_callers"]),
];

/// Checks runc 1.1.5 really fails (each also in ci/expect-fail/runc-1.1.5.txt with its reason).
const RUNC_DEVIATIONS: &[&str] = &[
    "process::ungrantable_capabilities_do_not_fail",
    "process::personality_is_applied",
];

#[test]
fn every_process_check_fails_against_a_runtime_that_ignores_its_part_of_the_config() {
    let problems = check_table(TABLE, RUNC_DEVIATIONS);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_process_check_fails_against_a_runtime_that_breaks_it() {
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-process");
    let problems = check_table_with(&wrapper, PROCESS_TABLE, &[]);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Checks that need what this host lacks (AppArmor, SELinux): SKIP here, so no wrapper can
/// show them failing; the unit tests of scenarios::process show their comparisons failing. On
/// a host that has them, `checks_this_host_cannot_run_skip_here` fails until they join a table.
const HOST_LACKS: &[&str] = &[
    "process::apparmor_profile_is_applied",
    "process::selinux_label_is_applied",
];

#[test]
fn every_process_check_is_shown_failing() {
    let all: Vec<(&str, &[&str])> = TABLE.iter().chain(PROCESS_TABLE).copied().collect();
    let excused: Vec<&str> = RUNC_DEVIATIONS.iter().chain(HOST_LACKS).copied().collect();
    let never = never_shown_failing("process::", &all, &excused);
    assert!(never.is_empty(), "{never:?}");
}

#[test]
fn checks_this_host_cannot_run_skip_here() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let r = run(&options(&runc, &[], &probe, HOST_LACKS), None);
    for check in HOST_LACKS {
        assert_eq!(
            outcome(&r, check),
            oci_check_model::Outcome::Skip,
            "{check} runs on this host: show it failing in a table instead"
        );
    }
    assert_eq!(traces(&work_dir(&r)), Vec::<String>::new());
}

#[test]
fn runc_deviations_are_in_the_baseline() {
    let baseline = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ci/expect-fail/runc-1.1.5.txt"),
    )
    .unwrap();
    for d in RUNC_DEVIATIONS {
        assert!(
            baseline
                .lines()
                .any(|l| l.split_whitespace().next() == Some(d)),
            "{d} is not in ci/expect-fail/runc-1.1.5.txt"
        );
    }
}

/// A runtime that applies hostname without a UTS namespace by setting the host's keeps the
/// promise (PASS), and the harness puts the host's hostname back.
#[test]
fn hostname_set_on_the_host_passes_and_is_restored() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let check = "process::hostname_without_a_uts_namespace_is_applied_or_refused";
    let run = run(
        &options(
            &broken_runtime(),
            &["--break=hostname-on-host"],
            &probe,
            &[check],
        ),
        None,
    );
    let after = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(before, after, "the host's hostname was not restored");
    let r = run.results.iter().find(|r| r.id == check).unwrap();
    assert_eq!(r.outcome, oci_check_model::Outcome::Pass, "{}", r.message);
    assert!(
        r.message.contains("restored"),
        "no note that the host's hostname was changed: {}",
        r.message
    );
    assert!(traces(&work_dir(&run)).is_empty());
}
