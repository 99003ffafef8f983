//! Several runtimes side by side: one run per runtime, one row per check, one column per
//! runtime. Written as human text, JSON (`oci-check-matrix/v1`, docs/json-format.md), HTML or
//! Markdown.

use crate::{content, Options};
use oci_check_model::{CheckResult, Outcome, Run};
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// Bumped on any incompatible change of the matrix document's shape.
pub const FORMAT: &str = "oci-check-matrix/v1";

/// The runs of several runtimes, in the order they were given.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub columns: Vec<Column>,
}

/// One runtime: its label (as given on the command line) and its run, or why it could not run.
#[derive(Debug, Clone)]
pub struct Column {
    pub label: String,
    pub run: Result<Run, String>,
}

/// One check across the runtimes.
pub(crate) struct Row<'a> {
    /// The check's name (with the pointer, for a validator finding).
    pub name: String,
    pub first: &'a CheckResult,
    /// The check's result in each column; `None` where that runtime did not report it (or
    /// could not run at all).
    pub cells: Vec<Option<&'a CheckResult>>,
    /// The runtimes that ran disagree on the outcome.
    pub differs: bool,
}

impl Matrix {
    /// Whether a runtime that ran failed (see `Run::failed`).
    pub fn failed(&self, strict: bool) -> bool {
        self.runs().any(|(_, run)| run.failed(strict))
    }

    /// The runtimes that could not run, with the reason.
    pub fn unrunnable(&self) -> Vec<(&str, &str)> {
        self.columns
            .iter()
            .filter_map(|c| c.run.as_ref().err().map(|e| (c.label.as_str(), e.as_str())))
            .collect()
    }

    /// The runs that happened, with their column index.
    pub(crate) fn runs(&self) -> impl Iterator<Item = (usize, &Run)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.run.as_ref().ok().map(|r| (i, r)))
    }

    /// Every check any runtime reported, in the order they first appear.
    pub(crate) fn rows(&self) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for (col, run) in self.runs() {
            for r in &run.results {
                let name = crate::display_name(r);
                let i = *index.entry(name.clone()).or_insert_with(|| {
                    rows.push(Row {
                        name,
                        first: r,
                        cells: vec![None; self.columns.len()],
                        differs: false,
                    });
                    rows.len() - 1
                });
                // A name reported twice by one run (a validator rule finding two things at one
                // pointer) keeps its worst outcome.
                let cell = &mut rows[i].cells[col];
                if cell.is_none_or(|c| severity(r.outcome) > severity(c.outcome)) {
                    *cell = Some(r);
                }
            }
        }
        let ran: Vec<usize> = self.runs().map(|(i, _)| i).collect();
        for row in &mut rows {
            let mut outcomes = ran.iter().map(|&i| row.cells[i].map(|r| r.outcome));
            let first = outcomes.next();
            row.differs = outcomes.any(|o| Some(o) != first);
        }
        rows
    }

    /// Column headings: the labels, or `#N` (with a legend) where a label is long.
    pub(crate) fn headings(&self) -> Vec<String> {
        let short: Vec<String> = self.columns.iter().map(|c| c.label.clone()).collect();
        let usable = short
            .iter()
            .all(|l| !l.is_empty() && l.chars().count() <= 12 && !l.contains(char::is_whitespace));
        let unique = short
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == short.len();
        if usable && unique {
            short
        } else {
            (1..=self.columns.len()).map(|i| format!("#{i}")).collect()
        }
    }
}

/// How bad an outcome is, to keep the worst of duplicates.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Pass => 0,
        Outcome::Skip => 1,
        Outcome::Xfail => 2,
        Outcome::Fail => 3,
        Outcome::Xpass => 4,
    }
}

/// One line about a runtime: its version and path, or why it could not run.
pub(crate) fn describe(column: &Column) -> String {
    match &column.run {
        Ok(run) => {
            let fact = |k: &str| run.facts.get(k).map(String::as_str);
            match (fact("runtime.version"), fact("runtime.path")) {
                (Some(v), Some(p)) => format!("{v} ({p})"),
                (Some(v), None) => v.to_string(),
                (None, Some(p)) => p.to_string(),
                (None, None) => run.subject.clone(),
            }
        }
        Err(e) => format!("could not run: {e}"),
    }
}

/// The matrix's verdict: "could not run" beats "FAILED" beats "ok".
pub(crate) fn verdict(m: &Matrix, opts: &Options) -> &'static str {
    if !m.unrunnable().is_empty() {
        "could not run"
    } else if m.failed(opts.strict) {
        "FAILED"
    } else {
        "ok"
    }
}

