//! `/proc/self/cgroup`, the cgroup mounts of mountinfo, and cgroup v1/v2 interface files.
//!
//! Finding one's own cgroup directory: `/proc/self/cgroup` gives, per hierarchy, a path relative
//! to the root of the hierarchy *as seen from this cgroup namespace*; mountinfo gives, per
//! cgroup mount, the `root` of the hierarchy that is mounted there (same point of view). The
//! directory is then `mount point + (path − root)`. This single rule covers a host (root `/`), a
//! container with a cgroup namespace (path `/`, root `/`), and one without (v1 bind mounts of
//! the container's own cgroup have root = that path).

use crate::{
    CgroupMembership, CgroupMount, CgroupVersion, DeviceRule, DeviceValue, Hierarchy, IfPriority,
    IoThrottle, Limit, MountEntry,
};
use std::collections::BTreeMap;

/// `/proc/self/cgroup`: `hierarchy-ID:controller-list:cgroup-path`.
pub fn parse_proc_cgroup(text: &str) -> Vec<CgroupMembership> {
    text.lines()
        .filter_map(|line| {
            // The path is last and may itself contain ':'.
            let mut f = line.splitn(3, ':');
            let hierarchy_id = f.next()?.parse().ok()?;
            let controllers = f
                .next()?
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            Some(CgroupMembership {
                hierarchy_id,
                controllers,
                path: f.next()?.to_string(),
            })
        })
        .collect()
}

/// The v1 controllers the kernel knows, as they appear in super options.
const V1_CONTROLLERS: [&str; 14] = [
    "cpuset",
    "cpu",
    "cpuacct",
    "blkio",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "perf_event",
    "net_prio",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];

/// The cgroup filesystems among the mounts. For v1 the controllers are the super options that
/// name a controller (or a named hierarchy, `name=systemd`); other options (`rw`,
/// `clone_children`, `release_agent=`...) are not controllers.
pub fn cgroup_mounts(mounts: &[MountEntry]) -> Vec<CgroupMount> {
    mounts
        .iter()
        .filter_map(|m| {
            let hierarchy = match m.fstype.as_str() {
                "cgroup" => Hierarchy::V1,
                "cgroup2" => Hierarchy::V2,
                _ => return None,
            };
            let controllers = match hierarchy {
                Hierarchy::V1 => m
                    .super_options
                    .iter()
                    .filter(|o| V1_CONTROLLERS.contains(&o.as_str()) || o.starts_with("name="))
                    .cloned()
                    .collect(),
                Hierarchy::V2 => Vec::new(),
            };
            Some(CgroupMount {
                destination: m.destination.clone(),
                root: m.root.clone(),
                hierarchy,
                controllers,
            })
        })
        .collect()
}

/// v1, v2 or hybrid. What is mounted decides (it is what can be read); with nothing mounted,
/// `/proc/self/cgroup` still tells what the kernel has (its `0::` line appears once a cgroup2
/// hierarchy has been mounted anywhere).
pub fn detect_version(
    mounted_v1: bool,
    mounted_v2: bool,
    proc_v1: bool,
    proc_v2: bool,
) -> CgroupVersion {
    let from = |v1: bool, v2: bool| match (v1, v2) {
        (true, true) => Some(CgroupVersion::Hybrid),
        (true, false) => Some(CgroupVersion::V1),
        (false, true) => Some(CgroupVersion::V2),
        (false, false) => None,
    };
    from(mounted_v1, mounted_v2)
        .or_else(|| from(proc_v1, proc_v2))
        .unwrap_or(CgroupVersion::None)
}

/// Maps a `/proc/self/cgroup` path through a mount: `None` when the path is not inside the
/// mounted subtree (another cgroup's bind mount, or a path outside our cgroup namespace).
pub fn map_cgroup_path(cgroup_path: &str, mount_root: &str, mount_point: &str) -> Option<String> {
    if cgroup_path.split('/').any(|c| c == "..") || mount_root.split('/').any(|c| c == "..") {
        return None;
    }
    let rel = if mount_root == "/" {
        cgroup_path.trim_start_matches('/')
    } else if cgroup_path == mount_root {
        ""
    } else {
        cgroup_path.strip_prefix(mount_root)?.strip_prefix('/')?
    };
    let base = mount_point.trim_end_matches('/');
    Some(match (rel.is_empty(), base.is_empty()) {
        (true, true) => "/".to_string(),
        (true, false) => base.to_string(),
        (false, _) => format!("{base}/{rel}"),
    })
}

