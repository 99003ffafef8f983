//! `oci-check diff --runtime A --runtime B [FILTER...]`: runs the same scenarios on two runtimes
//! and shows, per scenario, where what the containers saw differs: mounts, devices, limits,
//! capabilities, namespaces, ... whether or not the spec says anything about it. Where runtimes
//! quietly disagree is what a runtime author or a packager wants to know before users find out.
//!
//! Exit codes as diff(1): 0 no difference, 1 differences, 2 could not run.

use crate::runtime::{self, Finished, RuntimeArgs, Stopper};
use oci_check_harness::diff::{self, Common, Difference, HostNamespaces, Missing, Pair, Side};
use oci_check_harness::scenarios;
use oci_check_model::{CheckResult, Run};
use oci_check_reports::Format;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::process::ExitCode;

pub fn main(args: &RuntimeArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("oci-check: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &RuntimeArgs) -> Result<ExitCode, String> {
    check_args(args)?;
    let all = scenarios::all();
    let selection = runtime::selection_of(args)?;
    let options = runtime::options_per_runtime(args, &all, selection)?;
    let stopper = Stopper::install()?;
    let mut finished = Vec::new();
    for (i, opts) in options.iter().enumerate() {
        if !args.quiet {
            eprintln!("oci-check: runtime {} of 2: {}", i + 1, opts.runtime);
        }
        let f = stopper.run_and_observe(opts, &all, args.quiet, true);
        match f {
            Ok(f) => finished.push(f),
            Err(e) => {
                stopper.finish();
                return Err(format!("runtime {} could not run: {e}", opts.runtime));
            }
        }
    }
    stopper.finish();
    let [a, b]: [Finished; 2] = finished
        .try_into()
        .map_err(|_| "two runs expected".to_string())?;
    let report = DiffReport::new(a, b);
    let text = match args.out.format {
        Format::Json => {
            serde_json::to_string_pretty(&report.json()).map_err(|e| e.to_string())? + "\n"
        }
        Format::Markdown => report.markdown(),
        _ => report.human(),
    };
    let written = match &args.out.output {
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            use std::io::Write;
            match std::io::stdout().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
                _ => Ok(()),
            }
        }
    };
    if let Err(e) = written {
        return Err(format!("cannot write the report: {e}"));
    }
    Ok(if report.differs() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What `diff` cannot do with the options of `runtime`.
fn check_args(args: &RuntimeArgs) -> Result<(), String> {
    if args.runtimes.len() != 2 {
        return Err(format!(
            "diff compares two runtimes: give --runtime A --runtime B (got {})",
            args.runtimes.len()
        ));
    }
    if args.runtimes[0] == args.runtimes[1] {
        return Err(format!("--runtime {} is given twice", args.runtimes[0]));
    }
    if !matches!(
        args.out.format,
        Format::Human | Format::Json | Format::Markdown
    ) {
        return Err(format!(
            "diff writes human, json or markdown, not {}",
            args.out.format.name()
        ));
    }
    let unused = [
        (args.list, "--list"),
        (args.coverage, "--coverage"),
        (!args.expect_fail.is_empty(), "--expect-fail"),
        (args.write_bundle.is_some(), "--write-bundle"),
    ];
    if let Some((_, flag)) = unused.iter().find(|(given, _)| *given) {
        return Err(format!("{flag} is an option of `runtime`, not of `diff`"));
    }
    Ok(())
}

/// Both runs, their reports paired and compared.
struct DiffReport {
    labels: [String; 2],
    versions: [String; 2],
    runs: [Run; 2],
    /// Differences most compared pairs show alike: said once.
    common: Vec<Common>,
    /// Each pair, without the common differences.
    pairs: Vec<Pair>,
}

impl DiffReport {
    fn new(a: Finished, b: Finished) -> DiffReport {
        let host = HostNamespaces::detect();
        let side = |f: &Finished| Side {
            tag: f.tag.clone(),
            observed: f.observed.clone(),
        };
        let pairs = diff::compare(&side(&a), &side(&b), &host);
        let common = diff::common(&pairs);
        let pairs = diff::without(&pairs, &common);
        let label = |f: &Finished| f.run.subject.clone();
        let version = |f: &Finished| {
            f.run
                .facts
                .get("runtime.version")
                .cloned()
                .unwrap_or_default()
        };
        DiffReport {
            labels: [label(&a), label(&b)],
            versions: [version(&a), version(&b)],
            common,
            pairs,
            runs: [a.run, b.run],
        }
    }

    fn differs(&self) -> bool {
        !self.common.is_empty()
            || self
                .pairs
                .iter()
                .any(|p| p.missing.is_some() || !p.differences.is_empty())
    }

    fn result(&self, side: usize, scenario: &str) -> Option<&CheckResult> {
        self.runs[side].results.iter().find(|r| r.id == scenario)
    }

    /// `pass` / `fail: message` of a scenario on one side.
    fn verdict(&self, side: usize, scenario: &str) -> String {
        match self.result(side, scenario) {
            Some(r) if r.message.is_empty() || r.outcome.as_str() == "pass" => {
                r.outcome.as_str().to_string()
            }
            Some(r) => format!("{}: {}", r.outcome.as_str(), first_line(&r.message)),
            None => "not run".into(),
        }
    }

    fn with_differences(&self) -> impl Iterator<Item = &Pair> {
        self.pairs
            .iter()
            .filter(|p| p.missing.is_some() || !p.differences.is_empty())
    }

    fn compared(&self) -> usize {
        self.pairs.iter().filter(|p| p.missing.is_none()).count()
    }

    fn summary(&self) -> String {
        let compared = self.compared();
        let differing = self
            .pairs
            .iter()
            .filter(|p| p.missing.is_none() && !p.differences.is_empty())
            .count();
        let one_sided = self.pairs.len() - compared;
        format!(
            "{compared} reports compared: {} differences shown by most, {differing} with differences of their own; {one_sided} reports from one runtime only",
            self.common.len()
        )
    }

    fn human(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "A = {} ({})", self.labels[0], self.versions[0]);
        let _ = writeln!(s, "B = {} ({})", self.labels[1], self.versions[1]);
        if !self.common.is_empty() {
            let compared = self.compared();
            let _ = writeln!(s, "\nIn most reports:");
            for c in &self.common {
                human_difference(&mut s, &c.difference);
                let _ = writeln!(s, "    (in {} of {compared} reports)", c.reports);
            }
        }
        for p in self.with_differences() {
            let _ = writeln!(s, "\n{}", pair_title(p));
            let _ = writeln!(s, "  A: {}", self.verdict(0, &p.scenario));
            let _ = writeln!(s, "  B: {}", self.verdict(1, &p.scenario));
            match p.missing {
                Some(Missing::A) => {
                    let _ = writeln!(s, "  only B's container reported");
                }
                Some(Missing::B) => {
                    let _ = writeln!(s, "  only A's container reported");
                }
                None => p
                    .differences
                    .iter()
                    .for_each(|d| human_difference(&mut s, d)),
            }
        }
        let _ = writeln!(s, "\n{}", self.summary());
        s
    }

    fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# oci-check diff\n");
        let _ = writeln!(s, "- **A**: `{}` ({})", self.labels[0], self.versions[0]);
        let _ = writeln!(s, "- **B**: `{}` ({})\n", self.labels[1], self.versions[1]);
        let _ = writeln!(s, "{}\n", self.summary());
        let table = |s: &mut String, ds: &[(&Difference, String)]| {
            let _ = writeln!(s, "| path | A | B | |\n|---|---|---|---|");
            for (d, note) in ds {
                let (a, b) = shown(d);
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} | {} |",
                    cell(&d.path),
                    cell(&a),
                    cell(&b),
                    cell(note)
                );
            }
            s.push('\n');
        };
        if !self.common.is_empty() {
            let _ = writeln!(s, "## In most reports\n");
            let compared = self.compared();
            let rows: Vec<(&Difference, String)> = self
                .common
                .iter()
                .map(|c| (&c.difference, format!("{} of {compared}", c.reports)))
                .collect();
            table(&mut s, &rows);
        }
        for p in self.with_differences() {
            let _ = writeln!(s, "## {}\n", pair_title(p));
            let _ = writeln!(
                s,
                "A: {} — B: {}\n",
                cell(&self.verdict(0, &p.scenario)),
                cell(&self.verdict(1, &p.scenario))
            );
            match p.missing {
                Some(Missing::A) => s.push_str("Only B's container reported.\n\n"),
                Some(Missing::B) => s.push_str("Only A's container reported.\n\n"),
                None => {
                    let rows: Vec<(&Difference, String)> =
                        p.differences.iter().map(|d| (d, String::new())).collect();
                    table(&mut s, &rows)
                }
            }
        }
        s
    }

    fn json(&self) -> Value {
        let side = |i: usize| json!({"runtime": self.labels[i], "version": self.versions[i]});
        let pairs: Vec<Value> = self
            .pairs
            .iter()
            .map(|p| {
                json!({
                    "scenario": p.scenario,
                    "container": p.container,
                    "missing": p.missing,
                    "a": self.result(0, &p.scenario).map(|r| r.outcome.as_str()),
                    "b": self.result(1, &p.scenario).map(|r| r.outcome.as_str()),
                    "differences": p.differences,
                })
            })
            .collect();
        json!({
            "format": "oci-check-diff/v1",
            "a": side(0),
            "b": side(1),
            "common": self.common,
            "pairs": pairs,
        })
    }
}

