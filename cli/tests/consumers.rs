//! oci-check's reports, read by the programs CI systems read reports with.
//!
//! Each test feeds a real report to a consumer installed from a package registry and asserts
//! that the consumer understood what oci-check meant: the same checks, outcomes, messages and
//! counts as the JSON report of the same input. Then it feeds a copy broken in one place and
//! asserts that the consumer rejects it, so a consumer that accepts anything cannot pass.
//!
//! The consumers, installed by `cli/tests/consumers/install.sh` (which .ci/run runs):
//! - TAP 13: prove and TAP::Parser (perl, apt);
//! - TAP 14: tap-parser (npm), node-tap's parser;
//! - JUnit XML: junitparser (PyPI), and the Jenkins xUnit plugin's junit-10.xsd as shipped in
//!   pytest's source distribution (PyPI), applied with xmlschema (PyPI);
//! - SARIF 2.1.0: the schema and the validator of Microsoft's SARIF SDK (npm
//!   @microsoft/sarif-multitool-linux), the schema applied with jsonschema (PyPI), the validator
//!   run with GitHub's code-scanning upload rules.
//!
//! Without a consumer (or, for the runtime reports, without root, runc or the static probe) a
//! test prints a note and passes; under CI (`CI` set) it fails.

mod support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use support::{bin, is_root, repo, run, static_probe, text};

// ---------------------------------------------------------------------------------------------
// Running things.

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

/// The helper scripts beside this file.
fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/consumers")
        .join(name)
}

/// Runs a command with a deadline: a consumer that hangs fails the test, it does not stall it.
fn run_in(cmd: &mut Command) -> Output {
    run(cmd)
}

