//! The `cgroup` section: find this process's cgroup directories, then read the limits.
//! Each controller is read from its v1 hierarchy when one is mounted, else from the unified
//! hierarchy when the controller is enabled there. A missing file is `null`, never an error.

use super::{trim_value, Errors};
use crate::parse::{self, parse_limit, parse_v1_bytes};
use crate::{
    Cgroup, CpuLimits, CpusetLimits, DevicesCgroup, Hierarchy, HugetlbLimit, HugetlbLimits,
    IoLimits, MemoryLimits, MountEntry, NetCls, NetPrio, PidsLimits,
};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) fn collect_cgroup(mounts: &[MountEntry], errors: &mut Errors) -> Cgroup {
    let memberships = errors
        .read_optional("/proc/self/cgroup")
        .map(|t| parse::parse_proc_cgroup(&t))
        .unwrap_or_default();
    let cg_mounts = parse::cgroup_mounts(mounts);
    let mounted_v1 = cg_mounts.iter().any(|m| m.hierarchy == Hierarchy::V1);
    let mounted_v2 = cg_mounts.iter().any(|m| m.hierarchy == Hierarchy::V2);
    let proc_v1 = memberships.iter().any(|m| !m.controllers.is_empty());
    let proc_v2 = memberships
        .iter()
        .any(|m| m.hierarchy_id == 0 && m.controllers.is_empty());
    // Of several mounts of one hierarchy, the first whose directory exists.
    let dirs: BTreeMap<String, String> = parse::resolve_cgroup_dirs(&memberships, &cg_mounts)
        .into_iter()
        .filter_map(|(key, candidates)| {
            let dir = candidates.into_iter().find(|d| Path::new(d).is_dir())?;
            Some((key, dir))
        })
        .collect();

    let mut files = Files::default();
    let picker = Picker::new(&dirs, &mut files);
    let pick = |v1: &str, v2: &str| picker.pick(v1, v2);
    let memory = pick("memory", "memory").map(|(h, d)| memory(h, d, &mut files));
    let cpu = pick("cpu", "cpu").map(|(h, d)| cpu(h, d, &mut files));
    let cpuset = pick("cpuset", "cpuset").map(|(h, d)| cpuset(h, d, &mut files));
    let pids = pick("pids", "pids").map(|(h, d)| pids(h, d, &mut files));
    let io = pick("blkio", "io").map(|(h, d)| io(h, d, &mut files));
    let hugetlb = pick("hugetlb", "hugetlb").map(|(h, d)| hugetlb(h, d, &mut files));
    let net_cls = dirs.get("net_cls").map(|d| NetCls {
        dir: d.clone(),
        classid: files.num(d, "net_cls.classid"),
    });
    let net_prio = dirs.get("net_prio").map(|d| NetPrio {
        dir: d.clone(),
        ifpriomap: files
            .read(d, "net_prio.ifpriomap")
            .map(|t| parse::parse_ifpriomap(&t)),
    });
    let devices = devices(&dirs, &mut files);

    Cgroup {
        version: parse::detect_version(mounted_v1, mounted_v2, proc_v1, proc_v2),
        mounted_v1,
        mounted_v2,
        proc_v1,
        proc_v2,
        memberships,
        mounts: cg_mounts,
        dirs,
        memory,
        cpu,
        cpuset,
        pids,
        io,
        hugetlb,
        net_cls,
        net_prio,
        devices,
        files: files.0,
    }
}

/// Chooses the hierarchy a controller is read from.
struct Picker<'a> {
    dirs: &'a BTreeMap<String, String>,
    /// `cgroup.controllers` of our v2 cgroup; `None` if unreadable (then every controller is
    /// tried, and absent files simply come out `null`).
    v2_controllers: Option<Vec<String>>,
}

impl<'a> Picker<'a> {
    fn new(dirs: &'a BTreeMap<String, String>, files: &mut Files) -> Self {
        let v2_controllers = dirs.get("unified").and_then(|d| {
            files
                .read(d, "cgroup.controllers")
                .map(|t| t.split_whitespace().map(str::to_string).collect())
        });
        Picker {
            dirs,
            v2_controllers,
        }
    }

    fn pick(&self, v1: &str, v2: &str) -> Option<(Hierarchy, String)> {
        if let Some(d) = self.dirs.get(v1) {
            return Some((Hierarchy::V1, d.clone()));
        }
        let d = self.dirs.get("unified")?;
        let enabled = self
            .v2_controllers
            .as_ref()
            .is_none_or(|c| c.iter().any(|x| x == v2));
        enabled.then(|| (Hierarchy::V2, d.clone()))
    }
}

