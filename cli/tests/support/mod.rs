//! What the cli tests that run containers share: the binary, the static probe, the
//! prerequisites (root and runc, else SKIP, or a failure under `CI`), a private temporary
//! directory with wrapper runtimes, and running a command with a deadline.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

const TARGET: &str = "x86_64-unknown-linux-gnu";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_oci-check")
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    uid.split_whitespace().nth(1) == Some("0")
}

/// The static probe, or `None` after printing SKIP (failing under CI) without root or runc.
/// `what` names the tests in the message.
pub fn prerequisites(what: &str) -> Option<PathBuf> {
    let unavailable = |why: &str| {
        assert!(
            std::env::var_os("CI").is_none(),
            "the {what} tests cannot run under CI: {why}"
        );
        let _ = writeln!(std::io::stderr(), "SKIP {what} test: {why}");
        None
    };
    if !is_root() {
        return unavailable("not running as root");
    }
    if which::which("runc").is_err() {
        return unavailable("runc not found");
    }
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    Some(PROBE.get_or_init(static_probe).clone())
}

/// Builds (a no-op when up to date) the static probe into `<target>/static`, as the harness's
/// tests do.
pub fn static_probe() -> PathBuf {
    if let Some(p) = std::env::var_os("OCI_PROBE_STATIC_BIN") {
        return PathBuf::from(p);
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
        .join("static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "oci-probe",
            "--target",
            TARGET,
        ])
        .arg("--manifest-path")
        .arg(repo().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .status()
        .expect("running cargo to build the static probe");
    assert!(status.success(), "building the static probe failed");
    target_dir.join(TARGET).join("release/oci-probe")
}

/// A private temporary directory (the runs' `TMPDIR`, so what they leave is seen there) and
/// wrapper runtimes in it.
pub struct Place {
    pub dir: tempfile::TempDir,
}

impl Place {
    pub fn new() -> Place {
        Place {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn tmp(&self) -> PathBuf {
        let t = self.dir.path().join("tmp");
        std::fs::create_dir_all(&t).unwrap();
        t
    }

    /// `exec broken-runtime --break=MODE "$@"` as an executable of its own.
    pub fn wrapper(&self, mode: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let name: String = mode
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = self.dir.path().join(format!("broken-{name}"));
        let script = format!(
            "#!/bin/sh\nexec {} '--break={mode}' \"$@\"\n",
            repo().join("harness/tests/broken-runtime").display()
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    /// What is still in the runs' temporary directory: nothing, when every run cleaned up.
    pub fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.tmp())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

/// Runs `cmd` to its end, capturing its output; kills it and panics after 300 s.
pub fn run(cmd: &mut Command) -> Output {
    run_with_deadline(cmd, Duration::from_secs(300))
}

/// Runs `cmd` to its end with nothing on its stdin, killing it (and failing) past `limit`:
/// nothing may hang a test. Output is drained by `wait_with_output` on another thread, so a
/// large report cannot fill the pipe and stall.
pub fn run_with_deadline(cmd: &mut Command, limit: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("hung: {cmd:?}");
        }
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