/// Controller key → candidate directories of this process's cgroup, in mountinfo order.
/// v1 keys are the controller names (`cpu` and `cpuacct` separately even when co-mounted) and
/// named hierarchies (`name=systemd`); the v2 key is `unified`.
pub fn resolve_cgroup_dirs(
    memberships: &[CgroupMembership],
    mounts: &[CgroupMount],
) -> BTreeMap<String, Vec<String>> {
    let mut dirs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for member in memberships {
        let is_v2 = member.hierarchy_id == 0 && member.controllers.is_empty();
        for mount in mounts {
            let same_hierarchy = match mount.hierarchy {
                Hierarchy::V2 => is_v2,
                Hierarchy::V1 => !is_v2 && same_set(&mount.controllers, &member.controllers),
            };
            if !same_hierarchy {
                continue;
            }
            let Some(dir) = map_cgroup_path(&member.path, &mount.root, &mount.destination) else {
                continue;
            };
            let keys: Vec<String> = if is_v2 {
                vec!["unified".to_string()]
            } else {
                member.controllers.clone()
            };
            for key in keys {
                let list = dirs.entry(key).or_default();
                if !list.contains(&dir) {
                    list.push(dir.clone());
                }
            }
        }
    }
    dirs
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// A v2-style value: `max` or a number.
pub fn parse_limit(text: &str) -> Option<Limit> {
    match text.trim() {
        "max" => Some(Limit::Max),
        t => t.parse().ok().map(Limit::Value),
    }
}

/// A v1 byte limit. "No limit" is `PAGE_COUNTER_MAX * PAGE_SIZE`, a little under `i64::MAX`
/// (9223372036854771712 with 4 KiB pages), so anything within 1 MiB of `i64::MAX` is "max".
/// `-1` (as written by some tools) is "max" too.
pub fn parse_v1_bytes(text: &str) -> Option<Limit> {
    let t = text.trim();
    if t == "-1" || t == "max" {
        return Some(Limit::Max);
    }
    let v: u64 = t.parse().ok()?;
    const NEAR_MAX: u64 = i64::MAX as u64 - (1 << 20);
    Some(if v >= NEAR_MAX {
        Limit::Max
    } else {
        Limit::Value(v)
    })
}

/// v1 `cpu.cfs_quota_us`: `-1` (any negative) means no quota.
pub fn parse_v1_quota(text: &str) -> Option<Limit> {
    let v: i64 = text.trim().parse().ok()?;
    Some(u64::try_from(v).map_or(Limit::Max, Limit::Value))
}

/// v2 `cpu.max`: `$MAX $PERIOD`, `$MAX` being `max` or microseconds.
pub fn parse_cpu_max(text: &str) -> Option<(Limit, Option<u64>)> {
    let mut f = text.split_whitespace();
    let quota = parse_limit(f.next()?)?;
    let period = f.next().and_then(|p| p.parse().ok());
    Some((quota, period))
}

/// Flat keyed files (`memory.oom_control`, `memory.stat`): `key value` per line.
pub fn parse_flat_keyed(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

/// `MAJ:MIN value` lines (`blkio.weight_device`, `blkio.throttle.*`); other lines are skipped.
pub fn parse_device_values(text: &str) -> Vec<DeviceValue> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (major, minor) = parse_maj_min(f.next()?)?;
            let value = f.next()?.parse().ok()?;
            Some(DeviceValue {
                major,
                minor,
                value,
            })
        })
        .collect()
}

fn parse_maj_min(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// v2 `io.weight` / `io.bfq.weight`: `default 100` then `MAJ:MIN weight` lines.
pub fn parse_io_weight_v2(text: &str) -> (Option<u64>, Vec<DeviceValue>) {
    let default = text.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        match (f.next(), f.next()) {
            (Some("default"), Some(v)) => v.parse().ok(),
            // `io.bfq.weight` on some kernels is a bare number.
            (Some(v), None) => v.parse().ok(),
            _ => None,
        }
    });
    (default, parse_device_values(text))
}

/// v2 `io.max`: `MAJ:MIN rbps=N wbps=max riops=N wiops=N` lines.
pub fn parse_io_max(text: &str) -> Vec<IoThrottle> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (major, minor) = parse_maj_min(f.next()?)?;
            let mut t = empty_throttle(major, minor);
            for kv in f {
                let Some((k, v)) = kv.split_once('=') else {
                    continue;
                };
                let v = parse_limit(v);
                match k {
                    "rbps" => t.read_bps = v,
                    "wbps" => t.write_bps = v,
                    "riops" => t.read_iops = v,
                    "wiops" => t.write_iops = v,
                    _ => {}
                }
            }
            Some(t)
        })
        .collect()
}

