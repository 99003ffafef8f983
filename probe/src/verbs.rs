//! The helper verbs the harness runs inside (or, for `hook`, beside) containers.
//! Each returns the exit status, or an error message for a status of 1.

use crate::collect::own_namespaces;
use crate::sys;
use serde_json::{json, Value};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

/// `sleep SECS`; `inf` never returns.
pub fn sleep(secs: f64) -> Result<i32, String> {
    if secs.is_finite() {
        std::thread::sleep(Duration::from_secs_f64(secs));
        return Ok(0);
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

/// `touch PATH`: create if missing (never truncating), and set both times to now.
pub fn touch(path: &str) -> Result<i32, String> {
    let f = sys::open(
        path.as_ref(),
        libc::O_WRONLY | libc::O_CREAT | libc::O_NONBLOCK | libc::O_NOCTTY,
        0o666,
    )
    .map_err(|e| format!("touch {path}: {e}"))?;
    use std::os::fd::AsRawFd;
    // SAFETY: a valid fd; a null times pointer means "now" for both.
    if unsafe { libc::futimens(f.as_raw_fd(), std::ptr::null()) } != 0 {
        return Err(format!("touch {path}: {}", io::Error::last_os_error()));
    }
    Ok(0)
}

/// `cat PATH` to stdout.
pub fn cat(path: &str) -> Result<i32, String> {
    let mut f = File::open(path).map_err(|e| format!("cat {path}: {e}"))?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    io::copy(&mut f, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cat {path}: {e}"))?;
    Ok(0)
}

/// `write PATH CONTENT`: create or truncate, write CONTENT exactly (no newline added).
pub fn write(path: &str, content: &str) -> Result<i32, String> {
    std::fs::write(path, content).map_err(|e| format!("write {path}: {e}"))?;
    Ok(0)
}

/// Opens a record file for appending: every record then lands at the end, whoever else appends.
/// Writes `content` to `path` through a temporary file and a rename, so a reader polling for
/// `path` sees the whole content or nothing.
pub fn write_atomically(path: &str, content: &str) -> Result<i32, String> {
    let tmp = format!("{path}.tmp-{}", sys::pid());
    std::fs::write(&tmp, content).map_err(|e| format!("{tmp}: {e}"))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("rename {tmp} to {path}: {e}"))?;
    Ok(0)
}

fn open_append(path: &str) -> Result<File, String> {
    sys::open(
        path.as_ref(),
        libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND,
        0o644,
    )
    .map_err(|e| format!("{path}: {e}"))
}

/// One JSON line in one `write(2)`. With `O_APPEND` the kernel positions and writes it under the
/// inode lock, so lines from concurrent writers do not interleave. A short write is reported,
/// not completed, since a second write could land after another writer's line.
fn append_line(file: &mut File, value: &Value) -> Result<(), String> {
    let mut line = value.to_string().into_bytes();
    line.push(b'\n');
    match file.write(&line) {
        Ok(n) if n == line.len() => Ok(()),
        Ok(n) => Err(format!("short write: {n} of {} bytes", line.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// Every signal a handler can be installed for: 1–31 except SIGKILL and SIGSTOP, and the
/// real-time ones from libc's SIGRTMIN (glibc keeps 32 and 33 for itself).
pub fn catchable_signals() -> Vec<i32> {
    (1..32)
        .filter(|&s| s != libc::SIGKILL && s != libc::SIGSTOP)
        .chain(libc::SIGRTMIN()..=libc::SIGRTMAX())
        .collect()
}

/// Does nothing: signals are taken with `sigwaitinfo` while blocked. The handler exists so that
/// no signal is ignored or fatal by default should it ever be unblocked, and so that a
/// container's pid 1 (which the kernel shields from signals without a handler) is still
/// signalled. Empty, hence async-signal-safe.
extern "C" fn noop_handler(_: libc::c_int) {}

/// `wait-signals --out FILE [--exit-on SIG]`. All catchable signals are blocked, given a no-op
/// handler, then taken one at a time with `sigwaitinfo`: synchronous, exact order, no work in
/// signal context. FILE gets `{"event":"ready",...}` once everything is in place, then one
/// `{"event":"signal",...}` line per signal; the verb exits 0 after recording `exit_on`.
pub fn wait_signals(out: &str, exit_on: i32) -> Result<i32, String> {
    let mut file = open_append(out)?;
    let signals = catchable_signals();
    // SAFETY: plain sigset manipulation on a local, then process-wide mask and handler
    // changes; the probe is single-threaded.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in &signals {
            libc::sigaddset(&mut set, s);
        }
        // Block first, so nothing arriving during the installs below takes a default action.
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(format!("sigprocmask: {}", io::Error::last_os_error()));
        }
        for &s in &signals {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = noop_handler as *const () as libc::sighandler_t;
            libc::sigfillset(&mut sa.sa_mask);
            sa.sa_flags = libc::SA_RESTART;
            if libc::sigaction(s, &sa, std::ptr::null_mut()) != 0 {
                return Err(format!(
                    "sigaction({}): {}",
                    sys::signal_name(s),
                    io::Error::last_os_error()
                ));
            }
        }
        set
    };
    append_line(
        &mut file,
        // The timestamps let the harness tell whether the program ran before `start` was called.
        &json!({
            "event": "ready",
            "pid": sys::pid(),
            "exit_on": sys::signal_name(exit_on),
            "realtime_ns": sys::clock_ns(libc::CLOCK_REALTIME),
            "monotonic_ns": sys::clock_ns(libc::CLOCK_MONOTONIC),
        }),
    )?;
    let mut seq = 0u64;
    loop {
        // SAFETY: siginfo_t is plain data, filled by the kernel.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` and `info` are valid.
        let signo = unsafe { libc::sigwaitinfo(&set, &mut info) };
        if signo < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(format!("sigwaitinfo: {e}"));
        }
        seq += 1;
        append_line(&mut file, &signal_record(seq, signo, &info))?;
        if signo == exit_on {
            return Ok(0);
        }
    }
}

fn signal_record(seq: u64, signo: i32, info: &libc::siginfo_t) -> Value {
    // The sender is meaningful for kill/sigqueue/tgkill (si_code <= 0) and for SIGCHLD.
    let has_sender = info.si_code <= 0 || signo == libc::SIGCHLD;
    // SAFETY: si_pid/si_uid read the union member that these codes define.
    let (pid, uid) = unsafe { (info.si_pid(), info.si_uid()) };
    json!({
        "event": "signal",
        "seq": seq,
        "signo": signo,
        "name": sys::signal_name(signo),
        "code": info.si_code,
        "sender_pid": has_sender.then_some(pid),
        "sender_uid": has_sender.then_some(uid),
        "realtime_ns": sys::clock_ns(libc::CLOCK_REALTIME),
        "monotonic_ns": sys::clock_ns(libc::CLOCK_MONOTONIC),
    })
}

/// `hook --record FILE [--exit N] [--sleep SECS]`: an OCI hook. Appends one JSON line with its
/// argv, env, the state from stdin (parsed when it is JSON, else the raw text), timestamps,
/// pid and namespace inodes; fsyncs; then sleeps and exits as asked.
pub fn hook(record: &str, exit: i32, sleep_secs: Option<f64>) -> Result<i32, String> {
    // Timestamps first: they should say when the runtime started the hook.
    let realtime_ns = sys::clock_ns(libc::CLOCK_REALTIME);
    let monotonic_ns = sys::clock_ns(libc::CLOCK_MONOTONIC);
    let mut stdin = Vec::new();
    io::stdin()
        .read_to_end(&mut stdin)
        .map_err(|e| format!("hook: reading stdin: {e}"))?;
    let text = String::from_utf8_lossy(&stdin).into_owned();
    let (state, state_is_json) = match serde_json::from_slice::<Value>(&stdin) {
        Ok(v) => (v, true),
        Err(_) => (Value::String(text), false),
    };
    let lossy = |s: &std::ffi::OsStr| String::from_utf8_lossy(s.as_bytes()).into_owned();
    let value = json!({
        "argv": std::env::args_os().map(|a| lossy(&a)).collect::<Vec<_>>(),
        "env": std::env::vars_os()
            .map(|(k, v)| format!("{}={}", lossy(&k), lossy(&v)))
            .collect::<Vec<_>>(),
        "state": state,
        "state_is_json": state_is_json,
        "realtime_ns": realtime_ns,
        "monotonic_ns": monotonic_ns,
        "pid": sys::pid(),
        "ppid": sys::ppid(),
        "namespaces": own_namespaces(),
    });
    let mut file = open_append(record)?;
    append_line(&mut file, &value).map_err(|e| format!("{record}: {e}"))?;
    file.sync_all()
        .map_err(|e| format!("{record}: fsync: {e}"))?;
    if let Some(secs) = sleep_secs {
        sleep(secs)?;
        // A second line says when the hook ended: what ran while it slept is then seen to have
        // overlapped it (a runtime that does not wait for a hook before its next step).
        let end = json!({
            "argv": value["argv"],
            "phase": "end",
            "realtime_ns": sys::clock_ns(libc::CLOCK_REALTIME),
            "monotonic_ns": sys::clock_ns(libc::CLOCK_MONOTONIC),
        });
        append_line(&mut file, &end).map_err(|e| format!("{record}: {e}"))?;
        file.sync_all()
            .map_err(|e| format!("{record}: fsync: {e}"))?;
    }
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catchable_signals_exclude_kill_and_stop() {
        let s = catchable_signals();
        assert!(!s.contains(&libc::SIGKILL) && !s.contains(&libc::SIGSTOP));
        assert!(s.contains(&libc::SIGTERM) && s.contains(&libc::SIGRTMAX()));
        assert_eq!(
            s.len(),
            29 + (libc::SIGRTMAX() - libc::SIGRTMIN() + 1) as usize
        );
    }

    #[test]
    fn touch_creates_without_truncating_and_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let ps = p.to_str().unwrap();
        assert_eq!(touch(ps), Ok(0));
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        assert_eq!(write(ps, "hello"), Ok(0));
        assert_eq!(touch(ps), Ok(0));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "hello");
        assert!(touch("/nonexistent-dir/x").is_err());
    }

    #[test]
    fn append_line_writes_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.jsonl");
        let ps = p.to_str().unwrap();
        for i in 0..3 {
            append_line(&mut open_append(ps).unwrap(), &json!({"i": i})).unwrap();
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, vec![json!({"i":0}), json!({"i":1}), json!({"i":2})]);
    }
}
