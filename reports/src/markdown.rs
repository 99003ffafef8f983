//! GitHub-flavoured Markdown: the same content as the HTML report (summary, facts, a table per
//! area, every failure in full with its spec sentence and link, every check; for several
//! runtimes the matrix first), for a pull request comment or a job summary.
//!
//! Text from a run goes through [`text`] (Markdown punctuation backslash-escaped, so nothing in
//! it becomes emphasis, a link, a tag or a table's cell boundary; newlines become `<br>`),
//! [`code`] (a code span that no backtick inside can close) or [`fence`] (a fenced block no line
//! inside can close).

use crate::content::{self, AreaCounts};
use crate::matrix::{self, Matrix};
use crate::Options;
use oci_check_model::{CheckResult, Run};
use std::fmt::Write;

/// The report of one run.
pub fn render(run: &Run, opts: &Options) -> String {
    let mut out = format!(
        "# {}\n\n**{}** · {}\n\n",
        text(&content::title(run)),
        content::verdict(run, opts),
        text(&run_meta(run))
    );
    run_sections(&mut out, run, opts, 2);
    out
}

/// The report of several runtimes: who ran, the matrix, then each runtime's report.
pub fn render_matrix(m: &Matrix, opts: &Options) -> String {
    let mut out = format!(
        "# oci-check conformance matrix\n\n**{}** · {} runtimes, the same checks against each\n\n",
        matrix::verdict(m, opts),
        m.columns.len()
    );
    runtimes_table(&mut out, m, opts);
    matrix_table(&mut out, m);
    for c in &m.columns {
        let _ = writeln!(out, "## {}\n", text(&c.label));
        match &c.run {
            Ok(run) => {
                let _ = writeln!(
                    out,
                    "**{}** · {}\n",
                    content::verdict(run, opts),
                    text(&run_meta(run))
                );
                run_sections(&mut out, run, opts, 3);
            }
            Err(e) => {
                let _ = writeln!(out, "**could not run:** {}\n", text(e));
            }
        }
    }
    out
}

fn run_meta(run: &Run) -> String {
    let mut s = format!(
        "{} {} · judged against runtime-spec v{} · oci-check {}",
        content::kind_name(run.kind),
        run.subject,
        run.spec_version,
        run.tool_version
    );
    if let Some(d) = run.duration {
        let _ = write!(s, " · {:.1} s", d.as_secs_f64());
    }
    s
}

/// Summary, facts, areas, failures, known deviations and every check, with `h` the sections'
/// heading level.
fn run_sections(out: &mut String, run: &Run, opts: &Options, h: usize) {
    let hs = "#".repeat(h);
    let _ = writeln!(out, "{hs} Summary\n\n| outcome | count |\n|:--|--:|");
    for (label, n, _) in content::outcome_counts(run) {
        let _ = writeln!(out, "| {label} | {n} |");
    }
    out.push('\n');
    let facts = content::ordered_facts(run);
    if !facts.is_empty() {
        out.push_str("| fact | value |\n|:--|:--|\n");
        for (k, v) in facts {
            let _ = writeln!(out, "| {} | {} |", code(k, true), text(v));
        }
        out.push('\n');
    }
    areas_table(out, &content::area_counts(run), &hs);
    let failures = content::failures(run);
    let _ = writeln!(out, "{hs} Failures ({})\n", failures.len());
    if failures.is_empty() {
        out.push_str("Nothing failed.\n\n");
    }
    for r in failures {
        finding(out, run, r, h + 1);
    }
    let known = content::known_deviations(run);
    if !known.is_empty() {
        let _ = writeln!(
            out,
            "{hs} Known deviations ({})\n\nFailed, and listed as known with `--expect-fail`.\n",
            known.len()
        );
        for r in known {
            finding(out, run, r, h + 1);
        }
    }
    all_checks(out, run, opts, &hs);
}

fn areas_table(out: &mut String, areas: &[AreaCounts], hs: &str) {
    let _ = writeln!(
        out,
        "{hs} Areas\n\n| area | pass | fail | skip | xfail | xpass | total |\n\
         |:--|--:|--:|--:|--:|--:|--:|"
    );
    for a in areas {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            text(&a.area),
            a.pass,
            a.fail,
            a.skip,
            a.xfail,
            a.xpass,
            a.total()
        );
    }
    out.push('\n');
}

