//! The static probe, alone in a container's rootfs, run by runc: does it start, and does its
//! report say what the config asked for?
//!
//! Needs root and runc; without them the test prints SKIP and passes, unless `CI` is set, in
//! which case it fails. It builds the static binary itself (into `<target>/static`, a separate
//! target directory so the outer cargo's lock is not in the way), or takes the one named by
//! `OCI_PROBE_STATIC_BIN`.

use oci_probe::{Limit, Report, SCHEMA_VERSION};
use serde_json::{json, Value};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TARGET: &str = "x86_64-unknown-linux-gnu";
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The capability set the container gets (runc's default, without anything this VM's bounding
/// set lacks).
const CAPS: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// Files runc masks with a /dev/null bind; which exist depends on the kernel's config
/// (this VM has no /proc/kcore).
const MASKED_FILES: [&str; 3] = ["/proc/kcore", "/proc/keys", "/proc/timer_list"];

/// Skips (or, under CI, fails) with a reason. Returns true when the test should stop.
fn unavailable(reason: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("runc integration test cannot run under CI: {reason}");
    }
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and a skip
    // must be visible in a plain `cargo test`.
    let _ = writeln!(std::io::stderr(), "SKIP runc integration test: {reason}");
    true
}

fn find_runc() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join("runc"))
        .find(|p| p.is_file())
}

/// runc and the static probe, or `None` (after printing SKIP) when the test cannot run here.
fn prerequisites() -> Option<(PathBuf, PathBuf)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 && unavailable("not running as root") {
        return None;
    }
    let Some(runc) = find_runc() else {
        unavailable("runc not found");
        return None;
    };
    // Built once for all tests of this file.
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    let probe = PROBE.get_or_init(|| {
        let p = static_probe();
        assert_static_elf(&p);
        p
    });
    Some((runc, probe.clone()))
}

/// Builds (incrementally: a no-op when up to date) the static probe and returns its path.
fn static_probe() -> PathBuf {
    if let Some(p) = std::env::var_os("OCI_PROBE_STATIC_BIN") {
        return PathBuf::from(p);
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../target"))
        .join("static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "oci-probe", "--target", TARGET])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // CARGO_ENCODED_RUSTFLAGS would take precedence over RUSTFLAGS.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .status()
        .expect("running cargo to build the static probe");
    assert!(status.success(), "building the static probe failed");
    target_dir.join(TARGET).join("release/oci-probe")
}

/// The binary must have no program interpreter (PT_INTERP), i.e. need no ld.so.
fn assert_static_elf(path: &Path) {
    let elf = std::fs::read(path).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF", "{} is not ELF", path.display());
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    const PT_INTERP: u32 = 3;
    for i in 0..phnum {
        let off = phoff + i * phentsize;
        let p_type = u32::from_le_bytes(elf[off..off + 4].try_into().unwrap());
        assert_ne!(
            p_type,
            PT_INTERP,
            "{} is dynamically linked",
            path.display()
        );
    }
}

/// Deletes the container however the test ends (runc run removes it on a normal exit; this
/// covers timeouts and panics). Declared after the temp dirs so it runs before they go.
struct ContainerGuard {
    runc: PathBuf,
    state_root: PathBuf,
    id: String,
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let _ = Command::new(&self.runc)
            .arg("--root")
            .arg(&self.state_root)
            .args(["delete", "--force", &self.id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

struct RunOutput {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs the command, killing it after `timeout`. Output goes to anonymous files, not pipes:
/// with `run --detach` the container inherits runc's stdout/stderr and keeps them open, so a
/// pipe would never reach EOF; a file also cannot fill up and stall a large report.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> RunOutput {
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .expect("spawning runc");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for runc") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |mut f: std::fs::File| {
        let mut s = String::new();
        f.seek(SeekFrom::Start(0)).unwrap();
        f.read_to_string(&mut s).unwrap();
        s
    };
    let (stdout, stderr) = (read(out), read(err));
    assert!(
        status.is_some(),
        "runc timed out after {timeout:?}; stderr:\n{stderr}"
    );
    RunOutput {
        success: status.unwrap().success(),
        stdout,
        stderr,
    }
}

fn probe_args() -> Vec<&'static str> {
    vec![
        "/oci-probe",
        "report",
        "--json",
        "--check-paths",
        "/proc/kcore",
        "/proc/keys",
        "/proc/timer_list",
        "/sys/firmware",
        "/proc/sys",
        "/data",
        "/",
        "--sysctl",
        "kernel.hostname",
    ]
}

/// The container's config. `out_dir` (a host directory) is bind-mounted at /out so tests can
/// read what the probe writes there.
fn config(cgroups_path: &str, args: &[&str], out_dir: &Path) -> Value {
    json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": false,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/", "FOO=bar"],
            "cwd": "/data",
            "capabilities": {
                "bounding": CAPS, "effective": CAPS, "permitted": CAPS, "ambient": []
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}],
            "noNewPrivileges": true
        },
        "root": {"path": "rootfs", "readonly": true},
        "hostname": "probe-test",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
            {"destination": "/data", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "size=1m"]},
            {"destination": "/out", "type": "bind", "source": out_dir,
             "options": ["rbind", "rw"]}
        ],
        "linux": {
            "namespaces": [
                {"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"},
                {"type": "network"}
            ],
            "cgroupsPath": cgroups_path,
            "resources": {
                "devices": [{"allow": false, "access": "rwm"}],
                "memory": {"limit": 67108864},
                "pids": {"limit": 32}
            },
            "maskedPaths": MASKED_FILES.iter().chain(&["/sys/firmware"]).collect::<Vec<_>>(),
            "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
        }
    })
}

