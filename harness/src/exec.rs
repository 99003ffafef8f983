//! Running one external command with a deadline, keeping everything a failure report needs.
//!
//! The command gets its own process group, so a timeout can kill it and everything it forked.
//! Its stdout and stderr go to anonymous files, not pipes: a container created by the command
//! inherits them and may keep them open long after the command exits, so a pipe would never
//! reach end-of-file; a file also cannot fill up and stall a chatty runtime.

use crate::janitor::Janitor;
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The most of a command's stdout or stderr kept: enough for any state or features document,
/// bounded so a runtime printing garbage forever cannot exhaust memory.
const OUTPUT_LIMIT: u64 = 1 << 20;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
    /// Killed by the harness when its deadline passed.
    TimedOut(Duration),
    /// Never started (the reason is in `stderr`), or refused because the run is shutting down.
    NotStarted,
}

/// One command as it ran.
#[derive(Debug, Clone)]
pub struct Call {
    pub argv: Vec<String>,
    pub exit: Exit,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

impl Call {
    /// Exit status 0.
    pub fn succeeded(&self) -> bool {
        self.exit == Exit::Code(0)
    }

    /// What the spec calls "generating an error": the command ran to its end and exited non-zero.
    /// A crash or a timeout is not a clean error.
    pub fn errored(&self) -> bool {
        matches!(self.exit, Exit::Code(c) if c != 0)
    }

    /// The call's argv, exit and output, for a failing check's report.
    pub fn transcript(&self) -> String {
        let mut s = format!("$ {}\n  -> {}", shell_words(&self.argv), self.exit);
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let text = text.trim_end();
            if !text.is_empty() {
                s.push_str(&format!("\n  {name}: {}", clip(text, 2000)));
            }
        }
        s
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s} ({})", signal_name(*s)),
            Exit::TimedOut(d) => write!(f, "timed out after {:.1} s, killed", d.as_secs_f64()),
            Exit::NotStarted => f.write_str("not started"),
        }
    }
}

fn signal_name(s: i32) -> String {
    nix::sys::signal::Signal::try_from(s)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {s}"))
}

/// Quotes an argv the way a user would type it.
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters of `s`, marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}… ({} bytes in all)", &s[..i], s.len()),
        None => s.to_string(),
    }
}

/// Runs `program args...` in `cwd` (or the harness's own), killing its process group when
/// `timeout` passes. Registered with the janitor while it runs, so Ctrl-C kills it too.
pub fn run(
    janitor: &Janitor,
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    timeout: Duration,
) -> Call {
    run_inner(janitor, false, program, args, cwd, timeout)
}

/// As [`run`], for the janitor's clean-up calls: these also run while it is stopping, from the
/// thread doing the shutdown.
pub fn run_cleanup(janitor: &Janitor, program: &Path, args: &[String], timeout: Duration) -> Call {
    run_inner(janitor, true, program, args, None, timeout)
}

fn run_inner(
    janitor: &Janitor,
    cleanup: bool,
    program: &Path,
    args: &[String],
    cwd: Option<&Path>,
    timeout: Duration,
) -> Call {
    let mut argv = vec![program.display().to_string()];
    argv.extend(args.iter().cloned());
    let not_started = |argv: Vec<String>, why: String| Call {
        argv,
        exit: Exit::NotStarted,
        stdout: String::new(),
        stderr: why,
        duration: Duration::ZERO,
    };
    let (out, err) = match (tempfile::tempfile(), tempfile::tempfile()) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(e), _) | (_, Err(e)) => return not_started(argv, format!("temporary file: {e}")),
    };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(clone(&out))
        .stderr(clone(&err))
        .process_group(0);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let start = Instant::now();
    let Some(child) = janitor.spawn(&mut cmd, cleanup) else {
        return not_started(argv, "the run is shutting down".into());
    };
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return not_started(argv, format!("cannot run {}: {e}", program.display())),
    };
    let pgid = child.id() as i32;
    // A thread blocks in wait(2), so the end of the command is seen at once; this thread waits
    // for it with the deadline, and on the deadline kills the group, which ends the wait.
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = tx.send(());
        status
    });
    let timed_out = rx.recv_timeout(timeout).is_err();
    if timed_out {
        kill_group(pgid);
    }
    let status = waiter
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("waiter panicked")));
    let exit = match status {
        Ok(_) if timed_out => Exit::TimedOut(timeout),
        Ok(status) => match (status.code(), status.signal()) {
            (Some(c), _) => Exit::Code(c),
            (None, Some(s)) => Exit::Signal(s),
            (None, None) => Exit::Code(-1),
        },
        Err(e) => {
            kill_group(pgid);
            janitor.finished(pgid);
            return not_started(argv, format!("waiting for the command: {e}"));
        }
    };
    janitor.finished(pgid);
    Call {
        argv,
        exit,
        stdout: read_all(out),
        stderr: read_all(err),
        duration: start.elapsed(),
    }
}

fn clone(f: &File) -> Stdio {
    f.try_clone()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// SIGKILL to a whole process group; an already empty group is not an error.
pub fn kill_group(pgid: i32) {
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pgid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn read_all(mut f: File) -> String {
    let mut buf = Vec::new();
    if f.seek(SeekFrom::Start(0)).is_ok() {
        let _ = (&mut f).take(OUTPUT_LIMIT).read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_quote_only_what_needs_it() {
        let argv = ["runc", "--root", "/tmp/x y", "kill", "id", "it's"].map(String::from);
        assert_eq!(
            shell_words(&argv),
            "runc --root '/tmp/x y' kill id 'it'\\''s'"
        );
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 3), "abc… (6 bytes in all)");
    }

    #[test]
    fn exit_codes_signals_and_timeouts_are_told_apart() {
        let j = Janitor::new(std::env::temp_dir());
        let sh = Path::new("/bin/sh");
        let t = Duration::from_secs(10);
        let ok = run(
            &j,
            sh,
            &["-c".into(), "echo out; echo err >&2".into()],
            None,
            t,
        );
        assert!(ok.succeeded());
        assert_eq!((ok.stdout.as_str(), ok.stderr.as_str()), ("out\n", "err\n"));
        let bad = run(&j, sh, &["-c".into(), "exit 3".into()], None, t);
        assert_eq!(bad.exit, Exit::Code(3));
        assert!(bad.errored());
        let crash = run(&j, sh, &["-c".into(), "kill -SEGV $$".into()], None, t);
        assert_eq!(crash.exit, Exit::Signal(libc::SIGSEGV));
        assert!(!crash.errored(), "a crash is not a clean error");
        // The grandchild `sleep` is in the same process group and dies with it.
        let hung = run(
            &j,
            sh,
            &["-c".into(), "sleep 30 & wait".into()],
            None,
            Duration::from_millis(300),
        );
        assert!(matches!(hung.exit, Exit::TimedOut(_)), "{hung:?}");
        assert!(hung.duration < Duration::from_secs(5));
        let missing = run(&j, Path::new("/nonexistent/rt"), &[], None, t);
        assert_eq!(missing.exit, Exit::NotStarted);
        assert!(missing.stderr.contains("cannot run"), "{}", missing.stderr);
    }
}
