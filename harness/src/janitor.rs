//! The clean-up guarantee: everything the harness makes is registered here before it exists,
//! and removed when its scenario ends, at the end of the run, or when oci-check is told to stop.
//!
//! A scenario's containers are cleaned by its own scope when it ends, however it ends (the
//! scope outlives a panic). This registry is the second line: at the end of the run, and from
//! the SIGINT/SIGTERM/SIGHUP handler, it kills every runtime call still in flight and cleans
//! every container still registered. Cleaning a container never trusts the runtime alone: after
//! `kill` and `delete --force`, it kills whatever is left in the container's cgroup, removes the
//! cgroup directories, detaches every mount under the bundle and removes the bundle without
//! crossing into another filesystem.

use crate::exec;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long clean-up waits for a runtime call, and for a cgroup to empty.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(10);

/// What is needed to remove one container without its scenario.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub id: String,
    /// The runtime binary and the global arguments (`--root DIR`, `--runtime-arg`s).
    pub runtime: PathBuf,
    pub global_args: Vec<String>,
    /// `linux.cgroupsPath` as configured (absolute: relative to each hierarchy's root).
    pub cgroups_path: Option<String>,
    pub bundle: PathBuf,
}

#[derive(Default)]
struct Inner {
    /// Process groups of runtime calls in flight (the janitor's own included).
    groups: BTreeSet<i32>,
    containers: BTreeMap<u64, Tracked>,
    /// More cgroup paths of a container, found after it was registered (where a relative
    /// `cgroupsPath` landed): removed with it.
    extra_cgroups: BTreeMap<u64, BTreeSet<String>>,
    /// What checks changed on the host outside containers, with how to undo it (see
    /// [`Janitor::defer_undo`]).
    undos: BTreeMap<u64, (String, Undo)>,
    /// Once stopping: the one thread that cleans up. Any other thread's call would race with
    /// it (and a runtime given `--root` recreates the state root the clean-up just removed).
    cleaner: Option<std::thread::ThreadId>,
}

/// Undoes one change of the host; returns what could not be undone.
pub type Undo = Box<dyn FnOnce() -> Option<String> + Send>;

pub struct Janitor {
    inner: Mutex<Inner>,
    stopping: AtomicBool,
    next_key: AtomicU64,
    /// The run's private directory (bundles, the runtime's state root); removed last.
    work_dir: PathBuf,
}

