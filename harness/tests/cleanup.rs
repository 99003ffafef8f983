//! The clean-up guarantee, case by case: after a failing check, a panicking check, a hung
//! runtime, a crashing runtime, and SIGINT or SIGTERM to the harness, nothing the run made is
//! left on the host (containers, cgroups, processes, mounts, the work directory).

mod support;

use oci_check_harness::janitor;
use oci_check_harness::runner::{self, Silent};
use oci_check_harness::scenario::{Check, Ctx, Scenario};
use oci_check_model::Outcome;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn assert_clean(work_dir: &Path) {
    let left = traces(work_dir);
    assert!(left.is_empty(), "left behind: {left:#?}");
}

#[test]
fn a_failing_check_leaves_nothing() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let opts = options(
        &broken_runtime(),
        &["--break=state-lies-status"],
        &probe,
        &[
            "lifecycle::create_leaves_the_container_created",
            "state::document_adheres_to_the_state_schema",
        ],
    );
    let run = run(&opts, None);
    assert_eq!(
        outcome(&run, "lifecycle::create_leaves_the_container_created"),
        Outcome::Fail
    );
    assert_eq!(runner::leftovers_of(&run), None);
    assert_clean(&work_dir(&run));
}

/// Creates and starts a container, then panics: a harness bug in the middle of a check.
fn panics_with_a_running_container(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.running(&c)?;
    panic!("deliberate panic with container {} running", c.id);
}

#[test]
fn a_panicking_check_is_its_own_failure_and_leaves_nothing() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let scenarios = [
        Scenario {
            name: "test::panics_with_a_running_container",
            title: "panics",
            requirements: &[],
            run: panics_with_a_running_container,
        },
        Scenario {
            name: "test::passes",
            title: "passes",
            requirements: &[],
            run: |_| Ok(()),
        },
    ];
    let run = run(&options(&runc, &[], &probe, &[]), Some(&scenarios));
    let r = &run.results[0];
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(r.message.contains("deliberate panic"), "{}", r.message);
    assert_eq!(outcome(&run, "test::passes"), Outcome::Pass);
    assert_clean(&work_dir(&run));
}

#[test]
fn a_hung_runtime_is_killed_at_the_deadline_and_its_container_removed() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let mut opts = options(
        &broken_runtime(),
        &["--break=hang-after-create"],
        &probe,
        &["lifecycle::create_leaves_the_container_created"],
    );
    opts.timeout = Duration::from_secs(3);
    let started = Instant::now();
    let run = run(&opts, None);
    let r = &run.results[0];
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(
        r.observed.as_deref().unwrap_or("").contains("timed out"),
        "{r:?}"
    );
    // The hung call is killed at its deadline, not waited for (it sleeps 1000 s).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_clean(&work_dir(&run));
}

#[test]
fn a_crashing_runtime_leaves_nothing() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let opts = options(
        &broken_runtime(),
        &["--break=crash-after-create"],
        &probe,
        &["lifecycle::create_leaves_the_container_created"],
    );
    let run = run(&opts, None);
    let r = &run.results[0];
    assert_eq!(r.outcome, Outcome::Fail);
    assert!(
        r.observed.as_deref().unwrap_or("").contains("signal 11"),
        "{r:?}"
    );
    assert_clean(&work_dir(&run));
}

/// The child side of the signal tests: runs a suite whose runtime hangs in `start` with the
/// container running, until the parent signals it. Does nothing in a normal test run.
#[test]
fn signal_child() {
    let Some(tmp) = std::env::var_os("OCI_CHECK_SIGNAL_CHILD") else {
        return;
    };
    let (_, probe) = prerequisites().expect("prerequisites");
    let opts = options(
        &broken_runtime(),
        &["--break=slow-start"],
        &probe,
        &["lifecycle::start_runs_the_user_program"],
    );
    let prepared = runner::prepare(&opts).expect("prepare");
    // Tell the parent where the run lives.
    std::fs::write(
        Path::new(&tmp).join("work_dir"),
        prepared.janitor.work_dir().display().to_string(),
    )
    .unwrap();
    janitor::stop_on_signals(prepared.janitor.clone()).unwrap();
    let all = oci_check_harness::scenarios::all();
    runner::run(&prepared, &all, &opts, &Silent);
    prepared.janitor.park_if_stopping();
    panic!("the run ended before the signal came");
}

fn interrupted_run_leaves_nothing(signal: libc::c_int) {
    let Some((_, _)) = prerequisites() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "signal_child", "--nocapture", "--test-threads=1"])
        .env("OCI_CHECK_SIGNAL_CHILD", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the container runs: its probe wrote the ready line.
    let deadline = Instant::now() + Duration::from_secs(60);
    let work_dir = loop {
        let wd = std::fs::read_to_string(tmp.path().join("work_dir"))
            .ok()
            .map(PathBuf::from);
        let running = wd.as_ref().is_some_and(|wd| {
            std::fs::read_dir(wd.join("bundles"))
                .into_iter()
                .flatten()
                .flatten()
                .any(|b| b.path().join("out/signals.jsonl").exists())
        });
        if running {
            break wd.unwrap();
        }
        assert!(Instant::now() < deadline, "the container never ran");
        assert!(child.try_wait().unwrap().is_none(), "the child ended early");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!traces(&work_dir).is_empty(), "nothing to clean up yet?");
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the harness did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(128 + signal), "{status:?}");
    assert_clean(&work_dir);
}

#[test]
fn sigint_removes_everything() {
    interrupted_run_leaves_nothing(libc::SIGINT);
}

#[test]
fn sigterm_removes_everything() {
    interrupted_run_leaves_nothing(libc::SIGTERM);
}

#[test]
fn a_runtime_printing_garbage_fails_checks_without_a_panic() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = dir.path().join("garbage-runtime");
    // Answers everything with exit 0 and bytes that are no JSON (nor UTF-8).
    std::fs::write(&rt, "#!/bin/sh\nprintf 'garbage \\377\\376 {\\n'\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rt, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut opts = options(&rt, &[], &probe, &[]);
    opts.timeout = Duration::from_secs(2);
    let run = run(&opts, None);
    assert_eq!(run.results.len(), oci_check_harness::scenarios::all().len());
    for r in &run.results {
        assert!(!r.message.contains("panicked"), "{}: {}", r.id, r.message);
    }
    assert_eq!(
        outcome(&run, "state::document_adheres_to_the_state_schema"),
        Outcome::Fail
    );
    assert_eq!(
        outcome(&run, "features::document_adheres_to_the_features_schema"),
        Outcome::Fail
    );
    assert_clean(&work_dir(&run));
}
