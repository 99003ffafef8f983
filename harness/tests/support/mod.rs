//! What the harness's integration tests share: the static probe, runc, and a way to run the
//! suite in-process.
//!
//! These tests need root and runc. Without them a test prints SKIP and passes, unless `CI` is
//! set, in which case it fails: CI must run them.

#![allow(dead_code)]

use oci_check_harness::runner::{self, ExpectFail, Options, Selection, Silent};
use oci_check_harness::scenario::Scenario;
use oci_check_harness::{janitor, scenarios};
use oci_check_model::{Outcome, Run};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The wrapper that breaks one promise per `--break=MODE`.
pub fn broken_runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-runtime")
}

/// `Some((runc, probe))`, or `None` after printing SKIP (failing under CI).
pub fn prerequisites() -> Option<(PathBuf, PathBuf)> {
    let unavailable = |why: &str| {
        if std::env::var_os("CI").is_some() {
            panic!("harness integration test cannot run under CI: {why}");
        }
        let _ = writeln!(std::io::stderr(), "SKIP harness integration test: {why}");
        None
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return unavailable("not running as root");
    }
    let Ok(runc) = which::which("runc") else {
        return unavailable("runc not found");
    };
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    Some((runc, PROBE.get_or_init(static_probe).clone()))
}

/// Builds (a no-op when up to date) the static probe into `<target>/static`, a target
/// directory of its own so the outer cargo's lock is not in the way.
fn static_probe() -> PathBuf {
    if let Some(p) = std::env::var_os("OCI_PROBE_STATIC_BIN") {
        return PathBuf::from(p);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "oci-probe", "--target", TARGET])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .status()
        .expect("running cargo to build the static probe");
    assert!(status.success(), "building the static probe failed");
    target_dir.join(TARGET).join("release/oci-probe")
}

/// Options for a run of `runtime` with `args`, selecting `exact` names (all when empty).
pub fn options(runtime: &Path, args: &[&str], probe: &Path, exact: &[&str]) -> Options {
    Options {
        runtime: runtime.display().to_string(),
        runtime_args: args.iter().map(|s| s.to_string()).collect(),
        probe: probe.to_path_buf(),
        jobs: 2,
        timeout: Duration::from_secs(20),
        selection: Selection {
            filters: exact.iter().map(|s| s.to_string()).collect(),
            exact: true,
            skip: vec![],
            partition: None,
        },
        expect_fail: ExpectFail::default(),
    }
}

/// Runs `all` (the suite when `None`) in-process.
pub fn run(opts: &Options, all: Option<&[Scenario]>) -> Run {
    let prepared = runner::prepare(opts).expect("the run can be prepared");
    let suite;
    let all = match all {
        Some(a) => a,
        None => {
            suite = scenarios::all();
            &suite
        }
    };
    runner::run(&prepared, all, opts, &Silent)
}

pub fn outcome(run: &Run, name: &str) -> Outcome {
    run.results
        .iter()
        .find(|r| r.id == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
        .outcome
}

/// Everything on the host that still carries the run's tag: cgroups, processes, mounts, the
/// work directory. Empty when clean-up was complete.
pub fn traces(work_dir: &Path) -> Vec<String> {
    let tag = work_dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a work dir name")
        .to_string();
    let mut found: Vec<String> = runner::cgroup_leftovers(&tag)
        .into_iter()
        .map(|p| format!("cgroup {}", p.display()))
        .collect();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name();
        let Some(pid) = pid.to_str().filter(|p| p.parse::<u32>().is_ok()) else {
            continue;
        };
        // A runtime call still running for this run (its argv names the run's directory).
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&tag) {
            found.push(format!(
                "process {pid}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
        let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        let alive = janitor::process_alive(pid.parse().expect("a pid"));
        if let Some(line) = cgroup.lines().find(|l| l.contains(&tag)).filter(|_| alive) {
            found.push(format!("process {pid} in {line}"));
        }
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    found.extend(
        mountinfo
            .lines()
            .filter(|l| l.contains(&tag))
            .map(|l| format!("mount {l}")),
    );
    if work_dir.exists() {
        found.push(format!("work dir {}", work_dir.display()));
    }
    found
}

pub fn work_dir(run: &Run) -> PathBuf {
    PathBuf::from(&run.facts["work_dir"])
}

/// For each `(mode, checks)`: every check FAILs against `broken-runtime --break=MODE` and,
/// against runc, passes or is SKIP (or is listed in `runc_deviations`); and neither run leaves
/// anything behind. Returns what went wrong, empty when all is well. MODE is one of the
/// wrapper's modes, e.g. `ignore:/process/rlimits` (the runtime ignores that part of the
/// config) or `state-lies-status`.
pub fn check_table(table: &[(&str, &[&str])], runc_deviations: &[&str]) -> Vec<String> {
    check_table_with(&broken_runtime(), table, runc_deviations)
}

/// As `check_table`, against another wrapper (an area's own `tests/broken-AREA`).
pub fn check_table_with(
    wrapper: &Path,
    table: &[(&str, &[&str])],
    runc_deviations: &[&str],
) -> Vec<String> {
    let Some((runc, probe)) = prerequisites() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (mode, checks) in table {
        let arg = format!("--break={mode}");
        let mut opts = options(wrapper, &[&arg], &probe, checks);
        // What a broken runtime never does is waited for until this deadline: keep it short.
        opts.timeout = Duration::from_secs(3);
        let broken = run(&opts, None);
        let honest = run(&options(&runc, &[], &probe, checks), None);
        for check in *checks {
            let got = outcome(&broken, check);
            if got != Outcome::Fail {
                problems.push(format!("{check} against --break={mode}: {got:?}, not Fail"));
            }
            let base = outcome(&honest, check);
            if ![Outcome::Pass, Outcome::Skip].contains(&base) && !runc_deviations.contains(check) {
                let r = honest
                    .results
                    .iter()
                    .find(|r| r.id == *check)
                    .expect("a result");
                problems.push(format!("{check} against runc: {base:?}: {}", r.message));
            }
        }
        for r in [&broken, &honest] {
            let left = traces(&work_dir(r));
            if !left.is_empty() {
                problems.push(format!("--break={mode} left {left:?}"));
            }
        }
    }
    problems
}

/// Names of the scenarios of `area` (`"process::"`) that appear in none of `tables`.
pub fn never_shown_failing(
    area: &str,
    table: &[(&str, &[&str])],
    runc_deviations: &[&str],
) -> Vec<&'static str> {
    let covered: Vec<&str> = table
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .chain(runc_deviations.iter().copied())
        .collect();
    scenarios::all()
        .iter()
        .map(|s| s.name)
        .filter(|n| n.starts_with(area) && !covered.contains(n))
        .collect()
}