fn empty_throttle(major: u32, minor: u32) -> IoThrottle {
    IoThrottle {
        major,
        minor,
        read_bps: None,
        write_bps: None,
        read_iops: None,
        write_iops: None,
    }
}

/// v1 throttles come in four files; a device missing from a file has no limit there.
/// Arguments are the parsed `read_bps`, `write_bps`, `read_iops`, `write_iops` files.
pub fn merge_v1_throttles(files: [&[DeviceValue]; 4]) -> Vec<IoThrottle> {
    let mut out: Vec<IoThrottle> = Vec::new();
    for (which, values) in files.iter().enumerate() {
        for dv in values.iter() {
            let pos = match out
                .iter()
                .position(|t| (t.major, t.minor) == (dv.major, dv.minor))
            {
                Some(p) => p,
                None => {
                    out.push(empty_throttle(dv.major, dv.minor));
                    out.len() - 1
                }
            };
            let slot = match which {
                0 => &mut out[pos].read_bps,
                1 => &mut out[pos].write_bps,
                2 => &mut out[pos].read_iops,
                _ => &mut out[pos].write_iops,
            };
            *slot = Some(Limit::Value(dv.value));
        }
    }
    for t in &mut out {
        for slot in [
            &mut t.read_bps,
            &mut t.write_bps,
            &mut t.read_iops,
            &mut t.write_iops,
        ] {
            slot.get_or_insert(Limit::Max);
        }
    }
    out
}

/// v1 `devices.list`: `a *:* rwm`, `c 1:3 rwm`, `b 8:* r`.
pub fn parse_devices_list(text: &str) -> Vec<DeviceRule> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let kind = f.next()?.to_string();
            let (major, minor) = f.next()?.split_once(':')?;
            let num = |s: &str| -> Option<Option<u32>> {
                if s == "*" {
                    Some(None)
                } else {
                    s.parse().ok().map(Some)
                }
            };
            Some(DeviceRule {
                kind,
                major: num(major)?,
                minor: num(minor)?,
                access: f.next()?.to_string(),
            })
        })
        .collect()
}