/// Human text: a legend of the runtimes, a row per check with the outcome in each runtime's
/// column (`*` where they differ), each runtime's totals, its failures in one line each.
pub(crate) fn render_human(m: &Matrix, opts: &Options) -> String {
    let headings = m.headings();
    let widths: Vec<usize> = headings.iter().map(|h| h.chars().count().max(5)).collect();
    let mut out = String::from("runtimes:\n");
    for (h, c) in headings.iter().zip(&m.columns) {
        if *h == c.label {
            let _ = writeln!(out, "  {h}: {}", describe(c));
        } else {
            let _ = writeln!(out, "  {h}: {}: {}", c.label, describe(c));
        }
    }
    out.push_str("\n  ");
    for (h, w) in headings.iter().zip(&widths) {
        let _ = write!(out, "{h:<w$}  ");
    }
    out.push_str("check\n");
    for row in m.rows() {
        out.push_str(if row.differs { "* " } else { "  " });
        for (cell, w) in row.cells.iter().zip(&widths) {
            let word = cell.map_or("-", |r| content::outcome_word(r.outcome));
            let padded = format!("{word:<w$}");
            out.push_str(&paint(&padded, cell.map(|r| r.outcome), opts.color));
            out.push_str("  ");
        }
        let _ = writeln!(out, "{}", row.name);
    }
    out.push_str("(* the runtimes differ; - not reported)\n\ntotals:\n");
    for (h, c) in headings.iter().zip(&m.columns) {
        let _ = writeln!(out, "  {h}: {}", totals(c, opts));
    }
    failures_human(m, &headings, &mut out);
    let _ = writeln!(out, "\n{} runtimes: {}", m.columns.len(), verdict(m, opts));
    out
}

fn totals(c: &Column, opts: &Options) -> String {
    let Ok(run) = &c.run else {
        return "could not run".into();
    };
    let s = run.summary();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {}, {}; {} passed, {} skipped",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
        s.pass,
        s.skip
    );
    if s.xfail + s.xpass > 0 {
        let _ = write!(line, ", {} xfail, {} xpass", s.xfail, s.xpass);
    }
    let _ = write!(line, " ({})", content::verdict(run, opts));
    line
}

fn failures_human(m: &Matrix, headings: &[String], out: &mut String) {
    let mut any = false;
    for (i, run) in m.runs() {
        for r in content::failures(run) {
            if !any {
                out.push_str("\nfailures:\n");
                any = true;
            }
            let first_line = r.message.lines().next().unwrap_or("");
            let _ = writeln!(
                out,
                "  {} {} [{}]: {first_line}",
                headings[i],
                crate::display_name(r),
                r.level
            );
        }
    }
}

fn paint(text: &str, outcome: Option<Outcome>, color: bool) -> String {
    use anstyle::AnsiColor;
    let Some(o) = outcome.filter(|_| color) else {
        return text.to_string();
    };
    let c = match o {
        Outcome::Pass => AnsiColor::Green,
        Outcome::Fail | Outcome::Xpass => AnsiColor::Red,
        Outcome::Skip => AnsiColor::BrightBlack,
        Outcome::Xfail => AnsiColor::Yellow,
    };
    let style = c.on_default();
    format!("{style}{text}{style:#}")
}

