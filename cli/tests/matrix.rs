//! `oci-check runtime --runtime A --runtime B`: the suite against each runtime in turn, a
//! matrix report, exit codes that say which runtime failed or could not run, and nothing left
//! behind by any of the runs, also when a signal stops the second one.
//!
//! The second runtime is really another one: a wrapper script around
//! harness/tests/broken-runtime that breaks one promise. These tests need root and runc; without
//! them they print SKIP and pass, unless `CI` is set.

mod browser;
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{bin, prerequisites, run, text, Place};

/// Checks that pass against runc; the first fails against `--break=state-lies-status`.
const CHECKS: &[&str] = &[
    "lifecycle::create_leaves_the_container_created",
    "lifecycle::start_runs_the_user_program",
    "lifecycle::delete_destroys_the_container",
];

/// `oci-check runtime` with each runtime, the probe, a deadline and the place's TMPDIR.
fn command(place: &Place, probe: &Path, runtimes: &[&str], extra: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("runtime");
    for r in runtimes {
        cmd.args(["--runtime", r]);
    }
    cmd.arg("--probe")
        .arg(probe)
        .args(["--exact", "--timeout", "20", "-q"])
        .args(extra)
        .env("TMPDIR", place.tmp())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    cmd
}

/// The cgroups still carrying a run's tag (its work directory's name).
fn cgroups_of(work_dir: &str) -> Vec<PathBuf> {
    let tag = Path::new(work_dir).file_name().unwrap().to_str().unwrap();
    oci_check_harness::runner::cgroup_leftovers(tag)
}

