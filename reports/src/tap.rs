//! TAP 13 (default; `prove` accepts it) and TAP 14 (subtests per area). One `ok`/`not ok` line
//! per check; a failure is never hidden in a diagnostic. Diagnostics are YAML blocks whose
//! scalars are written as JSON strings, which YAML reads as double-quoted scalars.

use crate::Options;
use oci_check_model::{CheckResult, Outcome, Run};
use std::fmt::Write;

pub fn render(run: &Run, opts: &Options) -> String {
    let mut out = String::new();
    if opts.tap_version >= 14 {
        out.push_str("TAP version 14\n");
        let areas = areas(run);
        let _ = writeln!(out, "1..{}", areas.len());
        for (i, (area, results)) in areas.iter().enumerate() {
            let _ = writeln!(out, "# Subtest: {area}");
            let mut inner = String::new();
            let _ = writeln!(inner, "1..{}", results.len());
            for (j, r) in results.iter().enumerate() {
                test_line(&mut inner, j + 1, r, opts);
            }
            for line in inner.lines() {
                let _ = writeln!(out, "    {line}");
            }
            let failed = results.iter().any(|r| crate::fails(r, opts));
            let _ = writeln!(
                out,
                "{} {} - {area}",
                if failed { "not ok" } else { "ok" },
                i + 1
            );
        }
    } else {
        out.push_str("TAP version 13\n");
        let _ = writeln!(out, "1..{}", run.results.len());
        for (i, r) in run.results.iter().enumerate() {
            test_line(&mut out, i + 1, r, opts);
        }
    }
    let s = run.summary();
    let _ = writeln!(
        out,
        "# {}: {} errors, {} warnings, {} infos, {} passed, {} skipped",
        run.subject, s.errors, s.warnings, s.infos, s.pass, s.skip
    );
    out
}

fn areas(run: &Run) -> Vec<(String, Vec<&CheckResult>)> {
    let mut areas: Vec<(String, Vec<&CheckResult>)> = Vec::new();
    for r in &run.results {
        let area = r.area.clone().unwrap_or_else(|| "other".into());
        match areas.iter_mut().find(|(a, _)| *a == area) {
            Some((_, v)) => v.push(r),
            None => areas.push((area, vec![r])),
        }
    }
    areas
}

/// Names may not contain `#` (it starts a directive) nor start with a digit after `- `.
fn safe_name(s: &str) -> String {
    s.replace('#', "\\#").replace('\n', " ")
}

fn test_line(out: &mut String, n: usize, r: &CheckResult, opts: &Options) {
    let name = safe_name(&crate::display_name(r));
    let directive = match r.outcome {
        Outcome::Skip => format!(" # SKIP {}", safe_name(&r.message)),
        Outcome::Xfail => format!(" # TODO known deviation: {}", safe_name(&r.message)),
        _ => String::new(),
    };
    let ok = match r.outcome {
        Outcome::Pass | Outcome::Skip => true,
        Outcome::Xfail => false,
        _ => !crate::fails(r, opts),
    };
    let _ = writeln!(
        out,
        "{} {n} - {name}{directive}",
        if ok { "ok" } else { "not ok" }
    );
    if matches!(r.outcome, Outcome::Fail | Outcome::Xfail | Outcome::Xpass) {
        yaml_block(out, r);
    }
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

fn yaml_block(out: &mut String, r: &CheckResult) {
    out.push_str("  ---\n");
    let _ = writeln!(out, "  message: {}", q(&r.message));
    let _ = writeln!(out, "  severity: {}", r.level.as_str());
    if r.outcome == Outcome::Xpass {
        out.push_str(
            "  note: \"passed, but listed as a known deviation: remove it from the list\"\n",
        );
    }
    if let Some(l) = &r.location {
        out.push_str("  at:\n");
        if let Some(f) = &l.file {
            let _ = writeln!(out, "    file: {}", q(f));
        }
        let _ = writeln!(out, "    pointer: {}", q(&l.pointer));
        if let (Some(line), Some(col)) = (l.line, l.column) {
            let _ = writeln!(out, "    line: {line}\n    column: {col}");
        }
    }
    for (k, v) in [
        ("expected", &r.expected),
        ("observed", &r.observed),
        ("hint", &r.hint),
        ("spec", &r.spec),
        ("spec_text", &r.spec_text),
        ("details", &r.details),
    ] {
        if let Some(v) = v {
            let _ = writeln!(out, "  {k}: {}", q(v));
        }
    }
    if !r.requirements.is_empty() {
        let ids: Vec<String> = r.requirements.iter().map(|i| q(i)).collect();
        let _ = writeln!(out, "  requirements: [{}]", ids.join(", "));
    }
    out.push_str("  ...\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap13_has_one_line_per_check_and_a_plan() {
        let out = render(&crate::testdata::sample(), &Options::default());
        assert!(out.starts_with("TAP version 13\n1..4\n"), "{out}");
        assert!(out.contains("not ok 1 - config.process.cwd.absolute /process/cwd\n"));
        assert!(
            out.contains("ok 2 - config.root.path.rootfs_convention\n"),
            "a warning passes unless strict"
        );
        assert!(out.contains("ok 4 - config.root.path.exists # SKIP needs the bundle\n"));
        assert!(out.contains("  expected: \"a path starting with /\"\n"));
        let lines = out
            .lines()
            .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
            .count();
        assert_eq!(lines, 4);
    }

    #[test]
    fn strict_turns_warnings_into_not_ok() {
        let out = render(
            &crate::testdata::sample(),
            &Options {
                strict: true,
                ..Options::default()
            },
        );
        assert!(out.contains("not ok 2 - config.root.path.rootfs_convention\n"));
    }

    #[test]
    fn tap14_nests_one_subtest_per_area() {
        let out = render(
            &crate::testdata::sample(),
            &Options {
                tap_version: 14,
                ..Options::default()
            },
        );
        assert!(
            out.starts_with("TAP version 14\n1..3\n# Subtest: process\n    1..1\n    not ok 1 -"),
            "{out}"
        );
        assert!(out.contains("\nnot ok 1 - process\n"));
        assert!(out.contains("\nok 2 - root\n"));
    }
}
