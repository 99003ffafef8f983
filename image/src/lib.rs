//! Static validation of OCI image layouts (`oci-check image DIR`) against the OCI Image
//! Specification v1.1.1: the layout files, every descriptor reachable from index.json resolved
//! to its blob and verified (digest streamed, size), the index, manifest and image config
//! documents against our schema (`schema/image/`) and the spec's semantic rules.
//!
//! Nothing in the layout is ever executed, no symlink is followed out of it, and only JSON
//! documents are read whole (up to `Options::max_size`); layers are hashed in 1 MiB pieces.

pub mod checks;
pub mod digest;
pub mod rules;
pub mod schema;
mod walk;

use oci_check_model::{CheckResult, Level, Location, Outcome, Run, RunKind, Source};
use oci_check_validator::json::Locator;
use rules::Rule;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

pub use walk::validate_layout;

/// Limits on input.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest JSON document (oci-layout, index.json, a manifest, index or config blob) read.
    pub max_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_size: 16 << 20 }
    }
}

/// Why validation could not run at all (exit code 2).
#[derive(Debug)]
pub enum Error {
    NotFound(PathBuf),
    NotADirectory(PathBuf),
    TooLarge { path: PathBuf, size: u64, max: u64 },
    Io { path: PathBuf, err: std::io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
            Error::NotADirectory(p) => write!(
                f,
                "{}: not a directory (an OCI image layout is a directory holding oci-layout, index.json and blobs/)",
                p.display()
            ),
            Error::TooLarge { path, size, max } => write!(
                f,
                "{}: {size} bytes, larger than the {max}-byte limit for JSON documents (raise it with --max-size)",
                path.display()
            ),
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// One thing wrong (or worth knowing) in a layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The file, relative to the layout (`index.json`, `blobs/sha256/…`).
    pub file: String,
    /// RFC 6901 pointer into the file when it is JSON ("" = the whole file).
    pub pointer: String,
    pub message: String,
    pub expected: Option<String>,
    pub observed: Option<String>,
    pub hint: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl Finding {
    pub fn new(
        rule: &'static Rule,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            file: file.into(),
            pointer: pointer.into(),
            message: message.into(),
            expected: None,
            observed: None,
            hint: None,
            line: None,
            column: None,
        }
    }
    pub fn expected(mut self, s: impl Into<String>) -> Self {
        self.expected = Some(s.into());
        self
    }
    pub fn observed(mut self, s: impl Into<String>) -> Self {
        self.observed = Some(s.into());
        self
    }
    pub fn hint(mut self, s: impl Into<String>) -> Self {
        self.hint = Some(s.into());
        self
    }
}

/// What validating one layout found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// JSON documents read, by path relative to the layout (for positions and code frames).
    pub documents: BTreeMap<String, String>,
    /// Rules that could not run, with the reason; every other rule ran.
    pub skipped: HashMap<&'static str, String>,
    pub facts: BTreeMap<String, String>,
}

impl Report {
    /// Line and column for every finding with a pointer into a JSON document; then a stable
    /// order (file, line, column, rule) without duplicates.
    fn locate(&mut self) {
        let locators: HashMap<&str, Locator> = self
            .documents
            .iter()
            .map(|(name, text)| (name.as_str(), Locator::new(text)))
            .collect();
        for f in &mut self.findings {
            if f.line.is_some() {
                continue; // placed by the parser (a syntax error)
            }
            if let Some(pos) = locators
                .get(f.file.as_str())
                .and_then(|l| l.locate(&f.pointer))
            {
                f.line = Some(pos.0);
                f.column = Some(pos.1);
            }
        }
        self.findings.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.rule.id, &a.pointer)
                .cmp(&(&b.file, b.line, b.column, b.rule.id, &b.pointer))
        });
        self.findings.dedup();
    }

    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.rule.level == Level::Error)
    }

    /// The result model shared with `oci-check bundle`: one failing result per finding, one
    /// passing result per rule that ran and found nothing, one skipped result per rule that
    /// could not run. `subject` is the layout directory as the user named it; file names in
    /// locations are `subject/relative-path`.
    pub fn to_run(&self, subject: &str) -> Run {
        // The model has no image kind yet: an image layout is reported as a bundle-like
        // directory, and the `checked` fact says what it was.
        let mut run = Run::new(RunKind::Image, subject, rules::IMAGE_SPEC);
        run.facts = self.facts.clone();
        run.facts
            .insert("checked".into(), "OCI image layout".into());
        run.facts.insert(
            "spec".into(),
            format!("OCI Image Specification v{}", rules::IMAGE_SPEC),
        );
        let shown = |rel: &str| format!("{}/{rel}", subject.trim_end_matches('/'));
        let with_findings: HashSet<&str> = self.findings.iter().map(|f| f.file.as_str()).collect();
        for (name, text) in &self.documents {
            if with_findings.contains(name.as_str()) {
                run.sources.push(Source {
                    name: shown(name),
                    text: text.clone(),
                });
            }
        }
        let fired: HashSet<&str> = self.findings.iter().map(|f| f.rule.id).collect();
        for f in &self.findings {
            let mut r = result_for(f.rule, Outcome::Fail);
            r.message = f.message.clone();
            r.expected = f.expected.clone();
            r.observed = f.observed.clone();
            r.hint = f.hint.clone();
            r.location = Some(Location {
                file: Some(shown(&f.file)),
                pointer: f.pointer.clone(),
                line: f.line,
                column: f.column,
            });
            run.results.push(r);
        }
        for rule in rules::CATALOGUE {
            if fired.contains(rule.id) {
                continue;
            }
            match self.skipped.get(rule.id) {
                Some(reason) => {
                    let mut r = result_for(rule, Outcome::Skip);
                    r.message = reason.clone();
                    run.results.push(r);
                }
                None => {
                    let mut r = result_for(rule, Outcome::Pass);
                    r.message = rule.summary.to_string();
                    run.results.push(r);
                }
            }
        }
        run
    }
}

fn result_for(rule: &'static Rule, outcome: Outcome) -> CheckResult {
    let mut r = CheckResult::new(rule.id, outcome, rule.level);
    r.title = Some(rule.summary.to_string());
    r.spec = Some(rule.url());
    r.spec_text = Some(rule.text.to_string());
    r.area = Some(rule.area().to_string());
    r
}