/// Runs a consumer script that prints one JSON document, and returns it.
fn reading(cmd: &mut Command) -> Value {
    let out = run_in(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{cmd:?} printed no JSON ({e}):\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// Runs oci-check with `args`; returns its exit status (0 or 1: a report was written) and the
/// report.
fn oci_check(args: &[String], format: &[&str]) -> (i32, String) {
    let out = run_in(Command::new(bin()).args(args).args(format));
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(
        code == 0 || code == 1,
        "oci-check {args:?} {format:?} exited {code}:\n{}",
        text(&out.stderr)
    );
    (code, text(&out.stdout))
}

/// Writes `content` to `name` in a new temporary directory (kept alive by the returned guard).
fn file_with(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// Fails with a unified diff when `observed` is not `expected`.
fn same(what: &str, expected: &Value, observed: &Value) {
    if expected != observed {
        let e = serde_json::to_string_pretty(expected).unwrap();
        let o = serde_json::to_string_pretty(observed).unwrap();
        let diff = similar::TextDiff::from_lines(&e, &o)
            .unified_diff()
            .header("expected", "observed")
            .to_string();
        panic!("{what}:\n{diff}");
    }
}

// ---------------------------------------------------------------------------------------------
// Prerequisites.

/// `None` after printing why, or a panic under CI, where every consumer must be there.
fn unavailable<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("report consumer test cannot run under CI: {why}");
    }
    eprintln!("note: report consumer test skipped: {why}");
    None
}

/// Whether `program --version` runs.
fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What install.sh put in `<target>/consumers` (or `$OCI_CHECK_CONSUMERS`).
struct Consumers {
    dir: PathBuf,
}

impl Consumers {
    fn find() -> Option<Consumers> {
        let dir = std::env::var_os("OCI_CHECK_CONSUMERS")
            .map(PathBuf::from)
            .unwrap_or_else(|| target_dir().join("consumers"));
        if !dir.join(".installed").is_file() {
            return unavailable(&format!(
                "the report consumers are not installed in {}: run cli/tests/consumers/install.sh",
                dir.display()
            ));
        }
        Some(Consumers { dir })
    }

    fn python(&self) -> Command {
        Command::new(self.dir.join("venv/bin/python"))
    }

    fn node(&self) -> Option<Command> {
        if !on_path("node") {
            return unavailable("node is not installed");
        }
        let mut node = Command::new("node");
        node.env("NODE_PATH", self.dir.join("npm/node_modules"));
        Some(node)
    }

    fn junit_xsd(&self) -> PathBuf {
        self.dir.join("junit-10.xsd")
    }

    fn sarif_schema(&self) -> PathBuf {
        self.dir.join("sarif-2.1.0.json")
    }

    fn sarif_multitool(&self) -> Command {
        let mut c = Command::new(
            self.dir
                .join("npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"),
        );
        // A .NET program: no dependency on the host's ICU, no telemetry.
        c.env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
        c
    }
}

/// prove and TAP::Parser come with perl.
fn perl() -> Option<()> {
    if on_path("prove") && on_path("perl") {
        Some(())
    } else {
        unavailable("prove/perl are not installed")
    }
}

// ---------------------------------------------------------------------------------------------
// The inputs, and what the JSON report says of them.

/// Three bundles in one run: errors, a warning that does not fail the run, skips (a bundle
/// whose config.json does not parse), several areas.
fn bundle_args() -> Vec<String> {
    let mut args = vec!["bundle".to_string()];
    for b in [
        "invalid/lint.process.args.executable",
        "invalid/json.syntax",
        "invalid/glossary.json.no_duplicate_names",
    ] {
        args.push(repo().join("bundles").join(b).display().to_string());
    }
    args
}

/// A small runtime run against runc: passes (lifecycle), skips (intel_rdt, without resctrl or
/// for a later spec release) and a known deviation (xfail, from runc's baseline in
/// ci/expect-fail/ when there is one for the installed version; else it fails the run, and the
/// consumers must say so). `None` when root, runc or the probe are missing.
fn runtime_args() -> Option<Vec<String>> {
    static ARGS: OnceLock<Option<Vec<String>>> = OnceLock::new();
    ARGS.get_or_init(|| {
        if !is_root() {
            return unavailable("the runtime reports need root");
        }
        let Ok(runc) = which::which("runc") else {
            return unavailable("the runtime reports need runc");
        };
        let mut args: Vec<String> = vec![
            "runtime".into(),
            "--runtime".into(),
            runc.display().to_string(),
            "--probe".into(),
            static_probe().display().to_string(),
            "--quiet".into(),
        ];
        for f in [
            "lifecycle::",
            "intel_rdt::",
            "errors::delete_of_a_created_container_fails",
        ] {
            args.extend(["--filter".into(), f.into()]);
        }
        if let Some(baseline) = runc_baseline(&runc) {
            args.extend(["--expect-fail".into(), baseline.display().to_string()]);
        }
        Some(args)
    })
    .clone()
}

/// ci/expect-fail/runc-X.Y.Z.txt for the installed runc, as ci/main.sh picks it.
fn runc_baseline(runc: &Path) -> Option<PathBuf> {
    let out = run_in(Command::new(runc).arg("--version"));
    let version = text(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("runc version "))?
        .split('+')
        .next()?
        .to_string();
    let file = repo().join(format!("ci/expect-fail/runc-{version}.txt"));
    file.is_file().then_some(file)
}

/// Runtime runs one at a time: each makes containers, mounts and cgroups, and a check that
/// looks at the host must not see another run's.
static RUNTIME: Mutex<()> = Mutex::new(());

fn runtime_report(args: &[String], format: &[&str]) -> (i32, String) {
    let _one_at_a_time = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    oci_check(args, format)
}

/// One check as the JSON report says it came out.
#[derive(Debug, Clone)]
struct Check {
    name: String,
    area: String,
    outcome: String,
    level: String,
    fails_run: bool,
    message: String,
    expected: Option<String>,
}

/// The JSON report of a run: what the other formats must convey.
struct Expected {
    exit: i32,
    kind: String,
    doc: Value,
    checks: Vec<Check>,
}

impl Expected {
    fn from_report((exit, report): (i32, String)) -> Expected {
        let doc: Value = serde_json::from_str(&report).expect("the JSON report parses");
        let str_of = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
        let checks = doc["tests"]
            .as_array()
            .expect("tests[]")
            .iter()
            .map(|t| Check {
                name: str_of(t, "name").unwrap(),
                area: str_of(t, "area").unwrap_or_else(|| "other".into()),
                outcome: str_of(t, "outcome").unwrap(),
                level: str_of(t, "level").unwrap(),
                fails_run: t["fails_run"].as_bool().unwrap(),
                message: str_of(t, "message").unwrap(),
                expected: str_of(t, "expected"),
            })
            .collect();
        Expected {
            exit,
            kind: str_of(&doc, "kind").unwrap(),
            doc,
            checks,
        }
    }

    /// The checks by area, areas in the order they first appear (as the writers group them).
    fn areas(&self) -> Vec<(String, Vec<&Check>)> {
        let mut areas: Vec<(String, Vec<&Check>)> = Vec::new();
        for c in &self.checks {
            match areas.iter_mut().find(|(a, _)| *a == c.area) {
                Some((_, v)) => v.push(c),
                None => areas.push((c.area.clone(), vec![c])),
            }
        }
        areas
    }

    /// The checks in the order the grouped formats (TAP 14, JUnit) list them.
    fn by_area(&self) -> Vec<&Check> {
        self.areas().into_iter().flat_map(|(_, cs)| cs).collect()
    }

    fn facts(&self) -> BTreeMap<String, String> {
        self.doc["facts"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect()
    }

    /// The report is deterministic: the same input gives the same checks and outcomes. A
    /// report of another format must come from a run that agrees with this one on the exit
    /// status, or the comparison below would blame the format for the run.
    fn same_run(&self, exit: i32) {
        assert_eq!(exit, self.exit, "the runs disagree on the exit status");
    }
}

fn bundle_expected() -> &'static Expected {
    static E: OnceLock<Expected> = OnceLock::new();
    E.get_or_init(|| Expected::from_report(oci_check(&bundle_args(), &["-f", "json"])))
}

fn runtime_expected(args: &[String]) -> &'static Expected {
    static E: OnceLock<Expected> = OnceLock::new();
    E.get_or_init(|| Expected::from_report(runtime_report(args, &["-f", "json"])))
}