impl Janitor {
    pub fn new(work_dir: PathBuf) -> Self {
        Janitor {
            inner: Mutex::default(),
            stopping: AtomicBool::new(false),
            next_key: AtomicU64::new(1),
            work_dir,
        }
    }

    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// When a signal stopped the run, waits for the signal handler to finish clean-up and end
    /// the process; otherwise returns at once.
    pub fn park_if_stopping(&self) {
        while self.stopping() {
            std::thread::park_timeout(Duration::from_secs(1));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Spawns `cmd` and registers its process group, under the lock so a shutdown cannot slip
    /// in between. `None` once the run is stopping, except for clean-up calls of the thread
    /// doing the shutdown: nothing else starts then.
    pub(crate) fn spawn(&self, cmd: &mut Command, cleanup: bool) -> Option<io::Result<Child>> {
        let mut inner = self.lock();
        let is_cleaner = inner.cleaner == Some(std::thread::current().id());
        if self.stopping() && !(cleanup && is_cleaner) {
            return None;
        }
        let child = cmd.spawn();
        if let Ok(c) = &child {
            inner.groups.insert(c.id() as i32);
        }
        Some(child)
    }

    pub(crate) fn finished(&self, pgid: i32) {
        self.lock().groups.remove(&pgid);
    }

    /// Registers a container before it is created; returns the key to release it with.
    pub fn track(&self, t: Tracked) -> u64 {
        let key = self.next_key.fetch_add(1, Ordering::SeqCst);
        self.lock().containers.insert(key, t);
        key
    }

    /// Adds a cgroup path (from a hierarchy's root, as `/proc/PID/cgroup` shows it) to clean
    /// with the registered container `key`: where a relative `cgroupsPath` landed, which the
    /// runtime chose. Refuses (returns false) a path holding the harness itself, which cleaning
    /// would kill, and a path that is not a plain absolute one.
    pub fn also_clean_cgroup(&self, key: u64, path: &str) -> bool {
        if !cgroup_path_is_removable(path, &own_cgroup_paths()) {
            return false;
        }
        let mut inner = self.lock();
        if !inner.containers.contains_key(&key) {
            return false;
        }
        inner
            .extra_cgroups
            .entry(key)
            .or_default()
            .insert(path.to_string());
        true
    }

    /// Registers how to undo a change a check makes to the host outside any container (a
    /// resctrl group it made, an AppArmor profile it loaded) before making it. The check undoes
    /// it with [`Janitor::undo`] when done; whatever is still registered is undone by `finish`,
    /// so also after a panic, a timeout or a signal.
    pub fn defer_undo(
        &self,
        what: impl Into<String>,
        undo: impl FnOnce() -> Option<String> + Send + 'static,
    ) -> u64 {
        let key = self.next_key.fetch_add(1, Ordering::SeqCst);
        self.lock().undos.insert(key, (what.into(), Box::new(undo)));
        key
    }

    /// Undoes a registered change now and forgets it; nothing when it was undone already.
    /// Returns what could not be undone. Once the run is stopping, only the shutdown's thread
    /// undoes.
    pub fn undo(&self, key: u64) -> Option<String> {
        let entry = {
            let mut inner = self.lock();
            if self.stopping() && inner.cleaner != Some(std::thread::current().id()) {
                return None;
            }
            inner.undos.remove(&key)
        };
        entry.and_then(|(what, undo)| undo().map(|e| format!("{what}: {e}")))
    }

    /// Cleans one registered container and forgets it. Returns what could not be removed.
    /// Once the run is stopping, only the shutdown's thread cleans.
    pub fn clean(&self, key: u64) -> Vec<String> {
        let (t, extra) = {
            let inner = self.lock();
            if self.stopping() && inner.cleaner != Some(std::thread::current().id()) {
                return Vec::new();
            }
            match inner.containers.get(&key) {
                Some(t) => (
                    t.clone(),
                    inner.extra_cgroups.get(&key).cloned().unwrap_or_default(),
                ),
                None => return Vec::new(),
            }
        };
        let mut leftovers = self.clean_container(&t);
        for path in extra {
            leftovers.extend(remove_cgroup(&path));
        }
        let mut inner = self.lock();
        inner.containers.remove(&key);
        inner.extra_cgroups.remove(&key);
        leftovers
    }

    /// Stops everything: no new runtime call starts, calls in flight are killed, every
    /// registered container is cleaned, the work directory is removed. Returns leftovers.
    pub fn shutdown(&self) -> Vec<String> {
        let groups = {
            let mut inner = self.lock();
            self.stopping.store(true, Ordering::SeqCst);
            inner.cleaner = Some(std::thread::current().id());
            inner.groups.clone()
        };
        for g in groups {
            exec::kill_group(g);
        }
        self.finish()
    }

    /// Cleans every container still registered and removes the work directory. Once the run
    /// is stopping, only the shutdown's thread does this.
    pub fn finish(&self) -> Vec<String> {
        if self.stopping() && self.lock().cleaner != Some(std::thread::current().id()) {
            return Vec::new();
        }
        let all: Vec<u64> = self.lock().containers.keys().copied().collect();
        let mut leftovers: Vec<String> = all.into_iter().flat_map(|k| self.clean(k)).collect();
        // Newest first: a change may rest on an older one.
        let undos: Vec<u64> = self.lock().undos.keys().rev().copied().collect();
        leftovers.extend(undos.into_iter().filter_map(|k| self.undo(k)));
        leftovers.extend(kill_processes_under(&self.work_dir));
        leftovers.extend(detach_mounts_under(&self.work_dir));
        if let Err(e) = remove_tree_on_one_device(&self.work_dir) {
            leftovers.push(format!("{}: {e}", self.work_dir.display()));
        }
        leftovers
    }
}

/// Runs the janitor's shutdown when SIGINT, SIGTERM or SIGHUP arrives, then exits with 128 +
/// the signal number, as a shell would report it. A caller whose run returns while the janitor
/// is stopping must not go on (its report would be a lie): see [`Janitor::park_if_stopping`].
pub fn stop_on_signals(janitor: Arc<Janitor>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("oci-check-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                eprintln!("\noci-check: interrupted (signal {sig}); removing containers and files");
                for l in janitor.shutdown() {
                    eprintln!("oci-check: could not remove: {l}");
                }
                std::process::exit(128 + sig);
            }
        })?;
    Ok(())
}

