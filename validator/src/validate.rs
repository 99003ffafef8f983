//! Entry points: a config file, a bundle directory, or bytes already in memory.

use crate::bundle;
use crate::json::{self, Locator, ParseError};
use crate::requirements;
use crate::rule::{BundleCtx, Ctx, Finding, Rule, Scope};
use crate::rules::{self, document};
use crate::schema;
use oci_check_model::{CheckResult, Level, Location, Outcome, Run, RunKind, Source};
use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Limits on input.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest config.json read, in bytes. Real configs are a few KiB; a seccomp profile of
    /// thousands of rules stays under 1 MiB.
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
    NotARegularFile { path: PathBuf, kind: &'static str },
    TooLarge { path: PathBuf, size: u64, max: u64 },
    Io { path: PathBuf, err: std::io::Error },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(p) => write!(f, "{}: no such file or directory", p.display()),
            Error::NotADirectory(p) => write!(
                f,
                "{}: not a directory (a bundle is a directory holding config.json)",
                p.display()
            ),
            Error::NotARegularFile { path, kind } => {
                write!(
                    f,
                    "{}: is a {kind}, not a regular file; refusing to read it",
                    path.display()
                )
            }
            Error::TooLarge { path, size, max } => write!(
                f,
                "{}: {size} bytes, larger than the {max}-byte limit (raise it with --max-size)",
                path.display()
            ),
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// A finding with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub finding: Finding,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// What validating one config found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The config file's name as the user gave it.
    pub file: String,
    /// The file's text, when it was UTF-8 (for code frames).
    pub text: Option<String>,
    pub findings: Vec<Located>,
    /// The config's ociVersion, when it parsed as SemVer.
    pub version: Option<semver::Version>,
    /// Rules that did run; the others could not (unparseable JSON, or bundle rules on a bare
    /// config) and are reported as skipped.
    pub ran: HashSet<&'static str>,
    pub skip_reason: Option<&'static str>,
    pub bundle: bool,
}

impl Report {
    /// The spec version links point to.
    pub fn spec_version(&self) -> &'static str {
        requirements::release_for(self.version.as_ref())
    }

    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.finding.level() == Level::Error)
    }

    /// The result model: one failing result per finding, one passing result per rule that ran
    /// and found nothing, one skipped result per rule that could not run.
    pub fn to_run(&self, subject: &str) -> Run {
        let kind = if self.bundle {
            RunKind::Bundle
        } else {
            RunKind::Config
        };
        let version = self.spec_version();
        let mut run = Run::new(kind, subject, version);
        if let Some(v) = &self.version {
            run.facts.insert("ociVersion".into(), v.to_string());
        }
        if let Some(text) = &self.text {
            run.sources.push(Source {
                name: self.file.clone(),
                text: text.clone(),
            });
        }
        let fired: HashSet<&str> = self.findings.iter().map(|f| f.finding.rule.id).collect();
        for l in &self.findings {
            let f = &l.finding;
            let mut r = result_for(f.rule, Outcome::Fail, version);
            r.level = f.level();
            r.message = f.message.clone();
            r.expected = f.expected.clone();
            r.observed = f.observed.clone();
            r.hint = f.hint.clone();
            if let Some(req) = f.cite.and_then(requirements::get) {
                r.requirements.push(req.id.to_string());
                r.spec = Some(req.url(version));
                r.spec_text = Some(req.text.to_string());
            }
            r.location = Some(Location {
                file: Some(self.file.clone()),
                pointer: f.pointer.clone(),
                line: l.line,
                column: l.column,
            });
            run.results.push(r);
        }
        for rule in all_rules() {
            if fired.contains(rule.id) {
                continue;
            }
            if self.ran.contains(rule.id) {
                let mut r = result_for(rule, Outcome::Pass, version);
                r.message = rule.summary.to_string();
                run.results.push(r);
            } else {
                let mut r = result_for(rule, Outcome::Skip, version);
                r.message = match (rule.scope, self.skip_reason) {
                    (Scope::Bundle, _) if !self.bundle => {
                        "needs the bundle: run `oci-check bundle DIR`".into()
                    }
                    (_, Some(reason)) => reason.to_string(),
                    _ => "not run".into(),
                };
                run.results.push(r);
            }
        }
        run
    }
}

