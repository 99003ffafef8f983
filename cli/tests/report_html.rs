//! `--format html` and `--format markdown` from the command line, and the HTML as a real
//! browser shows it: headless Chromium takes a screenshot (kept under the target directory,
//! never in the repository) and dumps the DOM it built.
//!
//! Without Chromium the browser test prints SKIP and passes, unless `CI` is set: CI installs
//! it (.ci/run) and must run it.

mod browser;
mod support;

use std::process::{Command, Output};
use std::time::Duration;
use support::{bin, repo, run_with_deadline, text};

fn oci_check(args: &[&str]) -> Output {
    run_with_deadline(Command::new(bin()).args(args), Duration::from_secs(60))
}

/// What a hostile config puts in its `process.cwd`: markup, a script, an entity, quotes, a
/// pipe. The validator quotes it in its finding.
const HOSTILE_CWD: &str = "<script>document.title='pwned'</script>&amp;\"x\"|y";

/// A bundle whose one error (a relative cwd) quotes [`HOSTILE_CWD`], in a new directory.
fn hostile_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base = repo().join("bundles/invalid/config.process.cwd.absolute/config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base).unwrap()).unwrap();
    config["process"]["cwd"] = HOSTILE_CWD.into();
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_string_pretty(&config).unwrap(),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("rootfs")).unwrap();
    dir
}

#[test]
fn a_bundle_run_writes_html_with_its_failure_and_spec_sentence() {
    let bundle = hostile_bundle();
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report.html");
    let o = oci_check(&[
        "bundle",
        bundle.path().to_str().unwrap(),
        "--format",
        "html",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h2>Failures (2)</h2>"), "{html}");
    assert!(html.contains("<code>config.process.cwd.absolute /process/cwd</code>"));
    assert!(html.contains("<blockquote>This value MUST be an absolute path.</blockquote>"));
    assert!(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&amp;amp;"));
    assert!(!html.contains("<script"), "a script element in the report");
}

#[test]
fn a_bundle_run_writes_markdown_with_its_failure_and_spec_sentence() {
    let bundle = hostile_bundle();
    let o = oci_check(&["bundle", bundle.path().to_str().unwrap(), "-f", "md"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let md = text(&o.stdout);
    assert!(md.contains("\n## Failures (2)\n"), "{md}");
    assert!(md.contains("\n### FAIL error `config.process.cwd.absolute /process/cwd`\n"));
    assert!(
        md.contains("> “This value MUST be an absolute path.”"),
        "{md}"
    );
    // The value is quoted as JSON in the finding: its quotes carry backslashes.
    assert!(
        md.contains("\\<script\\>document.title='pwned'\\</script\\>\\&amp;\\\\\"x\\\\\"\\|y"),
        "{md}"
    );
}

#[test]
fn formats_are_listed_in_the_help_and_an_unknown_one_is_refused() {
    let o = oci_check(&["bundle", "--help"]);
    assert!(text(&o.stdout).contains("html"), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("markdown"));
    let o = oci_check(&["bundle", "x", "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("html, markdown"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let Some(browser) = browser::find() else {
        return;
    };
    let bundle = hostile_bundle();
    let page = browser::out_dir().join("bundle-report.html");
    let o = oci_check(&[
        "bundle",
        bundle.path().to_str().unwrap(),
        "-f",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    browser::screenshot(
        &browser,
        &page,
        &browser::out_dir().join("bundle-report.png"),
    );
    let dom = browser::dom(&browser, &page);
    for want in [
        "<h2>Summary</h2>",
        "<h2>Failures (2)</h2>",
        "<article class=\"finding fail\"",
        "config.process.cwd.absolute /process/cwd",
        "This value MUST be an absolute path.",
        // The browser kept the hostile value as text.
        "&lt;script&gt;document.title='pwned'&lt;/script&gt;&amp;amp;\\\"x\\\"|y",
        "<title>oci-check report: ",
    ] {
        assert!(dom.contains(want), "{want:?} not in the DOM:\n{dom}");
    }
    assert!(
        !dom.contains("<script"),
        "the browser found a script element"
    );
    assert!(!dom.contains("pwned</title>"), "a script ran");
}
