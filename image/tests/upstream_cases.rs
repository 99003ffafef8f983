//! Differential test against upstream's verdicts: the JSON documents of image-spec v1.1.1's own
//! schema tests (`schema/*_test.go`, each with `fail: true|false`) must get the same verdict
//! from oci-check — "fail" exactly when oci-check finds an error in the document alone (our
//! schema plus the document-level rules) — except for the divergences listed in `DIVERGENCES`,
//! each with the spec text that makes us differ.
//!
//! Upstream's test files are read from a git clone of opencontainers/image-spec
//! (`OCI_IMAGE_SPEC_GIT`, default the local mirror); without one the test prints a note and
//! passes. Nothing of upstream's schema is used.

use oci_check_image::checks;
use oci_check_image::schema::{self, Kind};
use oci_check_image::Finding;
use oci_check_model::Level;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

const TAG: &str = "v1.1.1";

/// Cases where our verdict differs from upstream's on purpose: (file, case index, the rule that
/// reports it at a level below error instead, why).
const DIVERGENCES: &[(&str, usize, &str, &str)] = &[
    (
        "config",
        9,
        "image.config.config.Env.format",
        "Env [\"foo\"]: upstream's schema rejects it; config.md only says \"Entries are in the \
         format of VARNAME=VARVALUE\", with no MUST, so it is a warning",
    ),
    (
        "manifest",
        5,
        "image.manifest.layers.nonempty",
        "layers []: upstream's schema requires one item; manifest.md says \"For portability, \
         `layers` SHOULD have at least one entry\", so it is a warning",
    ),
];

fn spec_git() -> Option<PathBuf> {
    let dir = std::env::var_os("OCI_IMAGE_SPEC_GIT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/.mirror/opencontainers+image-spec/repo"));
    dir.exists().then_some(dir)
}

fn show(git: &PathBuf, path: &str) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(git)
        .args(["show", &format!("{TAG}:{path}")])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The raw-string documents of a Go test file with their `fail:` verdicts: the text between
/// backticks, then `fail: true|false` before the next backtick.
fn cases(go: &str) -> Vec<(String, bool)> {
    let parts: Vec<&str> = go.split('`').collect();
    let mut out = Vec::new();
    for i in (1..parts.len()).step_by(2) {
        let after = parts.get(i + 1).copied().unwrap_or_default();
        let verdict = after
            .split_once("fail:")
            .map(|(_, rest)| rest.trim_start().starts_with("true"));
        // Only `fail:` right after the document (same struct literal) counts.
        let near = after
            .find("fail:")
            .is_some_and(|at| !after[..at].contains('{'));
        if let (Some(fail), true) = (verdict, near) {
            out.push((parts[i].to_string(), fail));
        }
    }
    out
}

/// Findings of one document, judged alone.
fn findings(kind: &str, text: &str) -> Vec<Finding> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return vec![Finding::new(
            &oci_check_image::rules::JSON_SYNTAX,
            "doc",
            "",
            "not JSON",
        )];
    };
    let mut out: Vec<Finding> = Vec::new();
    match kind {
        "config" => {
            schema::check(Kind::Config, &v, "doc", &mut out);
            checks::config(&v, "doc", None, &mut out);
        }
        "descriptor" => {
            // A descriptor alone: judged as the config descriptor of a minimal manifest.
            let m = json!({"schemaVersion": 2, "config": v, "layers": []});
            schema::check(Kind::Manifest, &m, "doc", &mut out);
            checks::descriptor(&m["config"], "doc", "/config", &mut out);
        }
        "imageindex" => {
            schema::check(Kind::Index, &v, "doc", &mut out);
            checks::index(&v, "doc", false, &mut out);
        }
        "imagelayout" => schema::check(Kind::Layout, &v, "doc", &mut out),
        "manifest" => {
            schema::check(Kind::Manifest, &v, "doc", &mut out);
            checks::manifest(&v, "doc", &mut out);
        }
        _ => unreachable!(),
    }
    out
}