/// One failure in full.
fn finding(out: &mut String, run: &Run, r: &CheckResult, h: usize) {
    let _ = writeln!(
        out,
        "{} {} {} {}\n",
        "#".repeat(h),
        content::outcome_word(r.outcome),
        r.level,
        code(&crate::display_name(r), false)
    );
    if let Some(t) = r.title.as_deref().filter(|t| *t != r.message) {
        let _ = writeln!(out, "*{}*\n", text(t.trim()));
    }
    let _ = writeln!(out, "{}\n", text(&r.message));
    for (name, value) in [("Expected", &r.expected), ("Observed", &r.observed)] {
        if let Some(v) = value {
            let _ = writeln!(out, "**{name}:**\n\n{}", fence(v));
        }
    }
    if let Some(l) = &r.location {
        let _ = writeln!(
            out,
            "**Location:** {}\n",
            code(&content::location_text(l), false)
        );
        let lines = content::source_excerpt(run, l);
        if !lines.is_empty() {
            let frame: String = lines
                .iter()
                .map(|(n, t, here)| format!("{} {n:>4} | {t}\n", if *here { ">" } else { " " }))
                .collect();
            out.push_str(&fence(&frame));
        }
    }
    if let Some(t) = &r.spec_text {
        let _ = writeln!(out, "**Spec:**\n\n> “{}”\n", text(t));
    }
    match &r.spec {
        Some(u) if content::is_safe_link(u) => {
            let _ = writeln!(out, "[{}]({u})\n", text(u));
        }
        Some(u) => {
            let _ = writeln!(out, "Spec link: {}\n", text(u));
        }
        None => {}
    }
    if !r.requirements.is_empty() {
        let ids: Vec<String> = r.requirements.iter().map(|q| code(q, false)).collect();
        let _ = writeln!(out, "**Requirements:** {}\n", ids.join(", "));
    }
    if let Some(hint) = &r.hint {
        let _ = writeln!(out, "**Hint:** {}\n", text(hint));
    }
    if let Some(d) = &r.details {
        let _ = writeln!(
            out,
            "<details><summary>Runtime calls and more</summary>\n\n{}\n</details>\n",
            fence(d)
        );
    }
}

/// Every check, folded.
fn all_checks(out: &mut String, run: &Run, opts: &Options, hs: &str) {
    let _ = writeln!(
        out,
        "{hs} All checks\n\n<details{}><summary>{} checks</summary>\n\n\
         | outcome | check | level | requirements | message |\n|:--|:--|:--|:--|:--|",
        if opts.verbose { " open" } else { "" },
        run.results.len()
    );
    for r in &run.results {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            content::outcome_word(r.outcome),
            code(&crate::display_name(r), true),
            r.level,
            text(&r.requirements.join(", ")),
            text(&r.message)
        );
    }
    out.push_str("\n</details>\n\n");
}

fn runtimes_table(out: &mut String, m: &Matrix, opts: &Options) {
    out.push_str(
        "## Runtimes\n\n| column | runtime | version | verdict | passed | errors | warnings | infos | skipped | xfail | xpass | total |\n\
         |:--|:--|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for (c, h) in m.columns.iter().zip(m.headings()) {
        let _ = write!(out, "| {} | {} | ", text(&h), code(&c.label, true));
        match &c.run {
            Ok(run) => {
                let s = run.summary();
                let _ = writeln!(
                    out,
                    "{} | **{}** | {} | {} | {} | {} | {} | {} | {} | {} |",
                    text(&matrix::describe(c)),
                    content::verdict(run, opts),
                    s.pass,
                    s.errors,
                    s.warnings,
                    s.infos,
                    s.skip,
                    s.xfail,
                    s.xpass,
                    run.results.len()
                );
            }
            Err(e) => {
                let _ = writeln!(
                    out,
                    "{} | **could not run** |  |  |  |  |  |  |  |  |",
                    text(e)
                );
            }
        }
    }
    out.push('\n');
}

