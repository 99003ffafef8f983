//! Human output: each failing check as a diagnostic with a code frame at the offending line
//! (annotate-snippets, the renderer rustc uses), then a summary line.

use crate::Options;
use annotate_snippets::{AnnotationKind, Group, Level as ALevel, Renderer, Snippet};
use oci_check_model::{CheckResult, Level, Outcome, Run};
use std::fmt::Write;

pub fn render(run: &Run, opts: &Options) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    if run.kind == oci_check_model::RunKind::Runtime {
        out.push_str(&runtime_header(run));
    }
    for r in &run.results {
        match r.outcome {
            Outcome::Fail | Outcome::Xpass => {
                out.push_str(&diagnostic(run, r, &renderer));
                out.push_str("\n\n");
            }
            Outcome::Xfail if opts.verbose => {
                let _ = writeln!(out, "xfail {}: {}", crate::display_name(r), r.message);
            }
            Outcome::Pass | Outcome::Skip if opts.verbose => {
                let what = if r.outcome == Outcome::Pass {
                    "pass"
                } else {
                    "skip"
                };
                let text = if r.outcome == Outcome::Pass {
                    r.title.as_deref().unwrap_or(&r.message)
                } else {
                    &r.message
                };
                let _ = writeln!(out, "{what}  {}: {text}", r.id);
            }
            _ => {}
        }
    }
    out.push_str(&summary(run, opts));
    out
}

fn level(l: Level) -> ALevel<'static> {
    match l {
        Level::Error => ALevel::ERROR,
        Level::Warning => ALevel::WARNING,
        Level::Info => ALevel::INFO,
    }
}

fn diagnostic(run: &Run, r: &CheckResult, renderer: &Renderer) -> String {
    let lvl = level(r.level);
    let message = if r.outcome == Outcome::Xpass {
        format!(
            "{} (passed, but listed as a known deviation: remove it from the list)",
            r.message
        )
    } else {
        r.message.clone()
    };
    let title = lvl.clone().primary_title(message).id(r.id.as_str());
    let label = match (&r.expected, &r.observed) {
        (Some(e), Some(o)) => format!("expected: {e}; observed: {o}"),
        (Some(e), None) => format!("expected: {e}"),
        (None, Some(o)) => format!("observed: {o}"),
        (None, None) => String::new(),
    };
    let mut notes: Vec<String> = Vec::new();
    let loc = r.location.as_ref();
    let frame = loc.and_then(|l| {
        let file = l.file.as_deref()?;
        let src = run.source(file)?;
        let (line, col) = (l.line?, l.column?);
        let start = offset_of(&src.text, line, col)?;
        Some((file, src, start, token_end(&src.text, start)))
    });
    let mut group = Group::with_title(title);
    match frame {
        Some((file, src, start, end)) => {
            let pointer = loc.map(|l| l.pointer.as_str()).unwrap_or_default();
            let snippet = Snippet::source(src.text.as_str()).path(file).annotation(
                AnnotationKind::Primary
                    .span(start..end)
                    .label(label.clone()),
            );
            group = group.element(snippet);
            if !pointer.is_empty() {
                notes.push(format!("at {pointer}"));
            }
        }
        None => {
            if let Some(l) = loc {
                let file = l.file.as_deref().unwrap_or("config.json");
                match (l.line, l.column) {
                    (Some(line), Some(col)) => {
                        notes.push(format!("at {file}:{line}:{col} {}", l.pointer))
                    }
                    _ if !l.pointer.is_empty() => notes.push(format!("at {file} {}", l.pointer)),
                    _ => notes.push(format!("in {file}")),
                }
            }
            if !label.is_empty() {
                notes.push(label);
            }
        }
    }
    let mut messages = vec![];
    for n in &notes {
        messages.push(ALevel::NOTE.message(n.as_str()));
    }
    if let Some(h) = &r.hint {
        messages.push(ALevel::HELP.message(h.as_str()));
    }
    let spec_line = match (&r.spec_text, &r.spec) {
        (Some(t), Some(u)) => Some(format!("spec: \"{t}\" ({u})")),
        (None, Some(u)) => Some(format!("spec: {u}")),
        _ => None,
    };
    if let Some(s) = &spec_line {
        messages.push(ALevel::NOTE.message(s.as_str()));
    }
    if let Some(d) = &r.details {
        messages.push(ALevel::NOTE.message(d.as_str()));
    }
    for m in messages {
        group = group.element(m);
    }
    renderer.render(&[group])
}

