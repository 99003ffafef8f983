//! `oci-check rules`, `runtime --list`, `runtime --coverage` and `bundle` into a reader that
//! stops early (`oci-check rules | head -5`): the run ends quietly with its usual exit status, as
//! when the output fits the pipe. `rules` and `runtime --list` used to panic ("failed printing to
//! stdout: Broken pipe", exit 101), `bundle` to say "Broken pipe" and exit 2.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

const VARIANTS: &[&[&str]] = &[
    &["rules"],
    &["rules", "--format", "json"],
    &["rules", "--format", "markdown"],
    &["rules", "--coverage"],
    &["rules", "--coverage", "--format", "json"],
    &["runtime", "--list"],
    &["runtime", "--coverage"],
    &["bundle", "VALID_BUNDLE", "--format", "json"],
    &["bundle", "VALID_BUNDLE", "--format", "junit"],
];

/// A bundle without findings, so the exit status is 0 when the report is read whole.
fn valid_bundle() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bundles/valid/minimal-v1.0.0"
    )
    .to_string()
}

fn spawn(args: &[&str]) -> Child {
    let args: Vec<String> = args
        .iter()
        .map(|a| match *a {
            "VALID_BUNDLE" => valid_bundle(),
            a => a.to_string(),
        })
        .collect();
    Command::new(env!("CARGO_BIN_EXE_oci-check"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the child (with a deadline: a closed pipe must not hang it) and returns its exit
/// code and standard error.
fn finish(mut child: Child, what: &str) -> (Option<i32>, String) {
    let mut err: ChildStderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).unwrap();
        s
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running after the reader went away");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status.code(), reader.join().unwrap())
}

fn assert_quiet(code: Option<i32>, stderr: &str, what: &str) {
    // `runtime --list` counts the tests on stderr; that line is its normal output.
    let stderr: String = stderr
        .lines()
        .filter(|l| !l.is_empty() && !l.ends_with(" tests"))
        .collect();
    let stderr = stderr.as_str();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{what}: {stderr}"
    );
    assert!(
        stderr.is_empty(),
        "{what}: unexpected standard error: {stderr}"
    );
    assert_eq!(code, Some(0), "{what}: exit status (stderr: {stderr})");
}

/// The reader is gone before the first byte is written: every write fails with EPIPE.
#[test]
fn rules_into_a_closed_pipe_end_quietly() {
    for args in VARIANTS {
        let mut child = spawn(args);
        drop(child.stdout.take());
        let what = format!("oci-check {}", args.join(" "));
        let (code, stderr) = finish(child, &what);
        assert_quiet(code, &stderr, &what);
    }
}

/// What `| head -5` does: read five lines, then close.
#[test]
fn rules_into_a_reader_that_stops_after_five_lines_end_quietly() {
    for args in VARIANTS {
        let mut child = spawn(args);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        for _ in 0..5 {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                break;
            }
        }
        drop(out);
        let what = format!("oci-check {} | head -5", args.join(" "));
        let (code, stderr) = finish(child, &what);
        assert_quiet(code, &stderr, &what);
    }
}

/// Read to the end, the output is whole: the catalogue and its count line.
#[test]
fn rules_read_to_the_end_are_whole() {
    let out = Command::new(env!("CARGO_BIN_EXE_oci-check"))
        .arg("rules")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.ends_with(" rules"), "{last}");
    assert!(text.lines().count() > 100);
}