fn matrix_table(out: &mut String, m: &Matrix) {
    let rows = m.rows();
    let headings = m.headings();
    let _ = write!(
        out,
        "## Matrix\n\n{} checks; the runtimes differ on {} (marked ≠).\n\n|  | check | requirements |",
        rows.len(),
        rows.iter().filter(|r| r.differs).count()
    );
    for h in &headings {
        let _ = write!(out, " {} |", text(h));
    }
    out.push_str("\n|:-:|:--|:--|");
    out.push_str(&":-:|".repeat(headings.len()));
    out.push('\n');
    for row in &rows {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            if row.differs { "≠" } else { "" },
            code(&row.name, true),
            text(&row.first.requirements.join(", "))
        );
        for cell in &row.cells {
            match cell {
                Some(r) if r.outcome == oci_check_model::Outcome::Pass => {
                    out.push_str(" PASS |");
                }
                Some(r) => {
                    let _ = write!(out, " **{}** |", content::outcome_word(r.outcome));
                }
                None => out.push_str(" – |"),
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

/// Inline text: every character with a meaning in (GitHub-flavoured) Markdown is
/// backslash-escaped, so it shows as itself: `|` cannot end a table cell, `<` cannot open a
/// tag, `&` cannot start an entity, and nothing at its start can open a list, a heading or a
/// code block. A newline (which would end a table row) becomes `<br>`, so the result is one line.
pub(crate) fn text(s: &str) -> String {
    let s = content::visible_controls(s);
    let lead_digits = s.chars().take_while(char::is_ascii_digit).count();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        match c {
            '\n' => out.push_str("<br>"),
            // Indentation would make a code block.
            ' ' if i == 0 => out.push_str("&#32;"),
            '\t' if i == 0 => out.push_str("&#9;"),
            // A list item or a setext underline at the start; "1." or "1)" an ordered list.
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if i == lead_digits && i > 0 => {
                out.push('\\');
                out.push(c);
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A code span showing `s` as is; in a table cell (`in_table`) pipes are escaped, as GitHub
/// requires even inside code. Text with a newline cannot be a code span: it becomes [`text`].
pub(crate) fn code(s: &str, in_table: bool) -> String {
    if s.contains('\n') || s.is_empty() {
        return text(s);
    }
    let s = content::visible_controls(s);
    let ticks = "`".repeat(longest_run(&s, '`') + 1);
    let pad = if s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    let body = if in_table {
        s.replace('|', "\\|")
    } else {
        s.into_owned()
    };
    format!("{ticks}{pad}{body}{pad}{ticks}")
}

/// A fenced code block showing `s` as is: the fence is longer than any run of backticks in it.
pub(crate) fn fence(s: &str) -> String {
    let s = content::visible_controls(s);
    let ticks = "`".repeat((longest_run(&s, '`') + 1).max(3));
    let nl = if s.ends_with('\n') { "" } else { "\n" };
    format!("{ticks}text\n{s}{nl}{ticks}\n")
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_what_markdown_would_interpret() {
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("<b>&amp;"), "\\<b\\>\\&amp;");
        assert_eq!(text("line 1\nline 2"), "line 1<br>line 2");
        assert_eq!(text("*x* _y_ [z](w)"), "\\*x\\* \\_y\\_ \\[z\\](w)");
        assert_eq!(text("- 1. a-b"), "\\- 1. a-b");
        assert_eq!(text("12) x"), "12\\) x");
        assert_eq!(text("    indented"), "&#32;   indented");
        assert_eq!(text("# no heading"), "\\# no heading");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a|b", false), "`a|b`");
        assert_eq!(code("two\nlines", true), "two<br>lines");
    }

    #[test]
    fn fences_outlast_fences_inside() {
        assert_eq!(fence("x"), "```text\nx\n```\n");
        assert_eq!(fence("```\ny\n```"), "````text\n```\ny\n```\n````\n");
    }

    #[test]
    fn a_report_has_summary_areas_and_each_failure_with_its_spec_sentence() {
        let out = render(&crate::testdata::sample(), &Options::default());
        assert!(
            out.starts_with("# oci-check report: bundles/x\n\n**FAILED**"),
            "{out}"
        );
        assert!(out.contains("| errors | 1 |"), "{out}");
        assert!(out.contains("## Areas\n\n| area |"), "{out}");
        assert!(out.contains("| process | 0 | 1 | 0 | 0 | 0 | 1 |"), "{out}");
        assert!(out.contains("## Failures (2)"), "{out}");
        assert!(
            out.contains("### FAIL error `config.process.cwd.absolute /process/cwd`"),
            "{out}"
        );
        assert!(
            out.contains("> “This value MUST be an absolute path.”"),
            "{out}"
        );
        assert!(
            out.contains(
                "(https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process)"
            ),
            "{out}"
        );
        assert!(out.contains(">    3 |     \"cwd\": \"tmp\"\n"), "{out}");
    }
}