/// A bundle whose rootfs holds the probe and the empty directories the config mounts on,
/// plus `out/` beside the rootfs for /out.
fn make_bundle(dir: &Path, probe: &Path, cgroups_path: &str, args: &[&str]) {
    let rootfs = dir.join("rootfs");
    for d in ["proc", "sys", "dev", "tmp", "data", "out"] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::copy(probe, rootfs.join("oci-probe")).unwrap();
    let config = config(cgroups_path, args, &dir.join("out"));
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(&config).unwrap(),
    )
    .unwrap();
}

/// A unique container id (also its cgroup name).
fn unique_id() -> String {
    format!(
        "oci-probe-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// `runc --root <state> ARGS...`
fn runc_cmd(runc: &Path, state_root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(runc);
    cmd.arg("--root").arg(state_root).args(args);
    cmd
}

fn host_ns_inode(name: &str) -> u64 {
    let link = std::fs::read_link(format!("/proc/self/ns/{name}")).unwrap();
    oci_probe::parse::parse_ns_link(&link.to_string_lossy())
        .unwrap()
        .1
}

#[test]
fn static_probe_reports_the_config_inside_runc() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let bundle = tempfile::tempdir().unwrap();
    let state_root = tempfile::tempdir().unwrap();
    let id = unique_id();
    make_bundle(bundle.path(), &probe, &format!("/{id}"), &probe_args());
    let _guard = ContainerGuard {
        runc: runc.clone(),
        state_root: state_root.path().to_path_buf(),
        id: id.clone(),
    };

    let bundle_dir = bundle.path().to_str().unwrap();
    let cmd = runc_cmd(
        &runc,
        state_root.path(),
        &["run", "--bundle", bundle_dir, &id],
    );
    let out = run_with_timeout(cmd, RUN_TIMEOUT);
    assert!(
        out.success,
        "runc run failed\nstderr:\n{}\nstdout:\n{}",
        out.stderr, out.stdout
    );
    // For debugging a failure: OCI_PROBE_TEST_DUMP=FILE keeps the raw report.
    if let Some(dump) = std::env::var_os("OCI_PROBE_TEST_DUMP") {
        std::fs::write(dump, &out.stdout).unwrap();
    }
    let report: Report = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("report does not deserialize: {e}\n{}", out.stdout));
    check_report(&report);
}

/// Polls until `check` gives a value, failing after 20 s.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `wait-signals` as the container's pid 1, signalled with `runc kill` as the harness will:
/// the kernel only delivers signals to a pid-namespace init that has handlers for them.
#[test]
fn wait_signals_as_container_init_records_runc_kill() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let bundle = tempfile::tempdir().unwrap();
    let state_root = tempfile::tempdir().unwrap();
    let id = unique_id();
    let args = ["/oci-probe", "wait-signals", "--out", "/out/signals.jsonl"];
    make_bundle(bundle.path(), &probe, &format!("/{id}"), &args);
    let _guard = ContainerGuard {
        runc: runc.clone(),
        state_root: state_root.path().to_path_buf(),
        id: id.clone(),
    };
    let state = state_root.path();
    let bundle_dir = bundle.path().to_str().unwrap();
    let started = run_with_timeout(
        runc_cmd(
            &runc,
            state,
            &["run", "--detach", "--bundle", bundle_dir, &id],
        ),
        RUN_TIMEOUT,
    );
    assert!(
        started.success,
        "runc run --detach failed: {}",
        started.stderr
    );

    let record = bundle.path().join("out/signals.jsonl");
    wait_for("the ready line", || {
        (signal_lines(&record).first()?["event"] == "ready").then_some(())
    });
    for (n, sig) in ["USR1", "HUP", "TERM"].iter().enumerate() {
        let kill = run_with_timeout(runc_cmd(&runc, state, &["kill", &id, sig]), RUN_TIMEOUT);
        assert!(kill.success, "runc kill {sig}: {}", kill.stderr);
        wait_for(&format!("SIG{sig} to be recorded"), || {
            (signal_lines(&record).len() > n + 1).then_some(())
        });
    }
    // SIGTERM is the default --exit-on: the container stops by itself.
    wait_for("the container to stop", || {
        let out = run_with_timeout(runc_cmd(&runc, state, &["state", &id]), RUN_TIMEOUT);
        let status: Value = serde_json::from_str(&out.stdout).ok()?;
        (status["status"] == "stopped").then_some(())
    });

    let lines = signal_lines(&record);
    assert_eq!(lines[0]["pid"], 1, "the probe is the container's init");
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SIGUSR1", "SIGHUP", "SIGTERM"]);
    for l in &lines[1..] {
        // runc lives outside the container's pid namespace, so the sender shows as pid 0.
        assert_eq!(l["sender_pid"], 0);
        assert_eq!(l["code"], 0, "SI_USER: sent with kill(2)");
    }
}

