//! The preflight: a runtime that cannot run the simplest container stops the run with one
//! diagnosis (what ran, the runtime's stderr, the cause when known) instead of failing every
//! check for that one reason; and nothing it made is left.
//!
//! The runtimes are tiny wrappers around runc, written into a temporary directory: one that
//! refuses every `ociVersion` but 1.0.0 and has no `features` (as old runtimes do), one that
//! refuses this host's cgroup layout as crun 1.8.1 does, one that is denied a permission.

mod support;

use oci_check_harness::runner;
use oci_check_model::Outcome;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::*;

/// `runc "$@"`, except: no `features` command, and `create` first runs `refuse` (sh, with the
/// bundle's config.json in `$config`), which exits 1 with its message to refuse.
fn wrapper(dir: &Path, name: &str, runc: &Path, refuse: &str) -> PathBuf {
    let path = dir.join(name);
    let script = format!(
        r#"#!/bin/sh
for a in "$@"; do
    [ "$a" = features ] && {{ echo "unknown command features" >&2; exit 1; }}
done
prev=
for a in "$@"; do
    [ "$prev" = --bundle ] && config="$a/config.json"
    prev=$a
done
if [ -n "${{config:-}}" ]; then
    {refuse}
fi
exec {runc} "$@"
"#,
        runc = runc.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Refuses every config whose ociVersion is not 1.0.0.
const ONLY_1_0_0: &str = r#"grep -q '"ociVersion": *"1.0.0"' "$config" || { echo "unsupported spec version $(grep -o '"ociVersion": *"[^"]*"' "$config")" >&2; exit 1; }"#;
/// crun 1.8.1's refusal of a hybrid host, word for word.
const HYBRID: &str = r#"printf 'cgroups in hybrid mode not supported, drop all controllers from cgroupv2' >&2; exit 1"#;
const DENIED: &str =
    r#"echo "open /sys/fs/cgroup/pids/x/cgroup.procs: permission denied" >&2; exit 1"#;

/// The diagnosis `prepare` gives for `runtime`, after checking that it left nothing.
fn diagnosis(runtime: &Path, probe: &Path, version: Option<&str>) -> String {
    let opts = options(
        runtime,
        &[],
        probe,
        &["lifecycle::start_runs_the_user_program"],
    );
    let err = match runner::prepare_with_version(&opts, version) {
        Ok(p) => {
            runner::abandon(&p);
            panic!("{} was prepared", runtime.display());
        }
        Err(e) => e,
    };
    let work_dir = work_dir_in(&err);
    let left = traces(&work_dir);
    assert!(left.is_empty(), "the preflight left {left:?}");
    err
}

/// The run's work directory, from the `--root WORK/state` of the call the diagnosis shows.
fn work_dir_in(diagnosis: &str) -> PathBuf {
    let root = diagnosis
        .split_whitespace()
        .skip_while(|w| *w != "--root")
        .nth(1)
        .unwrap_or_else(|| panic!("no --root in:\n{diagnosis}"));
    Path::new(root).parent().expect("WORK/state").to_path_buf()
}

#[test]
fn a_refused_oci_version_is_diagnosed_with_the_version_to_use() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = wrapper(dir.path(), "only-1.0.0", &runc, ONLY_1_0_0);
    let err = diagnosis(&rt, &probe, None);
    for part in [
        "preflight: ",
        "cannot run the simplest container",
        "create --bundle",
        "unsupported spec version",
        "refuses ociVersion 1.0.2 in config.json and accepts 1.0.0",
        "no features document",
        "--oci-version 1.0.0",
    ] {
        assert!(err.contains(part), "no {part:?} in:\n{err}");
    }
    // One diagnosis, not one per check.
    assert_eq!(err.matches("preflight:").count(), 1, "{err}");

    // With the version it accepts, the run goes on, and its checks pass.
    let opts = options(
        &rt,
        &[],
        &probe,
        &["lifecycle::start_runs_the_user_program"],
    );
    let prepared = runner::prepare_with_version(&opts, Some("1.0.0")).expect("1.0.0 is accepted");
    let run = runner::run(
        &prepared,
        &oci_check_harness::scenarios::all(),
        &opts,
        &runner::Silent,
    );
    assert_eq!(run.facts["config.ociVersion"], "1.0.0");
    assert_eq!(
        outcome(&run, "lifecycle::start_runs_the_user_program"),
        Outcome::Pass
    );
    assert!(traces(&work_dir(&run)).is_empty());
}

#[test]
fn a_refused_user_choice_of_version_is_diagnosed_too() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = wrapper(dir.path(), "only-1.0.0", &runc, ONLY_1_0_0);
    let err = diagnosis(&rt, &probe, Some("1.0.1"));
    for part in [
        "/proc mounted, ociVersion 1.0.1)",
        "refuses ociVersion 1.0.1 in config.json and accepts 1.0.0",
        "--oci-version 1.0.0",
    ] {
        assert!(err.contains(part), "no {part:?} in:\n{err}");
    }
}

