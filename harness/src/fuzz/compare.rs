//! Comparing what the probe saw with what a case asked for, property by property. Lists the
//! runtime may add to (environment, groups, mounts) are compared as sets: only what the case
//! asked for must be there. A property the host cannot show is skipped with the reason, never
//! counted as a mismatch.

use super::gen::{Case, FuzzMount};
use crate::bundle::proc_ns_name;
use crate::host::Host;
use oci_probe::{Hierarchy, Limit, Report};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One property whose observed value is not the configured one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// `hostname`, `env`, `rlimits.RLIMIT_NOFILE`, `mounts./fuzz/t0`, ...
    pub property: String,
    pub expected: String,
    pub observed: String,
}

/// What a comparison found: mismatches, and properties skipped with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub mismatches: Vec<Mismatch>,
    pub skipped: Vec<(String, String)>,
}

impl Comparison {
    fn check<T: std::fmt::Debug + PartialEq>(&mut self, property: &str, expected: T, observed: T) {
        if expected != observed {
            self.mismatches.push(Mismatch {
                property: property.to_string(),
                expected: format!("{expected:?}"),
                observed: format!("{observed:?}"),
            });
        }
    }

    fn skip(&mut self, property: &str, why: impl Into<String>) {
        self.skipped.push((property.to_string(), why.into()));
    }
}

/// What the comparison needs of the host: its namespaces (kind → inode, by /proc names) and
/// its cgroup controllers.
pub struct HostView<'h> {
    pub namespaces: BTreeMap<String, u64>,
    pub host: &'h Host,
}

impl<'h> HostView<'h> {
    pub fn of(host: &'h Host) -> HostView<'h> {
        use std::os::unix::fs::MetadataExt;
        let namespaces = host
            .namespaces
            .iter()
            .filter_map(|n| {
                let m = std::fs::metadata(format!("/proc/self/ns/{n}")).ok()?;
                Some((n.clone(), m.ino()))
            })
            .collect();
        HostView { namespaces, host }
    }
}

/// Compares every property `case` sets with `report`; `args` is the config's `process.args`.
pub fn compare(case: &Case, args: &[String], report: &Report, host: &HostView) -> Comparison {
    let mut c = Comparison::default();
    let p = &report.process;
    if let Some(h) = &case.hostname {
        c.check("hostname", h, &report.uts.hostname);
    }
    if !case.env.is_empty() {
        let observed: BTreeMap<&str, &str> = p
            .env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| case.env.contains_key(*k))
            .collect();
        let expected: BTreeMap<&str, &str> = case
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.check("env", expected, observed);
    }
    if !case.args.is_empty() {
        c.check("args", args, p.args.as_slice());
    }
    if let Some(cwd) = &case.cwd {
        c.check("cwd", Some(cwd), p.cwd.as_ref());
    }
    if let Some(u) = &case.user {
        c.check("user.uid", [u.uid; 3], [p.uid, p.euid, p.suid]);
        c.check("user.gid", [u.gid; 3], [p.gid, p.egid, p.sgid]);
        let groups: BTreeSet<u32> = p.groups.iter().copied().collect();
        let want: BTreeSet<u32> = u.additional_gids.iter().copied().collect();
        c.check(
            "user.additionalGids",
            want.clone(),
            want.intersection(&groups).copied().collect(),
        );
    }
    for (name, (soft, hard)) in &case.rlimits {
        let seen = p
            .rlimits
            .iter()
            .find(|r| &r.name == name)
            .map(|r| (r.soft, r.hard));
        c.check(
            &format!("rlimits.{name}"),
            Some((Limit::Value(*soft), Limit::Value(*hard))),
            seen,
        );
    }
    if let Some(caps) = &case.caps {
        let expected: BTreeMap<&str, &BTreeSet<String>> = BTreeMap::from([
            ("ambient", &caps.kept),
            ("bounding", &caps.bounding),
            ("effective", &caps.kept),
            ("inheritable", &caps.inheritable),
            ("permitted", &caps.kept),
        ]);
        let observed = p.capabilities.as_ref().map(|s| {
            let set = |c: &oci_probe::CapSet| c.names.iter().cloned().collect::<BTreeSet<_>>();
            BTreeMap::from([
                ("ambient", set(&s.ambient)),
                ("bounding", set(&s.bounding)),
                ("effective", set(&s.effective)),
                ("inheritable", set(&s.inheritable)),
                ("permitted", set(&s.permitted)),
            ])
        });
        let expected: BTreeMap<&str, BTreeSet<String>> =
            expected.into_iter().map(|(k, v)| (k, v.clone())).collect();
        c.check("capabilities", Some(expected), observed);
    }
    if let Some(kinds) = &case.namespaces {
        compare_namespaces(&mut c, kinds, report, host);
    }
    for m in &case.mounts {
        compare_mount(&mut c, m, report);
    }
    for path in &case.masked {
        let seen = report.paths.iter().find(|x| &x.path == path);
        c.check(
            &format!("maskedPaths.{path}"),
            "masked".to_string(),
            seen.map_or("not looked at".into(), |x| {
                if x.masked {
                    "masked".into()
                } else {
                    format!("not masked (exists {}, empty {:?})", x.exists, x.empty)
                }
            }),
        );
    }
    for path in &case.readonly {
        let seen = report.paths.iter().find(|x| &x.path == path);
        c.check(
            &format!("readonlyPaths.{path}"),
            "read-only".to_string(),
            seen.map_or("not looked at".into(), |x| {
                if x.readonly == Some(true) || x.statvfs_readonly == Some(true) {
                    "read-only".into()
                } else {
                    format!(
                        "writable (write test {}, error {:?})",
                        x.write_test, x.write_error
                    )
                }
            }),
        );
    }
    for (name, value) in &case.sysctls {
        c.check(
            &format!("sysctl.{name}"),
            Some(value),
            report.sysctls.get(name).and_then(Option::as_ref),
        );
    }
    compare_cgroups(&mut c, case, report, host.host);
    c
}