#[test]
fn two_runtimes_make_a_matrix_and_each_run_leaves_nothing() {
    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let place = Place::new();
    let broken = place.wrapper("state-lies-status");
    let o = run(command(&place, &probe, &["runc", &broken], &["-f", "json"]).args(CHECKS));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let v: Value = serde_json::from_str(&text(&o.stdout)).expect("a JSON matrix");
    assert_eq!(v["format"], "oci-check-matrix/v1");
    assert_eq!(v["passed"], false);
    let labels: Vec<&str> = v["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["runc", broken.as_str()]);
    assert_eq!(v["runtimes"][0]["passed"], true, "{v:#}");
    assert_eq!(v["runtimes"][1]["passed"], false, "{v:#}");
    let create = &v["checks"][0];
    assert_eq!(create["id"], CHECKS[0]);
    assert_eq!(create["outcomes"]["runc"], "pass");
    assert_eq!(create["outcomes"][broken.as_str()], "fail");
    assert_eq!(create["differs"], true);
    assert_eq!(v["checks"].as_array().unwrap().len(), CHECKS.len());
    // Each run had a work directory of its own, and left nothing.
    let work_dirs: Vec<&str> = v["runtimes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["report"]["facts"]["work_dir"].as_str().unwrap())
        .collect();
    assert_ne!(work_dirs[0], work_dirs[1]);
    for w in &work_dirs {
        assert!(!Path::new(w).exists(), "{w} is left");
        assert_eq!(cgroups_of(w), Vec::<PathBuf>::new(), "cgroups of {w}");
    }
    assert_eq!(place.leftovers(), Vec::<String>::new());
}

#[test]
fn the_matrix_in_html_markdown_and_human_text() {
    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let place = Place::new();
    let broken = place.wrapper("state-lies-status");
    let html_file = place.dir.path().join("report.html");
    let o = run(command(
        &place,
        &probe,
        &["runc", &broken],
        &["--format", "html", "--output", html_file.to_str().unwrap()],
    )
    .args(CHECKS));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.contains("<h2>Matrix</h2>"), "{html}");
    assert!(
        html.contains("the runtimes differ on 1 (marked ≠)"),
        "{html}"
    );
    assert!(html.contains("<tr class=\"differs\"><th class=\"mark\">≠</th><td><code>lifecycle::create_leaves_the_container_created</code>"), "{html}");
    assert!(
        html.contains("<section id=\"r2-failures\">\n<h3>Failures (1)</h3>"),
        "{html}"
    );
    assert!(
        html.contains("<blockquote>"),
        "the spec sentence of the failure"
    );
    if let Some(b) = browser::find() {
        let page = browser::out_dir().join("matrix-report.html");
        std::fs::copy(&html_file, &page).unwrap();
        browser::screenshot(&b, &page, &browser::out_dir().join("matrix-report.png"));
        let dom = browser::dom(&b, &page);
        for want in [
            "<h2>Matrix</h2>",
            "<h2>Runtimes</h2>",
            "≠",
            "<h3>Failures (1)</h3>",
        ] {
            assert!(dom.contains(want), "{want:?} not in the DOM:\n{dom}");
        }
    }

    let o = run(command(&place, &probe, &["runc", &broken], &["-f", "markdown"]).args(CHECKS));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let md = text(&o.stdout);
    assert!(
        md.contains("| ≠ | `lifecycle::create_leaves_the_container_created` |"),
        "{md}"
    );
    assert!(md.contains("| PASS | **FAIL** |\n"), "{md}");

    let o = run(command(
        &place,
        &probe,
        &["runc", &broken],
        &["-f", "human", "--color", "never"],
    )
    .args(CHECKS));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let human = text(&o.stdout);
    assert!(
        human.contains("\n* PASS   FAIL   lifecycle::create_leaves_the_container_created\n"),
        "{human}"
    );
    assert!(
        human.contains("\n  PASS   PASS   lifecycle::start_runs_the_user_program\n"),
        "{human}"
    );
    assert!(
        human.contains("  #2: 1 error, 0 warnings, 0 infos; 2 passed, 0 skipped (FAILED)"),
        "{human}"
    );
    assert!(human.ends_with("\n2 runtimes: FAILED\n"), "{human}");
    assert_eq!(place.leftovers(), Vec::<String>::new());
}

#[test]
fn a_runtime_that_cannot_run_is_named_and_the_exit_is_2() {
    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let place = Place::new();
    let o = run(command(
        &place,
        &probe,
        &["runc", "/nonexistent/runtime"],
        &["-f", "json"],
    )
    .arg(CHECKS[0]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("runtime /nonexistent/runtime could not run")
            && err.contains("1 of 2 runtimes could not run: /nonexistent/runtime"),
        "{err}"
    );
    // The matrix is written all the same, with the reason.
    let v: Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(v["runtimes"][0]["passed"], true);
    assert_eq!(v["runtimes"][1]["ran"], false);
    assert!(
        v["runtimes"][1]["error"]
            .as_str()
            .unwrap()
            .contains("no such file"),
        "{v:#}"
    );
    assert_eq!(
        v["checks"][0]["outcomes"]["/nonexistent/runtime"],
        Value::Null
    );
    assert_eq!(place.leftovers(), Vec::<String>::new());
}

#[test]
fn several_runtimes_refuse_what_holds_one_run() {
    for (args, says) in [
        (
            vec!["--runtime", "runc", "--runtime", "crun", "-f", "tap"],
            "--format tap holds one run",
        ),
        (
            vec!["--runtime", "runc", "--runtime", "crun", "-f", "junit"],
            "--format junit holds one run",
        ),
        (
            vec!["--runtime", "runc", "--runtime", "runc"],
            "--runtime runc is given twice",
        ),
        (
            vec![
                "--runtime",
                "runc",
                "--runtime",
                "crun",
                "--write-bundle",
                "/nonexistent/b",
            ],
            "--write-bundle takes one --runtime",
        ),
    ] {
        let o = run(Command::new(bin())
            .arg("runtime")
            .args(&args)
            .stdin(Stdio::null()));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

/// The pids of processes whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push((pid, cmdline));
        }
    }
    found
}

/// Polls `what` until it returns `Some`, failing past `limit`.
fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Removes what a failing signal test leaves (when the harness's clean-up did not do its job):
/// processes of the runs, the container's processes and its cgroups.
struct Sweeper {
    tmp: String,
    tag: Option<String>,
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        for (pid, _) in processes_with(&self.tmp) {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        let Some(tag) = &self.tag else { return };
        let dirs = oci_check_harness::runner::cgroup_leftovers(tag);
        for dir in &dirs {
            let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
            for pid in procs.split_whitespace() {
                let _ = Command::new("kill").args(["-9", pid]).status();
            }
        }
        for dir in dirs {
            // A cgroup can be removed once the kernel has reaped its killed processes.
            let start = Instant::now();
            while std::fs::remove_dir(&dir).is_err() && start.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// SIGINT while the second runtime's container runs: the process ends as a shell reports a
/// SIGINT (130), and neither run leaves a directory, a process or a cgroup. (A signal handler
/// per run would leave the first run's handler installed, and it would end the process before
/// the second run's clean-up.)
fn interrupted_second_runtime_leaves_nothing(signal: &str, code: i32) {
    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let place = Place::new();
    // Its `start` starts the container, then hangs.
    let slow = place.wrapper("slow-start");
    let mut child: Child = command(&place, &probe, &["runc", &slow], &["-f", "json"])
        .arg(CHECKS[1])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let tmp = place.tmp().display().to_string();
    let mut sweeper = Sweeper {
        tmp: tmp.clone(),
        tag: None,
    };
    let hung_start = wait_for(
        Duration::from_secs(60),
        "the second runtime's hung start",
        || {
            processes_with(&tmp)
                .into_iter()
                .find(|(_, cmd)| cmd.contains("--break=slow-start") && cmd.contains(" start "))
        },
    );
    // Its work directory: `--root <work>/state`.
    let work_dir = hung_start
        .1
        .split_whitespace()
        .find(|a| a.starts_with(&tmp) && a.ends_with("/state"))
        .map(|s| s.trim_end_matches("/state").to_string())
        .expect("the runtime's --root");
    sweeper.tag = Path::new(&work_dir)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_for(Duration::from_secs(120), "oci-check to end", || {
        child.try_wait().unwrap()
    });
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(exit.code(), Some(code), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    // Killed processes are gone once the kernel has reaped them: wait, with a deadline.
    wait_for(
        Duration::from_secs(30),
        "the runs' processes to end",
        || processes_with(&tmp).is_empty().then_some(()),
    );
    assert_eq!(place.leftovers(), Vec::<String>::new(), "{err}");
    assert_eq!(cgroups_of(&work_dir), Vec::<PathBuf>::new());
}

#[test]
fn sigint_during_the_second_runtime_leaves_nothing_of_either_run() {
    interrupted_second_runtime_leaves_nothing("-INT", 130);
}

#[test]
fn sigterm_during_the_second_runtime_leaves_nothing_of_either_run() {
    interrupted_second_runtime_leaves_nothing("-TERM", 143);
}

/// Not on a terminal, progress is one plain line per finished check on stderr (a CI log shows
/// the run moving); `--quiet` silences it.
#[test]
fn progress_is_a_line_per_check_off_a_terminal_and_quiet_silences_it() {
    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let place = Place::new();
    let out = place.dir.path().join("report.json");
    let run = |quiet: bool| {
        let mut cmd = Command::new(bin());
        cmd.args(["runtime", "--runtime", "runc", "--probe"])
            .arg(&probe)
            .arg("--exact")
            .args(CHECKS)
            .args(["-f", "json", "-o"])
            .arg(&out)
            .env("TMPDIR", place.tmp());
        if quiet {
            cmd.arg("--quiet");
        }
        let o = cmd.output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stderr).unwrap()
    };
    let stderr = run(false);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), CHECKS.len(), "{stderr}");
    for check in CHECKS {
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.ends_with(&format!(" PASS {check}")))
                .count(),
            1,
            "{check} not reported once as it finished: {stderr}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&format!("[{}/{}] ", CHECKS.len(), CHECKS.len()))));
    let quiet = run(true);
    assert!(
        !quiet.lines().any(|l| l.starts_with('[')),
        "--quiet printed progress: {quiet}"
    );
}

/// With one `--expect-fail` per `--runtime`, each runtime is judged by its own list: the
/// broken runtime's known failure is xfail there, and runc (with an empty list) is unaffected.
/// A count that is neither one nor one per runtime is refused before anything runs.
#[test]
fn each_runtime_has_its_own_expect_fail_list() {
    let place = Place::new();
    let none = place.dir.path().join("runc.txt");
    let known = place.dir.path().join("broken.txt");
    std::fs::write(&none, "# runc: nothing known\n").unwrap();
    std::fs::write(
        &known,
        format!("{} lies about its status (test)\n", CHECKS[0]),
    )
    .unwrap();
    let o = run(Command::new(bin())
        .args(["runtime", "--runtime", "runc", "--runtime", "crun"])
        .arg("--expect-fail")
        .arg(&none)
        .arg("--expect-fail")
        .arg(&none)
        .arg("--expect-fail")
        .arg(&known)
        .stdin(Stdio::null()));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("3 --expect-fail files for 2 runtimes"));

    let Some(probe) = prerequisites("matrix") else {
        return;
    };
    let broken = place.wrapper("state-lies-status");
    let mut cmd = command(&place, &probe, &["runc", &broken], &["-f", "json"]);
    cmd.arg("--expect-fail")
        .arg(&none)
        .arg("--expect-fail")
        .arg(&known)
        .args(CHECKS);
    let o = run(&mut cmd);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: Value = serde_json::from_str(&text(&o.stdout)).expect("a JSON matrix");
    let create = &v["checks"][0];
    assert_eq!(create["id"], CHECKS[0]);
    assert_eq!(create["outcomes"]["runc"], "pass");
    assert_eq!(create["outcomes"][broken.as_str()], "xfail");
    assert_eq!(place.leftovers(), Vec::<String>::new());
}