/// TAP writes a name or reason on one line.
fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

// ---------------------------------------------------------------------------------------------
// TAP 13: TAP::Parser (what prove reads TAP with) and prove.

/// What TAP 13 must convey of each check: ok or not ok, the directive, the skip reason, and the
/// message of the YAML diagnostic written for a failure, a warning or a known deviation.
fn tap13_meant(c: &Check) -> Value {
    json!({
        "name": one_line(&c.name),
        "ok": !c.fails_run && c.outcome != "xfail",
        "directive": match c.outcome.as_str() { "skip" => "SKIP", "xfail" => "TODO", _ => "" },
        "skip_reason": (c.outcome == "skip").then(|| one_line(&c.message)),
        "diagnostic": matches!(c.outcome.as_str(), "fail" | "xfail" | "xpass").then(|| c.message.clone()),
    })
}

/// The same, as TAP::Parser read it (it leaves `\#` escaped).
fn tap13_read(t: &Value) -> Value {
    let unescape = |s: &str| s.replace("\\#", "#");
    let directive = t["directive"].as_str().unwrap();
    json!({
        "name": unescape(t["description"].as_str().unwrap().strip_prefix("- ").unwrap_or("")),
        "ok": t["ok"],
        "directive": directive,
        "skip_reason": (directive == "SKIP").then(|| unescape(t["explanation"].as_str().unwrap())),
        "diagnostic": t["yaml"]["message"],
    })
}

fn tap_parser_13(tap: &Path) -> Value {
    reading(Command::new("perl").arg(script("tap13.pl")).arg(tap))
}

/// prove run on a TAP file (`--exec cat`: the file is the test's output).
fn prove(tap: &Path) -> Output {
    run_in(Command::new("prove").args(["--exec", "cat"]).arg(tap))
}

fn prove_passes(tap: &Path) -> bool {
    let out = prove(tap);
    let says = text(&out.stdout);
    assert_eq!(
        out.status.success(),
        says.contains("Result: PASS"),
        "prove's exit status and verdict disagree:\n{says}{}",
        text(&out.stderr)
    );
    out.status.success()
}

