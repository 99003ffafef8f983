//! The runtime driver: the OCI command line as runc, crun and youki speak it, in one place so a
//! runtime with other flags needs one adapter.
//!
//! `RT --root DIR [ARGS...] create --bundle B [--pid-file F] ID`, `start ID`, `state ID`,
//! `kill ID SIGNAL`, `delete [--force] ID`, `features`. The state root is private to the run,
//! so the user's own containers are never seen or touched.

use crate::exec::{self, Call};
use crate::janitor::Janitor;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Runtime {
    /// The binary, resolved.
    pub path: PathBuf,
    /// `--runtime-arg`s, passed before the operation.
    pub extra_args: Vec<String>,
    /// The private state root (`--root`).
    pub root: PathBuf,
    /// Deadline of every call.
    pub timeout: Duration,
    pub janitor: Arc<Janitor>,
}

impl Runtime {
    /// Global arguments: the private root, then the user's.
    pub fn global_args(&self) -> Vec<String> {
        let mut a = vec!["--root".to_string(), self.root.display().to_string()];
        a.extend(self.extra_args.iter().cloned());
        a
    }

    /// `RT GLOBAL... ARGS...`, with the run's deadline.
    pub fn call(&self, args: &[&str]) -> Call {
        self.call_in(None, args)
    }

    /// The same, from the directory `cwd`.
    pub fn call_in(&self, cwd: Option<&Path>, args: &[&str]) -> Call {
        let mut all = self.global_args();
        all.extend(args.iter().map(|s| s.to_string()));
        exec::run(&self.janitor, &self.path, &all, cwd, self.timeout)
    }

    /// `RT --version`, without the private root (some runtimes create it on any call).
    pub fn version(&self) -> Call {
        exec::run(
            &self.janitor,
            &self.path,
            &["--version".to_string()],
            None,
            self.timeout,
        )
    }

    /// Container IDs the runtime keeps state for in the private root: one directory each, as
    /// runc, crun and youki do. Used to see that a failed operation left no container behind.
    pub fn state_entries(&self) -> BTreeSet<String> {
        std::fs::read_dir(&self.root)
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Finds a runtime given as a path or a name on PATH.
pub fn resolve(name: &str) -> Result<PathBuf, String> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return if p.is_file() {
            std::fs::canonicalize(&p).map_err(|e| format!("{name}: {e}"))
        } else {
            Err(format!("runtime {name}: no such file"))
        };
    }
    which::which(name).map_err(|_| format!("runtime {name:?} not found on PATH"))
}