/// Reads cgroup files, remembering each value read (the report's `files`).
#[derive(Default)]
struct Files(BTreeMap<String, String>);

impl Files {
    fn read(&mut self, dir: &str, name: &str) -> Option<String> {
        let path = format!("{dir}/{name}");
        let text = trim_value(&String::from_utf8_lossy(&std::fs::read(&path).ok()?));
        self.0.insert(path, text.clone());
        Some(text)
    }

    fn num<T: std::str::FromStr>(&mut self, dir: &str, name: &str) -> Option<T> {
        self.read(dir, name)?.trim().parse().ok()
    }

    fn limit(&mut self, dir: &str, name: &str) -> Option<crate::Limit> {
        parse_limit(&self.read(dir, name)?)
    }

    fn v1_bytes(&mut self, dir: &str, name: &str) -> Option<crate::Limit> {
        parse_v1_bytes(&self.read(dir, name)?)
    }

    fn flag(&mut self, dir: &str, name: &str) -> Option<bool> {
        self.num::<u64>(dir, name).map(|v| v != 0)
    }
}

fn memory(h: Hierarchy, dir: String, f: &mut Files) -> MemoryLimits {
    match h {
        Hierarchy::V1 => {
            let oom = f
                .read(&dir, "memory.oom_control")
                .map(|t| parse::parse_flat_keyed(&t))
                .unwrap_or_default();
            let oom_flag = |k: &str| oom.get(k).map(|v| v != "0");
            MemoryLimits {
                hierarchy: h,
                limit: f.v1_bytes(&dir, "memory.limit_in_bytes"),
                reservation: f.v1_bytes(&dir, "memory.soft_limit_in_bytes"),
                swap: f.v1_bytes(&dir, "memory.memsw.limit_in_bytes"),
                swap_includes_memory: true,
                high: None,
                min: None,
                kernel: f.v1_bytes(&dir, "memory.kmem.limit_in_bytes"),
                kernel_tcp: f.v1_bytes(&dir, "memory.kmem.tcp.limit_in_bytes"),
                swappiness: f.num(&dir, "memory.swappiness"),
                oom_kill_disable: oom_flag("oom_kill_disable"),
                under_oom: oom_flag("under_oom"),
                oom_group: None,
                usage: f.num(&dir, "memory.usage_in_bytes"),
                dir,
            }
        }
        Hierarchy::V2 => MemoryLimits {
            hierarchy: h,
            limit: f.limit(&dir, "memory.max"),
            reservation: f.limit(&dir, "memory.low"),
            swap: f.limit(&dir, "memory.swap.max"),
            swap_includes_memory: false,
            high: f.limit(&dir, "memory.high"),
            min: f.limit(&dir, "memory.min"),
            kernel: None,
            kernel_tcp: None,
            swappiness: None,
            oom_kill_disable: None,
            under_oom: None,
            oom_group: f.flag(&dir, "memory.oom.group"),
            usage: f.num(&dir, "memory.current"),
            dir,
        },
    }
}

fn cpu(h: Hierarchy, dir: String, f: &mut Files) -> CpuLimits {
    let (quota, period) = match h {
        Hierarchy::V1 => (
            f.read(&dir, "cpu.cfs_quota_us")
                .and_then(|t| parse::parse_v1_quota(&t)),
            f.num(&dir, "cpu.cfs_period_us"),
        ),
        Hierarchy::V2 => match f
            .read(&dir, "cpu.max")
            .and_then(|t| parse::parse_cpu_max(&t))
        {
            Some((q, p)) => (Some(q), p),
            None => (None, None),
        },
    };
    let cores = match (quota.and_then(|q| q.value()), period) {
        (Some(q), Some(p)) if p > 0 => Some(q as f64 / p as f64),
        _ => None,
    };
    let v1 = h == Hierarchy::V1;
    CpuLimits {
        hierarchy: h,
        shares: if v1 { f.num(&dir, "cpu.shares") } else { None },
        weight: if v1 { None } else { f.num(&dir, "cpu.weight") },
        quota,
        period,
        burst: f.num(
            &dir,
            if v1 {
                "cpu.cfs_burst_us"
            } else {
                "cpu.max.burst"
            },
        ),
        idle: if v1 { None } else { f.flag(&dir, "cpu.idle") },
        rt_runtime: if v1 {
            f.num(&dir, "cpu.rt_runtime_us")
        } else {
            None
        },
        rt_period: if v1 {
            f.num(&dir, "cpu.rt_period_us")
        } else {
            None
        },
        cores,
        dir,
    }
}

