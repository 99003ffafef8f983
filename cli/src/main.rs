//! `oci-check`: the command line.
//!
//! Exit codes: 0 nothing failed, 1 a finding or failure (an error; a warning too with
//! `--strict`), 2 the tool could not run (bad flags, missing or unreadable input).

use clap::{Args, Parser, Subcommand, ValueEnum};
use oci_check_model::Run;
use oci_check_reports::{render, Format};
use oci_check_validator::{
    requirements, validate_bundle, validate_config_file, Options as VOptions,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod coverage;
mod diff;
mod fuzz;
mod image;
mod runtime;

#[derive(Parser)]
#[command(
    name = "oci-check",
    version,
    about = "Checks OCI runtime bundles and runtimes against the OCI Runtime Specification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate bundle directories: config.json against the schema and every static rule, and
    /// the files it names. Nothing from the bundle is run.
    Bundle {
        /// Bundle directories (each holding config.json).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Validate config.json files on their own (no bundle checks).
    Config {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Validate OCI image layout directories (oci-layout, index.json, blobs/) against the OCI
    /// Image Specification v1.1.1: every descriptor resolved to its blob, digest (streamed) and
    /// size verified, index, manifest and image config checked against our schema and the
    /// spec's rules. Nothing is run, no symlink is followed out of the layout.
    Image {
        /// Image layout directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Run the conformance suite against a runtime binary that speaks the OCI command line
    /// (runc, crun, youki, ...). Needs root. Every container, mount, cgroup and file it makes is
    /// removed, also after a timeout, a crash of the runtime, or Ctrl-C.
    Runtime(Box<runtime::RuntimeArgs>),
    /// Run the same scenarios on two runtimes (--runtime A --runtime B, filters as for
    /// `runtime`) and show, per scenario, where what their containers saw differs (mounts,
    /// devices, limits, capabilities, namespaces, ...), also where the spec is silent. Exit 0
    /// when nothing differs, 1 when something does, 2 when a runtime could not run. Needs root.
    Diff(Box<runtime::RuntimeArgs>),
    /// Run generated configs (hostname, env, args, cwd, user, rlimits, capabilities,
    /// namespaces, mounts, masked/read-only paths, sysctls, cgroup limits) on a runtime: the
    /// probe must see each as configured, or the runtime must reject it and leave nothing.
    /// A mismatch is shrunk and written as a bundle that reproduces it; the same --seed gives
    /// the same cases. Exit 0 all pass or are rejected cleanly, 1 a mismatch or leftover, 2
    /// could not run. Needs root.
    Fuzz(Box<fuzz::FuzzArgs>),
    /// List the rule catalogue, or with --coverage the share of the spec's static requirements
    /// the rules cover.
    Rules {
        #[arg(long)]
        coverage: bool,
        /// human or json
        #[arg(long, default_value = "human")]
        format: String,
    },
    /// Write the man pages (oci-check.1 and one per subcommand) or a shell's completion script,
    /// generated from this command line's own definition.
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
}

#[derive(Subcommand)]
enum Generate {
    /// Man pages, in roff, into DIR.
    Man { dir: PathBuf },
    /// The completion script of SHELL, to standard output.
    Completions { shell: clap_complete::Shell },
}

#[derive(Args)]
struct OutputArgs {
    #[command(flatten)]
    report: ReportArgs,
    /// Largest JSON document read, in bytes (config.json; an image's index, manifests, configs).
    #[arg(long, default_value_t = VOptions::default().max_size)]
    max_size: u64,
}

/// How and where the report is written.
#[derive(Args)]
struct ReportArgs {
    /// human, json, tap, junit, sarif, html (one self-contained file) or markdown (GitHub-flavoured)
    #[arg(long, short = 'f', default_value = "human", value_parser = parse_format)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Warnings fail the run too (exit 1).
    #[arg(long)]
    strict: bool,
    /// TAP version for --format tap: 13 (accepted by prove) or 14 (subtests per area).
    #[arg(long, default_value_t = 13, value_parser = clap::value_parser!(u8).range(13..=14))]
    tap_version: u8,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Human output: list passing and skipped checks too.
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Bundle { dirs, out } => validate(&dirs, &out, true),
        Command::Config { files, out } => validate(&files, &out, false),
        Command::Image { dirs, out } => image::main(&dirs, &out),
        Command::Runtime(args) => runtime::main(&args),
        Command::Diff(args) => diff::main(&args),
        Command::Fuzz(args) => fuzz::main(&args),
        Command::Rules {
            coverage: true,
            format,
        } => coverage::print_coverage(&format),
        Command::Rules {
            coverage: false,
            format,
        } => coverage::print_rules(&format),
        Command::Generate { what } => generate(what),
    }
}

fn generate(what: Generate) -> ExitCode {
    use clap::CommandFactory;
    let written = match what {
        Generate::Man { dir } => write_man_pages(&dir),
        Generate::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "oci-check", &mut out);
            match std::io::stdout().write_all(&out) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
                _ => Ok(()),
            }
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oci-check: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// oci-check.1, and oci-check-SUB.1 for each subcommand (as git's pages are split).
fn write_man_pages(dir: &std::path::Path) -> Result<(), String> {
    use clap::CommandFactory;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let top = Cli::command();
    let mut pages = vec![(String::from("oci-check"), top.clone())];
    for sub in top.get_subcommands() {
        let name = format!("oci-check-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, cmd) in pages {
        let mut roff = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut roff)
            .map_err(|e| format!("rendering {name}.1: {e}"))?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, roff).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn validate(paths: &[PathBuf], out: &OutputArgs, bundle: bool) -> ExitCode {
    let opts = VOptions {
        max_size: out.max_size,
    };
    let mut runs = Vec::new();
    for p in paths {
        let report = if bundle {
            validate_bundle(p, &opts)
        } else {
            validate_config_file(p, &opts)
        };
        match report {
            Ok(r) => runs.push(r.to_run(&p.display().to_string())),
            Err(e) => {
                eprintln!("oci-check: error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let run = merge(runs);
    write_report(&run, &out.report)
}

/// Writes the report where asked; the exit code follows the run (2 if it cannot be written).
fn write_report(run: &Run, out: &ReportArgs) -> ExitCode {
    let color = match out.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            out.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let ropts = oci_check_reports::Options {
        strict: out.strict,
        color,
        tap_version: out.tap_version,
        verbose: out.verbose,
    };
    let text = render(run, out.format, &ropts);
    let written = match &out.output {
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display())),
        // A reader that stops early (`| head`) has what it wanted: no error for a closed pipe.
        None => match std::io::stdout().write_all(text.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(|e| e.to_string()),
        },
    };
    if let Err(e) = written {
        eprintln!("oci-check: error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if run.failed(out.strict) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One run of several inputs: results and sources side by side.
fn merge(mut runs: Vec<Run>) -> Run {
    if runs.len() == 1 {
        return runs.pop().expect("one run");
    }
    let mut all = runs.remove(0);
    let n = runs.len() + 1;
    for r in runs {
        all.results.extend(r.results);
        all.sources.extend(r.sources);
        if r.spec_version != all.spec_version {
            all.spec_version = requirements::SPEC_OF_RECORD.to_string();
        }
    }
    all.facts.remove("ociVersion");
    all.subject = format!("{n} inputs");
    all
}
