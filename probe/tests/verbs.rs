//! The helper verbs, run as the real binary on the host.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn probe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oci-probe"))
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// Polls `path` until it has `n` JSON lines.
fn wait_lines(path: &Path, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let lines = json_lines(path);
        if lines.len() >= n {
            return lines;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {n} lines in {}: {lines:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn wait_signals_records_each_signal_in_order_and_exits_on_the_chosen_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signals.jsonl");
    let mut child = probe()
        .args(["wait-signals", "--out"])
        .arg(&out)
        .args(["--exit-on", "USR2"])
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let ready = wait_lines(&out, 1);
    assert_eq!(ready[0]["event"], "ready");
    assert_eq!(ready[0]["pid"], pid);

    // One at a time: pending standard signals are delivered lowest number first, so only
    // waiting for each record makes the send order the record order.
    let sent = [
        libc::SIGUSR1,
        libc::SIGHUP,
        libc::SIGTERM,
        libc::SIGPIPE,
        libc::SIGRTMIN() + 1,
        libc::SIGUSR2,
    ];
    for (i, &sig) in sent.iter().enumerate() {
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        wait_lines(&out, i + 2);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exits 0 on the --exit-on signal");

    let lines = json_lines(&out);
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "SIGUSR1",
            "SIGHUP",
            "SIGTERM",
            "SIGPIPE",
            "SIGRTMIN+1",
            "SIGUSR2"
        ]
    );
    for (i, l) in lines[1..].iter().enumerate() {
        assert_eq!(l["seq"], i as u64 + 1);
        assert_eq!(l["signo"], sent[i]);
        assert_eq!(l["sender_pid"], std::process::id());
    }
}

#[test]
fn hook_records_argv_env_state_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("hooks.jsonl");
    let state = r#"{"ociVersion":"1.0.2","id":"c1","status":"created","pid":42,"bundle":"/b"}"#;
    for (stdin, exit) in [(state, "3"), ("not json", "0")] {
        let mut child = probe()
            .args(["hook", "--record"])
            .arg(&rec)
            .args(["--exit", exit])
            .env("HOOK_MARK", "yes")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(exit.parse().unwrap()));
    }
    let lines = json_lines(&rec);
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["state"]["id"], "c1");
    assert_eq!(first["state_is_json"], true);
    assert_eq!(first["argv"][1], "hook");
    assert!(first["env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "HOOK_MARK=yes"));
    assert!(first["realtime_ns"].as_i64().unwrap() > 1_600_000_000_000_000_000);
    assert!(first["monotonic_ns"].as_i64().unwrap() > 0);
    assert!(first["pid"].as_i64().unwrap() > 0);
    let ns = first["namespaces"].as_array().unwrap();
    assert!(ns
        .iter()
        .any(|n| n["type"] == "mnt" && n["inode"].as_u64() > Some(0)));
    assert_eq!(lines[1]["state"], "not json");
    assert_eq!(lines[1]["state_is_json"], false);
}

#[test]
fn a_sleeping_hook_marks_its_end_after_the_sleep() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("hooks.jsonl");
    let status = probe()
        .args(["hook", "--record"])
        .arg(&rec)
        .args(["--sleep", "0.2"])
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let lines = json_lines(&rec);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].get("phase").is_none());
    assert_eq!(lines[1]["phase"], "end");
    assert_eq!(lines[1]["argv"], lines[0]["argv"]);
    let slept =
        lines[1]["monotonic_ns"].as_u64().unwrap() - lines[0]["monotonic_ns"].as_u64().unwrap();
    assert!(slept >= 200_000_000, "ended {slept} ns after it started");
}

#[test]
fn concurrent_hooks_do_not_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("hooks.jsonl");
    // Records of ~20 KiB each, well past a pipe's atomic size, from 16 processes at once.
    let big = format!("{{\"id\":\"{}\"}}", "x".repeat(20_000));
    let children: Vec<_> = (0..16)
        .map(|_| {
            let mut c = probe()
                .args(["hook", "--record"])
                .arg(&rec)
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = c.stdin.take().unwrap();
            let big = big.clone();
            std::thread::spawn(move || stdin.write_all(big.as_bytes()).unwrap());
            c
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let lines = json_lines(&rec);
    assert_eq!(lines.len(), 16);
    assert!(lines
        .iter()
        .all(|l| l["state"]["id"].as_str().unwrap().len() == 20_000));
}

#[test]
fn small_verbs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f");
    let run = |args: &[&str]| probe().args(args).output().unwrap();
    let fs = f.to_str().unwrap();

    assert_eq!(run(&["exit", "7"]).status.code(), Some(7));
    assert_eq!(run(&["exit", "nope"]).status.code(), Some(2));
    assert_eq!(run(&["bogus"]).status.code(), Some(2));
    let start = Instant::now();
    assert!(run(&["sleep", "0.2"]).status.success());
    assert!(start.elapsed() >= Duration::from_millis(200));

    assert!(run(&["touch", fs]).status.success());
    assert!(f.exists());
    assert!(run(&["write", fs, "hello\nworld"]).status.success());
    let cat = run(&["cat", fs]);
    assert!(cat.status.success());
    assert_eq!(cat.stdout, b"hello\nworld");
    let missing = run(&["cat", "/nonexistent/file"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/file"));
}

#[test]
fn summary_and_report_run_on_the_host() {
    let summary = probe().output().unwrap();
    assert!(summary.status.success());
    let text = String::from_utf8(summary.stdout).unwrap();
    for label in [
        "user",
        "caps",
        "memory",
        "cpu",
        "pids",
        "cgroup",
        "namespaces",
        "hostname",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "no {label} line in:\n{text}"
        );
    }
    let report = probe()
        .args(["report", "--json", "--sysctl", "kernel.ostype"])
        .output()
        .unwrap();
    assert!(report.status.success());
    let r: oci_probe::Report = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(r.sysctls["kernel.ostype"].as_deref(), Some("Linux"));
    assert_eq!(r.process.rlimits.len(), 16);
    assert!(!r.mounts.entries.is_empty());
}
