//! The validator reads a bundle someone else wrote: it must never run anything from it and
//! never follow a symlink out of it. Each test builds a bundle whose links lead to an "outside"
//! directory and proves, two ways, that nothing there was touched:
//!
//! - inotify watches on the outside directories record every open, read, close or attribute
//!   change; the queue is read after validation (the kernel queues events synchronously, so
//!   there is no race), and it must be empty;
//! - when strace is installed, the same validation runs again in a child of this test binary
//!   under `strace -f`, and no system call may name a path under the outside directory (this
//!   catches stat too, which inotify cannot see). Without strace that half is skipped, said so.
//!
//! The outside holds what following the link would find: a complete rootfs with the program,
//! a FIFO (a blocking open of it would hang the validator), and a script that would leave a
//! marker if anything ran it. The findings must also say the link leads out of the bundle.

use oci_check_validator::{validate_bundle, validate_config_file, Options, Report};
use serde_json::{json, Value};
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A bundle directory and, beside it, the outside it must not reach.
struct Setup {
    _tmp: tempfile::TempDir,
    bundle: PathBuf,
    outside: PathBuf,
    marker: PathBuf,
}

/// Writes an executable shell script that leaves `marker` when run.
fn marker_script(path: &Path, marker: &Path) {
    fs::write(
        path,
        format!("#!/bin/sh\ntouch '{}'\n", marker.to_string_lossy()),
    )
    .unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// The outside: a rootfs-shaped tree with /bin/sh and /run.sh (a marker script), a FIFO, a
/// readable config.json. The bundle: an empty `rootfs` and nothing else yet.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    let outside = tmp.path().join("outside");
    let marker = tmp.path().join("marker");
    fs::create_dir_all(outside.join("bin")).unwrap();
    fs::create_dir_all(&bundle).unwrap();
    marker_script(&outside.join("bin/sh"), &marker);
    marker_script(&outside.join("run.sh"), &marker);
    mkfifo(&outside.join("fifo"));
    fs::write(outside.join("config.json"), config(json!({})).to_string()).unwrap();
    Setup {
        _tmp: tmp,
        bundle,
        outside,
        marker,
    }
}

