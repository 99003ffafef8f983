//! The `process` section.

use super::{trim_value, Errors};
use crate::parse::{self, decode_capset, Status};
use crate::{sys, Capabilities, Process, Rlimit, Scheduler, Seccomp};
use std::os::unix::ffi::OsStrExt;

pub(super) fn collect_process(rlimits: Vec<Rlimit>, errors: &mut Errors) -> Process {
    let status = errors
        .read_optional("/proc/self/status")
        .map(|t| parse::parse_status(&t))
        .unwrap_or_default();
    let ([uid, euid, suid], [gid, egid, sgid]) = sys::resuid_resgid();
    Process {
        pid: sys::pid(),
        ppid: sys::ppid(),
        args: std::env::args_os()
            .map(|a| String::from_utf8_lossy(a.as_bytes()).into_owned())
            .collect(),
        env: environment(),
        cwd: std::env::current_dir()
            .ok()
            .map(|p| String::from_utf8_lossy(p.as_os_str().as_bytes()).into_owned()),
        uid,
        gid,
        euid,
        egid,
        suid,
        sgid,
        groups: sys::groups(),
        umask: status.umask(),
        capabilities: capabilities(&status),
        no_new_privs: status.no_new_privs(),
        seccomp: status.seccomp_mode().map(|mode| Seccomp {
            mode: mode.to_string(),
            filters: status.seccomp_filters(),
        }),
        oom_score_adj: errors
            .read_optional("/proc/self/oom_score_adj")
            .and_then(|v| v.trim().parse().ok()),
        rlimits,
        scheduler: scheduler(),
        ioprio: sys::ioprio().map(parse::decode_ioprio),
        personality: sys::personality().map(parse::decode_personality),
        cpu_affinity: sys::cpu_affinity(),
        selinux_label: lsm_label(errors, "/proc/self/attr/current"),
        apparmor_profile: lsm_label(errors, "/proc/self/attr/apparmor/current"),
    }
}

/// `KEY=VALUE` in environment order (bytes kept, invalid UTF-8 replaced).
fn environment() -> Vec<String> {
    std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            String::from_utf8_lossy(&kv).into_owned()
        })
        .collect()
}

fn capabilities(status: &Status) -> Option<Capabilities> {
    let set = |key: &str| decode_capset(status.get(key)?);
    Some(Capabilities {
        inheritable: set("CapInh")?,
        permitted: set("CapPrm")?,
        effective: set("CapEff")?,
        bounding: set("CapBnd")?,
        ambient: set("CapAmb")?,
    })
}

fn scheduler() -> Option<Scheduler> {
    let info = sys::sched_info()?;
    let (flags, runtime, deadline, period) = match info.attr {
        Some((f, r, d, p)) => (Some(f), Some(r), Some(d), Some(p)),
        None => (None, None, None, None),
    };
    Some(Scheduler {
        policy: parse::sched_policy_name(info.policy),
        reset_on_fork: info.policy & parse::SCHED_RESET_ON_FORK != 0,
        priority: info.priority,
        nice: info.nice,
        flags,
        runtime,
        deadline,
        period,
    })
}

/// An LSM label file; absent (or EINVAL: no LSM answers) or empty → `None`.
fn lsm_label(errors: &mut Errors, path: &str) -> Option<String> {
    let label = trim_value(&errors.read_optional(path)?);
    (!label.is_empty()).then_some(label)
}
