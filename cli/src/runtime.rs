//! `oci-check runtime`: the conformance suite against a runtime binary.

use crate::{write_report, ColorChoice, ReportArgs};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oci_check_harness::janitor::{self, Janitor};
use oci_check_harness::runner::{self, ExpectFail, Options, Progress, Selection, Silent};
use oci_check_harness::scenario::{Observed, Scenario};
use oci_check_harness::scenarios;
use oci_check_model::{CheckResult, Outcome, Run};
use oci_check_reports::{render_matrix, Column, Matrix};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Args)]
pub struct RuntimeArgs {
    /// The runtime: a path, or a name looked up on PATH. Repeatable: the suite then runs against
    /// each in turn, each with its own work directory and clean-up, and the report is a matrix
    /// with a column per runtime (--format human, json, html or markdown)
    #[arg(long = "runtime", value_name = "RUNTIME", required_unless_present_any = ["list", "coverage"])]
    pub(crate) runtimes: Vec<String>,
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
    pub(crate) list: bool,
    /// Print how many of the spec's dynamic MUST/SHOULD requirements the checks cover, per
    /// level and file, and those not covered, and exit.
    #[arg(long)]
    pub(crate) coverage: bool,
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
    /// as xfail; one that passes is xpass, which fails the run. With several runtimes: one
    /// file for all, or one per --runtime, in the same order (each runtime has its own).
    #[arg(long, value_name = "FILE")]
    pub(crate) expect_fail: Vec<PathBuf>,
    /// Write the suite's base bundle (the config every scenario starts from, the probe as the
    /// rootfs, `process.args` the probe exiting 0) into this new directory, and exit: to
    /// reproduce a scenario by hand, or to time the runtime alone on the same bundle.
    #[arg(long, value_name = "DIR")]
    pub(crate) write_bundle: Option<PathBuf>,
    /// The ociVersion every config.json claims [default: the runtime's features ociVersionMax
    /// when no newer than the spec of record, else 1.0.2]. For a runtime with no features
    /// document that refuses 1.0.2: the preflight says which version it accepts
    #[arg(long, value_name = "VERSION", value_parser = parse_oci_version)]
    pub(crate) oci_version: Option<String>,
    /// No progress (a bar on a terminal, else a line per finished check on stderr).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    #[command(flatten)]
    pub(crate) out: ReportArgs,
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
    let selection = selection_of(args)?;
    if args.coverage {
        let rows = oci_check_harness::coverage::rows(&all, &scenarios::not_checkable());
        let mut text = oci_check_harness::coverage::render(&rows);
        if args.out.verbose {
            text += &oci_check_harness::coverage::render_checks(&all);
        }
        print_quietly(&text);
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
    check_runtimes(args)?;
    let options = options_per_runtime(args, &all, selection)?;
    if let Some(dir) = &args.write_bundle {
        return write_bundle(&options[0], dir, args.oci_version.as_deref());
    }
    let stopper = Stopper::install()?.claiming(args.oci_version.clone());
    if args.runtimes.len() == 1 {
        let run = stopper.run_suite(&options[0], &all, args.quiet);
        stopper.finish();
        return Ok(write_report(&run?, &args.out));
    }
    let mut columns = Vec::new();
    for (i, label) in args.runtimes.iter().enumerate() {
        if !args.quiet {
            eprintln!(
                "oci-check: runtime {} of {}: {label}",
                i + 1,
                args.runtimes.len()
            );
        }
        let run = stopper.run_suite(&options[i], &all, args.quiet);
        if let Err(e) = &run {
            eprintln!("oci-check: error: runtime {label} could not run: {e}");
        }
        columns.push(Column {
            label: label.clone(),
            run,
        });
    }
    stopper.finish();
    Ok(write_matrix(&Matrix { columns }, &args.out))
}

/// The scenarios the filters, --exact, --skip and --partition choose.
pub(crate) fn selection_of(args: &RuntimeArgs) -> Result<Selection, String> {
    Ok(Selection {
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
    })
}

/// The options of each `--runtime`'s run, in order: the same selection, probe, jobs and
/// deadline for all, and each runtime's own known deviations.
pub(crate) fn options_per_runtime(
    args: &RuntimeArgs,
    all: &[Scenario],
    selection: Selection,
) -> Result<Vec<Options>, String> {
    let lists = args
        .expect_fail
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--expect-fail {}: {e}", path.display()))?;
            ExpectFail::parse(&text, all)
                .map_err(|e| format!("--expect-fail {}: {e}", path.display()))
        })
        .collect::<Result<Vec<ExpectFail>, String>>()?;
    let expect_fail_of = |i: usize| -> ExpectFail {
        match lists.as_slice() {
            [] => ExpectFail::default(),
            [one] => one.clone(),
            many => many[i].clone(),
        }
    };
    if lists.len() > 1 && lists.len() != args.runtimes.len() {
        return Err(format!(
            "{} --expect-fail files for {} runtimes: give one for all, or one per --runtime in the same order",
            lists.len(),
            args.runtimes.len()
        ));
    }
    let expect_fail = expect_fail_of(0);
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(format!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        ));
    }
    let base = Options {
        runtime: String::new(),
        runtime_args: args.runtime_args.clone(),
        probe: find_probe(args.probe.as_ref())?,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        timeout: Duration::from_secs_f64(args.timeout),
        selection,
        expect_fail,
    };
    Ok((0..args.runtimes.len())
        .map(|i| Options {
            runtime: args.runtimes[i].clone(),
            selection: base.selection.clone(),
            expect_fail: expect_fail_of(i),
            runtime_args: base.runtime_args.clone(),
            probe: base.probe.clone(),
            ..base
        })
        .collect())
}

