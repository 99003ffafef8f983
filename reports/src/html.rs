//! HTML: one self-contained file (inline CSS, no script, nothing fetched) with the summary, the
//! facts, a table per area, every failure in full with its spec sentence and link, and every
//! check; for several runtimes, a matrix first and then each runtime's report.
//!
//! Everything that comes from a run (check names, messages, a runtime's output) goes through
//! [`esc`]. The markup is also well-formed XML, so tests can parse it strictly.

use crate::content::{self, AreaCounts};
use crate::matrix::{self, Matrix};
use crate::Options;
use oci_check_model::{CheckResult, Outcome, Run};
use std::fmt::Write;

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #6e7781; --xfail: #9a6700; --xpass: #8250df;
  --line: #d0d7de; --soft: #f6f8fa; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  max-width: 1180px; margin: 0 auto; padding: 1em 2em 3em; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2em; margin-top: 1.8em; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .5em .7em;
  margin: .2em 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid var(--line); padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.msg, p.msg { white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { color: #57606a; margin-top: 0; }
.badge { display: inline-block; padding: 0 .55em; border-radius: 1em; color: #fff; font-weight: 600;
  font-size: .85em; }
.o-pass { background: var(--pass); } .o-fail { background: var(--fail); } .o-skip { background: var(--skip); }
.o-xfail { background: var(--xfail); } .o-xpass { background: var(--xpass); } .o-none { background: #afb8c1; }
.l-error { background: var(--fail); } .l-warning { background: #bf8700; } .l-info { background: #0969da; }
.verdict { font-size: 1.1em; padding: .1em .8em; }
td.cell { text-align: center; font-weight: 600; }
td.c-pass { background: #dafbe1; } td.c-fail { background: #ffebe9; } td.c-skip { background: #eaeef2; }
td.c-xfail { background: #fff8c5; } td.c-xpass { background: #fbefff; } td.c-none { color: #8c959f; }
td.cell a { color: inherit; }
tr.differs th.mark { color: var(--fail); }
article.finding { border: 1px solid var(--line); border-left: 5px solid var(--fail); border-radius: 6px;
  padding: .2em 1em .6em; margin: 1em 0; }
article.xfail { border-left-color: var(--xfail); }
article.xpass { border-left-color: var(--xpass); }
article h3, article h4 { margin: .4em 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3em 1em; margin: .5em 0; }
dt { font-weight: 600; color: #57606a; }
dd { margin: 0; min-width: 0; }
blockquote { margin: 0 0 .2em; padding: .1em .8em; border-left: 4px solid var(--line); color: #424a53; }
mark { background: #fff8c5; }
.side { display: flex; flex-wrap: wrap; gap: 0 2.5em; align-items: flex-start; }
footer { margin-top: 3em; color: #57606a; font-size: .9em; }
"#;

/// The report of one run.
pub fn render(run: &Run, opts: &Options) -> String {
    let mut body = String::new();
    let title = content::title(run);
    let verdict = content::verdict(run, opts);
    let _ = write!(
        body,
        "<h1>{}</h1>\n<p class=\"meta\">{} {}</p>\n",
        esc(&title),
        verdict_badge(verdict),
        esc(&run_meta(run)),
    );
    run_sections(&mut body, run, opts, "", 2);
    page(&title, &body, &run.tool_version)
}

/// The report of several runtimes: who ran, the matrix, then each runtime's report.
pub fn render_matrix(m: &Matrix, opts: &Options) -> String {
    let title = "oci-check conformance matrix";
    let mut body = String::new();
    let verdict = matrix::verdict(m, opts);
    let _ = write!(
        body,
        "<h1>{title}</h1>\n<p class=\"meta\">{} {} runtimes, the same checks against each</p>\n",
        verdict_badge(verdict),
        m.columns.len()
    );
    runtimes_table(&mut body, m, opts);
    matrix_table(&mut body, m);
    for (i, c) in m.columns.iter().enumerate() {
        let _ = writeln!(
            body,
            "<section id=\"r{}\">\n<h2>{}</h2>",
            i + 1,
            esc(&c.label)
        );
        match &c.run {
            Ok(run) => {
                let _ = writeln!(
                    body,
                    "<p class=\"meta\">{} {}</p>",
                    verdict_badge(content::verdict(run, opts)),
                    esc(&run_meta(run))
                );
                run_sections(&mut body, run, opts, &format!("r{}-", i + 1), 3);
            }
            Err(e) => {
                let _ = writeln!(
                    body,
                    "<p>{} <span class=\"msg\">{}</span></p>",
                    verdict_badge("could not run"),
                    esc(e)
                );
            }
        }
        body.push_str("</section>\n");
    }
    page(title, &body, env!("CARGO_PKG_VERSION"))
}

/// The whole document around `body`.
fn page(title: &str, body: &str, tool_version: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <meta name=\"generator\" content=\"oci-check {v}\"/>\n<title>{t}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n{body}<footer>Written by oci-check {v}. \
         Requirements are rows of the OCI Runtime Specification's normative statements.\
         </footer>\n</body>\n</html>\n",
        t = esc(title),
        v = esc(tool_version),
    )
}

/// "runtime runc · runtime-spec v1.3.0 · 12.3 s": what was checked against what.
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

fn verdict_badge(verdict: &str) -> String {
    let class = if verdict == "ok" { "o-pass" } else { "o-fail" };
    format!(
        "<span class=\"badge verdict {class}\">{}</span>",
        esc(verdict)
    )
}

fn outcome_badge(o: Outcome) -> String {
    format!(
        "<span class=\"badge o-{}\">{}</span>",
        o.as_str(),
        content::outcome_word(o)
    )
}

/// Summary, facts, areas, failures, known deviations and every check of one run. `prefix`
/// keeps element ids unique when several runs share a page; `h` is the sections' heading level.
fn run_sections(out: &mut String, run: &Run, opts: &Options, prefix: &str, h: u8) {
    let _ = writeln!(
        out,
        "<section id=\"{prefix}summary\">\n<h{h}>Summary</h{h}>\n<div class=\"side\">"
    );
    out.push_str("<table class=\"counts\">\n");
    for (label, n, o) in content::outcome_counts(run) {
        let cls = if n > 0 && label != "total" {
            format!("n c-{}", o.as_str())
        } else {
            "n".to_string()
        };
        let _ = writeln!(out, "<tr><th>{label}</th><td class=\"{cls}\">{n}</td></tr>");
    }
    out.push_str("</table>\n");
    facts_table(out, run);
    out.push_str("</div>\n</section>\n");
    areas_table(out, &content::area_counts(run), prefix, h);
    let failures = content::failures(run);
    let _ = writeln!(
        out,
        "<section id=\"{prefix}failures\">\n<h{h}>Failures ({})</h{h}>",
        failures.len()
    );
    if failures.is_empty() {
        out.push_str("<p>Nothing failed.</p>\n");
    }
    for r in &failures {
        finding(out, run, r, prefix, h + 1);
    }
    out.push_str("</section>\n");
    let known = content::known_deviations(run);
    if !known.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"{prefix}known\">\n<h{h}>Known deviations ({})</h{h}>\n\
             <p>Failed, and listed as known with <code>--expect-fail</code>.</p>",
            known.len()
        );
        for r in &known {
            finding(out, run, r, prefix, h + 1);
        }
        out.push_str("</section>\n");
    }
    all_checks(out, run, opts, prefix, h);
}

fn facts_table(out: &mut String, run: &Run) {
    let facts = content::ordered_facts(run);
    if facts.is_empty() {
        return;
    }
    out.push_str("<table class=\"facts\">\n<tr><th>fact</th><th>value</th></tr>\n");
    for (k, v) in facts {
        let _ = writeln!(
            out,
            "<tr><th><code>{}</code></th><td class=\"msg\">{}</td></tr>",
            esc(k),
            esc(v)
        );
    }
    out.push_str("</table>\n");
}

fn areas_table(out: &mut String, areas: &[AreaCounts], prefix: &str, h: u8) {
    let _ = writeln!(
        out,
        "<section id=\"{prefix}areas\">\n<h{h}>Areas</h{h}>\n<table class=\"areas\">\n\
         <tr><th>area</th><th class=\"n\">pass</th><th class=\"n\">fail</th>\
         <th class=\"n\">skip</th><th class=\"n\">xfail</th><th class=\"n\">xpass</th>\
         <th class=\"n\">total</th></tr>"
    );
    for a in areas {
        let num = |n: usize, o: Outcome| {
            if n > 0 && o != Outcome::Pass {
                format!("<td class=\"n c-{}\">{n}</td>", o.as_str())
            } else {
                format!("<td class=\"n\">{n}</td>")
            }
        };
        let _ = writeln!(
            out,
            "<tr><th>{}</th>{}{}{}{}{}<td class=\"n\">{}</td></tr>",
            esc(&a.area),
            num(a.pass, Outcome::Pass),
            num(a.fail, Outcome::Fail),
            num(a.skip, Outcome::Skip),
            num(a.xfail, Outcome::Xfail),
            num(a.xpass, Outcome::Xpass),
            a.total()
        );
    }
    out.push_str("</table>\n</section>\n");
}

/// The element id of a result's full entry (only failures and known deviations have one).
fn anchor(run: &Run, r: &CheckResult, prefix: &str) -> Option<String> {
    if !matches!(r.outcome, Outcome::Fail | Outcome::Xpass | Outcome::Xfail) {
        return None;
    }
    let i = run.results.iter().position(|x| std::ptr::eq(x, r))?;
    Some(format!("{prefix}c{i}"))
}

/// One failure in full: what was expected and observed, where, the spec's sentence and link,
/// the requirement IDs, the runtime calls.
fn finding(out: &mut String, run: &Run, r: &CheckResult, prefix: &str, h: u8) {
    let id = anchor(run, r, prefix).unwrap_or_default();
    let _ = writeln!(
        out,
        "<article class=\"finding {}\" id=\"{id}\">\n<h{h}>{} <span class=\"badge l-{}\">{}</span> <code>{}</code></h{h}>",
        r.outcome.as_str(),
        outcome_badge(r.outcome),
        r.level,
        r.level,
        esc(&crate::display_name(r))
    );
    if let Some(t) = r.title.as_deref().filter(|t| *t != r.message) {
        let _ = writeln!(out, "<p><em>{}</em></p>", esc(t));
    }
    let _ = writeln!(out, "<p class=\"msg\">{}</p>\n<dl>", esc(&r.message));
    for (name, value) in [("Expected", &r.expected), ("Observed", &r.observed)] {
        if let Some(v) = value {
            let _ = writeln!(out, "<dt>{name}</dt><dd><pre>{}</pre></dd>", esc(v));
        }
    }
    if let Some(l) = &r.location {
        let _ = write!(
            out,
            "<dt>Location</dt><dd><code>{}</code>",
            esc(&content::location_text(l))
        );
        excerpt(out, run, l);
        out.push_str("</dd>\n");
    }
    spec(out, r);
    if !r.requirements.is_empty() {
        let ids: Vec<String> = r
            .requirements
            .iter()
            .map(|q| format!("<code>{}</code>", esc(q)))
            .collect();
        let _ = writeln!(out, "<dt>Requirements</dt><dd>{}</dd>", ids.join(", "));
    }
    if let Some(hint) = &r.hint {
        let _ = writeln!(out, "<dt>Hint</dt><dd class=\"msg\">{}</dd>", esc(hint));
    }
    out.push_str("</dl>\n");
    if let Some(d) = &r.details {
        let _ = writeln!(
            out,
            "<details><summary>Runtime calls and more</summary><pre>{}</pre></details>",
            esc(d)
        );
    }
    out.push_str("</article>\n");
}

/// The spec's sentence, quoted, and the link to it (shown as text where it is no http link).
fn spec(out: &mut String, r: &CheckResult) {
    if r.spec_text.is_none() && r.spec.is_none() {
        return;
    }
    out.push_str("<dt>Spec</dt><dd>");
    if let Some(t) = &r.spec_text {
        let _ = write!(out, "<blockquote>{}</blockquote>", esc(t));
    }
    match &r.spec {
        Some(u) if content::is_safe_link(u) => {
            let _ = write!(out, "<a href=\"{0}\">{0}</a>", esc(u));
        }
        Some(u) => {
            let _ = write!(out, "<code>{}</code>", esc(u));
        }
        None => {}
    }
    out.push_str("</dd>\n");
}

/// The lines around a finding in its source, the finding's own line marked.
fn excerpt(out: &mut String, run: &Run, l: &oci_check_model::Location) {
    let lines = content::source_excerpt(run, l);
    if lines.is_empty() {
        return;
    }
    out.push_str("<pre class=\"src\">");
    for (n, text, here) in lines {
        if here {
            let _ = writeln!(out, "<mark>{n:>4} | {}</mark>", esc(text));
        } else {
            let _ = writeln!(out, "{n:>4} | {}", esc(text));
        }
    }
    out.push_str("</pre>");
}

/// Every check: outcome, name, level, requirements, message; failures link to their entry.
fn all_checks(out: &mut String, run: &Run, opts: &Options, prefix: &str, h: u8) {
    let _ = writeln!(
        out,
        "<section id=\"{prefix}checks\">\n<h{h}>All checks</h{h}>\n<details{}><summary>{} checks</summary>\n\
         <table class=\"checks\">\n<tr><th>outcome</th><th>check</th><th>level</th>\
         <th>requirements</th><th>message</th></tr>",
        if opts.verbose { " open=\"open\"" } else { "" },
        run.results.len()
    );
    for r in &run.results {
        let name = esc(&crate::display_name(r));
        let name = match anchor(run, r, prefix) {
            Some(a) => format!("<a href=\"#{a}\"><code>{name}</code></a>"),
            None => format!("<code>{name}</code>"),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{name}</td><td>{}</td><td>{}</td><td class=\"msg\">{}</td></tr>",
            outcome_badge(r.outcome),
            r.level,
            esc(&r.requirements.join(", ")),
            esc(&r.message)
        );
    }
    out.push_str("</table>\n</details>\n</section>\n");
}

/// One row per runtime: what it is, its verdict and its counts (or why it could not run).
fn runtimes_table(out: &mut String, m: &Matrix, opts: &Options) {
    out.push_str(
        "<section id=\"runtimes\">\n<h2>Runtimes</h2>\n<table class=\"runtimes\">\n\
         <tr><th>column</th><th>runtime</th><th>version</th><th>verdict</th>\
         <th class=\"n\">passed</th><th class=\"n\">errors</th><th class=\"n\">warnings</th>\
         <th class=\"n\">infos</th><th class=\"n\">skipped</th><th class=\"n\">xfail</th>\
         <th class=\"n\">xpass</th><th class=\"n\">total</th></tr>\n",
    );
    for ((i, c), h) in m.columns.iter().enumerate().zip(m.headings()) {
        let _ = write!(
            out,
            "<tr><th><a href=\"#r{}\">{}</a></th><td><code>{}</code></td>",
            i + 1,
            esc(&h),
            esc(&c.label)
        );
        match &c.run {
            Ok(run) => {
                let s = run.summary();
                let _ = write!(
                    out,
                    "<td class=\"msg\">{}</td><td>{}</td>",
                    esc(&matrix::describe(c)),
                    verdict_badge(content::verdict(run, opts))
                );
                for n in [
                    s.pass,
                    s.errors,
                    s.warnings,
                    s.infos,
                    s.skip,
                    s.xfail,
                    s.xpass,
                    run.results.len(),
                ] {
                    let _ = write!(out, "<td class=\"n\">{n}</td>");
                }
            }
            Err(e) => {
                let _ = write!(
                    out,
                    "<td class=\"msg\" colspan=\"10\">{} {}</td>",
                    verdict_badge("could not run"),
                    esc(e)
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</section>\n");
}

/// One row per check, one column per runtime; rows where the runtimes differ are marked.
fn matrix_table(out: &mut String, m: &Matrix) {
    let rows = m.rows();
    let differ = rows.iter().filter(|r| r.differs).count();
    let _ = write!(
        out,
        "<section id=\"matrix\">\n<h2>Matrix</h2>\n<p>{} checks; the runtimes differ on {differ} \
         (marked ≠).</p>\n<table class=\"matrix\">\n<tr><th></th><th>check</th><th>requirements</th>",
        rows.len()
    );
    for h in m.headings() {
        let _ = write!(out, "<th>{}</th>", esc(&h));
    }
    out.push_str("</tr>\n");
    for row in &rows {
        let _ = write!(
            out,
            "<tr{}><th class=\"mark\">{}</th><td><code>{}</code></td><td>{}</td>",
            if row.differs {
                " class=\"differs\""
            } else {
                ""
            },
            if row.differs { "≠" } else { "" },
            esc(&row.name),
            esc(&row.first.requirements.join(", "))
        );
        for (i, cell) in row.cells.iter().enumerate() {
            let Some(r) = cell else {
                out.push_str("<td class=\"cell c-none\">–</td>");
                continue;
            };
            let word = content::outcome_word(r.outcome);
            let run = m.columns[i].run.as_ref().expect("a cell comes from a run");
            match anchor(run, r, &format!("r{}-", i + 1)) {
                Some(a) => {
                    let _ = write!(
                        out,
                        "<td class=\"cell c-{}\"><a href=\"#{a}\">{word}</a></td>",
                        r.outcome.as_str()
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        "<td class=\"cell c-{}\">{word}</td>",
                        r.outcome.as_str()
                    );
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</section>\n");
}

/// Escapes text for an element's content or a quoted attribute value; control characters
/// become visible.
pub(crate) fn esc(s: &str) -> String {
    let s = content::visible_controls(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            esc("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{1b}[0m"), "a\u{241b}[0m");
    }

    #[test]
    fn a_report_has_summary_areas_and_each_failure_with_its_spec_sentence() {
        let out = render(&crate::testdata::sample(), &Options::default());
        assert!(out.starts_with("<!DOCTYPE html>"));
        assert!(out.contains("<span class=\"badge verdict o-fail\">FAILED</span>"));
        assert!(
            out.contains("<tr><th>errors</th><td class=\"n c-fail\">1</td></tr>"),
            "{out}"
        );
        assert!(out.contains("<h2>Areas</h2>"));
        assert!(out.contains("<h2>Failures (2)</h2>"));
        assert!(out.contains("<blockquote>This value MUST be an absolute path.</blockquote>"));
        assert!(out.contains("<a href=\"https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process\">"));
        assert!(
            out.contains("<mark>   3 |     &quot;cwd&quot;: &quot;tmp&quot;</mark>"),
            "{out}"
        );
        assert!(!out.contains("<script"), "no script");
        assert!(
            !out.contains("src=\"http") && !out.contains("@import") && !out.contains("url("),
            "nothing fetched"
        );
    }
}
