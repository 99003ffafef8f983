//! Writers for a [`Run`]: the same results as human text, JSON, TAP, JUnit XML, SARIF, HTML or
//! Markdown; and for a [`Matrix`] of several runtimes' runs as human text, JSON, HTML or
//! Markdown.
//!
//! Every writer returns a `String`; the caller decides where it goes. Whether a warning fails
//! the run (`--strict`) is decided by [`Options::strict`] and shown consistently by every writer.

use oci_check_model::Run;

mod content;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
pub mod matrix;
mod sarif;
mod tap;

pub use matrix::{Column, Matrix};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Tap,
    Junit,
    Sarif,
    /// One self-contained HTML file: inline CSS, no script, nothing fetched.
    Html,
    /// GitHub-flavoured Markdown.
    Markdown,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Tap => "tap",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Html => "html",
            Format::Markdown => "markdown",
        }
    }

    /// Whether this format can hold a matrix of several runtimes.
    pub fn writes_matrix(self) -> bool {
        matches!(
            self,
            Format::Human | Format::Json | Format::Html | Format::Markdown
        )
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "human" | "text" => Format::Human,
            "json" => Format::Json,
            "tap" => Format::Tap,
            "junit" | "xml" => Format::Junit,
            "sarif" => Format::Sarif,
            "html" => Format::Html,
            "markdown" | "md" => Format::Markdown,
            other => {
                return Err(format!(
                    "unknown format {other:?} (human, json, tap, junit, sarif, html, markdown)"
                ))
            }
        })
    }
}

/// How to write.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Warnings fail the run.
    pub strict: bool,
    /// ANSI colours in human output.
    pub color: bool,
    /// TAP version: 13 (default, accepted by `prove`) or 14.
    pub tap_version: u8,
    /// Human output: also list passing and skipped checks.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            color: false,
            tap_version: 13,
            verbose: false,
        }
    }
}

/// Renders `run` in `format`.
pub fn render(run: &Run, format: Format, opts: &Options) -> String {
    match format {
        Format::Human => human::render(run, opts),
        Format::Json => json::render(run, opts),
        Format::Tap => tap::render(run, opts),
        Format::Junit => junit::render(run, opts),
        Format::Sarif => sarif::render(run),
        Format::Html => html::render(run, opts),
        Format::Markdown => markdown::render(run, opts),
    }
}

/// Renders a matrix of several runtimes' runs in `format`; an error for a format that holds a
/// single run (TAP, JUnit, SARIF).
pub fn render_matrix(m: &Matrix, format: Format, opts: &Options) -> Result<String, String> {
    Ok(match format {
        Format::Human => matrix::render_human(m, opts),
        Format::Json => matrix::render_json(m, opts),
        Format::Html => html::render_matrix(m, opts),
        Format::Markdown => markdown::render_matrix(m, opts),
        Format::Tap | Format::Junit | Format::Sarif => {
            return Err(format!(
                "--format {} holds one run; a matrix of several runtimes is written as human, json, html or markdown",
                format.name()
            ))
        }
    })
}

/// Results in report order: failures by location first, then the rest by id.
pub(crate) fn display_name(r: &oci_check_model::CheckResult) -> String {
    match &r.location {
        Some(l) if !l.pointer.is_empty() => format!("{} {}", r.id, l.pointer),
        _ => r.id.clone(),
    }
}

/// Whether a result counts as failing under these options.
pub(crate) fn fails(r: &oci_check_model::CheckResult, opts: &Options) -> bool {
    r.is_failure(opts.strict)
}

#[cfg(test)]
pub(crate) mod testdata {
    use oci_check_model::*;

    /// A run with one of everything: an error with a location, a warning, a pass, a skip.
    pub fn sample() -> Run {
        let mut run = Run::new(RunKind::Bundle, "bundles/x", "1.3.0");
        run.sources.push(Source {
            name: "bundles/x/config.json".into(),
            text: "{\n  \"process\": {\n    \"cwd\": \"tmp\"\n  }\n}\n".into(),
        });
        let mut e = CheckResult::new("config.process.cwd.absolute", Outcome::Fail, Level::Error);
        e.message = "/process/cwd: \"tmp\" is not an absolute path".into();
        e.expected = Some("a path starting with /".into());
        e.observed = Some("\"tmp\"".into());
        e.requirements = vec!["config.process.cwd.absolute".into()];
        e.spec = Some(
            "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#process".into(),
        );
        e.spec_text = Some("This value MUST be an absolute path.".into());
        e.area = Some("process".into());
        e.location = Some(Location {
            file: Some("bundles/x/config.json".into()),
            pointer: "/process/cwd".into(),
            line: Some(3),
            column: Some(12),
        });
        let mut w = CheckResult::new(
            "config.root.path.rootfs_convention",
            Outcome::Fail,
            Level::Warning,
        );
        w.message = "root.path is \"fs\"; the conventional value is \"rootfs\"".into();
        w.area = Some("root".into());
        let mut p = CheckResult::new("json.syntax", Outcome::Pass, Level::Error);
        p.title = Some("config.json is well-formed JSON".into());
        p.area = Some("json".into());
        let mut s = CheckResult::new("config.root.path.exists", Outcome::Skip, Level::Error);
        s.message = "needs the bundle".into();
        s.area = Some("root".into());
        run.results = vec![e, w, p, s];
        run
    }
}