#[test]
fn a_refused_hybrid_cgroup_host_is_diagnosed() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = wrapper(dir.path(), "hybrid", &runc, HYBRID);
    let err = diagnosis(&rt, &probe, None);
    for part in [
        "cannot run the simplest container",
        "-> exit 1",
        "stderr: cgroups in hybrid mode not supported, drop all controllers from cgroupv2",
        "cause: the runtime refuses this host's cgroup layout",
        "ci/runtimes/crun-v1 --hold",
        // Not the version: every fallback was tried and refused too.
        "retried with ociVersion 1.0.1, 1.0.0: refused too, so it is not the version",
    ] {
        assert!(err.contains(part), "no {part:?} in:\n{err}");
    }
}

#[test]
fn a_denied_permission_is_diagnosed() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rt = wrapper(dir.path(), "denied", &runc, DENIED);
    let err = diagnosis(&rt, &probe, None);
    assert!(
        err.contains("cause: the runtime lacks a permission (EACCES/EPERM)"),
        "{err}"
    );
}

#[test]
fn a_runtime_refusing_its_own_oci_version_max_runs_with_one_it_accepts() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    // runc's features claim ociVersionMax 1.0.2-dev; this wrapper refuses it. The run goes
    // on with 1.0.2, says so, and the features check reports the refusal.
    let opts = options(
        &broken_runtime(),
        &["--break=refuses-max-version"],
        &probe,
        &[
            "features::oci_version_max_is_accepted",
            "lifecycle::start_runs_the_user_program",
        ],
    );
    let run = run(&opts, None);
    assert!(
        run.facts["preflight"].contains("refused ociVersion 1.0.2-dev, its own ociVersionMax"),
        "{:?}",
        run.facts.get("preflight")
    );
    assert_eq!(run.facts["config.ociVersion"], "1.0.2");
    assert_eq!(
        outcome(&run, "features::oci_version_max_is_accepted"),
        Outcome::Fail
    );
    assert_eq!(
        outcome(&run, "lifecycle::start_runs_the_user_program"),
        Outcome::Pass
    );
    assert!(traces(&work_dir(&run)).is_empty());
}

#[test]
fn a_refusal_for_an_unknown_reason_goes_on_to_the_checks_and_says_so() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    // Not the host nor the setup: what a runtime breaking a part of every config says. Each
    // check must get to say what it asked and got.
    let dir = tempfile::tempdir().unwrap();
    let rt = wrapper(
        dir.path(),
        "refuses-all",
        &runc,
        r#"echo "refuses-all: no" >&2; exit 1"#,
    );
    let opts = options(
        &rt,
        &[],
        &probe,
        &["lifecycle::start_runs_the_user_program"],
    );
    let run = run(&opts, None);
    assert!(
        run.facts["preflight"]
            .contains("the runtime refused the simplest container (refuses-all: no)"),
        "{:?}",
        run.facts.get("preflight")
    );
    assert_eq!(
        outcome(&run, "lifecycle::start_runs_the_user_program"),
        Outcome::Fail
    );
    assert!(traces(&work_dir(&run)).is_empty());
}
