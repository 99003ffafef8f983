//! `oci-check fuzz`: the same seed gives the same cases and verdicts against runc, and a
//! wrapper that drops one part of the config (linux.maskedPaths) shows a MISMATCH, shrunk to a
//! config with (nearly) only that property, written as a bundle that plain `runc run` runs.
//! Need root and runc; without them SKIP, unless `CI` is set.

mod support;

use std::process::Command;
use support::{bin, prerequisites, run, text, Place};

fn fuzz(place: &Place, probe: &std::path::Path, runtime: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(["fuzz", "--runtime", runtime])
        .arg("--probe")
        .arg(probe)
        .args(["--timeout", "20"])
        .args(extra)
        .env("TMPDIR", place.tmp());
    cmd
}

/// The `case N DIGEST VERDICT` lines of a human report.
fn case_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| l.starts_with("case "))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_cases_and_verdicts_against_runc() {
    let Some(probe) = prerequisites("fuzz") else {
        return;
    };
    let place = Place::new();
    let out = place.dir.path().join("failures");
    let args = [
        "--cases",
        "12",
        "--seed",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = run(&mut fuzz(&place, &probe, "runc", &args));
    let second = run(&mut fuzz(&place, &probe, "runc", &args));
    let (a, b) = (text(&first.stdout), text(&second.stdout));
    assert_eq!(first.status.code(), Some(0), "{a}\n{}", text(&first.stderr));
    assert_eq!(case_lines(&a).len(), 12, "{a}");
    assert_eq!(case_lines(&a), case_lines(&b));
    assert!(a.contains("seed 1"), "{a}");
    let other = run(&mut fuzz(
        &place,
        &probe,
        "runc",
        &[
            "--cases",
            "12",
            "--seed",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_ne!(case_lines(&a), case_lines(&text(&other.stdout)));
    assert!(!out.exists(), "no mismatch, so no bundle is written");
    assert!(place.leftovers().is_empty(), "{:?}", place.leftovers());
}

#[test]
fn a_dropped_property_is_a_shrunk_mismatch_with_a_runnable_bundle() {
    let Some(probe) = prerequisites("fuzz") else {
        return;
    };
    let place = Place::new();
    let wrapper = place.wrapper("ignore:/linux/maskedPaths");
    let out = place.dir.path().join("failures");
    let o = run(&mut fuzz(
        &place,
        &probe,
        &wrapper,
        &[
            "--cases",
            "4",
            "--seed",
            "1",
            "-f",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let shrunk: Vec<&serde_json::Value> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["result"] == "MISMATCH")
        .map(|c| &c["shrunk"])
        .collect();
    assert!(!shrunk.is_empty(), "{stdout}");
    for s in &shrunk {
        // Only the masked path is left: everything else is the base config's.
        let case = &s["case"];
        assert_eq!(case["masked"].as_array().unwrap().len(), 1, "{case}");
        for empty in ["env", "rlimits", "sysctls"] {
            assert!(case[empty].as_object().unwrap().is_empty(), "{case}");
        }
        for none in ["hostname", "user", "caps", "namespaces", "memory"] {
            assert!(case[none].is_null(), "{case}");
        }
        assert!(s["detail"]["mismatches"][0]["property"]
            .as_str()
            .unwrap()
            .starts_with("maskedPaths."));
        // The bundle runs with plain runc (which masks the path: the wrapper is the culprit).
        let dir = std::path::PathBuf::from(s["bundle"].as_str().unwrap());
        assert!(std::fs::read_to_string(dir.join("README"))
            .unwrap()
            .contains("run --bundle"));
        let id = format!("oci-check-fuzz-test-{}", std::process::id());
        let r = run(Command::new("runc")
            .args(["run", "--bundle"])
            .arg(&dir)
            .arg(&id));
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("out/report.json")).unwrap())
                .unwrap();
        assert_eq!(report["paths"][0]["masked"], true, "{report}");
        // The wrapper, given the same bundle, drops the mask again: the mismatch reproduces.
        // The container's stdio is the caller's: nothing to capture, or the pipes stay open.
        let created = Command::new(&wrapper)
            .args(["create", "--bundle"])
            .arg(&dir)
            .arg(&id)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(created.success());
        std::fs::remove_file(dir.join("out/report.json")).unwrap();
        run(Command::new("runc").args(["start", &id]));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !dir.join("out/report.json").exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        run(Command::new("runc").args(["delete", "--force", &id]));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("out/report.json")).unwrap())
                .unwrap();
        assert_eq!(report["paths"][0]["masked"], false, "{report}");
    }
    assert!(place.leftovers().is_empty(), "{:?}", place.leftovers());
}
