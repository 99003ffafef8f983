//! The human summary: "what am I allowed?" in a dozen lines.

use crate::parse::format_cpu_list;
use crate::{CapSet, CgroupVersion, Limit, Report};
use std::fmt::Write;

pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "{label:<12} {text}");
    };
    let p = &r.process;
    line(
        "user",
        format!(
            "uid {} gid {} (euid {}, egid {}), groups: {}",
            p.uid,
            p.gid,
            p.euid,
            p.egid,
            if p.groups.is_empty() {
                "none".to_string()
            } else {
                join(p.groups.iter())
            }
        ),
    );
    line(
        "caps",
        match &p.capabilities {
            Some(c) => format!(
                "effective {}; bounding {}",
                caps_text(&c.effective, &c.bounding),
                c.bounding.names.len()
            ),
            None => "unknown (no /proc/self/status)".to_string(),
        },
    );
    line(
        "security",
        format!(
            "no_new_privs {}, seccomp {}, selinux {}, apparmor {}",
            opt(p.no_new_privs.map(|b| if b { "yes" } else { "no" })),
            opt(p.seccomp.as_ref().map(|s| s.mode.as_str())),
            opt(p.selinux_label.as_deref()),
            opt(p.apparmor_profile.as_deref()),
        ),
    );
    line("memory", memory_text(r));
    line("cpu", cpu_text(r));
    line(
        "pids",
        match r.pids_max() {
            Some(Limit::Value(v)) => format!("max {v}"),
            Some(Limit::Max) => "unlimited".to_string(),
            None => "unknown (no pids cgroup visible)".to_string(),
        },
    );
    if let Some(nofile) = p.rlimits.iter().find(|l| l.name == "RLIMIT_NOFILE") {
        line(
            "open files",
            format!("soft {} hard {}", nofile.soft, nofile.hard),
        );
    }
    line("cgroup", cgroup_text(r));
    line(
        "namespaces",
        r.namespaces
            .own
            .iter()
            .filter(|n| !n.name.ends_with("_for_children"))
            .map(|n| format!("{}:{}", n.kind, n.inode))
            .collect::<Vec<_>>()
            .join(" "),
    );
    line(
        "hostname",
        format!("{} (domainname {})", r.uts.hostname, r.uts.domainname),
    );
    for c in &r.paths {
        line(
            "path",
            format!(
                "{}: {}{}{}",
                c.path,
                if c.exists { "exists" } else { "absent" },
                c.masked_by
                    .as_ref()
                    .map(|m| format!(", masked ({m})"))
                    .unwrap_or_default(),
                match c.readonly {
                    Some(true) => ", read-only",
                    Some(false) => ", writable",
                    None => "",
                }
            ),
        );
    }
    for (name, value) in &r.sysctls {
        line("sysctl", format!("{name} = {}", opt(value.as_deref())));
    }
    out
}

fn opt(v: Option<&str>) -> &str {
    v.unwrap_or("-")
}

fn join<T: ToString>(it: impl Iterator<Item = T>) -> String {
    it.map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

/// Short names (`chown`) of a set; a set close to the full bounding set is given by what it lacks.
fn caps_text(set: &CapSet, bounding: &CapSet) -> String {
    let short = |n: &String| n.trim_start_matches("CAP_").to_ascii_lowercase();
    let n = set.names.len();
    if n == 0 {
        return "none".to_string();
    }
    if n > 20 {
        let missing: Vec<String> = bounding
            .names
            .iter()
            .filter(|b| !set.names.contains(b))
            .map(short)
            .collect();
        if missing.is_empty() {
            return format!("{n} (all of the bounding set)");
        }
        return format!("{n} (bounding set but {})", missing.join(","));
    }
    format!(
        "{n} ({})",
        set.names.iter().map(short).collect::<Vec<_>>().join(",")
    )
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn memory_text(r: &Report) -> String {
    let Some(m) = &r.cgroup.memory else {
        return "unknown (no memory cgroup visible)".to_string();
    };
    let limit = match m.limit {
        Some(Limit::Value(v)) => format!("limit {}", mib(v)),
        Some(Limit::Max) => "unlimited".to_string(),
        None => "no limit file (root cgroup?)".to_string(),
    };
    let swap = match (m.swap, m.swap_includes_memory) {
        (Some(Limit::Value(v)), true) => format!(", memory+swap {}", mib(v)),
        (Some(Limit::Value(v)), false) => format!(", swap {}", mib(v)),
        _ => String::new(),
    };
    format!("{limit}{swap} [{} {}]", hier(m.hierarchy), m.dir)
}

fn cpu_text(r: &Report) -> String {
    let affinity = r.process.cpu_affinity.as_deref().unwrap_or(&[]);
    let quota = r.cgroup.cpu.as_ref().and_then(|c| c.cores);
    let mut parts = Vec::new();
    match (&r.cgroup.cpu, quota) {
        (Some(c), Some(cores)) => parts.push(format!(
            "quota {cores:.2} cores ({}/{} us)",
            c.quota.map(|q| q.to_string()).unwrap_or_default(),
            c.period.unwrap_or_default()
        )),
        (Some(_), None) => parts.push("no quota".to_string()),
        (None, _) => parts.push("quota unknown (no cpu cgroup visible)".to_string()),
    }
    if let Some(c) = &r.cgroup.cpu {
        if let Some(s) = c.shares {
            parts.push(format!("shares {s}"));
        }
        if let Some(w) = c.weight {
            parts.push(format!("weight {w}"));
        }
    }
    parts.push(format!(
        "affinity {} ({} cpus)",
        format_cpu_list(affinity),
        affinity.len()
    ));
    // What a worker pool should size itself to: the smaller of the two.
    let usable = match quota {
        Some(q) if !affinity.is_empty() => q.min(affinity.len() as f64),
        Some(q) => q,
        None => affinity.len() as f64,
    };
    parts.push(format!("usable ~{usable:.2}"));
    parts.join(", ")
}

fn hier(h: crate::Hierarchy) -> &'static str {
    match h {
        crate::Hierarchy::V1 => "v1",
        crate::Hierarchy::V2 => "v2",
    }
}

fn cgroup_text(r: &Report) -> String {
    let c = &r.cgroup;
    let v = match c.version {
        CgroupVersion::V1 => "v1",
        CgroupVersion::V2 => "v2",
        CgroupVersion::Hybrid => "hybrid (v1 controllers + cgroup2)",
        CgroupVersion::None => "none visible",
    };
    match c.dirs.get("memory").or_else(|| c.dirs.get("unified")) {
        Some(d) => format!("{v}, own cgroup at {d}"),
        None => v.to_string(),
    }
}
