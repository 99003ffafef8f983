//! What the document writers (HTML, Markdown) show, computed once: counts per outcome and per
//! area, the failures, the verdict, a few lines of source around a finding. The writers only
//! decide how it looks.

use crate::Options;
use oci_check_model::{CheckResult, Location, Outcome, Run, RunKind};
use std::collections::BTreeMap;

/// Results of one area, counted by outcome.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AreaCounts {
    pub area: String,
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub xfail: usize,
    pub xpass: usize,
}

impl AreaCounts {
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.skip + self.xfail + self.xpass
    }

    fn count(&mut self, o: Outcome) {
        match o {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Skip => self.skip += 1,
            Outcome::Xfail => self.xfail += 1,
            Outcome::Xpass => self.xpass += 1,
        }
    }
}

/// One row per area, by name; results without an area count under "other" (as in JUnit).
pub(crate) fn area_counts(run: &Run) -> Vec<AreaCounts> {
    let mut by_area: BTreeMap<&str, AreaCounts> = BTreeMap::new();
    for r in &run.results {
        let area = r.area.as_deref().unwrap_or("other");
        by_area
            .entry(area)
            .or_insert_with(|| AreaCounts {
                area: area.to_string(),
                ..AreaCounts::default()
            })
            .count(r.outcome);
    }
    by_area.into_values().collect()
}

/// The summary's counts, labelled, with the outcome whose colour each takes. Failures are
/// split by level as in the human summary line.
pub(crate) fn outcome_counts(run: &Run) -> Vec<(&'static str, usize, Outcome)> {
    let s = run.summary();
    vec![
        ("passed", s.pass, Outcome::Pass),
        ("errors", s.errors, Outcome::Fail),
        ("warnings", s.warnings, Outcome::Fail),
        ("infos", s.infos, Outcome::Fail),
        ("skipped", s.skip, Outcome::Skip),
        ("xfail (known deviations)", s.xfail, Outcome::Xfail),
        ("xpass (stale known deviations)", s.xpass, Outcome::Xpass),
        ("total", run.results.len(), Outcome::Pass),
    ]
}

/// What failed, at every level, and known deviations that passed: each is shown in full.
pub(crate) fn failures(run: &Run) -> Vec<&CheckResult> {
    run.results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Xpass))
        .collect()
}

/// Known deviations that failed as listed: shown in full too, apart from the failures.
pub(crate) fn known_deviations(run: &Run) -> Vec<&CheckResult> {
    run.results
        .iter()
        .filter(|r| r.outcome == Outcome::Xfail)
        .collect()
}

/// "FAILED" or "ok", as the human summary says it.
pub(crate) fn verdict(run: &Run, opts: &Options) -> &'static str {
    if run.failed(opts.strict) {
        "FAILED"
    } else {
        "ok"
    }
}

pub(crate) fn kind_name(kind: RunKind) -> &'static str {
    match kind {
        RunKind::Bundle => "bundle",
        RunKind::Config => "config",
        RunKind::Runtime => "runtime",
        RunKind::Image => "image",
    }
}

/// The document's title.
pub(crate) fn title(run: &Run) -> String {
    match run.kind {
        RunKind::Runtime => format!("oci-check conformance report: {}", run.subject),
        RunKind::Bundle | RunKind::Config | RunKind::Image => {
            format!("oci-check report: {}", run.subject)
        }
    }
}

/// The upper-case word shown for an outcome in tables.
pub(crate) fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Skip => "SKIP",
        Outcome::Xfail => "XFAIL",
        Outcome::Xpass => "XPASS",
    }
}

/// "file:line:column /pointer", as much of it as is known.
pub(crate) fn location_text(l: &Location) -> String {
    let mut s = l.file.clone().unwrap_or_default();
    if let (Some(line), Some(col)) = (l.line, l.column) {
        s.push_str(&format!(":{line}:{col}"));
    }
    if !l.pointer.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&l.pointer);
    }
    s
}

/// Up to one line either side of a finding's line in its source, numbered, with the finding's
/// own line marked `true`.
pub(crate) fn source_excerpt<'a>(run: &'a Run, l: &Location) -> Vec<(u32, &'a str, bool)> {
    let (Some(file), Some(line)) = (l.file.as_deref(), l.line) else {
        return Vec::new();
    };
    let Some(src) = run.source(file) else {
        return Vec::new();
    };
    let first = line.saturating_sub(1).max(1);
    src.text
        .lines()
        .enumerate()
        .map(|(i, text)| (i as u32 + 1, text))
        .filter(|(n, _)| (first..=line + 1).contains(n))
        .map(|(n, text)| (n, text, n == line))
        .collect()
}

/// Whether `url` may be a link target: http(s), and nothing that could end an attribute or a
/// Markdown link destination. Anything else is shown as text.
pub(crate) fn is_safe_link(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`()\\".contains(c))
}

/// Replaces control characters other than tab and newline (a runtime's output may hold
/// terminal escapes) by their visible Control Pictures, so no document carries raw controls.
pub(crate) fn visible_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let is_bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(is_bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c as u32 {
            _ if !is_bad(c) => c,
            n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
            0x7f => '\u{2421}',
            _ => '\u{fffd}',
        })
        .collect::<String>()
        .into()
}

/// Facts in display order: the runtime's first, then the host's, then the rest.
pub(crate) fn ordered_facts(run: &Run) -> Vec<(&str, &str)> {
    let rank = |k: &str| {
        if k == "runtime" || k.starts_with("runtime.") {
            0
        } else if k.starts_with("config.") {
            1
        } else if k.starts_with("host.") {
            2
        } else {
            3
        }
    };
    let mut facts: Vec<(&str, &str)> = run
        .facts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    facts.sort_by_key(|(k, _)| rank(k));
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_counted_by_outcome() {
        let run = crate::testdata::sample();
        let areas = area_counts(&run);
        let names: Vec<&str> = areas.iter().map(|a| a.area.as_str()).collect();
        assert_eq!(names, ["json", "process", "root"]);
        let root = &areas[2];
        assert_eq!((root.fail, root.skip, root.total()), (1, 1, 2));
    }

    #[test]
    fn only_http_links_without_quotes_are_links() {
        assert!(is_safe_link(
            "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process"
        ));
        for bad in [
            "javascript:alert(1)",
            "https://x/\"onmouseover=\"alert(1)",
            "https://x/ y",
            "https://x/>",
            "data:text/html,x",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(visible_controls("a\u{1b}[31mb\n\tc"), "a\u{241b}[31mb\n\tc");
        assert_eq!(visible_controls("\0\r\u{7f}"), "\u{2400}\u{240d}\u{2421}");
    }

    #[test]
    fn excerpt_marks_the_line() {
        let run = crate::testdata::sample();
        let loc = run.results[0].location.clone().unwrap();
        let ex = source_excerpt(&run, &loc);
        assert_eq!(
            ex,
            vec![
                (2, "  \"process\": {", false),
                (3, "    \"cwd\": \"tmp\"", true),
                (4, "  }", false)
            ]
        );
    }
}