fn compare_namespaces(c: &mut Comparison, kinds: &BTreeSet<String>, r: &Report, h: &HostView) {
    for kind in super::gen::OPTIONAL_NAMESPACES {
        let name = proc_ns_name(kind);
        let property = format!("namespaces.{kind}");
        let Some(host_inode) = h.namespaces.get(name) else {
            c.skip(&property, format!("this host has no {kind} namespaces"));
            continue;
        };
        let own = r.namespaces.own.iter().find(|e| e.name == name);
        let Some(own) = own else {
            c.skip(
                &property,
                format!("the probe could not read /proc/self/ns/{name}"),
            );
            continue;
        };
        let want = if kinds.contains(kind) {
            "new"
        } else {
            "the runtime's"
        };
        let seen = if own.inode == *host_inode {
            "the runtime's"
        } else {
            "new"
        };
        c.check(&property, want, seen);
    }
}

/// The per-mount flags of `options` that a case asks about.
fn seen_flags(options: &[String], asked: &[String]) -> Vec<String> {
    asked
        .iter()
        .filter(|f| options.contains(f))
        .cloned()
        .collect()
}

fn compare_mount(c: &mut Comparison, m: &FuzzMount, r: &Report) {
    let dest = m.destination();
    let property = format!("mounts.{dest}");
    let Some(e) = r.mount_at(&dest) else {
        c.check(
            &property,
            "mounted".to_string(),
            "no mount there".to_string(),
        );
        return;
    };
    match m {
        FuzzMount::Tmpfs {
            flags,
            mode,
            size_k,
            ..
        } => {
            // The kernel prints a tmpfs's mode unless it is the default 1777.
            let seen_mode = e
                .super_options
                .iter()
                .find_map(|o| o.strip_prefix("mode="))
                .and_then(|v| u32::from_str_radix(v, 8).ok())
                .unwrap_or(0o1777);
            let seen_size = e
                .super_options
                .iter()
                .find_map(|o| o.strip_prefix("size="))
                .map(str::to_string);
            c.check(
                &property,
                (
                    "tmpfs".to_string(),
                    flags.clone(),
                    format!("mode {mode:o}"),
                    Some(format!("{size_k}k")),
                ),
                (
                    e.fstype.clone(),
                    seen_flags(&e.options, flags),
                    format!("mode {seen_mode:o}"),
                    seen_size,
                ),
            );
        }
        FuzzMount::Bind { name, flags, .. } => {
            let from = format!("/fuzz-src/{name}");
            c.check(
                &property,
                (format!("a bind of …{from}"), flags.clone()),
                (
                    if e.root.ends_with(&from) {
                        format!("a bind of …{from}")
                    } else {
                        format!("{} of {} (root {})", e.fstype, e.source, e.root)
                    },
                    seen_flags(&e.options, flags),
                ),
            );
        }
    }
}

fn compare_cgroups(c: &mut Comparison, case: &Case, r: &Report, host: &Host) {
    let cg = &r.cgroup;
    let limit = |v: u64| Some(Limit::Value(v));
    if let Some(bytes) = case.memory {
        if let Some(m) = section(c, host, "memory", "memory.limit", &cg.memory) {
            c.check("memory.limit", limit(bytes), m.limit);
        }
    }
    if let Some(n) = case.pids {
        if let Some(p) = section(c, host, "pids", "pids.limit", &cg.pids) {
            c.check("pids.limit", limit(n), p.max);
        }
    }
    if let Some(shares) = case.cpu_shares {
        if let Some(cpu) = section(c, host, "cpu", "cpu.shares", &cg.cpu) {
            if cpu.hierarchy == Hierarchy::V1 {
                c.check("cpu.shares", Some(shares), cpu.shares);
            } else {
                c.skip(
                    "cpu.shares",
                    "cgroup v2 has cpu.weight, converted by a formula the spec does not give",
                );
            }
        }
    }
    if let Some((quota, period)) = case.cpu_quota {
        if let Some(cpu) = section(c, host, "cpu", "cpu.quota", &cg.cpu) {
            c.check(
                "cpu.quota",
                (limit(quota), Some(period)),
                (cpu.quota, cpu.period),
            );
        }
    }
}

/// The probe's section for a controller, or `None` with the property skipped: when the host
/// has no such controller, or the probe saw none.
fn section<'r, T>(
    c: &mut Comparison,
    host: &Host,
    controller: &str,
    property: &str,
    s: &'r Option<T>,
) -> Option<&'r T> {
    if !host.has_controller(controller) {
        c.skip(
            property,
            format!("this host has no {controller} controller"),
        );
        return None;
    }
    if s.is_none() {
        c.skip(
            property,
            format!("the probe saw no {controller} cgroup of its own (the cgroup mount failed)"),
        );
    }
    s.as_ref()
}