#[test]
fn upstream_schema_test_verdicts_agree() {
    let Some(git) = spec_git() else {
        eprintln!("note: no image-spec clone (set OCI_IMAGE_SPEC_GIT); differential test not run");
        return;
    };
    let mut disagree = Vec::new();
    let mut total = 0;
    for kind in [
        "config",
        "descriptor",
        "imageindex",
        "imagelayout",
        "manifest",
    ] {
        let file = format!("schema/{kind}_test.go");
        let go = show(&git, &file).unwrap_or_else(|| panic!("{file} not found at {TAG}"));
        let cases = cases(&go);
        assert!(!cases.is_empty(), "{file}: no cases found");
        for (i, (doc, fail)) in cases.iter().enumerate() {
            total += 1;
            let all = findings(kind, doc);
            let errs: Vec<String> = all
                .iter()
                .filter(|f| f.rule.level == Level::Error)
                .map(|f| format!("{} {}", f.rule.id, f.pointer))
                .collect();
            let ours = !errs.is_empty();
            let listed = DIVERGENCES
                .iter()
                .find(|(f, n, _, _)| *f == kind && *n == i);
            if let Some((_, _, rule, _)) = listed {
                assert!(
                    all.iter().any(|f| f.rule.id == *rule),
                    "{kind} case {i}: listed divergence, but {rule} does not fire"
                );
            }
            if (ours != *fail) != listed.is_some() {
                disagree.push(format!(
                    "{kind} case {i}: upstream fail={fail}, oci-check errors={errs:?}{}\n{doc}",
                    if listed.is_some() {
                        " (listed as a divergence, but agrees)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    assert!(
        disagree.is_empty(),
        "{} of {total} upstream cases disagree:\n{}",
        disagree.len(),
        disagree.join("\n---\n")
    );
}

/// The JSON examples of the spec text that carry a media type (```json,title=…&mediatype=…)
/// are valid documents: oci-check finds no error in any of them.
#[test]
fn the_spec_text_examples_have_no_errors() {
    let Some(git) = spec_git() else {
        eprintln!("note: no image-spec clone (set OCI_IMAGE_SPEC_GIT); examples not checked");
        return;
    };
    let mut bad = Vec::new();
    let mut total = 0;
    for file in [
        "config.md",
        "descriptor.md",
        "image-index.md",
        "image-layout.md",
        "manifest.md",
    ] {
        let text = show(&git, file).unwrap_or_else(|| panic!("{file} not found at {TAG}"));
        for block in text.split("```json,title=").skip(1) {
            let (head, rest) = block.split_once('\n').unwrap();
            let body = rest.split("```").next().unwrap();
            let media_type = head
                .split("mediatype=")
                .nth(1)
                .unwrap_or_default()
                .replace("%2B", "+");
            let kind = match media_type.as_str() {
                "application/vnd.oci.image.config.v1+json" => "config",
                "application/vnd.oci.descriptor.v1+json" => "descriptor",
                "application/vnd.oci.image.index.v1+json" => "imageindex",
                "application/vnd.oci.layout.header.v1+json" => "imagelayout",
                "application/vnd.oci.image.manifest.v1+json" => "manifest",
                other => panic!("{file}: example of media type {other}"),
            };
            total += 1;
            let errs: Vec<String> = findings(kind, body)
                .iter()
                .filter(|f| f.rule.level == Level::Error)
                .map(|f| format!("{} {}", f.rule.id, f.pointer))
                .collect();
            if !errs.is_empty() {
                bad.push(format!("{file} ({media_type}): {errs:?}\n{body}"));
            }
        }
    }
    assert!(total >= 10, "only {total} examples found");
    assert!(
        bad.is_empty(),
        "spec examples with errors:\n{}",
        bad.join("\n---\n")
    );
}