impl Janitor {
    fn quiet_runtime(&self, t: &Tracked, args: &[&str]) -> exec::Call {
        let mut all = t.global_args.clone();
        all.extend(args.iter().map(|s| s.to_string()));
        exec::run_cleanup(self, &t.runtime, &all, CLEANUP_TIMEOUT)
    }

    /// Removes one container by every means available. Returns what is left.
    fn clean_container(&self, t: &Tracked) -> Vec<String> {
        let mut leftovers = Vec::new();
        // The runtime first: it knows its own state. Its failures are expected (the container
        // may never have been created, or be gone already), so they are not reported.
        // `delete --force` alone is enough for runc, crun and youki; a runtime without it gets
        // kill, then delete.
        if !self
            .quiet_runtime(t, &["delete", "--force", &t.id])
            .succeeded()
            && self.quiet_runtime(t, &["state", &t.id]).succeeded()
        {
            self.quiet_runtime(t, &["kill", &t.id, "KILL"]);
            self.quiet_runtime(t, &["delete", &t.id]);
        }
        if let Some(path) = &t.cgroups_path {
            leftovers.extend(remove_cgroup(path));
        }
        leftovers.extend(detach_mounts_under(&t.bundle));
        if let Err(e) = remove_tree_on_one_device(&t.bundle) {
            leftovers.push(format!("bundle {}: {e}", t.bundle.display()));
        }
        leftovers
    }
}

/// Mount points of every cgroup hierarchy visible here (v1 controllers, named, v2).
pub fn cgroup_mounts() -> Vec<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    oci_probe::parse::parse_mountinfo(&text)
        .into_iter()
        .filter(|m| m.fstype == "cgroup" || m.fstype == "cgroup2")
        .map(|m| PathBuf::from(m.destination))
        .collect()
}

/// The directories `cgroups_path` names in every hierarchy, where they exist.
pub fn cgroup_dirs(cgroups_path: &str) -> Vec<PathBuf> {
    let rel = cgroups_path.trim_start_matches('/');
    if rel.is_empty() || rel.split('/').any(|c| c == "..") {
        return Vec::new();
    }
    cgroup_mounts()
        .into_iter()
        .map(|m| m.join(rel))
        .filter(|d| d.is_dir())
        .collect()
}

/// This process's cgroup path in each hierarchy (`/proc/self/cgroup`).
pub fn own_cgroup_paths() -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    oci_probe::parse::parse_proc_cgroup(&text)
        .into_iter()
        .map(|m| m.path)
        .collect()
}

/// A cgroup path the janitor may empty and remove: absolute, below a hierarchy's root, without
/// `..`, and neither holding one of `own` (this process's cgroups) nor equal to one.
fn cgroup_path_is_removable(path: &str, own: &[String]) -> bool {
    let p = path.trim_end_matches('/');
    let plain = p.starts_with('/') && !p.split('/').any(|c| c == ".." || c == ".");
    let holds_us = own
        .iter()
        .any(|o| o == p || o.starts_with(&format!("{p}/")));
    plain && !holds_us
}