/// Byte offset of 1-based line and character column.
fn offset_of(text: &str, line: u32, col: u32) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let line_text = &text[start..text[start..].find('\n').map_or(text.len(), |i| start + i)];
    let within = line_text
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(line_text.len(), |(i, _)| i);
    Some(start + within)
}

/// End of the JSON token at `start`: a whole string, or a bare word/number; for an object or
/// array, just its opening bracket.
fn token_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(start) {
        Some(b'"') => {
            let mut i = start + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return i + 1,
                    b'\n' => return i,
                    _ => i += 1,
                }
            }
            bytes.len()
        }
        Some(b'{' | b'[') => start + 1,
        Some(_) => {
            let rest = &text[start..];
            start
                + rest
                    .find(|c: char| c == ',' || c == '}' || c == ']' || c.is_whitespace())
                    .unwrap_or(rest.len())
                    .max(1)
        }
        None => start,
    }
}

/// What was run against what, for a runtime run: the runtime, what it claims, the host.
fn runtime_header(run: &Run) -> String {
    let f = |k: &str| run.facts.get(k).map(String::as_str).unwrap_or("?");
    format!(
        "runtime {} ({}), {}; configs claim ociVersion {}\nhost: kernel {}, cgroup {}\n\n",
        f("runtime.path"),
        f("runtime.version"),
        f("runtime.claims"),
        f("config.ociVersion"),
        f("host.kernel"),
        f("host.cgroup"),
    )
}

fn summary(run: &Run, opts: &Options) -> String {
    let s = run.summary();
    let failed = run.failed(opts.strict);
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}: {}, {}, {}; {} passed, {} skipped",
        run.subject,
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info"),
        s.pass,
        s.skip
    );
    if s.xfail + s.xpass > 0 {
        line.push_str(&format!(", {} xfail, {} xpass", s.xfail, s.xpass));
    }
    let verdict = if failed { "FAILED" } else { "ok" };
    if opts.color {
        let style = if failed {
            anstyle::AnsiColor::Red.on_default().bold()
        } else {
            anstyle::AnsiColor::Green.on_default().bold()
        };
        format!("{line}\n{style}{verdict}{style:#}\n")
    } else {
        format!("{line}\n{verdict}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_frame_underlines_the_offending_value() {
        let out = render(&crate::testdata::sample(), &Options::default());
        assert!(out.contains("error[config.process.cwd.absolute]"), "{out}");
        assert!(out.contains("bundles/x/config.json:3:12"), "{out}");
        assert!(out.contains("\"cwd\": \"tmp\""), "{out}");
        assert!(out.contains("^^^^^"), "{out}");
        assert!(
            out.contains("expected: a path starting with /; observed: \"tmp\""),
            "{out}"
        );
        assert!(out.contains("warning[config.root.path.rootfs_convention]"));
        assert!(
            out.ends_with("1 error, 1 warning, 0 infos; 1 passed, 1 skipped\nFAILED\n"),
            "{out}"
        );
        assert!(!out.contains('\u{1b}'), "no colour unless asked");
    }

    #[test]
    fn colour_only_when_asked() {
        let out = render(
            &crate::testdata::sample(),
            &Options {
                color: true,
                ..Options::default()
            },
        );
        assert!(out.contains('\u{1b}'));
    }

    #[test]
    fn offsets_and_token_ends() {
        let t = "{\n  \"a\": \"xy\",\n  \"b\": 123}";
        let o = offset_of(t, 2, 8).unwrap();
        assert_eq!(&t[o..token_end(t, o)], "\"xy\"");
        let o = offset_of(t, 3, 8).unwrap();
        assert_eq!(&t[o..token_end(t, o)], "123");
    }
}
