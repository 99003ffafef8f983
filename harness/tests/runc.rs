//! The whole suite against runc, as CI gates on it: every check passes, is SKIP with a reason,
//! or is one of runc's known deviations (ci/expect-fail/runc-VERSION.txt, each with its
//! reason); and the run leaves nothing behind.

mod support;

use oci_check_harness::runner::ExpectFail;
use oci_check_harness::scenarios;
use oci_check_model::Outcome;
use std::path::Path;
use support::*;

#[test]
fn runc_passes_the_suite_but_for_its_known_deviations() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let version = std::process::Command::new(&runc)
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    let release = version
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("runc version "))
        .and_then(|v| v.split('+').next())
        .expect("a runc version line")
        .to_string();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ci/expect-fail")
        .join(format!("runc-{release}.txt"));
    let mut opts = options(&runc, &[], &probe, &[]);
    if let Ok(text) = std::fs::read_to_string(&baseline) {
        opts.expect_fail = ExpectFail::parse(&text, &scenarios::all()).unwrap();
    }
    let run = run(&opts, None);
    assert_eq!(run.results.len(), scenarios::all().len());
    let bad: Vec<String> = run
        .results
        .iter()
        .filter(|r| r.is_failure(false))
        .map(|r| {
            format!(
                "{} {:?}: {}\n{}",
                r.id,
                r.outcome,
                r.message,
                r.details.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
    for r in &run.results {
        if r.outcome == Outcome::Skip {
            assert!(!r.message.is_empty(), "{} skipped without a reason", r.id);
        }
    }
    let left = traces(&work_dir(&run));
    assert!(left.is_empty(), "left behind: {left:#?}");
}
