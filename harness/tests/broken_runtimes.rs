//! Every check can fail: each runs against a runtime that breaks the promise it checks (a
//! wrapper around runc, `tests/broken-runtime --break=MODE`) and must FAIL there, while the same
//! check against runc itself passes (or is one of runc's known deviations, which fail on their
//! own).

mod support;

use oci_check_harness::scenarios;
use oci_check_model::Outcome;
use support::*;

/// (mode of tests/broken-runtime, the checks that must fail against it)
const BROKEN: &[(&str, &[&str])] = &[
    (
        "state-lies-status",
        &["lifecycle::create_leaves_the_container_created"],
    ),
    (
        "runs-at-create",
        &["lifecycle::create_does_not_run_the_user_program"],
    ),
    ("start-noop", &["lifecycle::start_runs_the_user_program"]),
    (
        "never-stopped",
        &["lifecycle::status_is_stopped_after_the_program_exits"],
    ),
    (
        "delete-leaves-cgroup",
        &["lifecycle::delete_destroys_the_container"],
    ),
    (
        "pid-file-wrong",
        &["lifecycle::pid_file_holds_the_container_pid"],
    ),
    ("no-id-reuse", &["lifecycle::id_can_be_reused_after_delete"]),
    (
        "unsupported:kill",
        &["lifecycle::every_operation_is_supported"],
    ),
    (
        "unsupported:state",
        &["lifecycle::every_operation_is_supported"],
    ),
    (
        "delete-foreign:joined",
        &["lifecycle::delete_keeps_what_the_container_did_not_create"],
    ),
    (
        "delete-foreign:sources",
        &["lifecycle::delete_keeps_what_the_container_did_not_create"],
    ),
    (
        "delete-foreign:bundle",
        &["lifecycle::delete_keeps_what_the_container_did_not_create"],
    ),
    (
        "ignore:/hooks/poststop",
        &["hooks::every_kind_the_features_list_is_run"],
    ),
    (
        "ignore:/hooks/createContainer",
        &["hooks::every_kind_the_features_list_is_run"],
    ),
    (
        "applies-config-at-start",
        &["lifecycle::config_changes_after_create_do_not_apply"],
    ),
    (
        "bad-state-schema",
        &["state::document_adheres_to_the_state_schema"],
    ),
    ("wrong-id", &["state::id_is_the_container_id"]),
    ("wrong-pid", &["state::pid_is_the_container_process"]),
    (
        "relative-bundle",
        &["state::bundle_is_the_absolute_bundle_path"],
    ),
    (
        "drops-annotations",
        &["state::annotations_are_those_of_the_config"],
    ),
    (
        "accepts-duplicate-id",
        &["errors::create_with_an_id_in_use_fails"],
    ),
    (
        "state-unknown-ok",
        &["errors::state_of_an_unknown_id_fails"],
    ),
    (
        "start-not-created-ok",
        &[
            "errors::start_of_an_unknown_id_fails",
            "errors::start_of_a_running_container_fails",
            "errors::start_of_a_stopped_container_fails",
        ],
    ),
    (
        "kill-stopped-ok",
        &[
            "errors::kill_of_an_unknown_id_fails",
            "errors::kill_of_a_stopped_container_fails",
        ],
    ),
    (
        "delete-running-ok",
        &[
            "errors::delete_of_an_unknown_id_fails",
            "errors::delete_of_a_running_container_fails",
        ],
    ),
    (
        "no-id-ok",
        &[
            "errors::state_without_an_id_fails",
            "errors::start_without_an_id_fails",
            "errors::kill_without_an_id_fails",
            "errors::delete_without_an_id_fails",
            "errors::create_without_an_id_fails",
        ],
    ),
    (
        "start-without-process-ok",
        &["errors::start_without_process_fails"],
    ),
    (
        "accepts-duplicate-namespaces",
        &["errors::create_rejects_duplicate_namespaces"],
    ),
    (
        "create-failure-leaks",
        &["errors::create_rejects_duplicate_namespaces"],
    ),
    (
        "unknown-namespace-ok",
        &["errors::create_rejects_an_unknown_namespace_type"],
    ),
    (
        "unknown-rlimit-ok",
        &["errors::create_rejects_an_unknown_rlimit"],
    ),
    (
        "missing-rootfs-ok",
        &["errors::create_rejects_a_missing_root_directory"],
    ),
    (
        // runc 1.1.5 claims spec 1.0.2 and so is not held to these; claiming 1.3.0 it is.
        "claims-1.3.0",
        &[
            "errors::create_rejects_errnoret_with_an_action_without_errno",
            "errors::create_rejects_defaulterrnoret_with_an_action_without_errno",
            "errors::create_rejects_an_idmap_mount_without_mappings",
            "errors::create_rejects_an_ridmap_mount_without_mappings",
        ],
    ),
    (
        "ignores-signals",
        &[
            "kill::signals_by_name_reach_the_container_process",
            "kill::signals_by_number_reach_the_container_process",
        ],
    ),
    (
        "sigkill-ignored",
        &["kill::sigkill_stops_a_running_container"],
    ),
    (
        "kill-created-refused",
        &["kill::a_created_container_can_be_killed"],
    ),
    (
        "features-garbage",
        &["features::document_adheres_to_the_features_schema"],
    ),
    (
        "features-extra",
        &["features::document_adheres_to_the_features_schema"],
    ),
    (
        "refuses-min-version",
        &["features::oci_version_min_is_accepted"],
    ),
    (
        "refuses-max-version",
        &["features::oci_version_max_is_accepted"],
    ),
    (
        "hooks-env-dropped",
        &[
            "hooks::prestart_runs_with_its_path_args_and_env",
            "hooks::createRuntime_runs_with_its_path_args_and_env",
            "hooks::createContainer_runs_with_its_path_args_and_env",
            "hooks::startContainer_runs_with_its_path_args_and_env",
            "hooks::poststart_runs_with_its_path_args_and_env",
            "hooks::poststop_runs_with_its_path_args_and_env",
        ],
    ),
    (
        "mistimes-hooks",
        &[
            "hooks::prestart_runs_during_create",
            "hooks::createRuntime_runs_during_create",
            "hooks::createContainer_runs_during_create",
            "hooks::startContainer_runs_during_start_before_the_program",
            "hooks::poststop_runs_during_delete",
        ],
    ),
    (
        "hooks-wrong-namespace",
        &[
            "hooks::prestart_runs_in_the_runtime_namespaces",
            "hooks::createRuntime_runs_in_the_runtime_namespaces",
            "hooks::createContainer_runs_in_the_container_namespaces",
            "hooks::startContainer_runs_in_the_container_namespaces",
            "hooks::poststart_runs_in_the_runtime_namespaces",
            "hooks::poststop_runs_in_the_runtime_namespaces",
        ],
    ),
    (
        "hooks-no-stdin",
        &["hooks::every_kind_gets_the_state_on_stdin"],
    ),
    (
        "reorders-hooks",
        &["hooks::hooks_of_one_kind_run_in_the_listed_order"],
    ),
    (
        // Also shows the poststop failure check passing: the remaining hooks then run.
        "ignores-hook-failure",
        &[
            "hooks::failing_prestart_fails_create_and_destroys_the_container",
            "hooks::failing_createRuntime_fails_create_and_destroys_the_container",
            "hooks::failing_createContainer_fails_create_and_destroys_the_container",
        ],
    ),
    (
        "ignores-hook-timeout",
        &["hooks::a_hook_past_its_timeout_is_aborted_and_fails"],
    ),
];