fn result_for(rule: &'static Rule, outcome: Outcome, version: &str) -> CheckResult {
    let mut r = CheckResult::new(rule.id, outcome, rule.level);
    r.title = Some(rule.summary.to_string());
    r.requirements = rule.requirements.iter().map(|s| s.to_string()).collect();
    r.spec = Some(rule.spec_url(version));
    r.spec_text = rule.requirement().map(|q| q.text.to_string());
    r.area = Some(rule.area().to_string());
    r
}

/// Every rule, including the generic schema rule and the bundle rules.
pub fn all_rules() -> impl Iterator<Item = &'static Rule> {
    std::iter::once(&schema::SCHEMA).chain(rules::catalogue().iter().copied())
}

/// Validates bytes already read. `bundle` enables the bundle rules.
pub fn validate_bytes(file: &str, bytes: &[u8], bundle: Option<&BundleCtx>) -> Report {
    let mut report = Report {
        file: file.to_string(),
        text: std::str::from_utf8(bytes).ok().map(str::to_string),
        findings: Vec::new(),
        version: None,
        // Every rule that runs goes in: sized once rather than grown seven times.
        ran: HashSet::with_capacity(rules::catalogue().len() + 1),
        skip_reason: None,
        bundle: bundle.is_some(),
    };
    let document_rules = [
        &document::JSON_SYNTAX,
        &document::UTF8,
        &document::NO_DUPLICATE_NAMES,
    ];
    report.ran.extend(document_rules.iter().map(|r| r.id));
    let mut findings = Vec::new();
    let parsed = match json::parse(bytes) {
        Ok(p) => p,
        Err(e) => {
            let (rule, msg, pos) = match e {
                ParseError::Utf8 { line, column, offset } => (
                    &document::UTF8,
                    format!("byte {offset} is not valid UTF-8; all configuration JSON MUST be encoded in UTF-8"),
                    Some((line, column)),
                ),
                ParseError::Bom => (
                    &document::JSON_SYNTAX,
                    "the file starts with a byte order mark (U+FEFF), which JSON texts must not have".into(),
                    Some((1, 1)),
                ),
                ParseError::Syntax { line, column, message } => {
                    (&document::JSON_SYNTAX, format!("not valid JSON: {message}"), Some((line, column)))
                }
            };
            let mut f = Finding::new(rule, "", msg);
            if rule.id == document::JSON_SYNTAX.id && report.text.is_some() {
                f = f.hint("check the character at this position; JSON allows no comments or trailing commas");
            }
            report.findings.push(Located {
                finding: f,
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
            });
            report.skip_reason = Some("config.json could not be parsed");
            return report;
        }
    };
    for d in &parsed.duplicates {
        findings.push(
            Finding::new(
                &document::NO_DUPLICATE_NAMES,
                d.pointer.clone(),
                format!(
                    "member \"{}\" appears more than once in the same object",
                    d.name
                ),
            )
            .expected("each name once per object")
            .observed(format!(
                "\"{}\" again; runtimes disagree on which value wins",
                d.name
            )),
        );
    }
    let config = &parsed.value;
    let ctx = Ctx::new(config, bundle);
    report.version = ctx.version.clone();

    schema::check(config, &mut findings);
    report.ran.insert(schema::SCHEMA.id);
    for rule in rules::catalogue() {
        let runs = match rule.scope {
            Scope::Schema | Scope::Config => true,
            Scope::Bundle => bundle.is_some(),
            Scope::Document => false,
        };
        if !runs {
            continue;
        }
        report.ran.insert(rule.id);
        if let Some(check) = rule.check {
            check(&ctx, &mut findings);
        }
    }

    // Positions cost a second parse: only pay it when there is something to point at.
    let locator = match (findings.is_empty(), parsed.duplicates.is_empty()) {
        (true, _) => None,
        (false, true) => report.text.as_deref().map(Locator::without_duplicates),
        (false, false) => report.text.as_deref().map(Locator::new),
    };
    report.findings = findings
        .into_iter()
        .map(|finding| {
            let pos = locator.as_ref().and_then(|l| l.locate(&finding.pointer));
            Located {
                finding,
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
            }
        })
        .collect();
    report.findings.sort_by(|a, b| {
        (a.line, a.column, a.finding.rule.id, &a.finding.pointer).cmp(&(
            b.line,
            b.column,
            b.finding.rule.id,
            &b.finding.pointer,
        ))
    });
    report.findings.dedup();
    report
}