/// Whether a process exists and has not exited (a zombie has: it waits only to be reaped by
/// its parent, often the host's init, and holds nothing).
pub fn process_alive(pid: i64) -> bool {
    if pid <= 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // The state follows the last ')' (the command name may contain one).
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// Kills the processes the run can attribute to itself although no runtime call holds them:
/// those whose working directory is in `work_dir` or whose command line names a path in it (a
/// runtime may leave a daemon behind in its own session, out of reach of the call's process
/// group). A process with no such link to the run cannot be told from the host's own and is
/// left alone. Returns the ones that would not die.
pub fn kill_processes_under(work_dir: &Path) -> Vec<String> {
    let me = std::process::id() as i32;
    let attributable = |pid: i32| {
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        cwd.is_some_and(|c| c.starts_with(work_dir))
            || cmdline
                .split(|b| *b == 0)
                .filter_map(|a| std::str::from_utf8(a).ok())
                .any(|a| Path::new(a).starts_with(work_dir))
    };
    let pids: Vec<i32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me && process_alive(pid.into()) && attributable(pid))
        .collect();
    for &pid in &pids {
        // SAFETY: kill has no memory preconditions; the pid was just seen alive.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    pids.into_iter()
        .filter(|&pid| {
            // Wait (bounded) until the kernel has taken it down; a zombie counts as gone.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while process_alive(pid.into()) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            process_alive(pid.into())
        })
        .map(|pid| format!("process {pid} under {} would not die", work_dir.display()))
        .collect()
}

/// Live processes whose cgroup (in any hierarchy) is `cgroups_path` or below it.
pub fn processes_in_cgroup(cgroups_path: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mine = cgroups_path.trim_end_matches('/');
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| process_alive(i64::from(*pid)))
        .filter(|pid| {
            let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
            text.lines().any(|l| {
                let path = l.splitn(3, ':').nth(2).unwrap_or("");
                path == mine || path.starts_with(&format!("{mine}/"))
            })
        })
        .collect()
}

/// Kills every process in the cgroup, waits for it to empty, and removes its directories
/// (children first) in every hierarchy.
fn remove_cgroup(cgroups_path: &str) -> Vec<String> {
    let deadline = Instant::now() + CLEANUP_TIMEOUT;
    loop {
        let pids = processes_in_cgroup(cgroups_path);
        if pids.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            return vec![format!(
                "processes {pids:?} in cgroup {cgroups_path} survived SIGKILL"
            )];
        }
        for pid in pids {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut leftovers = Vec::new();
    for dir in cgroup_dirs(cgroups_path) {
        // A killed process leaves its cgroup a moment after it is gone from /proc: EBUSY
        // until then.
        loop {
            match remove_cgroup_tree(&dir) {
                Ok(()) => break,
                Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    leftovers.push(format!("cgroup {}: {e}", dir.display()));
                    break;
                }
            }
        }
    }
    leftovers
}

fn remove_cgroup_tree(dir: &Path) -> io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            remove_cgroup_tree(&e.path())?;
        }
    }
    match std::fs::remove_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

/// Mount points at or under `dir` in this mount namespace, deepest first.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut found: Vec<PathBuf> = oci_probe::parse::parse_mountinfo(&text)
        .into_iter()
        .map(|m| PathBuf::from(m.destination))
        .filter(|p| p.starts_with(dir))
        .collect();
    found.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    found.dedup();
    found
}

/// Detaches (MNT_DETACH) every mount at or under `dir`. Returns those that stayed.
pub fn detach_mounts_under(dir: &Path) -> Vec<String> {
    for _ in 0..8 {
        let found = mounts_under(dir);
        if found.is_empty() {
            return Vec::new();
        }
        for m in found {
            let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
        }
    }
    mounts_under(dir)
        .into_iter()
        .map(|m| format!("mount {} could not be detached", m.display()))
        .collect()
}

/// Removes `path` and everything in it, without following symlinks and without entering a
/// directory on another device (a mount point that could not be detached): that would delete
/// files of whatever is mounted there.
pub fn remove_tree_on_one_device(path: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return std::fs::remove_file(path);
    }
    remove_dir_on(path, meta.dev())
}