fn check_report(r: &Report) {
    assert_eq!(r.schema_version, SCHEMA_VERSION);
    assert!(r.errors.is_empty(), "collection errors: {:?}", r.errors);

    // Process.
    let p = &r.process;
    assert_eq!(p.args, probe_args());
    assert!(p.env.iter().any(|e| e == "FOO=bar"), "env: {:?}", p.env);
    assert_eq!(p.cwd.as_deref(), Some("/data"));
    assert_eq!(p.pid, 1, "the probe is the container's init");
    assert_eq!((p.uid, p.gid, p.euid, p.egid), (0, 0, 0, 0));
    assert_eq!(p.no_new_privs, Some(true));
    let caps = p.capabilities.as_ref().expect("capabilities");
    let mut expected: Vec<&str> = CAPS.to_vec();
    expected.sort_unstable();
    for set in [&caps.effective, &caps.bounding, &caps.permitted] {
        let mut names: Vec<&str> = set.names.iter().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, expected);
    }
    assert!(caps.ambient.names.is_empty());
    let nofile = p
        .rlimits
        .iter()
        .find(|l| l.name == "RLIMIT_NOFILE")
        .unwrap();
    assert_eq!(
        (nofile.soft, nofile.hard),
        (Limit::Value(1024), Limit::Value(2048))
    );
    assert_eq!(p.rlimits.len(), 16);

    // Namespaces: the configured ones are new, the user namespace is the host's.
    for ns in ["pid", "mnt", "net", "uts", "ipc"] {
        let own = r.namespaces.own.iter().find(|n| n.name == ns).unwrap();
        assert_ne!(own.inode, host_ns_inode(ns), "{ns} namespace not new");
    }
    let user = r.namespaces.own.iter().find(|n| n.name == "user").unwrap();
    assert_eq!(user.inode, host_ns_inode("user"));
    // pid 1 is the probe itself.
    assert_eq!(r.namespaces.pid1.as_ref(), Some(&r.namespaces.own));

    // UTS and sysctl.
    assert_eq!(r.uts.hostname, "probe-test");
    assert_eq!(
        r.sysctls.get("kernel.hostname"),
        Some(&Some("probe-test".to_string()))
    );

    // Mounts and paths.
    let data = r.mount_at("/data").expect("a mount at /data");
    assert_eq!(data.fstype, "tmpfs");
    assert!(
        data.super_options.iter().any(|o| o == "size=1024k"),
        "{data:?}"
    );
    assert_eq!(r.mounts.root_readonly, Some(true));
    let path = |p: &str| r.paths.iter().find(|c| c.path == p).unwrap();
    let mut masked_seen = 0;
    for file in MASKED_FILES {
        if Path::new(file).exists() {
            assert_eq!(path(file).masked_by.as_deref(), Some("dev_null"), "{file}");
            masked_seen += 1;
        } else {
            assert!(
                !path(file).exists,
                "{file} absent on the host, present inside"
            );
        }
    }
    assert!(
        masked_seen > 0,
        "none of {MASKED_FILES:?} exists on this kernel"
    );
    if Path::new("/sys/firmware").is_dir() {
        assert_eq!(
            path("/sys/firmware").masked_by.as_deref(),
            Some("empty_tmpfs")
        );
    }
    assert_eq!(path("/proc/sys").readonly, Some(true));
    assert!(!path("/proc/sys").masked);
    assert_eq!(path("/data").readonly, Some(false));
    assert!(!path("/data").masked);
    assert_eq!(path("/").readonly, Some(true));

    // /dev.
    let null = r.dev.nodes.iter().find(|n| n.path == "/dev/null").unwrap();
    assert_eq!(
        (null.kind.as_str(), null.major, null.minor, null.mode),
        ("c", Some(1), Some(3), 0o666)
    );
    let stdout = r
        .dev
        .symlinks
        .iter()
        .find(|s| s.path == "/dev/stdout")
        .unwrap();
    assert_eq!(stdout.target.as_deref(), Some("/proc/self/fd/1"));

    // Cgroup limits.
    assert_ne!(r.cgroup.version, oci_probe::CgroupVersion::None);
    assert_eq!(r.memory_limit(), Some(Limit::Value(67108864)));
    assert_eq!(r.pids_max(), Some(Limit::Value(32)));
    if let Some(list) = r.cgroup.devices.as_ref().and_then(|d| d.list.as_ref()) {
        assert!(
            !list.iter().any(|d| d.kind == "a"),
            "deny-all not applied: {list:?}"
        );
        assert!(
            list.iter()
                .any(|d| d.kind == "c" && d.major == Some(1) && d.minor == Some(3)),
            "/dev/null not allowed: {list:?}"
        );
    }
}