/// A valid config whose program is /bin/sh, with `extra` merged in at the top level.
fn config(extra: Value) -> Value {
    let mut c = json!({
        "ociVersion": "1.0.0",
        "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["/bin/sh"], "user": {"uid": 0, "gid": 0},
                    "env": ["PATH=/bin"]},
        "linux": {"namespaces": [{"type": "mount"}]}
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn write_config(s: &Setup, c: &Value) {
    fs::write(s.bundle.join("config.json"), c.to_string()).unwrap();
}

/// Watches directories with inotify; `events` drains what happened since.
struct Watch {
    fd: i32,
}

impl Watch {
    fn new(dirs: &[&Path]) -> Watch {
        // SAFETY: plain syscalls with valid arguments; the fd is closed on drop.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        assert!(fd >= 0, "inotify_init1");
        for d in dirs {
            let c = CString::new(d.as_os_str().as_bytes()).unwrap();
            let mask = libc::IN_OPEN
                | libc::IN_ACCESS
                | libc::IN_CLOSE_NOWRITE
                | libc::IN_CLOSE_WRITE
                | libc::IN_ATTRIB
                | libc::IN_MODIFY
                | libc::IN_CREATE;
            let wd = unsafe { libc::inotify_add_watch(fd, c.as_ptr(), mask) };
            assert!(wd >= 0, "inotify_add_watch {}", d.display());
        }
        Watch { fd }
    }

    /// The names (or "." for the directory itself) of what was touched.
    fn events(&self) -> Vec<String> {
        let mut buf = vec![0u8; 64 * 1024];
        // SAFETY: buf is writable for its length; the fd is non-blocking.
        let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let header = std::mem::size_of::<libc::inotify_event>();
        let mut at = 0;
        while at + header <= n as usize {
            // SAFETY: the kernel wrote a whole event here; read_unaligned copes with alignment.
            let ev: libc::inotify_event =
                unsafe { std::ptr::read_unaligned(buf[at..].as_ptr().cast()) };
            let name = &buf[at + header..at + header + ev.len as usize];
            let name = String::from_utf8_lossy(name)
                .trim_end_matches('\0')
                .to_string();
            out.push(format!(
                "{} (mask {:#x})",
                if name.is_empty() { "." } else { &name },
                ev.mask
            ));
            at += header + ev.len as usize;
        }
        out
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // SAFETY: our own fd.
        unsafe { libc::close(self.fd) };
    }
}

/// Validates the bundle (and its config.json on its own), proving nothing outside was touched
/// and nothing was run.
fn validate_untouched(s: &Setup) -> Report {
    let watch = Watch::new(&[&s.outside, &s.outside.join("bin")]);
    let report = validate_bundle(&s.bundle, &Options::default()).expect("the bundle validates");
    if fs::symlink_metadata(s.bundle.join("config.json")).is_ok_and(|m| m.is_file()) {
        validate_config_file(&s.bundle.join("config.json"), &Options::default()).unwrap();
    }
    let touched = watch.events();
    assert!(
        touched.is_empty(),
        "the validator touched files outside the bundle: {touched:?}"
    );
    assert!(
        !s.marker.exists(),
        "something from the bundle was executed: {} exists",
        s.marker.display()
    );
    assert_no_syscall_names_outside(s);
    report
}

/// Environment variable naming the bundle the child validates under strace.
const CHILD_ENV: &str = "OCI_CHECK_SAFETY_BUNDLE";

/// Runs in the child only: validates the bundle named by CHILD_ENV.
#[test]
#[ignore = "run by the other tests of this file, under strace"]
fn strace_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let _ = validate_bundle(&dir, &Options::default());
    let _ = validate_config_file(&dir.join("config.json"), &Options::default());
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Under strace, the first path argument of every system call of the child: none may lie under
/// the outside directory, and the child may execute nothing but itself.
fn assert_no_syscall_names_outside(s: &Setup) {
    if !strace_available() {
        eprintln!("note: strace is not installed; the system-call half of this check is skipped");
        return;
    }
    let log = s.bundle.parent().unwrap().join("strace.log");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-s", "4096", "-o"])
        .arg(&log)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "strace_child", "--include-ignored", "--quiet"])
        .arg("--test-threads=1")
        .env(CHILD_ENV, &s.bundle)
        .output()
        .expect("strace runs");
    assert!(status.status.success(), "strace child: {status:?}");
    let text = fs::read_to_string(&log).unwrap();
    let outside = s.outside.to_string_lossy();
    let mut execs = 0;
    for line in text.lines() {
        if line.contains(" execve(") || line.contains(" execveat(") {
            execs += 1;
        }
        // A readlink's second argument is the link's target, which the validator must read to
        // judge it: only the first string argument is a path the call goes to.
        if let Some(first) = line.split('"').nth(1) {
            assert!(
                !first.starts_with(outside.as_ref()),
                "a system call went outside the bundle: {line}"
            );
        }
    }
    assert_eq!(
        execs, 1,
        "the child must execute nothing besides itself; strace log:\n{text}"
    );
}

fn fired<'r>(r: &'r Report, rule: &str) -> Vec<&'r str> {
    r.findings
        .iter()
        .filter(|f| f.finding.rule.id == rule)
        .map(|f| f.finding.pointer.as_str())
        .collect()
}

#[test]
fn root_path_symlinked_out_of_the_bundle_is_reported_and_not_followed() {
    for target in [None, Some("../outside")] {
        let s = setup();
        let to = target.map_or(s.outside.clone(), PathBuf::from);
        symlink(&to, s.bundle.join("rootfs")).unwrap();
        write_config(&s, &config(json!({})));
        let r = validate_untouched(&s);
        assert_eq!(
            fired(&r, "bundle.artifacts_same_dir"),
            ["/root/path"],
            "link to {}: {:#?}",
            to.display(),
            r.findings
        );
    }
}

