//! Reads the live system into a [`Report`]. Every reader degrades to `None`/empty when a file
//! or filesystem is missing: the probe runs in containers that may lack /proc, /sys or /dev.

mod cgroup;
mod dev;
mod mounts;
mod namespaces;
mod process;

pub use mounts::check_path;
pub use namespaces::own_namespaces;

use crate::{parse, Report, Rlimit, Uts, SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// What `report` was asked for beyond the fixed sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub check_paths: Vec<String>,
    pub sysctls: Vec<String>,
}

/// Collects the whole report. `rlimits` must have been read first thing in `main`.
pub fn collect_report(opts: &Options, rlimits: Vec<Rlimit>) -> Report {
    let mut errors = Errors::default();
    let mountinfo_text = errors.read_optional("/proc/self/mountinfo");
    let mount_entries = mountinfo_text
        .as_deref()
        .map(parse::parse_mountinfo)
        .unwrap_or_default();
    let (hostname, domainname) = crate::sys::uname().unwrap_or_default();
    Report {
        schema_version: SCHEMA_VERSION,
        probe_version: env!("CARGO_PKG_VERSION").to_string(),
        process: process::collect_process(rlimits, &mut errors),
        namespaces: namespaces::collect_namespaces(&mut errors),
        uts: Uts {
            hostname,
            domainname,
        },
        paths: opts.check_paths.iter().map(|p| check_path(p)).collect(),
        cgroup: cgroup::collect_cgroup(&mount_entries, &mut errors),
        mounts: mounts::collect_mounts(mount_entries),
        dev: dev::collect_dev(),
        sysctls: collect_sysctls(&opts.sysctls, &mut errors),
        errors: errors.0,
    }
}

fn collect_sysctls(names: &[String], errors: &mut Errors) -> BTreeMap<String, Option<String>> {
    names
        .iter()
        .map(|name| {
            let path = format!("/proc/sys/{}", parse::sysctl_relative_path(name));
            (
                name.clone(),
                errors.read_optional(&path).map(|v| trim_value(&v)),
            )
        })
        .collect()
}

/// Kernel text values end in a newline; LSM labels may end in NUL.
pub(crate) fn trim_value(s: &str) -> String {
    s.trim_end_matches(['\n', '\0']).to_string()
}

/// Errors that say "not here" rather than "something went wrong".
pub(crate) fn is_absent(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound
        || matches!(
            e.raw_os_error(),
            Some(libc::ENOENT | libc::ENOTDIR | libc::EINVAL | libc::ENODEV | libc::EOPNOTSUPP)
        )
}

/// Unexpected failures, kept for the report's `errors`.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<String>);

impl Errors {
    /// Reads a file that may legitimately be absent (`None`, silently); other failures are
    /// recorded and also give `None`.
    pub fn read_optional(&mut self, path: impl AsRef<Path>) -> Option<String> {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) if is_absent(&e) => None,
            Err(e) => {
                self.0.push(format!("{}: {e}", path.display()));
                None
            }
        }
    }

    pub fn push(&mut self, msg: String) {
        self.0.push(msg);
    }
}
