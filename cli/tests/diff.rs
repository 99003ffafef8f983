//! `oci-check diff --runtime A --runtime B`: the same scenarios on two runtimes, and where what
//! their containers saw differs. Two names of the same runc must show no difference at all (what
//! differs between any two runs is taken out); a wrapper that drops one part of the config must
//! show exactly that part. Need root and runc; without them SKIP, unless `CI` is set.

mod support;

use serde_json::Value;
use std::process::{Command, Stdio};
use support::{bin, prerequisites, run, text, Place};

/// Scenarios that read probe reports (several containers among them), from three areas.
const FILTERS: &[&str] = &[
    "process::hostname_is_set_in_the_uts_namespace",
    "process::env_is_the_programs_environment",
    "process::args_are_the_programs_argv",
    "namespaces::",
    "mounts::default_",
];

fn diff(place: &Place, probe: &std::path::Path, a: &str, b: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(["diff", "--runtime", a, "--runtime", b])
        .arg("--probe")
        .arg(probe)
        .args(["--timeout", "20", "-q"])
        .args(extra)
        .args(FILTERS)
        .env("TMPDIR", place.tmp())
        .stdin(Stdio::null());
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_str(&text(&out.stdout)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn compared(v: &Value) -> Vec<&Value> {
    v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["missing"].is_null())
        .collect()
}

#[test]
fn the_same_runtime_twice_shows_no_difference() {
    let Some(probe) = prerequisites("diff") else {
        return;
    };
    let place = Place::new();
    let runc = which::which("runc").unwrap().display().to_string();
    let o = run(&mut diff(&place, &probe, "runc", &runc, &["-f", "json"]));
    let v = json_of(&o);
    assert_eq!(o.status.code(), Some(0), "{v:#}\n{}", text(&o.stderr));
    assert_eq!(v["format"], "oci-check-diff/v1");
    assert!(
        compared(&v).len() >= 10,
        "too few reports compared to mean anything: {v:#}"
    );
    assert_eq!(v["common"], Value::Array(vec![]));
    for p in compared(&v) {
        assert_eq!(p["differences"], Value::Array(vec![]), "{p:#}");
    }
    assert!(place.leftovers().is_empty(), "{:?}", place.leftovers());
}

#[test]
fn a_runtime_that_drops_the_hostname_differs_in_the_hostname_only() {
    let Some(probe) = prerequisites("diff") else {
        return;
    };
    let place = Place::new();
    let broken = place.wrapper("ignore:/hostname");
    let o = run(&mut diff(&place, &probe, "runc", &broken, &["-f", "json"]));
    let v = json_of(&o);
    assert_eq!(o.status.code(), Some(1), "{v:#}\n{}", text(&o.stderr));
    // Every difference, said once for all reports or per report, is the hostname, and the
    // wrapper's containers have the host's.
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let all: Vec<&Value> = v["common"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            compared(&v)
                .iter()
                .flat_map(|p| p["differences"].as_array().unwrap()),
        )
        .collect();
    assert!(!all.is_empty(), "no difference found: {v:#}");
    for d in all {
        assert_eq!(d["path"], "/uts/hostname", "{d:#}");
        assert_eq!(d["b"], host_name.trim(), "{d:#}");
    }
    let hostname_check = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["scenario"] == FILTERS[0])
        .unwrap();
    assert_eq!(hostname_check["a"], "pass");
    assert_eq!(hostname_check["b"], "fail");
    assert!(place.leftovers().is_empty(), "{:?}", place.leftovers());
}

#[test]
fn human_output_names_both_runtimes_and_each_side_of_a_difference() {
    let Some(probe) = prerequisites("diff") else {
        return;
    };
    let place = Place::new();
    let broken = place.wrapper("ignore:/process/env");
    let o = run(&mut diff(&place, &probe, "runc", &broken, &[]));
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}\n{}", text(&o.stderr));
    assert!(out.starts_with("A = runc ("), "{out}");
    assert!(out.contains(&format!("B = {broken} (")), "{out}");
    assert!(
        out.contains("\n  /process/env\n    A: only here: "),
        "{out}"
    );
    assert!(out.contains("reports compared"), "{out}");
}

#[test]
fn diff_takes_exactly_two_runtimes() {
    let o = run(Command::new(bin()).args(["diff", "--runtime", "runc"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("diff compares two runtimes"));
    let o =
        run(Command::new(bin()).args(["diff", "--runtime", "a", "--runtime", "b", "-f", "junit"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("diff writes human, json or markdown"));
}