/// The areas this file shows failing.
const CORE_AREAS: &[&str] = &[
    "state::",
    "lifecycle::",
    "errors::",
    "kill::",
    "features::",
    "hooks::",
];

/// runc 1.1.5's own deviations: these checks fail against plain runc already.
const RUNC_DEVIATIONS: &[&str] = &[
    "errors::delete_of_a_created_container_fails",
    "errors::create_rejects_duplicate_rlimits",
    "hooks::poststart_runs_during_start",
    "hooks::kinds_run_in_the_spec_order",
    "hooks::failing_startContainer_fails_start_and_destroys_the_container",
    "hooks::failing_poststart_has_the_consequence_of_the_claimed_spec",
    "hooks::failing_poststop_is_a_warning_and_the_rest_go_on",
];

#[test]
fn every_check_fails_against_a_runtime_that_breaks_its_promise() {
    let problems = check_table(BROKEN, RUNC_DEVIATIONS);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_scenario_is_shown_to_fail_somewhere() {
    let covered: Vec<&str> = BROKEN
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .chain(RUNC_DEVIATIONS.iter().copied())
        .collect();
    // The config areas (process::, mounts::, namespaces::, resources::) keep their own tables
    // in tests/area_*.rs.
    let missing: Vec<&str> = scenarios::all()
        .iter()
        .map(|s| s.name)
        .filter(|n| CORE_AREAS.iter().any(|a| n.starts_with(a)))
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "checks never shown to fail: {missing:?}"
    );
}

/// Some of runc's deviations can be seen passing too, where a wrapper keeps the promise runc
/// breaks (a check that can never pass would be as worthless as one that cannot fail).
#[test]
fn checks_runc_fails_pass_where_the_promise_is_kept() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    // Failing hooks treated as succeeded: for poststop (always a warning) and for poststart
    // (a warning up to v1.2.1, which runc claims) that is what the spec asks.
    let checks = [
        "hooks::failing_poststop_is_a_warning_and_the_rest_go_on",
        "hooks::failing_poststart_has_the_consequence_of_the_claimed_spec",
    ];
    let run = run(
        &options(
            &broken_runtime(),
            &["--break=ignores-hook-failure"],
            &probe,
            &checks,
        ),
        None,
    );
    for check in checks {
        assert_eq!(outcome(&run, check), Outcome::Pass, "{check}");
    }
}