/// Validates one config.json on its own (no bundle rules).
pub fn validate_config_file(path: &Path, opts: &Options) -> Result<Report, Error> {
    let bytes = read_regular_file(path, opts)?;
    Ok(validate_bytes(&path.display().to_string(), &bytes, None))
}

/// Validates a bundle directory: its config.json, then the files it names.
pub fn validate_bundle(dir: &Path, opts: &Options) -> Result<Report, Error> {
    let meta = std::fs::metadata(dir).map_err(|err| io_error(dir, err))?;
    if !meta.is_dir() {
        return Err(Error::NotADirectory(dir.to_path_buf()));
    }
    let ctx = BundleCtx {
        dir: dir.to_path_buf(),
    };
    let config_path = dir.join("config.json");
    match bundle::config_json_problem(dir) {
        Some(finding) => {
            let mut report = validate_bytes(&config_path.display().to_string(), b"{}", Some(&ctx));
            report.findings = vec![Located {
                finding,
                line: None,
                column: None,
            }];
            report.text = None;
            report.ran = [crate::bundle::CONFIG_JSON.id].into_iter().collect();
            report.skip_reason = Some("the bundle has no readable config.json");
            Ok(report)
        }
        None => {
            // Checked above not to be a symlink; O_NOFOLLOW keeps one swapped in since from
            // being followed out of the bundle.
            let bytes = read_regular(&config_path, opts, libc::O_NOFOLLOW)?;
            Ok(validate_bytes(
                &config_path.display().to_string(),
                &bytes,
                Some(&ctx),
            ))
        }
    }
}

fn io_error(path: &Path, err: std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound(path.to_path_buf())
    } else {
        Error::Io {
            path: path.to_path_buf(),
            err,
        }
    }
}

/// Reads a file that must be a regular file of bounded size. Opened with O_NONBLOCK so that a
/// FIFO in its place cannot hang us, then checked with fstat on the open descriptor (no race
/// between the check and the read).
pub fn read_regular_file(path: &Path, opts: &Options) -> Result<Vec<u8>, Error> {
    read_regular(path, opts, 0)
}

/// Opens `path` non-blocking (a FIFO cannot hang the validator) with `extra_flags`, and reads
/// it whole if it is a regular file no larger than `opts.max_size`.
fn read_regular(path: &Path, opts: &Options, extra_flags: i32) -> Result<Vec<u8>, Error> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | extra_flags)
        .open(path)
        .map_err(|err| io_error(path, err))?;
    let meta = file.metadata().map_err(|err| io_error(path, err))?;
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        Some("directory")
    } else if ft.is_fifo() {
        Some("FIFO")
    } else if ft.is_socket() {
        Some("socket")
    } else if ft.is_char_device() {
        Some("character device")
    } else if ft.is_block_device() {
        Some("block device")
    } else {
        None
    };
    if let Some(kind) = kind {
        return Err(Error::NotARegularFile {
            path: path.to_path_buf(),
            kind,
        });
    }
    if meta.len() > opts.max_size {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            max: opts.max_size,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The size may grow between fstat and read; never read more than the limit + 1.
    file.take(opts.max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| io_error(path, err))?;
    if bytes.len() as u64 > opts.max_size {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: opts.max_size,
        });
    }
    Ok(bytes)
}