fn cpuset(h: Hierarchy, dir: String, f: &mut Files) -> CpusetLimits {
    let (eff_cpus, eff_mems) = match h {
        Hierarchy::V1 => ("cpuset.effective_cpus", "cpuset.effective_mems"),
        Hierarchy::V2 => ("cpuset.cpus.effective", "cpuset.mems.effective"),
    };
    CpusetLimits {
        hierarchy: h,
        cpus: f.read(&dir, "cpuset.cpus"),
        mems: f.read(&dir, "cpuset.mems"),
        effective_cpus: f.read(&dir, eff_cpus),
        effective_mems: f.read(&dir, eff_mems),
        dir,
    }
}

fn pids(h: Hierarchy, dir: String, f: &mut Files) -> PidsLimits {
    PidsLimits {
        hierarchy: h,
        max: f.limit(&dir, "pids.max"),
        current: f.num(&dir, "pids.current"),
        dir,
    }
}

fn io(h: Hierarchy, dir: String, f: &mut Files) -> IoLimits {
    let (weight_files, throttle) = match h {
        Hierarchy::V1 => {
            let mut dv = |name: &str| {
                f.read(&dir, name)
                    .map(|t| parse::parse_device_values(&t))
                    .unwrap_or_default()
            };
            let (rb, wb) = (
                dv("blkio.throttle.read_bps_device"),
                dv("blkio.throttle.write_bps_device"),
            );
            let (ri, wi) = (
                dv("blkio.throttle.read_iops_device"),
                dv("blkio.throttle.write_iops_device"),
            );
            (
                [
                    ("blkio.weight", "blkio.weight_device"),
                    ("blkio.bfq.weight", "blkio.bfq.weight_device"),
                ],
                parse::merge_v1_throttles([&rb, &wb, &ri, &wi]),
            )
        }
        Hierarchy::V2 => (
            [
                ("io.weight", "io.weight"),
                ("io.bfq.weight", "io.bfq.weight"),
            ],
            f.read(&dir, "io.max")
                .map(|t| parse::parse_io_max(&t))
                .unwrap_or_default(),
        ),
    };
    // The CFQ-era file first, then BFQ's: whichever the kernel has.
    let mut weight = None;
    let mut weight_device = Vec::new();
    for (w, wd) in weight_files {
        if weight.is_none() {
            weight = f
                .read(&dir, w)
                .and_then(|t| parse::parse_io_weight_v2(&t).0);
        }
        if weight_device.is_empty() {
            weight_device = f
                .read(&dir, wd)
                .map(|t| parse::parse_io_weight_v2(&t).1)
                .unwrap_or_default();
        }
    }
    IoLimits {
        hierarchy: h,
        dir,
        weight,
        weight_device,
        throttle,
    }
}

fn hugetlb(h: Hierarchy, dir: String, f: &mut Files) -> HugetlbLimits {
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| parse::hugetlb_page_size(n, h).is_some())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let limits = names
        .iter()
        .map(|name| HugetlbLimit {
            page_size: parse::hugetlb_page_size(name, h)
                .unwrap_or_default()
                .to_string(),
            limit: match h {
                Hierarchy::V1 => f.v1_bytes(&dir, name),
                Hierarchy::V2 => f.limit(&dir, name),
            },
        })
        .collect();
    HugetlbLimits {
        hierarchy: h,
        dir,
        limits,
    }
}

fn devices(dirs: &BTreeMap<String, String>, f: &mut Files) -> Option<DevicesCgroup> {
    if let Some(d) = dirs.get("devices") {
        return Some(DevicesCgroup {
            hierarchy: Hierarchy::V1,
            list: f
                .read(d, "devices.list")
                .map(|t| parse::parse_devices_list(&t)),
            dir: d.clone(),
        });
    }
    // v2 enforces device rules with an eBPF program attached to the cgroup; there is no file.
    dirs.get("unified").map(|d| DevicesCgroup {
        hierarchy: Hierarchy::V2,
        dir: d.clone(),
        list: None,
    })
}
