//! The result model of oci-check.
//!
//! A run is a list of [`CheckResult`]s. The validator produces one result per finding (and one
//! passing result per rule that found nothing); the runtime harness produces one result per
//! scenario. Every writer in `oci-check-reports` takes a [`Run`] and nothing else, so both parts
//! of the tool report the same way.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// What happened to one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
    /// Failed, and listed as a known deviation (`--expect-fail`).
    Xfail,
    /// Listed as a known deviation, yet passed: the list is stale, so the run fails.
    Xpass,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Xfail => "xfail",
            Outcome::Xpass => "xpass",
        }
    }
}

/// How much a failing check matters. MUST maps to `Error`, SHOULD and deprecated fields to
/// `Warning`, everything merely worth knowing to `Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a file a result points. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Location {
    /// The file, as the user named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// RFC 6901 JSON pointer ("" is the whole document).
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Rule ID (validator) or check name (harness).
    pub id: String,
    /// What the check checks, in one line (the rule's summary, the scenario's spec sentence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub outcome: Outcome,
    pub level: Level,
    /// IDs of rows of the spec's requirements table this check covers.
    pub requirements: Vec<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Link to the spec text, for the spec version the subject claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// The quoted spec sentence, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The area a check belongs to (JUnit testsuite, TAP subtest); for the validator the first
    /// segment of the rule ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", with = "duration_ms")]
    pub duration: Option<Duration>,
    /// More for a failing check: the runtime calls it made (argv, exit, output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl CheckResult {
    pub fn new(id: impl Into<String>, outcome: Outcome, level: Level) -> Self {
        CheckResult {
            id: id.into(),
            title: None,
            outcome,
            level,
            requirements: Vec::new(),
            message: String::new(),
            expected: None,
            observed: None,
            location: None,
            spec: None,
            spec_text: None,
            hint: None,
            area: None,
            duration: None,
            details: None,
        }
    }

    /// Whether this result makes the run fail. A failing warning fails only under `--strict`;
    /// info never fails; an `xpass` always does, so a known-deviation list cannot go stale.
    pub fn is_failure(&self, strict: bool) -> bool {
        match self.outcome {
            Outcome::Fail => match self.level {
                Level::Error => true,
                Level::Warning => strict,
                Level::Info => false,
            },
            Outcome::Xpass => true,
            Outcome::Pass | Outcome::Skip | Outcome::Xfail => false,
        }
    }
}

/// What a run checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// `oci-check bundle`
    Bundle,
    /// `oci-check config`
    Config,
    /// `oci-check runtime`
    Runtime,
    /// `oci-check image`
    Image,
}

/// A source file the results point into, kept so writers can show a code frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A whole run: what was checked and every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub kind: RunKind,
    /// The bundle directory, config file or runtime that was checked.
    pub subject: String,
    pub tool_version: String,
    /// Spec version the results were judged against (the config's ociVersion when it is one we
    /// know, else the spec of record).
    pub spec_version: String,
    /// Facts about the subject and the host (runtime version, cgroup layout, ...).
    pub facts: BTreeMap<String, String>,
    pub results: Vec<CheckResult>,
    /// Sources the results point into; never serialised.
    #[serde(skip)]
    pub sources: Vec<Source>,
    #[serde(skip_serializing_if = "Option::is_none", with = "duration_ms")]
    pub duration: Option<Duration>,
}

impl Run {
    pub fn new(kind: RunKind, subject: impl Into<String>, spec_version: impl Into<String>) -> Self {
        Run {
            kind,
            subject: subject.into(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            spec_version: spec_version.into(),
            facts: BTreeMap::new(),
            results: Vec::new(),
            sources: Vec::new(),
            duration: None,
        }
    }

    /// True when any result fails the run (see [`CheckResult::is_failure`]).
    pub fn failed(&self, strict: bool) -> bool {
        self.results.iter().any(|r| r.is_failure(strict))
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            match r.outcome {
                Outcome::Pass => s.pass += 1,
                Outcome::Fail => match r.level {
                    Level::Error => s.errors += 1,
                    Level::Warning => s.warnings += 1,
                    Level::Info => s.infos += 1,
                },
                Outcome::Skip => s.skip += 1,
                Outcome::Xfail => s.xfail += 1,
                Outcome::Xpass => s.xpass += 1,
            }
        }
        s
    }

    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// Counts of a run's results. `errors`, `warnings` and `infos` count failing results by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub skip: usize,
    pub xfail: usize,
    pub xpass: usize,
}

impl Summary {
    pub fn failed_total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_f64((d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let ms: Option<f64> = Option::deserialize(d)?;
        Ok(ms.map(|ms| Duration::from_secs_f64(ms / 1000.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_fail_only_when_strict() {
        let warn = CheckResult::new("x", Outcome::Fail, Level::Warning);
        assert!(!warn.is_failure(false));
        assert!(warn.is_failure(true));
        let err = CheckResult::new("x", Outcome::Fail, Level::Error);
        assert!(err.is_failure(false));
        let info = CheckResult::new("x", Outcome::Fail, Level::Info);
        assert!(!info.is_failure(true));
    }

    #[test]
    fn xpass_fails_and_xfail_does_not() {
        assert!(CheckResult::new("x", Outcome::Xpass, Level::Error).is_failure(false));
        assert!(!CheckResult::new("x", Outcome::Xfail, Level::Error).is_failure(true));
        assert!(!CheckResult::new("x", Outcome::Skip, Level::Error).is_failure(true));
    }

    #[test]
    fn summary_counts_by_outcome_and_level() {
        let mut run = Run::new(RunKind::Config, "c.json", "1.3.0");
        run.results
            .push(CheckResult::new("a", Outcome::Pass, Level::Error));
        run.results
            .push(CheckResult::new("b", Outcome::Fail, Level::Error));
        run.results
            .push(CheckResult::new("c", Outcome::Fail, Level::Warning));
        run.results
            .push(CheckResult::new("d", Outcome::Skip, Level::Error));
        let s = run.summary();
        assert_eq!((s.pass, s.errors, s.warnings, s.skip), (1, 1, 1, 1));
        assert!(run.failed(false));
    }

    #[test]
    fn duration_serialises_as_milliseconds() {
        let mut r = CheckResult::new("a", Outcome::Pass, Level::Error);
        r.duration = Some(Duration::from_micros(1500));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["duration"], serde_json::json!(1.5));
        let back: CheckResult = serde_json::from_value(v).unwrap();
        assert_eq!(back.duration, Some(Duration::from_micros(1500)));
    }
}
