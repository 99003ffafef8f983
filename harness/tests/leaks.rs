//! Leaks: what a run leaves on the host, compared before and after, against runc and against
//! each chaos runtime of `tests/chaos/`. Only what belongs to the run under test is counted
//! (names carrying its tag, paths under its work directory): other tests run containers on
//! this machine at the same time, and counting theirs would make this test flaky.
//!
//! The SIGINT case lives in `cleanup.rs` (`sigint_removes_everything`), which checks the same
//! traces after the interrupted run.

mod support;

use oci_check_model::{Outcome, Run};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::*;

fn chaos(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/chaos")
        .join(name)
}

/// What of the run is on the host: its traces (cgroups, processes, mounts named by its tag or
/// under its work dir, the work dir itself) and the /tmp entries named like it.
#[derive(Debug, PartialEq)]
struct Snapshot(Vec<String>);

impl Snapshot {
    fn of(work_dir: &Path) -> Self {
        let mut found = traces(work_dir);
        found.extend(processes_under(work_dir));
        let tag = work_dir.file_name().unwrap().to_string_lossy().to_string();
        for e in std::fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
            let n = e.file_name().to_string_lossy().to_string();
            if n.starts_with("oci-check") && n.contains(&tag) {
                found.push(format!("temp {n}"));
            }
        }
        found.sort();
        found.dedup();
        Snapshot(found)
    }
}

/// Processes whose working directory is under the work dir: a daemon a runtime left in its
/// own session names no tag in its cgroup nor always in its command line.
fn processes_under(work_dir: &Path) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c.starts_with(work_dir))
                && oci_check_harness::janitor::process_alive((*pid).into())
        })
        .map(|pid| format!("process {pid} with its cwd under the work dir"))
        .collect()
}

fn assert_nothing_left(run: &Run) {
    let after = Snapshot::of(&work_dir(run));
    if after != Snapshot(vec![]) {
        let diff = similar::TextDiff::from_lines("", format!("{}\n", after.0.join("\n")).as_str())
            .unified_diff()
            .header("before", "after")
            .to_string();
        panic!("the run left this behind (before: nothing of it):\n{diff}");
    }
}

/// A bounded selection: the lifecycle and state checks, which every chaos runtime disturbs.
const CHECKS: &[&str] = &[
    "lifecycle::create_leaves_the_container_created",
    "lifecycle::create_does_not_run_the_user_program",
    "lifecycle::start_runs_the_user_program",
    "lifecycle::status_is_stopped_after_the_program_exits",
    "lifecycle::delete_destroys_the_container",
    "state::document_adheres_to_the_state_schema",
    "state::id_is_the_container_id",
    "state::pid_is_the_container_process",
    "state::bundle_is_the_absolute_bundle_path",
    "state::annotations_are_those_of_the_config",
];

/// The longest a run may take: each check makes a bounded number of runtime calls (at most
/// CALLS_PER_CHECK run into the deadline before the check gives up: the failing call and the
/// clean-up's kill and delete), checks run `jobs` at a time, plus a fixed start-up allowance
/// for preparing the run (building nothing: the probe is already built).
const CALLS_PER_CHECK: u32 = 4;
fn wall_bound(checks: usize, jobs: usize, timeout: Duration) -> Duration {
    let rounds = checks.div_ceil(jobs) as u32;
    timeout * CALLS_PER_CHECK * rounds + Duration::from_secs(30)
}

fn run_chaos(name: &str) -> Option<(Run, Duration)> {
    let (_, probe) = prerequisites()?;
    let mut opts = options(&chaos(name), &[], &probe, CHECKS);
    opts.timeout = Duration::from_secs(3);
    let started = Instant::now();
    let run = run(&opts, None);
    let took = started.elapsed();
    let bound = wall_bound(run.results.len(), opts.jobs, opts.timeout);
    assert!(took <= bound, "{name}: took {took:?}, more than {bound:?}");
    assert_eq!(run.results.len(), CHECKS.len());
    assert_nothing_left(&run);
    Some((run, took))
}

/// Every check FAILs (a SKIP must say why) with a diagnosis naming one of `causes`, never a
/// panic; only the checks in `may_pass` (which do not touch what the runtime breaks) may pass.
fn assert_diagnosed(name: &str, run: &Run, causes: &[&str], may_pass: &[&str]) {
    for r in &run.results {
        let text = format!(
            "{} {} {}",
            r.message,
            r.observed.as_deref().unwrap_or(""),
            r.expected.as_deref().unwrap_or("")
        );
        assert!(!text.contains("panicked"), "{name}: {}: {text}", r.id);
        match r.outcome {
            Outcome::Fail => assert!(
                causes.iter().any(|c| text.contains(c)),
                "{name}: {} fails without naming any of {causes:?}: {text}",
                r.id
            ),
            Outcome::Skip => assert!(!r.message.is_empty(), "{name}: {} skips silently", r.id),
            Outcome::Pass if may_pass.contains(&r.id.as_str()) => {}
            o => panic!("{name}: {} is {o:?} against a chaos runtime: {text}", r.id),
        }
    }
}

#[test]
fn a_runtime_hanging_in_create_fails_by_timeout_and_its_container_is_removed() {
    if let Some((run, took)) = run_chaos("hang-in-create") {
        eprintln!("hang-in-create: {took:?}");
        assert_diagnosed("hang-in-create", &run, &["timed out"], &[]);
    }
}

#[test]
fn a_runtime_crashing_mid_create_fails_by_signal_and_leaves_nothing() {
    if let Some((run, took)) = run_chaos("crash-mid-create") {
        eprintln!("crash-mid-create: {took:?}");
        assert_diagnosed("crash-mid-create", &run, &["signal 9"], &[]);
    }
}

#[test]
fn a_runtime_printing_invalid_state_json_fails_naming_it() {
    if let Some((run, took)) = run_chaos("garbage-state") {
        eprintln!("garbage-state: {took:?}");
        // Whether create ran the program is seen in /out, without asking for the state.
        let no_state = ["lifecycle::create_does_not_run_the_user_program"];
        assert_diagnosed(
            "garbage-state",
            &run,
            &["did not print JSON", "no parseable state"],
            &no_state,
        );
    }
}

#[test]
fn a_runtime_doing_nothing_fails_every_check() {
    if let Some((run, took)) = run_chaos("does-nothing") {
        eprintln!("does-nothing: {took:?}");
        assert_diagnosed(
            "does-nothing",
            &run,
            &["did not print JSON", "no parseable state", "timed out"],
            &[],
        );
    }
}

/// This runtime is runc plus a daemon: the checks may pass; what matters is that the daemon,
/// which runs with its cwd in the bundle, is gone after the run.
#[test]
fn a_process_a_runtime_leaves_in_the_bundle_is_killed() {
    if let Some((run, took)) = run_chaos("leaves-a-process") {
        eprintln!("leaves-a-process: {took:?}");
        for r in &run.results {
            assert!(!r.message.contains("panicked"), "{}: {}", r.id, r.message);
        }
    }
}

#[test]
fn a_full_suite_against_runc_leaves_nothing() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let opts = options(&runc, &[], &probe, &[]);
    let run = run(&opts, None);
    assert_eq!(run.results.len(), oci_check_harness::scenarios::all().len());
    assert_nothing_left(&run);
}
