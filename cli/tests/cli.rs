//! The command line as a user meets it: exit codes, bad input, output formats.

mod support;

use std::process::{Command, Output};
use std::time::Duration;
use support::{bin, repo, run_with_deadline};

/// Runs a command with a deadline: bad input must never hang oci-check.
fn run_in(cmd: &mut Command) -> Output {
    run_with_deadline(cmd, Duration::from_secs(20))
}

fn run(args: &[&str]) -> Output {
    run_in(Command::new(bin()).args(args).env_remove("NO_COLOR"))
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn bundle(dir: &str) -> String {
    repo().join("bundles").join(dir).display().to_string()
}

fn uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_valid_bundle_exits_0() {
    let o = run(&["bundle", &bundle("valid/runc-spec")]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("0 errors"), "{}", stdout(&o));
}

#[test]
fn malformed_json_exits_1_with_line_and_column() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("config.json");
    std::fs::write(&f, "{\n  \"ociVersion\": \"1.0.0\"\n  \"root\": {}\n}\n").unwrap();
    let o = run(&["config", f.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("config.json:3:3"), "{}", stdout(&o));
    assert!(stdout(&o).contains("json.syntax"), "{}", stdout(&o));
}

#[test]
fn invalid_utf8_is_a_finding_not_a_crash() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("config.json");
    std::fs::write(&f, b"{\"hostname\": \"\xff\xfe\"}").unwrap();
    let o = run(&["config", f.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "glossary.json.utf8");
    assert_eq!(v["findings"][0]["column"], 15);
}

#[test]
fn a_100_mb_file_is_refused_quickly() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("config.json");
    // Sparse: costs no disk, and shows the size is checked before anything is read.
    std::fs::File::create(&f)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let o = run(&["config", f.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("larger than the"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn a_fifo_in_place_of_config_json_does_not_hang() {
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("config.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let o = run(&["config", fifo.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is a FIFO, not a regular file"),
        "{}",
        stderr(&o)
    );
    let o = run(&["bundle", t.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "bundle.config_json");
}

#[test]
fn a_directory_symlink_loop_is_a_clear_error() {
    let t = tempfile::tempdir().unwrap();
    let l = t.path().join("loop");
    std::os::unix::fs::symlink(&l, &l).unwrap();
    let o = run(&["bundle", l.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).to_lowercase().contains("symbolic links"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_rootfs_symlink_loop_is_a_finding() {
    let t = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("bundles/valid/minimal-v1.0.0/config.json"),
        t.path().join("config.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink("rootfs2", t.path().join("rootfs")).unwrap();
    std::os::unix::fs::symlink("rootfs", t.path().join("rootfs2")).unwrap();
    let o = run(&["bundle", t.path().to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("too many levels of symbolic links"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn missing_input_and_bad_flags_exit_2() {
    let o = run(&["bundle", "/nonexistent/bundle"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no such file or directory"),
        "{}",
        stderr(&o)
    );
    let o = run(&["config", &bundle("valid/runc-spec")]);
    assert_eq!(code(&o), 2, "a directory given as a config file");
    let o = run(&["bundle", &bundle("valid/runc-spec/config.json")]);
    assert_eq!(code(&o), 2, "a file given as a bundle");
    let o = run(&["bundle", "--format", "yaml", "."]);
    assert_eq!(code(&o), 2);
    let o = run(&["frobnicate"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn an_unreadable_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("config.json");
    std::fs::write(&f, "{}").unwrap();
    std::fs::set_permissions(&f, PermissionsExt::from_mode(0o000)).unwrap();
    std::fs::set_permissions(t.path(), PermissionsExt::from_mode(0o755)).unwrap();
    let o = if uid() == 0 {
        // Root reads anything; run as nobody so the permission bits apply.
        run_in(
            Command::new("setpriv")
                .args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    bin(),
                    "config",
                ])
                .arg(&f),
        )
    } else {
        run(&["config", f.to_str().unwrap()])
    };
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
}

#[test]
fn strict_makes_warnings_fail() {
    let dir = bundle("invalid/lint.process.args.executable");
    assert_eq!(code(&run(&["bundle", &dir])), 0, "a warning alone passes");
    assert_eq!(code(&run(&["bundle", &dir, "--strict"])), 1);
}

#[test]
fn json_findings_have_rule_level_pointer_line_column_message_spec() {
    let o = run(&[
        "config",
        &bundle("invalid/glossary.json.no_duplicate_names/config.json"),
        "-f",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "glossary.json.no_duplicate_names");
    assert_eq!(f["level"], "error");
    assert_eq!(f["pointer"], "/process/cwd");
    // `    "cwd": "/tmp",` on line 8: the value starts at column 12.
    assert_eq!(f["line"], 8);
    assert_eq!(f["column"], 12);
    assert!(f["message"].as_str().unwrap().contains("cwd"));
    assert!(f["spec"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/opencontainers/runtime-spec/blob/v1.3.0/glossary.md#"));
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("r.xml");
    let o = run(&[
        "bundle",
        &bundle("valid/crun-spec"),
        "-f",
        "junit",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty());
    assert!(std::fs::read_to_string(out).unwrap().starts_with("<?xml"));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let file = bundle("invalid/glossary.json.no_duplicate_names/config.json");
    let plain = run(&["config", &file]);
    assert!(!plain.stdout.contains(&0x1b), "not a terminal: no colour");
    let forced = run(&["config", &file, "--color", "always"]);
    assert!(forced.stdout.contains(&0x1b));
    // On a terminal (script(1) gives us a pty) colour is on unless NO_COLOR is set.
    let on_tty = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args(["-qec", &format!("{} config {file}", bin()), "/dev/null"]);
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        run_in(&mut c)
    };
    assert!(
        on_tty(None).stdout.contains(&0x1b),
        "a terminal gets colour"
    );
    assert!(
        !on_tty(Some("1")).stdout.contains(&0x1b),
        "NO_COLOR turns it off"
    );
}

#[test]
fn tap_output_is_accepted_by_prove() {
    if Command::new("prove").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have prove (perl)"
        );
        eprintln!("note: prove not installed; TAP not checked against it");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    for (dir, ok) in [
        ("valid/containerd-cri", true),
        ("invalid/json.syntax", false),
    ] {
        let o = run(&["bundle", &bundle(dir), "-f", "tap"]);
        let tap = t.path().join("report.tap");
        std::fs::write(&tap, &o.stdout).unwrap();
        let p = run_in(Command::new("prove").args(["--exec", "cat"]).arg(&tap));
        assert_eq!(
            p.status.success(),
            ok,
            "prove on {dir}:\n{}{}",
            stdout(&p),
            stderr(&p)
        );
        let verdict = if ok { "Result: PASS" } else { "Result: FAIL" };
        assert!(stdout(&p).contains(verdict), "{}", stdout(&p));
    }
}

#[test]
fn several_bundles_in_one_run() {
    let o = run(&[
        "bundle",
        &bundle("valid/runc-spec"),
        &bundle("valid/crun-spec"),
        "-f",
        "json",
    ]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["subject"], "2 inputs");
}

#[test]
fn rules_and_coverage_print() {
    let o = run(&["rules"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("config.process.rlimits.error_duplicate"));
    let o = run(&["rules", "--coverage", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total"], 100);
    assert_eq!(v["by_level"]["MUST"]["total"], 89);
    assert_eq!(v["by_level"]["SHOULD"]["total"], 11);
}

#[test]
fn docs_rules_md_is_the_current_catalogue() {
    let o = run(&["rules", "--format", "markdown"]);
    assert_eq!(code(&o), 0);
    let page = repo().join("docs/rules.md");
    let committed = std::fs::read_to_string(&page).unwrap_or_default();
    if committed != stdout(&o) {
        let diff = similar::TextDiff::from_lines(committed.as_str(), stdout(&o).as_str())
            .unified_diff()
            .to_string();
        panic!(
            "docs/rules.md is stale; regenerate it with\n  cargo run -q -p oci-check -- rules --format markdown > docs/rules.md\n{diff}"
        );
    }
}

// `oci-check runtime`: what is decided before any container runs.

#[test]
fn runtime_list_names_every_check_like_libtest() {
    let o = run(&["runtime", "--list"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(lines.len() > 30, "{lines:?}");
    assert!(lines
        .iter()
        .all(|l| l.ends_with(": test") && l.contains("::")));
    let o = run(&["runtime", "--list", "--filter", "kill::"]);
    assert!(stdout(&o).lines().all(|l| l.starts_with("kill::")));
    let o = run(&[
        "runtime",
        "--list",
        "--exact",
        "lifecycle::start_runs_the_user_program",
    ]);
    assert_eq!(stdout(&o), "lifecycle::start_runs_the_user_program: test\n");
    let o = run(&["runtime", "--list", "--skip", "::"]);
    assert_eq!(stdout(&o), "");
}

#[test]
fn runtime_that_cannot_run_is_exit_2_with_the_reason() {
    if uid() != 0 {
        let o = run(&["runtime", "--runtime", "runc", "--probe", "/bin/sh"]);
        assert_eq!(code(&o), 2);
        assert!(stderr(&o).contains("needs root"), "{}", stderr(&o));
        return;
    }
    for (args, says) in [
        (vec!["--runtime", "/nonexistent/rt"], "no such file"),
        (
            vec!["--runtime", "no-such-runtime-anywhere"],
            "not found on PATH",
        ),
        (
            vec!["--runtime", "/bin/false", "--probe", "/bin/sh"],
            "dynamically linked",
        ),
        (vec!["--runtime", "runc", "--timeout", "0"], "--timeout"),
    ] {
        let mut all = vec!["runtime"];
        all.extend(args);
        let o = run(&all);
        assert_eq!(code(&o), 2, "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{all:?}: {}", stderr(&o));
    }
}

#[test]
fn runtime_expect_fail_list_must_be_honest() {
    let dir = tempfile::tempdir().unwrap();
    for (text, says) in [
        ("kill::no_such_check because\n", "no check named"),
        ("kill::sigkill_stops_a_running_container\n", "no reason"),
    ] {
        let f = dir.path().join("list");
        std::fs::write(&f, text).unwrap();
        let o = run(&[
            "runtime",
            "--runtime",
            "runc",
            "--expect-fail",
            f.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 2);
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    let o = run(&[
        "runtime",
        "--runtime",
        "runc",
        "--expect-fail",
        "/nonexistent",
    ]);
    assert_eq!(code(&o), 2);
}
