//! What this host can do, found by looking at it (never by the runtime's name): the basis of
//! every SKIP.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Host {
    pub euid: u32,
    pub kernel: String,
    /// `v1`, `v2`, `hybrid` or `none`.
    pub cgroup_version: &'static str,
    /// v1 controllers with a mounted hierarchy (`memory`, `pids`, ...; `name=systemd` excluded).
    pub cgroup_v1_controllers: BTreeSet<String>,
    /// Controllers listed in the v2 root's `cgroup.controllers`.
    pub cgroup_v2_controllers: BTreeSet<String>,
    /// Namespace kinds in /proc/self/ns, by their `/proc` names (`mnt`, `net`, `cgroup`, ...).
    pub namespaces: BTreeSet<String>,
    /// Capability names in this process's bounding set: a container cannot get more.
    pub bounding_caps: BTreeSet<String>,
    pub apparmor: bool,
    pub selinux: bool,
}

impl Host {
    pub fn detect() -> Host {
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mounts = oci_probe::parse::parse_mountinfo(&mountinfo);
        let mut v1 = BTreeSet::new();
        let mut v2_root = None;
        for m in &mounts {
            match m.fstype.as_str() {
                "cgroup" => v1.extend(
                    m.super_options
                        .iter()
                        .filter(|o| is_v1_controller(o))
                        .cloned(),
                ),
                "cgroup2" => v2_root = Some(m.destination.clone()),
                _ => {}
            }
        }
        let cgroup_version = match (!v1.is_empty(), v2_root.is_some()) {
            (true, true) => "hybrid",
            (true, false) => "v1",
            (false, true) => "v2",
            (false, false) => "none",
        };
        let v2 = v2_root
            .and_then(|r| std::fs::read_to_string(Path::new(&r).join("cgroup.controllers")).ok())
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let namespaces = std::fs::read_dir("/proc/self/ns")
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let bounding_caps = status
            .lines()
            .find_map(|l| l.strip_prefix("CapBnd:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .map(|mask| oci_probe::parse::cap_names(mask).into_iter().collect())
            .unwrap_or_default();
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        Host {
            // SAFETY: geteuid has no preconditions.
            euid: unsafe { libc::geteuid() },
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            cgroup_version,
            cgroup_v1_controllers: v1,
            cgroup_v2_controllers: v2,
            namespaces,
            bounding_caps,
            apparmor: read("/sys/module/apparmor/parameters/enabled").trim() == "Y",
            selinux: Path::new("/sys/fs/selinux/enforce").exists(),
        }
    }

    /// Facts for the report.
    pub fn facts(&self) -> BTreeMap<String, String> {
        let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
        BTreeMap::from([
            ("host.kernel".into(), self.kernel.clone()),
            ("host.cgroup".into(), self.cgroup_version.into()),
            ("host.cgroup.v1".into(), join(&self.cgroup_v1_controllers)),
            ("host.cgroup.v2".into(), join(&self.cgroup_v2_controllers)),
            ("host.namespaces".into(), join(&self.namespaces)),
            ("host.apparmor".into(), self.apparmor.to_string()),
            ("host.selinux".into(), self.selinux.to_string()),
        ])
    }

    /// Whether a cgroup controller can be used here, in either hierarchy.
    pub fn has_controller(&self, name: &str) -> bool {
        self.cgroup_v1_controllers.contains(name) || self.cgroup_v2_controllers.contains(name)
    }
}

fn is_v1_controller(opt: &str) -> bool {
    const CONTROLLERS: [&str; 13] = [
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "blkio",
        "pids",
        "net_cls",
        "net_prio",
        "hugetlb",
        "perf_event",
        "rdma",
    ];
    CONTROLLERS.contains(&opt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_this_host_consistently() {
        let h = Host::detect();
        assert!(h.namespaces.contains("mnt"), "{:?}", h.namespaces);
        assert!(!h.kernel.is_empty());
        match h.cgroup_version {
            "v1" => assert!(h.cgroup_v2_controllers.is_empty()),
            "hybrid" | "v2" | "none" => {}
            other => panic!("unexpected layout {other}"),
        }
        assert!(h.facts().contains_key("host.cgroup"));
    }

    #[test]
    fn controller_names_exclude_mount_options() {
        assert!(is_v1_controller("memory"));
        assert!(!is_v1_controller("rw"));
        assert!(!is_v1_controller("name=systemd"));
    }
}