#[test]
fn absolute_root_path_outside_the_bundle_is_reported_and_not_read() {
    let s = setup();
    let root = s.outside.to_string_lossy().into_owned();
    write_config(&s, &config(json!({"root": {"path": root}})));
    let r = validate_untouched(&s);
    assert_eq!(fired(&r, "bundle.artifacts_same_dir"), ["/root/path"]);
}

#[test]
fn root_path_through_a_fifo_outside_is_not_opened() {
    // rootfs -> outside/fifo: following and opening it would block the validator for good.
    let s = setup();
    symlink(s.outside.join("fifo"), s.bundle.join("rootfs")).unwrap();
    write_config(&s, &config(json!({})));
    let r = validate_untouched(&s);
    assert_eq!(fired(&r, "bundle.artifacts_same_dir"), ["/root/path"]);
}

#[test]
fn program_lookup_stays_inside_the_rootfs() {
    // Inside the rootfs, links resolve as in a chroot: /bin -> the outside's bin (absolute) and
    // bin -> ../../outside/bin (relative) both land inside the rootfs, where there is no sh.
    for target in ["OUTSIDE/bin", "../../outside/bin"] {
        let s = setup();
        fs::create_dir_all(s.bundle.join("rootfs")).unwrap();
        let target = target.replace("OUTSIDE", &s.outside.to_string_lossy());
        symlink(&target, s.bundle.join("rootfs/bin")).unwrap();
        write_config(&s, &config(json!({})));
        let r = validate_untouched(&s);
        assert_eq!(
            fired(&r, "lint.process.args.executable"),
            ["/process/args/0"],
            "bin -> {target}: the outside's /bin/sh must not count: {:#?}",
            r.findings
        );
    }
}

#[test]
fn config_json_symlinked_out_of_the_bundle_is_reported_and_not_read() {
    for target in ["config.json", "fifo"] {
        let s = setup();
        fs::create_dir_all(s.bundle.join("rootfs")).unwrap();
        symlink(s.outside.join(target), s.bundle.join("config.json")).unwrap();
        let r = validate_untouched(&s);
        assert_eq!(fired(&r, "bundle.config_json"), [""], "{:#?}", r.findings);
    }
}

#[test]
fn mount_sources_outside_are_not_inspected() {
    let s = setup();
    fs::create_dir_all(s.bundle.join("rootfs/mnt")).unwrap();
    symlink(&s.outside, s.bundle.join("outlink")).unwrap();
    let fifo = s.outside.join("fifo").to_string_lossy().into_owned();
    let mounts = json!([
        {"destination": "/mnt", "type": "bind", "source": fifo, "options": ["bind"]},
        {"destination": "/mnt2", "type": "bind", "source": "outlink/fifo", "options": ["rbind"]},
        {"destination": "/mnt3", "type": "bind", "source": "../outside", "options": ["bind"]}
    ]);
    write_config(&s, &config(json!({"mounts": mounts})));
    validate_untouched(&s);
}

#[test]
fn hooks_and_the_program_are_never_executed() {
    let s = setup();
    fs::create_dir_all(s.bundle.join("rootfs/bin")).unwrap();
    // The program exists in the rootfs and is a marker script; so are the hooks.
    marker_script(&s.bundle.join("rootfs/bin/sh"), &s.marker);
    marker_script(&s.bundle.join("hook.sh"), &s.marker);
    let in_bundle = s.bundle.join("hook.sh").to_string_lossy().into_owned();
    let outside = s.outside.join("run.sh").to_string_lossy().into_owned();
    let hook = |p: &str| json!([{"path": p, "args": [p], "timeout": 1}]);
    let hooks = json!({
        "prestart": hook(&in_bundle), "createRuntime": hook(&outside),
        "createContainer": hook(&in_bundle), "startContainer": hook(&outside),
        "poststart": hook(&in_bundle), "poststop": hook(&outside)
    });
    write_config(&s, &config(json!({"hooks": hooks})));
    let r = validate_untouched(&s);
    assert!(
        fired(&r, "lint.process.args.executable").is_empty(),
        "the program is there: {:#?}",
        r.findings
    );
}
