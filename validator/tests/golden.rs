//! Golden tests over `bundles/`: every fixture is validated and its findings must equal, as a
//! set, the ones its `expected.json` lists (written by hand from the spec, never copied from the
//! tool's output). Every rule of the catalogue must be shown to fire by at least one fixture.
//!
//! `expected.json`:
//! ```json
//! { "mode": "bundle" | "config", "why": "what is wrong",
//!   "findings": [ { "rule": "...", "level": "error", "pointer": "/process/cwd", "line": 5 } ] }
//! ```
//! `mode: config` validates `config.json` alone (`oci-check config`), `bundle` the directory.
//! `line` is optional and compared when given.

use oci_check_validator::{rules, validate_bundle, validate_config_file, Options};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

fn bundles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bundles")
}

fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for group in ["valid", "invalid"] {
        let Ok(entries) = std::fs::read_dir(bundles_dir().join(group)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().join("expected.json").is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

type Key = (String, String, String, Option<u64>);

fn expected_of(dir: &Path) -> (String, BTreeSet<Key>) {
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mode = v["mode"].as_str().unwrap_or("bundle").to_string();
    let set = v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: findings[] missing", dir.display()))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
                f["pointer"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect();
    (mode, set)
}

#[test]
fn every_fixture_yields_exactly_its_expected_findings() {
    let all = fixtures();
    assert!(
        !all.is_empty(),
        "no fixtures under {}",
        bundles_dir().display()
    );
    let mut failures = Vec::new();
    for dir in &all {
        let (mode, expected) = expected_of(dir);
        let report = match mode.as_str() {
            "config" => validate_config_file(&dir.join("config.json"), &Options::default()),
            _ => validate_bundle(dir, &Options::default()),
        }
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let wants_line: HashSet<(String, String)> = expected
            .iter()
            .filter(|k| k.3.is_some())
            .map(|k| (k.0.clone(), k.2.clone()))
            .collect();
        let got: BTreeSet<Key> = report
            .findings
            .iter()
            .map(|l| {
                let f = &l.finding;
                let key = (f.rule.id.to_string(), f.pointer.clone());
                let line = wants_line
                    .contains(&key)
                    .then_some(l.line.map(u64::from))
                    .flatten();
                (key.0, f.level().as_str().to_string(), key.1, line)
            })
            .collect();
        if got != expected {
            let fmt = |s: &BTreeSet<Key>| s.iter().map(|k| format!("{k:?}\n")).collect::<String>();
            let diff = similar::TextDiff::from_lines(fmt(&expected).as_str(), fmt(&got).as_str())
                .unified_diff()
                .header("expected", "observed")
                .to_string();
            let messages: String = report
                .findings
                .iter()
                .map(|l| format!("    {}: {}\n", l.finding.rule.id, l.finding.message))
                .collect();
            failures.push(format!("{}:\n{diff}  messages:\n{messages}", dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_is_shown_to_fire_by_an_invalid_fixture() {
    let mut fired = HashSet::new();
    for dir in fixtures()
        .iter()
        .filter(|d| d.parent().unwrap().ends_with("invalid"))
    {
        for k in expected_of(dir).1 {
            fired.insert(k.0);
        }
    }
    let never: Vec<_> = rules::catalogue()
        .iter()
        .map(|r| r.id)
        .chain(["schema"])
        .filter(|id| !fired.contains(*id))
        .collect();
    assert!(
        never.is_empty(),
        "rules no invalid fixture shows firing: {never:#?}"
    );
}

#[test]
fn valid_fixtures_have_no_errors() {
    for dir in fixtures()
        .iter()
        .filter(|d| d.parent().unwrap().ends_with("valid"))
    {
        let (_, expected) = expected_of(dir);
        assert!(
            expected.iter().all(|k| k.1 != "error"),
            "{}: a valid fixture may expect warnings or infos only",
            dir.display()
        );
    }
}