/// v1 `net_prio.ifpriomap`: `ifname priority` per line.
pub fn parse_ifpriomap(text: &str) -> Vec<IfPriority> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some(IfPriority {
                interface: f.next()?.to_string(),
                priority: f.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// `hugetlb.2MB.limit_in_bytes` (v1) or `hugetlb.2MB.max` (v2) → `2MB`; other names → `None`.
pub fn hugetlb_page_size(file_name: &str, hierarchy: Hierarchy) -> Option<&str> {
    let suffix = match hierarchy {
        Hierarchy::V1 => ".limit_in_bytes",
        Hierarchy::V2 => ".max",
    };
    let size = file_name.strip_prefix("hugetlb.")?.strip_suffix(suffix)?;
    // `hugetlb.2MB.rsvd.max` and the like are other knobs, not the plain limit.
    (!size.contains('.')).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_mountinfo;

    /// This VM: v1 controllers each on their own mount, plus cgroup2 at
    /// /sys/fs/cgroup/unified; the shell runs in a memory sub-cgroup.
    const HYBRID_MOUNTINFO: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    const HYBRID_CGROUP: &str = "\
9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/68147305ce91fcb8fc2d186d2e8cdf5f
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
";

    /// A pure v2 host (systemd), process in a user session scope.
    const V2_MOUNTINFO: &str = "\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
30 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
33 25 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";
    const V2_CGROUP: &str = "0::/user.slice/user-1000.slice/session-2.scope\n";

    /// Inside a runc container on a v1 host without a cgroup namespace: runc bind-mounts the
    /// container's own cgroup of each hierarchy, so the mount root is the container's path;
    /// cpu and cpuacct co-mounted, as on most distributions.
    const RUNC_V1_MOUNTINFO: &str = "\
600 500 0:60 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755
601 600 0:29 /test-ctr /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu,cpuacct
602 600 0:32 /test-ctr /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory
603 600 0:36 /test-ctr /sys/fs/cgroup/pids ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,pids
604 600 0:37 /test-ctr /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
";
    const RUNC_V1_CGROUP: &str = "\
9:name=systemd:/test-ctr
8:pids:/test-ctr
4:memory:/test-ctr
2:cpu,cpuacct:/test-ctr
";

    /// Inside a container with a cgroup namespace on a v2 host: everything is `/`.
    const CGROUPNS_MOUNTINFO: &str = "\
700 650 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
";
    const CGROUPNS_CGROUP: &str = "0::/\n";

    fn resolve(mountinfo: &str, cgroup: &str) -> (CgroupVersion, BTreeMap<String, Vec<String>>) {
        let mounts = cgroup_mounts(&parse_mountinfo(mountinfo));
        let members = parse_proc_cgroup(cgroup);
        let version = detect_version(
            mounts.iter().any(|m| m.hierarchy == Hierarchy::V1),
            mounts.iter().any(|m| m.hierarchy == Hierarchy::V2),
            members.iter().any(|m| !m.controllers.is_empty()),
            members.iter().any(|m| m.hierarchy_id == 0),
        );
        (version, resolve_cgroup_dirs(&members, &mounts))
    }

    #[test]
    fn this_vm_is_hybrid_with_per_controller_mounts() {
        let (version, dirs) = resolve(HYBRID_MOUNTINFO, HYBRID_CGROUP);
        assert_eq!(version, CgroupVersion::Hybrid);
        assert_eq!(
            dirs["memory"],
            vec!["/sys/fs/cgroup/memory/process_api/68147305ce91fcb8fc2d186d2e8cdf5f"]
        );
        assert_eq!(dirs["cpu"], vec!["/sys/fs/cgroup/cpu"]);
        assert_eq!(dirs["pids"], vec!["/sys/fs/cgroup/pids"]);
        assert_eq!(dirs["name=systemd"], vec!["/sys/fs/cgroup/systemd"]);
        assert_eq!(dirs["unified"], vec!["/sys/fs/cgroup/unified"]);
        assert_eq!(dirs.len(), 10);
    }

    #[test]
    fn pure_v2_host() {
        let (version, dirs) = resolve(V2_MOUNTINFO, V2_CGROUP);
        assert_eq!(version, CgroupVersion::V2);
        assert_eq!(
            dirs["unified"],
            vec!["/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope"]
        );
        assert_eq!(dirs.len(), 1);
    }

    #[test]
    fn container_without_cgroupns_maps_through_the_bind_root() {
        let (version, dirs) = resolve(RUNC_V1_MOUNTINFO, RUNC_V1_CGROUP);
        assert_eq!(version, CgroupVersion::V1);
        assert_eq!(dirs["memory"], vec!["/sys/fs/cgroup/memory"]);
        assert_eq!(dirs["cpu"], vec!["/sys/fs/cgroup/cpu,cpuacct"]);
        assert_eq!(dirs["cpuacct"], vec!["/sys/fs/cgroup/cpu,cpuacct"]);
        assert_eq!(dirs["name=systemd"], vec!["/sys/fs/cgroup/systemd"]);
        // A process moved below the container's cgroup still resolves.
        assert_eq!(
            map_cgroup_path("/test-ctr/sub", "/test-ctr", "/sys/fs/cgroup/pids").as_deref(),
            Some("/sys/fs/cgroup/pids/sub")
        );
    }

    #[test]
    fn container_with_cgroupns() {
        let (version, dirs) = resolve(CGROUPNS_MOUNTINFO, CGROUPNS_CGROUP);
        assert_eq!(version, CgroupVersion::V2);
        assert_eq!(dirs["unified"], vec!["/sys/fs/cgroup"]);
    }

    #[test]
    fn paths_outside_the_mount_or_namespace_do_not_resolve() {
        assert_eq!(
            map_cgroup_path("/other", "/test-ctr", "/sys/fs/cgroup/memory"),
            None
        );
        assert_eq!(map_cgroup_path("/test-ctr2", "/test-ctr", "/m"), None);
        assert_eq!(map_cgroup_path("/../sibling", "/", "/sys/fs/cgroup"), None);
        assert_eq!(map_cgroup_path("/", "/", "/").as_deref(), Some("/"));
        // The cgroup2 line of a hybrid host does not match any v1 mount, and vice versa.
        let (version, dirs) = resolve(RUNC_V1_MOUNTINFO, "0::/test-ctr\n");
        assert_eq!(version, CgroupVersion::V1);
        assert!(dirs.is_empty());
    }

    #[test]
    fn version_falls_back_to_proc_self_cgroup_when_nothing_is_mounted() {
        assert_eq!(
            detect_version(false, false, true, true),
            CgroupVersion::Hybrid
        );
        assert_eq!(detect_version(false, false, false, true), CgroupVersion::V2);
        assert_eq!(
            detect_version(false, false, false, false),
            CgroupVersion::None
        );
        assert_eq!(detect_version(true, false, true, true), CgroupVersion::V1);
    }

    #[test]
    fn v1_controllers_ignore_non_controller_options() {
        let mounts = cgroup_mounts(&parse_mountinfo(RUNC_V1_MOUNTINFO));
        assert_eq!(mounts.len(), 4);
        assert_eq!(mounts[0].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(mounts[3].controllers, vec!["name=systemd"]);
        assert_eq!(mounts[0].root, "/test-ctr");
    }

    #[test]
    fn proc_self_cgroup_lines() {
        let m = parse_proc_cgroup("2:cpu,cpuacct:/a:b\n0::/\nnonsense\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].controllers, vec!["cpu", "cpuacct"]);
        assert_eq!(m[0].path, "/a:b");
        assert_eq!((m[1].hierarchy_id, m[1].controllers.len()), (0, 0));
    }

    #[test]
    fn limit_values() {
        assert_eq!(parse_limit("max\n"), Some(Limit::Max));
        assert_eq!(parse_limit("67108864\n"), Some(Limit::Value(67108864)));
        assert_eq!(parse_limit("x"), None);
        assert_eq!(parse_v1_bytes("9223372036854771712\n"), Some(Limit::Max));
        assert_eq!(parse_v1_bytes("9223372036854710272"), Some(Limit::Max)); // 64 KiB pages
        assert_eq!(parse_v1_bytes("67108864"), Some(Limit::Value(67108864)));
        assert_eq!(parse_v1_bytes("-1"), Some(Limit::Max));
        assert_eq!(parse_v1_quota("-1\n"), Some(Limit::Max));
        assert_eq!(parse_v1_quota("150000"), Some(Limit::Value(150000)));
        assert_eq!(
            parse_cpu_max("max 100000\n"),
            Some((Limit::Max, Some(100000)))
        );
        assert_eq!(
            parse_cpu_max("50000 100000"),
            Some((Limit::Value(50000), Some(100000)))
        );
    }

    #[test]
    fn keyed_and_device_files() {
        let oom = parse_flat_keyed("oom_kill_disable 0\nunder_oom 1\noom_kill 3\n");
        assert_eq!(oom["under_oom"], "1");
        assert_eq!(oom.len(), 3);

        let (default, per_dev) = parse_io_weight_v2("default 100\n8:0 200\n");
        assert_eq!(default, Some(100));
        assert_eq!(
            per_dev,
            vec![DeviceValue {
                major: 8,
                minor: 0,
                value: 200
            }]
        );
        assert_eq!(parse_io_weight_v2("500\n").0, Some(500));

        let io = parse_io_max("8:16 rbps=2097152 wbps=max riops=max wiops=120\n");
        assert_eq!(io.len(), 1);
        assert_eq!(io[0].minor, 16);
        assert_eq!(io[0].read_bps, Some(Limit::Value(2097152)));
        assert_eq!(io[0].write_bps, Some(Limit::Max));
        assert_eq!(io[0].write_iops, Some(Limit::Value(120)));

        let rbps = parse_device_values("8:0 1048576\n");
        let wiops = parse_device_values("8:0 10\n8:16 20\n");
        let merged = merge_v1_throttles([&rbps, &[], &[], &wiops]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].read_bps, Some(Limit::Value(1048576)));
        assert_eq!(merged[0].write_bps, Some(Limit::Max));
        assert_eq!(merged[1].write_iops, Some(Limit::Value(20)));
        assert_eq!(merged[1].read_bps, Some(Limit::Max));
    }

    #[test]
    fn devices_ifpriomap_hugetlb() {
        let d = parse_devices_list("a *:* rwm\nc 1:3 rwm\nb 8:* r\n");
        assert_eq!(d.len(), 3);
        assert_eq!((d[0].major, d[0].minor), (None, None));
        assert_eq!(
            (d[1].kind.as_str(), d[1].major, d[1].minor),
            ("c", Some(1), Some(3))
        );
        assert_eq!((d[2].minor, d[2].access.as_str()), (None, "r"));

        let p = parse_ifpriomap("lo 0\neth0 5\n");
        assert_eq!(p[1].interface, "eth0");
        assert_eq!(p[1].priority, 5);

        assert_eq!(
            hugetlb_page_size("hugetlb.2MB.limit_in_bytes", Hierarchy::V1),
            Some("2MB")
        );
        assert_eq!(
            hugetlb_page_size("hugetlb.1GB.max", Hierarchy::V2),
            Some("1GB")
        );
        assert_eq!(
            hugetlb_page_size("hugetlb.2MB.rsvd.max", Hierarchy::V2),
            None
        );
        assert_eq!(
            hugetlb_page_size("hugetlb.2MB.usage_in_bytes", Hierarchy::V1),
            None
        );
    }
}