fn check_tap13(e: &Expected, tap: &str) {
    let (_dir, path) = file_with("report.tap", tap);
    let read = tap_parser_13(&path);
    let n = e.checks.len();
    let count = |f: &dyn Fn(&Check) -> bool| e.checks.iter().filter(|c| f(c)).count();
    same(
        "TAP::Parser's reading of the TAP 13 report (counts)",
        &json!({
            "version": 13,
            "parse_errors": [],
            "plan": format!("1..{n}"),
            "tests_run": n,
            "failed": count(&|c| c.fails_run && c.outcome != "xfail"),
            "actual_passed": count(&|c| !c.fails_run && c.outcome != "xfail"),
            "todo": count(&|c| c.outcome == "xfail"),
            "todo_passed": 0,
            "skipped": count(&|c| c.outcome == "skip"),
        }),
        &json!({
            "version": read["version"],
            "parse_errors": read["parse_errors"],
            "plan": read["plan"],
            "tests_run": read["tests_run"],
            "failed": read["failed"],
            "actual_passed": read["actual_passed"],
            "todo": read["todo"],
            "todo_passed": read["todo_passed"],
            "skipped": read["skipped"],
        }),
    );
    let meant: Vec<Value> = e.checks.iter().map(tap13_meant).collect();
    let seen: Vec<Value> = read["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(tap13_read)
        .collect();
    same(
        "TAP::Parser's reading of the TAP 13 test points",
        &json!(meant),
        &json!(seen),
    );
    assert_eq!(
        prove_passes(&path),
        e.exit == 0,
        "prove's verdict is not oci-check's exit status {}",
        e.exit
    );
}

/// The report with its last test point (and that point's diagnostic) cut off: the plan then
/// promises one more test than the stream has.
fn without_last_test_point(tap: &str) -> String {
    let lines: Vec<&str> = tap.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .expect("a test point");
    let mut rest = last + 1;
    while rest < lines.len() && lines[rest].starts_with("  ") {
        rest += 1;
    }
    let mut out: Vec<&str> = lines[..last].to_vec();
    out.extend(&lines[rest..]);
    out.join("\n") + "\n"
}

/// TAP::Parser and prove reject a stream that runs fewer tests than it plans.
fn tap13_consumers_reject_a_broken_plan(tap: &str) {
    let (_dir, path) = file_with("broken.tap", &without_last_test_point(tap));
    let read = tap_parser_13(&path);
    let errors = read["parse_errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("Bad plan")),
        "TAP::Parser did not notice the missing test point: {read}"
    );
    assert!(
        !prove_passes(&path),
        "prove passed a stream short of its plan"
    );
}

#[test]
fn tap13_bundle_report_is_read_by_tap_parser_and_prove() {
    let Some(()) = perl() else { return };
    let e = bundle_expected();
    let (exit, tap) = oci_check(&bundle_args(), &["-f", "tap"]);
    e.same_run(exit);
    check_tap13(e, &tap);
    tap13_consumers_reject_a_broken_plan(&tap);
}

#[test]
fn tap13_runtime_report_is_read_by_tap_parser_and_prove() {
    let Some(()) = perl() else { return };
    let Some(args) = runtime_args() else { return };
    let e = runtime_expected(&args);
    let (exit, tap) = runtime_report(&args, &["-f", "tap"]);
    e.same_run(exit);
    check_tap13(e, &tap);
    tap13_consumers_reject_a_broken_plan(&tap);
}

// ---------------------------------------------------------------------------------------------
// TAP 14: tap-parser (npm), one subtest per area.

fn tap_parser_14(c: &Consumers, tap: &Path) -> Option<Value> {
    let mut node = c.node()?;
    Some(reading(node.arg(script("tap14.cjs")).arg(tap)))
}

/// Every violation of TAP that tap-parser reports, top level and in subtests.
fn tap_errors(read: &Value) -> Vec<Value> {
    let mut errors: Vec<Value> = Vec::new();
    let mut collect = |v: &Value, at: &str| {
        for f in v["failures"].as_array().into_iter().flatten() {
            if !f["tapError"].is_null() {
                errors.push(json!({"at": at, "error": f["tapError"], "name": f["name"]}));
            }
        }
        for x in v["extra"].as_array().into_iter().flatten() {
            errors.push(json!({"at": at, "non-TAP line": x}));
        }
    };
    collect(read, "top level");
    for s in read["subtests"].as_array().into_iter().flatten() {
        collect(s, s["name"].as_str().unwrap_or("?"));
    }
    errors
}

/// What a subtest must convey of an area: tap-parser counts a TODO `not ok` as a failure that
/// does not fail the subtest.
fn tap14_meant(area: &str, checks: &[&Check]) -> Value {
    let ok = |c: &Check| !c.fails_run && c.outcome != "xfail";
    json!({
        "name": area,
        "ok": !checks.iter().any(|c| c.fails_run),
        "count": checks.len(),
        "pass": checks.iter().filter(|c| ok(c)).count(),
        "fail": checks.iter().filter(|c| !ok(c)).count(),
        "skip": checks.iter().filter(|c| c.outcome == "skip").count(),
        "todo": checks.iter().filter(|c| c.outcome == "xfail").count(),
        "points": checks.iter().map(|c| json!({
            "name": one_line(&c.name),
            "ok": ok(c),
            "skip": if c.outcome == "skip" { json!(one_line(&c.message)) } else { json!(false) },
            "todo": c.outcome == "xfail",
            "diagnostic": matches!(c.outcome.as_str(), "fail" | "xfail" | "xpass").then(|| c.message.clone()),
        })).collect::<Vec<_>>(),
    })
}

fn tap14_read(s: &Value) -> Value {
    json!({
        "name": s["name"],
        "ok": s["ok"],
        "count": s["count"],
        "pass": s["pass"],
        "fail": s["fail"],
        "skip": s["skip"],
        "todo": s["todo"],
        "points": s["points"].as_array().unwrap().iter().map(|p| json!({
            "name": p["name"],
            "ok": p["ok"],
            "skip": p["skip"],
            "todo": p["todo"] != json!(false),
            "diagnostic": p["diag"]["message"],
        })).collect::<Vec<_>>(),
    })
}

fn check_tap14(c: &Consumers, e: &Expected, tap: &str) -> Option<()> {
    let (_dir, path) = file_with("report.tap", tap);
    let read = tap_parser_14(c, &path)?;
    same(
        "violations of TAP that tap-parser found",
        &json!([]),
        &json!(tap_errors(&read)),
    );
    let areas = e.areas();
    same(
        "tap-parser's reading of the TAP 14 report (top level)",
        &json!({
            "version": 14,
            "ok": e.exit == 0,
            "count": areas.len(),
            "plan": {"start": 1, "end": areas.len()},
            "bailout": false,
        }),
        &json!({
            "version": read["version"],
            "ok": read["ok"],
            "count": read["count"],
            "plan": read["plan"],
            "bailout": read["bailout"],
        }),
    );
    let meant: Vec<Value> = areas.iter().map(|(a, cs)| tap14_meant(a, cs)).collect();
    let seen: Vec<Value> = read["subtests"]
        .as_array()
        .unwrap()
        .iter()
        .map(tap14_read)
        .collect();
    same(
        "tap-parser's reading of the TAP 14 subtests",
        &json!(meant),
        &json!(seen),
    );
    Some(())
}

/// The report with the first test point of the first subtest removed: the subtest's plan then
/// promises one more.
fn without_first_subtest_point(tap: &str) -> String {
    let mut dropped = false;
    let mut out = String::new();
    let mut in_dropped_diag = false;
    for line in tap.lines() {
        let point = line.starts_with("    ok ") || line.starts_with("    not ok ");
        if !dropped && point {
            dropped = true;
            in_dropped_diag = true;
            continue;
        }
        if in_dropped_diag && line.starts_with("      ") {
            continue;
        }
        in_dropped_diag = false;
        out.push_str(line);
        out.push('\n');
    }
    assert!(dropped, "no subtest test point in:\n{tap}");
    out
}

fn tap14_parser_rejects_a_broken_subtest(c: &Consumers, tap: &str) -> Option<()> {
    let (_dir, path) = file_with("broken.tap", &without_first_subtest_point(tap));
    let read = tap_parser_14(c, &path)?;
    assert!(
        !tap_errors(&read).is_empty() && read["ok"] == json!(false),
        "tap-parser did not notice a subtest short of its plan: {read}"
    );
    Some(())
}

#[test]
fn tap14_bundle_report_is_read_by_tap_parser_with_a_subtest_per_area() {
    let Some(c) = Consumers::find() else { return };
    let e = bundle_expected();
    let (exit, tap) = oci_check(&bundle_args(), &["-f", "tap", "--tap-version", "14"]);
    e.same_run(exit);
    let Some(()) = check_tap14(&c, e, &tap) else {
        return;
    };
    tap14_parser_rejects_a_broken_subtest(&c, &tap);
}

#[test]
fn tap14_runtime_report_is_read_by_tap_parser_with_a_subtest_per_area() {
    let Some(c) = Consumers::find() else { return };
    let Some(args) = runtime_args() else { return };
    let e = runtime_expected(&args);
    let (exit, tap) = runtime_report(&args, &["-f", "tap", "--tap-version", "14"]);
    e.same_run(exit);
    let Some(()) = check_tap14(&c, e, &tap) else {
        return;
    };
    tap14_parser_rejects_a_broken_subtest(&c, &tap);
}

// ---------------------------------------------------------------------------------------------
// JUnit XML: junit-10.xsd (Jenkins xUnit plugin) and junitparser.

fn junit_reading(c: &Consumers, xml: &Path) -> Value {
    reading(
        c.python()
            .arg(script("junit.py"))
            .arg(c.junit_xsd())
            .arg(xml),
    )
}

/// What a testsuite must convey of an area: a testcase per check, a failure (message, the level
/// as type) for a check that fails the run, skipped (the reason) for a skip, and nothing for
/// the rest.
fn junit_meant(kind: &str, area: &str, checks: &[&Check]) -> Value {
    json!({
        "name": area,
        "tests": checks.len(),
        "failures": checks.iter().filter(|c| c.fails_run).count(),
        "errors": 0,
        "skipped": checks.iter().filter(|c| c.outcome == "skip").count(),
        "cases": checks.iter().map(|c| {
            let results = if c.fails_run {
                json!([{"kind": "failure", "message": c.message, "type": c.level}])
            } else if c.outcome == "skip" {
                json!([{"kind": "skipped", "message": c.message}])
            } else {
                json!([])
            };
            json!({"name": c.name, "classname": format!("oci-check.{kind}.{area}"), "results": results})
        }).collect::<Vec<_>>(),
    })
}

fn junit_read(s: &Value) -> Value {
    json!({
        "name": s["name"],
        "tests": s["tests"],
        "failures": s["failures"],
        "errors": s["errors"],
        "skipped": s["skipped"],
        "cases": s["cases"].as_array().unwrap().iter().map(|c| json!({
            "name": c["name"],
            "classname": c["classname"],
            "results": c["results"].as_array().unwrap().iter().map(|r| {
                let mut r = json!({"kind": r["kind"], "message": r["message"], "type": r["type"]});
                if r["type"].is_null() {
                    r.as_object_mut().unwrap().remove("type");
                }
                r
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Every suite carries the run's facts (for a runtime run: the runtime and the host) as
/// properties, with the spec version, the tool version and the subject. `varying` names facts
/// that differ from run to run (a fresh temporary directory): their presence is checked, not
/// their value.
fn check_junit_properties(e: &Expected, read: &Value, varying: &[&str]) {
    let mut meant: BTreeMap<String, String> = e.facts();
    meant.insert(
        "spec_version".into(),
        e.doc["spec_version"].as_str().unwrap().into(),
    );
    meant.insert(
        "tool_version".into(),
        e.doc["tool"]["version"].as_str().unwrap().into(),
    );
    meant.insert("subject".into(), e.doc["subject"].as_str().unwrap().into());
    for suite in read["suites"].as_array().unwrap() {
        let seen: BTreeMap<String, String> = suite["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect();
        let blank = |m: &BTreeMap<String, String>| -> Value {
            json!(m
                .iter()
                .map(|(k, v)| (
                    k.clone(),
                    if varying.contains(&k.as_str()) {
                        "(varies)".to_string()
                    } else {
                        v.clone()
                    }
                ))
                .collect::<BTreeMap<_, _>>())
        };
        same(
            &format!("properties of testsuite {}", suite["name"]),
            &blank(&meant),
            &blank(&seen),
        );
    }
}

fn check_junit(c: &Consumers, e: &Expected, xml: &str) -> Value {
    let (_dir, path) = file_with("report.xml", xml);
    let read = junit_reading(c, &path);
    same("junit-10.xsd violations", &json!([]), &read["xsd_errors"]);
    let n_fail = e.checks.iter().filter(|c| c.fails_run).count();
    same(
        "junitparser's reading of <testsuites>",
        &json!({"name": "oci-check", "tests": e.checks.len(), "failures": n_fail, "errors": 0}),
        &json!({"name": read["name"], "tests": read["tests"], "failures": read["failures"], "errors": read["errors"]}),
    );
    let meant: Vec<Value> = e
        .areas()
        .iter()
        .map(|(a, cs)| junit_meant(&e.kind, a, cs))
        .collect();
    let seen: Vec<Value> = read["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(junit_read)
        .collect();
    same(
        "junitparser's reading of the testsuites",
        &json!(meant),
        &json!(seen),
    );
    check_failure_bodies(e, &read);
    read
}

/// A failure's body says what was expected (and the rest a reader needs to act on it).
fn check_failure_bodies(e: &Expected, read: &Value) {
    for (check, case) in e.by_area().into_iter().zip(junit_cases(read)) {
        let Some(want) = check.expected.as_ref().filter(|_| check.fails_run) else {
            continue;
        };
        let body = case["results"][0]["text"].as_str().unwrap_or("");
        assert!(
            body.contains(&format!("expected: {want}")),
            "the failure body of {} does not say what was expected ({want}):\n{body}",
            check.name
        );
    }
}

/// The XSD check rejects what junit-10.xsd does not define: a `skipped` count on
/// `<testsuites>` (which quick-junit writes and oci-check drops).
fn junit_xsd_rejects_a_skipped_count_on_testsuites(c: &Consumers, xml: &str) {
    let broken = xml.replacen("<testsuites ", "<testsuites skipped=\"0\" ", 1);
    let (_dir, path) = file_with("broken.xml", &broken);
    let read = junit_reading(c, &path);
    let errors = read["xsd_errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.as_str().unwrap().contains("'skipped'")),
        "junit-10.xsd accepted skipped on <testsuites>: {errors:?}"
    );
}

fn junit_cases(read: &Value) -> Vec<&Value> {
    read["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .collect()
}

/// Each runtime check is timed, in seconds (junit-10.xsd: at most three decimals).
fn check_every_case_is_timed(read: &Value) {
    for case in junit_cases(read) {
        let time = case["time"].as_str().unwrap_or("");
        assert!(
            time.parse::<f64>().is_ok_and(|t| t >= 0.0),
            "testcase {} has no time: {case}",
            case["name"]
        );
    }
}

/// A known deviation passes in JUnit (the run does not fail on it) and says why.
fn check_known_deviations_say_why(e: &Expected, read: &Value) {
    for (check, case) in e.by_area().into_iter().zip(junit_cases(read)) {
        if check.outcome == "xfail" {
            let out = case["system_out"].as_str().unwrap_or("");
            assert!(
                out.contains(&check.message),
                "known deviation {} without its reason: {case}",
                check.name
            );
        }
    }
}

#[test]
fn junit_bundle_report_is_valid_against_junit_10_xsd_and_read_by_junitparser() {
    let Some(c) = Consumers::find() else { return };
    let e = bundle_expected();
    let (exit, xml) = oci_check(&bundle_args(), &["-f", "junit"]);
    e.same_run(exit);
    let read = check_junit(&c, e, &xml);
    check_junit_properties(e, &read, &[]);
    junit_xsd_rejects_a_skipped_count_on_testsuites(&c, &xml);
}

#[test]
fn junit_runtime_report_is_valid_against_junit_10_xsd_and_read_by_junitparser() {
    let Some(c) = Consumers::find() else { return };
    let Some(args) = runtime_args() else { return };
    let e = runtime_expected(&args);
    let (exit, xml) = runtime_report(&args, &["-f", "junit"]);
    e.same_run(exit);
    let read = check_junit(&c, e, &xml);
    check_junit_properties(e, &read, &["work_dir"]);
    for fact in ["runtime", "runtime.version", "host.kernel", "host.cgroup"] {
        assert!(
            e.facts().contains_key(fact),
            "the runtime run has no {fact} fact to carry as a property"
        );
    }
    check_every_case_is_timed(&read);
    check_known_deviations_say_why(e, &read);
    junit_xsd_rejects_a_skipped_count_on_testsuites(&c, &xml);
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0: the SARIF SDK's schema (jsonschema) and validator (GitHub upload rules).

fn sarif_schema_errors(c: &Consumers, log: &Path) -> Value {
    let read = reading(
        c.python()
            .arg(script("sarif.py"))
            .arg(c.sarif_schema())
            .arg(log),
    );
    read["errors"].clone()
}

/// What the SARIF SDK's validator says of `log` with its SARIF rules and GitHub's code-scanning
/// rules (GH*): its error and warning results, as `RULE level at PATH: arguments`.
fn sarif_multitool_complaints(c: &Consumers, log: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out_log = dir.path().join("validation.sarif");
    let out = run_in(
        c.sarif_multitool()
            .arg("validate")
            .arg(log)
            .args(["--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite", "-o"])
            .arg(&out_log),
    );
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "Sarif.Multitool validate failed:\n{said}"
    );
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(&out_log)
            .unwrap_or_else(|e| panic!("Sarif.Multitool wrote no log ({e}):\n{said}")),
    )
    .unwrap();
    v["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        // A result without a level is a warning (SARIF 2.1.0 §3.27.10); notes are advice.
        .filter(|r| r["level"] != json!("note"))
        .map(|r| {
            format!(
                "{} {} at {}: {}",
                r["ruleId"].as_str().unwrap_or("?"),
                r["level"].as_str().unwrap_or("warning"),
                r["properties"]["jsonPath"].as_str().unwrap_or("?"),
                r["message"]["arguments"]
            )
        })
        .collect()
}

/// What SARIF must convey: one result per finding (a failing check of any level), with its
/// rule, level, file, line, column and JSON pointer, in the JSON report's order.
fn sarif_meant(e: &Expected) -> Value {
    json!(e.doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!({
            "rule": f["rule"],
            "level": match f["level"].as_str().unwrap() { "info" => "note", l => l },
            "file": resolved(f["file"].as_str().unwrap_or("config.json")),
            "line": f["line"],
            "column": f["column"],
            "pointer": f["pointer"],
            "message starts with": f["message"],
        }))
        .collect::<Vec<_>>())
}

fn sarif_read(log: &Value) -> Value {
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    json!(run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let at = &r["locations"][0];
            let phys = &at["physicalLocation"];
            let rule_at_index = &rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"];
            assert_eq!(
                rule_at_index, &r["ruleId"],
                "ruleIndex points elsewhere: {r}"
            );
            let message = r["message"]["text"].as_str().unwrap();
            json!({
                "rule": r["ruleId"],
                "level": r["level"],
                "file": file_path(phys["artifactLocation"]["uri"].as_str().unwrap()),
                "line": phys["region"]["startLine"],
                "column": phys["region"]["startColumn"],
                "pointer": at["logicalLocations"][0]["fullyQualifiedName"],
                // The text adds "(expected ...; observed ...)" to the message.
                "message starts with": message,
            })
        })
        .collect::<Vec<_>>())
}

/// An absolute path as a `file://` URI must give it: without `..` (SARIF1002).
fn resolved(path: &str) -> String {
    match std::fs::canonicalize(path) {
        Ok(p) if path.starts_with('/') => p.display().to_string(),
        _ => path.to_string(),
    }
}

/// The path an artifact URI names: `file://` dropped, percent-encoding decoded.
fn file_path(uri: &str) -> String {
    let rest = uri.strip_prefix("file://").unwrap_or(uri).as_bytes();
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let hex = rest
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (rest[i], hex) {
            (b'%', Some(b)) => {
                bytes.push(b);
                i += 3;
            }
            (b, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Compares, allowing the SARIF text to go on after the JSON report's message.
fn same_findings(meant: &Value, mut seen: Value) {
    for (m, s) in meant
        .as_array()
        .unwrap()
        .iter()
        .zip(seen.as_array_mut().unwrap())
    {
        let want = m["message starts with"].as_str().unwrap();
        if s["message starts with"]
            .as_str()
            .is_some_and(|t| t.starts_with(want))
        {
            s["message starts with"] = json!(want);
        }
    }
    same("the SARIF results", meant, &seen);
}

/// Valid against the SARIF 2.1.0 schema, and nothing for the SARIF SDK's validator to complain
/// of with its SARIF rules and GitHub's upload rules.
fn check_sarif_is_valid(c: &Consumers, sarif: &str) {
    let (_dir, path) = file_with("report.sarif", sarif);
    same(
        "violations of the SARIF 2.1.0 schema",
        &json!([]),
        &sarif_schema_errors(c, &path),
    );
    same(
        "what the SARIF SDK's validator (SARIF and GitHub rules) complains of",
        &json!([]),
        &json!(sarif_multitool_complaints(c, &path)),
    );
}

#[test]
fn sarif_bundle_report_is_valid_sarif_2_1_0_for_code_scanning() {
    let Some(c) = Consumers::find() else { return };
    let e = bundle_expected();
    let (exit, sarif) = oci_check(&bundle_args(), &["-f", "sarif"]);
    e.same_run(exit);
    check_sarif_is_valid(&c, &sarif);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert!(
        !e.doc["findings"].as_array().unwrap().is_empty(),
        "the input must have findings"
    );
    same_findings(&sarif_meant(e), sarif_read(&log));
    sarif_consumers_reject_a_bad_level_and_a_rule_without_help(&c, &log);
}

/// Both consumers reject what is wrong: the schema a level SARIF does not have, GitHub's rules
/// a rule without help.
fn sarif_consumers_reject_a_bad_level_and_a_rule_without_help(c: &Consumers, log: &Value) {
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    let (_d1, bad_level) = file_with("bad-level.sarif", &broken.to_string());
    let errors = sarif_schema_errors(c, &bad_level);
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == json!("/runs/0/results/0/level")),
        "the schema accepted level \"fatal\": {errors}"
    );
    let mut broken = log.clone();
    let rule = broken["runs"][0]["tool"]["driver"]["rules"][0]
        .as_object_mut()
        .unwrap();
    rule.remove("help");
    let (_d2, no_help) = file_with("no-help.sarif", &broken.to_string());
    let complaints = sarif_multitool_complaints(c, &no_help);
    assert!(
        complaints.iter().any(|c| c.starts_with("GH")),
        "the GitHub rules accepted a rule without help: {complaints:?}"
    );
}

#[test]
fn sarif_without_findings_is_valid_too() {
    let Some(c) = Consumers::find() else { return };
    let valid = repo().join("bundles/valid/runc-spec").display().to_string();
    let (exit, sarif) = oci_check(&["bundle".into(), valid], &["-f", "sarif"]);
    assert_eq!(exit, 0);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["runs"][0]["results"], json!([]));
    check_sarif_is_valid(&c, &sarif);
}

// ---------------------------------------------------------------------------------------------
// JSON: the documented format (docs/json-format.md).

/// The field names of the first column of the table under `heading` (up to the next heading):
/// "`line`, `column`" gives both, "`findings[]`" gives `findings`.
fn documented_fields(doc: &str, heading: &str) -> Vec<String> {
    let section = doc
        .split("\n#")
        .find(|s| s.trim_start_matches('#').trim_start().starts_with(heading))
        .unwrap_or_else(|| panic!("docs/json-format.md has no section {heading:?}"));
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            let first = l.split('|').nth(1).unwrap_or("");
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|f| f.trim_end_matches("[]").to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The keys of the example document of the format's first section.
fn example_fields(doc: &str) -> Vec<String> {
    let example = doc
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("docs/json-format.md has an example");
    let v: Value = serde_json::from_str(example).expect("the example is JSON");
    v.as_object().unwrap().keys().cloned().collect()
}

fn check_documented_fields(report: &Value) {
    let doc = std::fs::read_to_string(repo().join("docs/json-format.md")).unwrap();
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    let mut top = documented_fields(&doc, "JSON report format");
    top.extend(example_fields(&doc));
    let undocumented = |seen: Vec<String>, documented: &[String]| -> Vec<String> {
        seen.into_iter()
            .filter(|k| !documented.contains(k))
            .collect()
    };
    same(
        "top-level fields the docs do not describe",
        &json!([]),
        &json!(undocumented(keys(report), &top)),
    );
    let finding_fields = documented_fields(&doc, "`findings[]`");
    let test_fields = documented_fields(&doc, "`tests[]`");
    for f in report["findings"].as_array().unwrap() {
        same(
            "finding fields the docs do not describe",
            &json!([]),
            &json!(undocumented(keys(f), &finding_fields)),
        );
    }
    for t in report["tests"].as_array().unwrap() {
        same(
            "test fields the docs do not describe",
            &json!([]),
            &json!(undocumented(keys(t), &test_fields)),
        );
    }
    assert_eq!(report["format"], "oci-check/v1", "the format's version");
}

#[test]
fn json_report_has_only_documented_fields() {
    let e = bundle_expected();
    assert!(!e.doc["findings"].as_array().unwrap().is_empty());
    check_documented_fields(&e.doc);
    if let Some(args) = runtime_args() {
        check_documented_fields(&runtime_expected(&args).doc);
    }
}
