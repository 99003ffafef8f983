//! `oci-check runtime`: the conformance suite against a runtime binary.

use crate::{write_report, ReportArgs};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oci_check_harness::runner::{self, ExpectFail, Options, Progress, Selection, Silent};
use oci_check_harness::{janitor, scenarios};
use oci_check_model::{CheckResult, Outcome};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct RuntimeArgs {
    /// The runtime: a path, or a name looked up on PATH.
    #[arg(long, required_unless_present_any = ["list", "coverage"])]
    runtime: Option<String>,
    /// An argument passed to every runtime call, before the operation (repeatable):
    /// --runtime-arg=--debug
    #[arg(long = "runtime-arg", allow_hyphen_values = true, value_name = "ARG")]
    runtime_args: Vec<String>,
    /// The static oci-probe to put in each rootfs [default: $OCI_CHECK_PROBE, else oci-probe
    /// beside this binary, else on PATH]
    #[arg(long)]
    probe: Option<PathBuf>,
    /// Scenarios run at once [default: the number of CPUs]
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Deadline, in seconds, of each runtime call and of each wait for the runtime.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// List the scenarios (as `cargo test -- --list` does) and exit.
    #[arg(long)]
    list: bool,
    /// Print how many of the spec's dynamic MUST/SHOULD requirements the checks cover, per
    /// level and file, and those not covered, and exit.
    #[arg(long)]
    coverage: bool,
    /// Run only scenarios whose name contains one of these (repeatable).
    #[arg(long = "filter", value_name = "SUBSTRING")]
    filters: Vec<String>,
    /// Filters given as positional arguments, as with cargo test.
    #[arg(value_name = "FILTER")]
    positional_filters: Vec<String>,
    /// Run only shard K of N (1 <= K <= N), chosen by a hash of each check's name, as
    /// cargo-nextest does: CI machines that run hash:1/N .. hash:N/N together run each check
    /// exactly once
    #[arg(long, value_name = "hash:K/N")]
    partition: Option<String>,
    /// Filters match whole names only.
    #[arg(long)]
    exact: bool,
    /// Leave out scenarios whose name contains this (repeatable).
    #[arg(long, value_name = "SUBSTRING")]
    skip: Vec<String>,
    /// Known deviations: a file of `NAME REASON` lines. A listed check that fails is reported
    /// as xfail; one that passes is xpass, which fails the run.
    #[arg(long, value_name = "FILE")]
    expect_fail: Option<PathBuf>,
    /// Write the suite's base bundle (the config every scenario starts from, the probe as the
    /// rootfs, `process.args` the probe exiting 0) into this new directory, and exit: to
    /// reproduce a scenario by hand, or to time the runtime alone on the same bundle.
    #[arg(long, value_name = "DIR")]
    write_bundle: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    out: ReportArgs,
}

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
    let all = scenarios::all();
    let selection = Selection {
        filters: args
            .filters
            .iter()
            .chain(&args.positional_filters)
            .cloned()
            .collect(),
        exact: args.exact,
        skip: args.skip.clone(),
        partition: args
            .partition
            .as_deref()
            .map(runner::Partition::parse)
            .transpose()?,
    };
    if args.coverage {
        let rows = oci_check_harness::coverage::rows(&all, &scenarios::not_checkable());
        print_quietly(&oci_check_harness::coverage::render(&rows));
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        let chosen = selection.select(&all);
        let list: String = chosen
            .iter()
            .map(|s| format!("{}: test\n", s.name))
            .collect();
        print_quietly(&list);
        eprintln!("\n{} tests", chosen.len());
        return Ok(ExitCode::SUCCESS);
    }
    let expect_fail = match &args.expect_fail {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--expect-fail {}: {e}", path.display()))?;
            ExpectFail::parse(&text, &all)
                .map_err(|e| format!("--expect-fail {}: {e}", path.display()))?
        }
        None => ExpectFail::default(),
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(format!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        ));
    }
    let opts = Options {
        runtime: args.runtime.clone().expect("clap requires --runtime"),
        runtime_args: args.runtime_args.clone(),
        probe: find_probe(args.probe.as_ref())?,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        timeout: Duration::from_secs_f64(args.timeout),
        selection,
        expect_fail,
    };
    let prepared = runner::prepare(&opts)?;
    if let Some(dir) = &args.write_bundle {
        let written = runner::write_base_bundle(&prepared, dir);
        prepared.janitor.finish();
        written?;
        println!("{}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    janitor::stop_on_signals(prepared.janitor.clone())
        .map_err(|e| format!("installing the signal handler: {e}"))?;
    let bar;
    let progress: &dyn Progress = if !args.quiet && std::io::stderr().is_terminal() {
        bar = Bar::new();
        &bar
    } else {
        &Silent
    };
    let run = runner::run(&prepared, &all, &opts, progress);
    prepared.janitor.park_if_stopping();
    Ok(write_report(&run, &args.out))
}

/// The probe: the flag, `$OCI_CHECK_PROBE`, `oci-probe` beside this binary, or on PATH.
fn find_probe(flag: Option<&PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = flag {
        return Ok(p.clone());
    }
    if let Some(p) = std::env::var_os("OCI_CHECK_PROBE") {
        return Ok(PathBuf::from(p));
    }
    if let Some(beside) = std::env::current_exe()
        .ok()
        .and_then(|e| Some(e.parent()?.join("oci-probe")))
        .filter(|p| p.is_file())
    {
        return Ok(beside);
    }
    which::which("oci-probe").map_err(|_| {
        "no oci-probe found: give --probe PATH (a static build: RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release -p oci-probe --target x86_64-unknown-linux-gnu)".to_string()
    })
}

/// A progress bar on a terminal; failures are printed above it as they happen.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Bar {
        let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
                .expect("a valid template"),
        );
        Bar(pb)
    }
}

impl Progress for Bar {
    fn started(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn finished(&self, r: &CheckResult) {
        if matches!(r.outcome, Outcome::Fail | Outcome::Xpass) {
            self.0
                .println(format!("{} {}", r.outcome.as_str().to_uppercase(), r.id));
        }
        self.0.set_message(r.id.clone());
        self.0.inc(1);
        if self.0.position() == self.0.length().unwrap_or(0) {
            self.0.finish_and_clear();
        }
    }
}

/// Prints to stdout; a reader that stopped early (`| head`) is not an error.
fn print_quietly(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
