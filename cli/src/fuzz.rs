//! `oci-check fuzz`: generated configs run on a runtime; the probe's report must match each,
//! or the runtime must reject it cleanly. Mismatches are shrunk and written as bundles.

use clap::{Args, ValueEnum};
use oci_check_harness::fuzz::{self, gen, shrink, Verdict};
use oci_check_harness::janitor;
use oci_check_harness::runner::{self, ExpectFail, Options, Selection};
use oci_check_harness::scenario::Suite;
use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct FuzzArgs {
    /// The runtime: a path, or a name looked up on PATH.
    #[arg(long)]
    runtime: String,
    /// An argument passed to every runtime call, before the operation (repeatable):
    /// --runtime-arg=--debug
    #[arg(long = "runtime-arg", allow_hyphen_values = true, value_name = "ARG")]
    runtime_args: Vec<String>,
    /// The static oci-probe to put in each rootfs [default: $OCI_CHECK_PROBE, else oci-probe
    /// beside this binary, else on PATH]
    #[arg(long)]
    probe: Option<PathBuf>,
    /// How many cases to generate and run.
    #[arg(long, default_value_t = 32)]
    cases: u64,
    /// The generator's seed: the same seed gives the same cases [default: random, printed]
    #[arg(long)]
    seed: Option<u64>,
    /// Where shrunk mismatching cases are written, one bundle directory each.
    #[arg(long, default_value = "fuzz-failures")]
    out: PathBuf,
    /// Runs of the runtime a shrink may make, per mismatching case (0: no shrinking).
    #[arg(long, default_value_t = 60)]
    shrink_budget: usize,
    /// Deadline, in seconds, of each runtime call and of each wait for the runtime.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// human: a line per case (index, digest, verdict) and the details of failures; json: one
    /// document with every case.
    #[arg(long, short = 'f', value_enum, default_value_t = FuzzFormat::Human)]
    format: FuzzFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FuzzFormat {
    Human,
    Json,
}

pub fn main(args: &FuzzArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("oci-check: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One case's result, as printed.
struct Outcome {
    index: u64,
    digest: String,
    verdict: Verdict,
    /// For a mismatch: the shrunk case, its verdict, the bundle written.
    shrunk: Option<(gen::Case, Verdict, Result<PathBuf, String>)>,
}

fn run(args: &FuzzArgs) -> Result<ExitCode, String> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(format!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        ));
    }
    let seed = args.seed.unwrap_or_else(random_seed);
    let opts = Options {
        runtime: args.runtime.clone(),
        runtime_args: args.runtime_args.clone(),
        probe: crate::runtime::find_probe(args.probe.as_ref())?,
        jobs: 1,
        timeout: Duration::from_secs_f64(args.timeout),
        selection: Selection::default(),
        expect_fail: ExpectFail::default(),
    };
    let prepared = runner::prepare(&opts)?;
    janitor::stop_on_signals(prepared.janitor.clone())
        .map_err(|e| format!("installing the signal handler: {e}"))?;
    let suite = &prepared.suite;
    let limits = gen::Limits {
        bounding_caps: suite.host.bounding_caps.clone(),
        namespaces: config_types(&suite.host.namespaces),
        rlimit_hard: gen::Limits::own_rlimits(),
    };
    let human = args.format == FuzzFormat::Human;
    if human {
        say(&format!(
            "fuzz: {} cases, seed {seed} (repeat with --seed {seed}), runtime {}",
            args.cases,
            suite.runtime.path.display()
        ));
    }
    let mut outcomes = Vec::new();
    for index in 0..args.cases {
        if prepared.janitor.stopping() {
            break;
        }
        let case = gen::generate(seed, index, &limits);
        let verdict = fuzz::run_case(suite, &case);
        let shrunk = matches!(verdict, Verdict::Mismatch { .. })
            .then(|| shrink_and_write(suite, args, seed, index, &case, &verdict));
        let o = Outcome {
            index,
            digest: gen::digest(&case),
            verdict,
            shrunk,
        };
        if human {
            say(&human_line(&o));
        }
        outcomes.push(o);
    }
    prepared.janitor.park_if_stopping();
    let left = prepared.janitor.finish();
    for l in &left {
        eprintln!("oci-check: could not remove: {l}");
    }
    let failed = outcomes.iter().filter(|o| o.verdict.failed()).count();
    if human {
        say(&format!(
            "fuzz: {} cases, {} pass, {} rejected cleanly, {failed} failed (seed {seed})",
            outcomes.len(),
            outcomes
                .iter()
                .filter(|o| o.verdict.name() == "PASS")
                .count(),
            outcomes
                .iter()
                .filter(|o| o.verdict.name() == "REJECTED")
                .count(),
        ));
    } else {
        say(&json_doc(seed, &args.runtime, &outcomes).to_string());
    }
    Ok(if failed > 0 || !left.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Config namespace types for the /proc/self/ns names the host has.
fn config_types(proc_names: &BTreeSet<String>) -> BTreeSet<String> {
    proc_names
        .iter()
        .map(|n| match n.as_str() {
            "net" => "network".to_string(),
            "mnt" => "mount".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// Shrinks a mismatching case while it mismatches on its first property, and writes the
/// result as a bundle under `--out`.
fn shrink_and_write(
    suite: &Suite,
    args: &FuzzArgs,
    seed: u64,
    index: u64,
    case: &gen::Case,
    verdict: &Verdict,
) -> (gen::Case, Verdict, Result<PathBuf, String>) {
    let property = verdict.properties()[0].to_string();
    let mut last = verdict.clone();
    let (small, _) = shrink::shrink(case, args.shrink_budget, |candidate| {
        let v = fuzz::run_case(suite, candidate);
        let same = v.properties().contains(&property.as_str());
        if same {
            last = v;
        }
        same
    });
    let dir = args.out.join(format!("seed-{seed}-case-{index}"));
    let readme = readme(args, seed, index, &dir, &last);
    let written = std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: {e}", args.out.display()))
        .and_then(|()| fuzz::write_bundle(suite, &small, &dir, &readme));
    (small, last, written)
}

fn readme(args: &FuzzArgs, seed: u64, index: u64, dir: &Path, v: &Verdict) -> String {
    let mut text = format!(
        "oci-check fuzz: case {index} of seed {seed} on {}, shrunk.\n\nReproduce:\n  {} run --bundle {} fuzz-repro\nthen read out/report.json (the probe's report of what the container saw).\n\nMismatches:\n",
        args.runtime,
        std::iter::once(args.runtime.as_str())
            .chain(args.runtime_args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        dir.display()
    );
    if let Verdict::Mismatch { mismatches } = v {
        for m in mismatches {
            text += &format!(
                "  {}: expected {}, observed {}\n",
                m.property, m.expected, m.observed
            );
        }
    }
    text
}

fn human_line(o: &Outcome) -> String {
    let mut line = format!("case {:>4} {} {}", o.index, o.digest, o.verdict.name());
    match &o.verdict {
        Verdict::Rejected {
            stage,
            exit,
            said,
            leftovers,
        } => {
            line += &format!(" ({stage}: {exit})\n    runtime said: {said}");
            for l in leftovers {
                line += &format!("\n    left behind: {l}");
            }
        }
        Verdict::Mismatch { mismatches } => {
            for m in mismatches {
                line += &format!(
                    "\n    {}: expected {}, observed {}",
                    m.property, m.expected, m.observed
                );
            }
        }
        Verdict::NoReport { why } | Verdict::Error { why } => line += &format!(": {why}"),
        Verdict::Pass { .. } => {}
    }
    if let Some((small, v, written)) = &o.shrunk {
        line += &format!(
            "\n    shrunk to {} ({}): {}",
            gen::digest(small),
            v.properties().join(", "),
            serde_json::to_string(small).unwrap_or_default()
        );
        match written {
            Ok(dir) => line += &format!("\n    bundle: {}", dir.display()),
            Err(e) => line += &format!("\n    bundle not written: {e}"),
        }
    }
    line
}

fn json_doc(seed: u64, runtime: &str, outcomes: &[Outcome]) -> serde_json::Value {
    let cases: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            let mut v = json!({"index": o.index, "digest": o.digest,
                               "result": o.verdict.name(), "detail": o.verdict});
            if let Some((small, sv, written)) = &o.shrunk {
                v["shrunk"] = json!({"case": small, "detail": sv,
                    "bundle": written.as_ref().ok(), "error": written.as_ref().err()});
            }
            v
        })
        .collect();
    json!({"seed": seed, "runtime": runtime, "cases": cases})
}

/// A seed from the clock and the process ID: different per run, printed so it can be repeated.
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut r = gen::Rng::new(nanos ^ u64::from(std::process::id()).rotate_left(32));
    r.next_u64()
}

/// Prints a line to stdout; a reader that stopped early is no error.
fn say(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
