//! `oci-probe`: see probe/README.md. A thin dispatcher over the library.

use oci_probe::cli::{self, Command};
use oci_probe::{collect, summary, sys, syscalls, verbs};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;

fn main() {
    // First, before anything in the probe could change them: the rlimits as the runtime set
    // them. (Rust's start-up only reads limits; see README "Start-up and rlimits".)
    let rlimits = sys::read_rlimits();

    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| String::from_utf8_lossy(&a.into_vec()).into_owned())
        .collect();
    let command = match cli::parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("oci-probe: {e}\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    let result = match command {
        Command::Help => print(cli::USAGE),
        Command::Summary(opts) => {
            print(&summary::summary(&collect::collect_report(&opts, rlimits)))
        }
        Command::Report { opts, out } => {
            let report = collect::collect_report(&opts, rlimits);
            match serde_json::to_string(&report) {
                Ok(json) => match out {
                    Some(file) => verbs::write_atomically(&file, &(json + "\n")),
                    None => print(&(json + "\n")),
                },
                Err(e) => Err(format!("serializing the report: {e}")),
            }
        }
        Command::Sleep(secs) => verbs::sleep(secs),
        Command::Exit(code) => Ok(code),
        Command::WaitSignals { out, exit_on } => verbs::wait_signals(&out, exit_on),
        Command::Touch(path) => verbs::touch(&path),
        Command::Cat(path) => verbs::cat(&path),
        Command::Write { path, content } => verbs::write(&path, &content),
        Command::Hook {
            record,
            exit,
            sleep,
        } => verbs::hook(&record, exit, sleep),
        Command::Syscall { out, names } => syscalls::syscall_verb(&names, &out),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("oci-probe: {e}");
            std::process::exit(1);
        }
    }
}

/// Writes to stdout; a closed pipe is an error to report, not a panic (`print!` would panic).
fn print(text: &str) -> Result<i32, String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    Ok(0)
}