/// What is wrong with the runtimes given, before anything runs: one named twice, or several
/// with a format or an option that takes one.
fn check_runtimes(args: &RuntimeArgs) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = args.runtimes.iter().find(|r| !seen.insert(r.as_str())) {
        return Err(format!("--runtime {twice} is given twice"));
    }
    if args.runtimes.len() > 1 {
        if !args.out.format.writes_matrix() {
            return Err(format!(
                "--format {} holds one run; with several --runtime use human, json, html or markdown",
                args.out.format.name()
            ));
        }
        if args.write_bundle.is_some() {
            return Err("--write-bundle takes one --runtime".into());
        }
    }
    Ok(())
}

/// `--write-bundle DIR`: the base bundle of `opts`'s runtime, and nothing run (not even the
/// preflight: the bundle is also how one looks into a runtime that cannot run it).
fn write_bundle(
    opts: &Options,
    dir: &std::path::Path,
    oci_version: Option<&str>,
) -> Result<ExitCode, String> {
    let prepared = runner::prepare_unchecked(opts, oci_version)?;
    let written = runner::write_base_bundle(&prepared, dir);
    prepared.janitor.finish();
    written?;
    println!("{}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The matrix, where the report goes. Exit 2 when a runtime could not run (each is named), else
/// 1 when one failed, else 0.
fn write_matrix(m: &Matrix, out: &ReportArgs) -> ExitCode {
    let written = render_matrix(m, out.format, &report_options(out))
        .and_then(|text| write_text(&text, out.output.as_ref()));
    if let Err(e) = written {
        eprintln!("oci-check: error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    let unrunnable = m.unrunnable();
    if !unrunnable.is_empty() {
        let names: Vec<&str> = unrunnable.iter().map(|(label, _)| *label).collect();
        eprintln!(
            "oci-check: error: {} of {} runtimes could not run: {}",
            names.len(),
            m.columns.len(),
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    if m.failed(out.strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The writers' options from the command line, as for a single run's report.
fn report_options(out: &ReportArgs) -> oci_check_reports::Options {
    let color = match out.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            out.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    oci_check_reports::Options {
        strict: out.strict,
        color,
        tap_version: out.tap_version,
        verbose: out.verbose,
    }
}

/// Writes `text` to the file, or to stdout where a closed pipe is no error.
fn write_text(text: &str, output: Option<&PathBuf>) -> Result<(), String> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => match std::io::stdout().write_all(text.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(|e| e.to_string()),
        },
    }
}

/// One handler of SIGINT, SIGTERM and SIGHUP for the whole invocation, however many runtimes
/// it runs one after the other: it cleans up after the run being prepared or run at that
/// moment, then ends the process. A handler per run (`janitor::stop_on_signals`) would not do:
/// those of finished runs stay installed, and the first of them would end the process while the
/// current run's clean-up is still going.
///
/// It is the harness's own handler, given a janitor of its own (with an empty private
/// directory) whose one registered undo shuts down the current run's janitor.
pub(crate) struct Stopper {
    outer: Arc<Janitor>,
    current: Arc<Current>,
    /// `--oci-version`: what the runs' configs claim, when the user chose.
    oci_version: Option<String>,
}

/// A finished run, with what its containers reported and the tag that names its containers.
pub(crate) struct Finished {
    pub run: Run,
    pub observed: Vec<Observed>,
    pub tag: String,
}

/// The run the handler must clean up after.
#[derive(Default)]
struct Current {
    slot: Mutex<Slot>,
    changed: Condvar,
}

#[derive(Default)]
enum Slot {
    #[default]
    Idle,
    /// `runner::prepare` is making the run's directory and janitor: the handler waits for it
    /// (its runtime calls have deadlines) so that nothing it made is left.
    Preparing,
    Running(Arc<Janitor>),
}

impl Current {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, slot: Slot) {
        *self.lock() = slot;
        self.changed.notify_all();
    }

    /// From the signal handler: shuts the current run down once it is prepared.
    fn shut_down(&self) -> Option<String> {
        let mut slot = self.lock();
        while matches!(*slot, Slot::Preparing) {
            slot = self.changed.wait(slot).unwrap_or_else(|p| p.into_inner());
        }
        let Slot::Running(janitor) = std::mem::take(&mut *slot) else {
            return None;
        };
        drop(slot);
        let left = janitor.shutdown();
        (!left.is_empty()).then(|| left.join("\n"))
    }
}

impl Stopper {
    pub(crate) fn install() -> Result<Stopper, String> {
        let dir = private_dir().map_err(|e| format!("creating a private directory: {e}"))?;
        let outer = Arc::new(Janitor::new(dir));
        let current = Arc::new(Current::default());
        let handler_side = current.clone();
        outer.defer_undo("the run in progress", move || handler_side.shut_down());
        if let Err(e) = janitor::stop_on_signals(outer.clone()) {
            outer.finish();
            return Err(format!("installing the signal handler: {e}"));
        }
        Ok(Stopper {
            outer,
            current,
            oci_version: None,
        })
    }

    /// Runs whose configs claim `oci_version` (`--oci-version`), when given.
    pub(crate) fn claiming(self, oci_version: Option<String>) -> Stopper {
        Stopper {
            oci_version,
            ..self
        }
    }

    /// Prepares and runs the suite against `opts.runtime`; an `Err` when it cannot run. Does
    /// not return once a signal is being handled (the handler ends the process).
    fn run_suite(&self, opts: &Options, all: &[Scenario], quiet: bool) -> Result<Run, String> {
        self.run_and_observe(opts, all, quiet, false).map(|f| f.run)
    }

    /// As `run_suite`, also returning the probe reports the scenarios read (for `diff`). With
    /// `every_release`, a runtime is held to the spec of record whatever release it claims, so
    /// that the checks of later releases run (and observe) too.
    pub(crate) fn run_and_observe(
        &self,
        opts: &Options,
        all: &[Scenario],
        quiet: bool,
        every_release: bool,
    ) -> Result<Finished, String> {
        let mut slot = self.current.lock();
        // Checked under the lock the handler takes: either it sees `Preparing` and waits for
        // the janitor, or this sees it stopping and waits for the end.
        while self.outer.stopping() {
            drop(slot);
            self.outer.park_if_stopping();
            slot = self.current.lock();
        }
        *slot = Slot::Preparing;
        drop(slot);
        let prepared = runner::prepare_with_version(opts, self.oci_version.as_deref());
        self.current.set(match &prepared {
            Ok(p) => Slot::Running(p.janitor.clone()),
            Err(_) => Slot::Idle,
        });
        let mut prepared = prepared?;
        if every_release {
            prepared
                .suite
                .hold_to_spec_of_record("`diff` runs every check");
        }
        let (bar, lines);
        let progress: &dyn Progress = if quiet {
            &Silent
        } else if std::io::stderr().is_terminal() {
            bar = Bar::new();
            &bar
        } else {
            lines = Lines::default();
            &lines
        };
        let run = runner::run(&prepared, all, opts, progress);
        prepared.janitor.park_if_stopping();
        self.current.set(Slot::Idle);
        Ok(Finished {
            run,
            observed: prepared.suite.take_observed(),
            tag: prepared.suite.tag.clone(),
        })
    }

    /// Removes the handler's private directory (the runs cleaned up after themselves).
    pub(crate) fn finish(&self) {
        for left in self.outer.finish() {
            eprintln!("oci-check: could not remove: {left}");
        }
    }
}

/// A new, empty directory of this process's own in the temporary directory.
fn private_dir() -> std::io::Result<PathBuf> {
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "oci-check-signals-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no unused name"))
}

/// `--oci-version`: a release as runtime-spec numbers them (`1.0.0`, `1.0.2-dev`).
fn parse_oci_version(text: &str) -> Result<String, String> {
    runner::parse_oci_version(text)
}

/// The probe: the flag, `$OCI_CHECK_PROBE`, `oci-probe` beside this binary, or on PATH.
pub(crate) fn find_probe(flag: Option<&PathBuf>) -> Result<PathBuf, String> {
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

/// Not a terminal (a CI log, a pipe): one plain line per finished check, `[n/N] OUTCOME id`.
#[derive(Default)]
struct Lines {
    total: std::sync::atomic::AtomicUsize,
    done: std::sync::atomic::AtomicUsize,
}

impl Progress for Lines {
    fn started(&self, total: usize) {
        self.total.store(total, std::sync::atomic::Ordering::SeqCst);
    }
    fn finished(&self, r: &CheckResult) {
        use std::io::Write;
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let total = self.total.load(std::sync::atomic::Ordering::SeqCst);
        let _ = writeln!(
            std::io::stderr().lock(),
            "[{n}/{total}] {} {}",
            r.outcome.as_str().to_uppercase(),
            r.id
        );
    }
}

/// Prints to stdout; a reader that stopped early (`| head`) is not an error.
fn print_quietly(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