/// The `oci-check-matrix/v1` document.
pub(crate) fn render_json(m: &Matrix, opts: &Options) -> String {
    let labels: Vec<&str> = m.columns.iter().map(|c| c.label.as_str()).collect();
    let runtimes: Vec<Value> = m.columns.iter().map(|c| runtime_json(c, opts)).collect();
    let checks: Vec<Value> = m
        .rows()
        .iter()
        .map(|row| {
            let outcomes: Map<String, Value> = labels
                .iter()
                .zip(&row.cells)
                .map(|(l, c)| (l.to_string(), json!(c.map(|r| r.outcome))))
                .collect();
            let mut v = Map::new();
            v.insert("name".into(), json!(row.name));
            v.insert("id".into(), json!(row.first.id));
            if let Some(a) = &row.first.area {
                v.insert("area".into(), json!(a));
            }
            if let Some(t) = &row.first.title {
                v.insert("title".into(), json!(t));
            }
            v.insert("requirements".into(), json!(row.first.requirements));
            v.insert("outcomes".into(), Value::Object(outcomes));
            v.insert("differs".into(), json!(row.differs));
            Value::Object(v)
        })
        .collect();
    let doc = json!({
        "format": FORMAT,
        "tool": {"name": "oci-check", "version": env!("CARGO_PKG_VERSION")},
        "strict": opts.strict,
        "passed": verdict(m, opts) == "ok",
        "runtimes": runtimes,
        "checks": checks,
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    out.push('\n');
    out
}

fn runtime_json(c: &Column, opts: &Options) -> Value {
    match &c.run {
        Ok(run) => {
            let report = crate::json::document(run, opts);
            json!({
                "label": c.label,
                "ran": true,
                "passed": !run.failed(opts.strict),
                "summary": report["summary"].clone(),
                "report": report,
            })
        }
        Err(e) => json!({"label": c.label, "ran": false, "passed": false, "error": e}),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use oci_check_model::{Level, RunKind};

    fn result(id: &str, outcome: Outcome) -> CheckResult {
        let mut r = CheckResult::new(id, outcome, Level::Error);
        r.area = Some(id.split("::").next().unwrap_or("other").to_string());
        r.requirements = vec![format!("req.{id}")];
        r.message = format!("{id} says {}", outcome.as_str());
        r
    }

    fn run(label: &str, results: Vec<CheckResult>) -> Run {
        let mut run = Run::new(RunKind::Runtime, label, "1.3.0");
        run.facts
            .insert("runtime.version".into(), format!("{label} version 1"));
        run.facts
            .insert("runtime.path".into(), format!("/usr/bin/{label}"));
        run.results = results;
        run
    }

    /// Two runtimes that agree on one check and differ on another, and one that could not run.
    pub fn sample() -> Matrix {
        let a = run(
            "runc",
            vec![
                result("lifecycle::create", Outcome::Pass),
                result("lifecycle::start", Outcome::Pass),
                result("kill::term", Outcome::Skip),
            ],
        );
        let mut start = result("lifecycle::start", Outcome::Fail);
        start.expected = Some("the program runs".into());
        start.observed = Some("it did not".into());
        start.spec_text = Some("The runtime MUST run the user-specified program.".into());
        start.spec = Some(
            "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/runtime.md#start".into(),
        );
        let b = run(
            "broken",
            vec![
                result("lifecycle::create", Outcome::Pass),
                start,
                result("kill::term", Outcome::Skip),
            ],
        );
        Matrix {
            columns: vec![
                Column {
                    label: "runc".into(),
                    run: Ok(a),
                },
                Column {
                    label: "broken".into(),
                    run: Ok(b),
                },
                Column {
                    label: "youki".into(),
                    run: Err("youki not found on PATH".into()),
                },
            ],
        }
    }

    #[test]
    fn rows_mark_where_the_runtimes_that_ran_differ() {
        let m = sample();
        let rows = m.rows();
        let summary: Vec<(&str, bool)> =
            rows.iter().map(|r| (r.name.as_str(), r.differs)).collect();
        assert_eq!(
            summary,
            [
                ("lifecycle::create", false),
                ("lifecycle::start", true),
                ("kill::term", false)
            ]
        );
        assert!(rows.iter().all(|r| r.cells[2].is_none()));
        assert!(m.failed(false));
        assert_eq!(m.unrunnable(), [("youki", "youki not found on PATH")]);
    }

    #[test]
    fn a_check_one_runtime_did_not_report_differs() {
        let mut m = sample();
        m.columns.truncate(2);
        if let Ok(run) = &mut m.columns[1].run {
            run.results.pop();
        }
        let rows = m.rows();
        assert!(rows[2].differs);
        assert!(rows[2].cells[1].is_none());
    }

    #[test]
    fn human_matrix_has_a_column_per_runtime_and_totals() {
        let out = render_human(&sample(), &Options::default());
        let start = out
            .lines()
            .find(|l| l.ends_with("lifecycle::start"))
            .expect(&out);
        assert_eq!(start, "* PASS   FAIL    -      lifecycle::start", "{out}");
        assert!(out.contains("\n  runc   broken  youki  check\n"), "{out}");
        assert!(
            out.contains("  broken: 1 error, 0 warnings, 0 infos; 1 passed, 1 skipped (FAILED)"),
            "{out}"
        );
        assert!(out.contains("  youki: could not run\n"), "{out}");
        assert!(
            out.contains("  broken lifecycle::start [error]: lifecycle::start says fail"),
            "{out}"
        );
        assert!(out.ends_with("\n3 runtimes: could not run\n"), "{out}");
    }

    #[test]
    fn long_labels_become_numbers_with_a_legend() {
        let mut m = sample();
        m.columns[1].label = "/tmp/some/where/broken-runtime.sh".into();
        assert_eq!(m.headings(), ["#1", "#2", "#3"]);
        let out = render_human(&m, &Options::default());
        assert!(
            out.contains(
                "  #2: /tmp/some/where/broken-runtime.sh: broken version 1 (/usr/bin/broken)\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn json_matrix_embeds_each_report_and_maps_outcomes_by_label() {
        let v: Value = serde_json::from_str(&render_json(&sample(), &Options::default())).unwrap();
        assert_eq!(v["format"], FORMAT);
        assert_eq!(v["passed"], false);
        assert_eq!(v["runtimes"][0]["report"]["format"], crate::json::FORMAT);
        assert_eq!(v["runtimes"][1]["summary"]["errors"], 1);
        assert_eq!(v["runtimes"][2]["ran"], false);
        assert_eq!(v["runtimes"][2]["error"], "youki not found on PATH");
        let start = &v["checks"][1];
        assert_eq!(start["id"], "lifecycle::start");
        assert_eq!(
            start["outcomes"],
            json!({"runc": "pass", "broken": "fail", "youki": null})
        );
        assert_eq!(start["differs"], true);
        assert_eq!(v["checks"][0]["differs"], false);
    }
}