fn pair_title(p: &Pair) -> String {
    if p.container == 0 {
        p.scenario.clone()
    } else {
        format!("{} (its container {})", p.scenario, p.container + 1)
    }
}

/// One difference as two lines; for two lists, what only one side has.
fn human_difference(s: &mut String, d: &Difference) {
    let (a, b) = shown(d);
    let _ = writeln!(s, "  {}\n    A: {a}\n    B: {b}", d.path);
}

/// The two sides of a difference as text: absent, the value, or for two lists the items only
/// that side has.
fn shown(d: &Difference) -> (String, String) {
    let text = |v: &Option<Value>| match v {
        None => "(absent)".to_string(),
        Some(v) => v.to_string(),
    };
    match (&d.a, &d.b) {
        (Some(Value::Array(a)), Some(Value::Array(b))) if !d.path.ends_with("/process/args") => {
            let only = |x: &[Value], y: &[Value]| -> String {
                let items: Vec<String> = x
                    .iter()
                    .filter(|i| !y.contains(i))
                    .map(Value::to_string)
                    .collect();
                if items.is_empty() {
                    "nothing the other lacks".into()
                } else {
                    format!("only here: {}", items.join(", "))
                }
            };
            (only(a, b), only(b, a))
        }
        _ => (text(&d.a), text(&d.b)),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