fn remove_dir_on(dir: &Path, dev: u64) -> io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let m = std::fs::symlink_metadata(&p)?;
        if m.is_dir() {
            if m.dev() != dev {
                return Err(io::Error::other(format!(
                    "{} is another filesystem (a mount point); not entered",
                    p.display()
                )));
            }
            remove_dir_on(&p, dev)?;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    std::fs::remove_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_tree_removes_files_dirs_and_symlinks_but_not_their_targets() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep"), "x").unwrap();
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("b");
        std::fs::create_dir_all(root.join("rootfs/a/b")).unwrap();
        std::fs::write(root.join("rootfs/a/b/f"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("rootfs/link")).unwrap();
        remove_tree_on_one_device(&root).unwrap();
        assert!(!root.exists());
        assert!(outside.path().join("keep").exists());
        remove_tree_on_one_device(&root).unwrap();
    }

    #[test]
    fn a_deferred_undo_runs_once_by_the_check_or_else_at_finish() {
        use std::sync::{Arc, Mutex};
        let work = tempfile::tempdir().unwrap();
        let j = Janitor::new(work.path().join("run"));
        std::fs::create_dir(j.work_dir()).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let note = |name: &'static str| {
            let log = log.clone();
            move || {
                log.lock().unwrap().push(name);
                None
            }
        };
        let a = j.defer_undo("a", note("a"));
        j.defer_undo("b", note("b"));
        j.defer_undo("c", || Some("still there".into()));
        j.defer_undo("d", note("d"));
        assert_eq!(j.undo(a), None);
        assert_eq!(j.undo(a), None, "a second undo does nothing");
        let left = j.finish();
        assert_eq!(
            *log.lock().unwrap(),
            ["a", "d", "b"],
            "the check's, then newest first"
        );
        assert_eq!(left, ["c: still there"]);
        assert!(!j.work_dir().exists());
    }

    #[test]
    fn mounts_under_matches_whole_components() {
        // "/proc" is mounted everywhere; "/pro" is not a prefix of it by components.
        assert!(mounts_under(Path::new("/proc")).contains(&PathBuf::from("/proc")));
        assert!(mounts_under(Path::new("/pro")).is_empty());
    }

    #[test]
    fn a_cgroup_holding_the_harness_is_never_removable() {
        let own = vec!["/".to_string(), "/user.slice/session-1.scope".to_string()];
        assert!(cgroup_path_is_removable(
            "/user.slice/session-1.scope/x-1/rel",
            &own
        ));
        assert!(cgroup_path_is_removable("/x-1", &own));
        assert!(!cgroup_path_is_removable("/", &own));
        assert!(!cgroup_path_is_removable("", &own));
        assert!(!cgroup_path_is_removable("/user.slice", &own));
        assert!(!cgroup_path_is_removable(
            "/user.slice/session-1.scope/",
            &own
        ));
        assert!(!cgroup_path_is_removable("relative/x", &own));
        assert!(!cgroup_path_is_removable("/x/../user.slice", &own));
    }

    #[test]
    fn extra_cgroups_are_kept_for_registered_containers_only() {
        let t = tempfile::tempdir().unwrap();
        let j = Janitor::new(t.path().join("work"));
        let key = j.track(Tracked {
            id: "oci-check-janitor-test".into(),
            runtime: "/bin/false".into(),
            global_args: vec![],
            cgroups_path: None,
            bundle: t.path().join("bundle"),
        });
        assert!(j.also_clean_cgroup(key, "/oci-check-janitor-test/rel"));
        assert!(!j.also_clean_cgroup(key + 1, "/oci-check-janitor-test/rel"));
        assert!(!j.also_clean_cgroup(key, "/"));
        assert!(j.clean(key).is_empty());
        assert!(!j.also_clean_cgroup(key, "/oci-check-janitor-test/rel"));
    }

    #[test]
    fn cgroup_paths_never_escape_the_hierarchy() {
        assert!(cgroup_dirs("/../../etc").is_empty());
        assert!(cgroup_dirs("/").is_empty());
    }
}
