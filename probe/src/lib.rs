//! The report `oci-probe` writes, as a Rust type shared with the harness.
//!
//! `oci-probe report --json` prints one [`Report`]; the harness deserializes it with these same
//! types. The schema is versioned by [`SCHEMA_VERSION`] and documented field by field in
//! `probe/README.md`. Conventions that hold everywhere:
//!
//! * `null` means "could not be read here" (file missing, filesystem not mounted, not visible),
//!   never "unlimited".
//! * "Unlimited" is the string `"max"` (see [`Limit`]), whatever the source spelled it as
//!   (`max` in cgroup v2, `-1` or `9223372036854771712` in cgroup v1, `RLIM_INFINITY`).
//!
//! The crate also holds the pure parsers ([`parse`]), the collectors that read the live system
//! ([`collect`]), the human summary ([`summary`]) and the helper verbs ([`verbs`]), so the binary
//! stays a thin dispatcher.

pub mod cli;
pub mod collect;
pub mod parse;
pub mod summary;
pub mod sys;
pub mod syscalls;
pub mod verbs;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Bumped on any incompatible change of the JSON shape (a removed or retyped field).
/// Adding a field is compatible: readers must ignore unknown fields.
pub const SCHEMA_VERSION: u32 = 1;

/// A limit that may be unlimited. JSON: a number, or the string `"max"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No limit.
    Max,
    /// A finite limit, in the unit of the field (bytes, microseconds, a count...).
    Value(u64),
}

impl Limit {
    /// The finite value, `None` when unlimited.
    pub fn value(self) -> Option<u64> {
        match self {
            Limit::Max => None,
            Limit::Value(v) => Some(v),
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Max => f.write_str("max"),
            Limit::Value(v) => write!(f, "{v}"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Limit::Max => s.serialize_str("max"),
            Limit::Value(v) => s.serialize_u64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LimitVisitor;
        impl serde::de::Visitor<'_> for LimitVisitor {
            type Value = Limit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or the string \"max\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::Value(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Limit, E> {
                u64::try_from(v)
                    .map(Limit::Value)
                    .map_err(|_| E::custom("negative limit"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Limit, E> {
                if v == "max" {
                    Ok(Limit::Max)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(LimitVisitor)
    }
}

/// The whole report: everything the probe could see about its own process and container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Version of the `oci-probe` crate that wrote it.
    pub probe_version: String,
    pub process: Process,
    pub namespaces: Namespaces,
    pub uts: Uts,
    pub mounts: Mounts,
    /// One entry per `--check-paths` argument, in order.
    pub paths: Vec<PathCheck>,
    pub dev: Dev,
    pub cgroup: Cgroup,
    /// `--sysctl NAME` → trimmed content of `/proc/sys/NAME` (dots as slashes), `null` if absent.
    pub sysctls: BTreeMap<String, Option<String>>,
    /// Unexpected failures while collecting (not "file absent"), for diagnosis.
    pub errors: Vec<String>,
}

/// What `oci-probe syscall --out FILE NAME...` writes: one entry per named call, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallReport {
    pub calls: Vec<SyscallResult>,
}

/// One system call the `syscall` verb made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallResult {
    /// The call's name, as seccomp rules spell it (`ioprio_get`).
    pub name: String,
    /// The arguments it was made with.
    pub args: Vec<u64>,
    /// What `syscall(2)` returned: -1 on failure.
    pub ret: i64,
    /// errno when it failed (`ret` -1), `null` when it succeeded.
    pub errno: Option<i32>,
}

/// The probe's own process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    pub args: Vec<String>,
    /// `KEY=VALUE` strings, in the order of the environment block.
    pub env: Vec<String>,
    pub cwd: Option<String>,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub suid: u32,
    pub sgid: u32,
    /// Supplementary groups (`getgroups`), as the kernel returns them.
    pub groups: Vec<u32>,
    /// From `/proc/self/status` `Umask` (a number: 18 is `0o022`).
    pub umask: Option<u32>,
    pub capabilities: Option<Capabilities>,
    pub no_new_privs: Option<bool>,
    pub seccomp: Option<Seccomp>,
    pub oom_score_adj: Option<i32>,
    /// All `RLIMIT_*`, read by `getrlimit` as the first thing `main` does.
    pub rlimits: Vec<Rlimit>,
    pub scheduler: Option<Scheduler>,
    pub ioprio: Option<IoPrio>,
    pub personality: Option<Personality>,
    /// CPUs in the affinity mask (`sched_getaffinity`).
    pub cpu_affinity: Option<Vec<u32>>,
    /// `/proc/self/attr/current`, `null` when absent or no LSM answers.
    pub selinux_label: Option<String>,
    /// `/proc/self/attr/apparmor/current`, `null` when absent.
    pub apparmor_profile: Option<String>,
}

/// The five capability sets from `/proc/self/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub inheritable: CapSet,
    pub permitted: CapSet,
    pub effective: CapSet,
    pub bounding: CapSet,
    pub ambient: CapSet,
}

/// One capability set: the kernel's hex mask and the decoded names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapSet {
    /// As in `/proc/self/status`, e.g. `000001fffeffffff`.
    pub hex: String,
    /// `CAP_*` names, in bit order; bits without a known name appear as `CAP_<bit>`.
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seccomp {
    /// `disabled`, `strict` or `filter`.
    pub mode: String,
    /// `Seccomp_filters` (number of attached filters), when the kernel reports it.
    pub filters: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rlimit {
    /// `RLIMIT_NOFILE` etc., as OCI `process.rlimits[].type` spells them.
    pub name: String,
    pub soft: Limit,
    pub hard: Limit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheduler {
    /// `SCHED_OTHER`, `SCHED_FIFO`, `SCHED_RR`, `SCHED_BATCH`, `SCHED_IDLE`, `SCHED_DEADLINE`.
    pub policy: String,
    pub reset_on_fork: bool,
    /// `sched_getparam` priority.
    pub priority: i32,
    /// `getpriority(PRIO_PROCESS, 0)`.
    pub nice: i32,
    /// `sched_getattr` fields, `null` when the syscall is unavailable.
    pub flags: Option<u64>,
    pub runtime: Option<u64>,
    pub deadline: Option<u64>,
    pub period: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IoPrio {
    /// `IOPRIO_CLASS_NONE`, `IOPRIO_CLASS_RT`, `IOPRIO_CLASS_BE`, `IOPRIO_CLASS_IDLE`.
    pub class: String,
    /// The level within the class (0–7).
    pub priority: u32,
    /// The raw `ioprio_get` value.
    pub raw: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personality {
    /// `personality(0xffffffff)`.
    pub raw: u32,
    /// `LINUX`, `LINUX32`, or the hex value of another execution domain.
    pub domain: String,
    /// Flag names (`ADDR_NO_RANDOMIZE`...) set in the upper bits.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Namespaces {
    /// Every entry of `/proc/self/ns`.
    pub own: Vec<NsEntry>,
    /// Every entry of `/proc/1/ns`, `null` if not visible (no /proc, no permission).
    pub pid1: Option<Vec<NsEntry>>,
    pub uid_map: Option<Vec<IdMapEntry>>,
    pub gid_map: Option<Vec<IdMapEntry>>,
    /// `/proc/self/setgroups`: `allow` or `deny`.
    pub setgroups: Option<String>,
    /// `/proc/self/timens_offsets`, `null` on kernels without time namespaces.
    pub timens_offsets: Option<Vec<TimensOffset>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NsEntry {
    /// The entry name: `net`, `pid`, `pid_for_children`, `time_for_children`...
    pub name: String,
    /// The namespace type from the link text (`net` for `net:[4026531992]`).
    #[serde(rename = "type")]
    pub kind: String,
    pub inode: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMapEntry {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimensOffset {
    /// `monotonic` or `boottime`.
    pub clock: String,
    pub secs: i64,
    pub nanos: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uts {
    pub hostname: String,
    pub domainname: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mounts {
    /// `statvfs("/")` has `ST_RDONLY` (falls back to the `/` mount's options).
    pub root_readonly: Option<bool>,
    /// `/proc/self/mountinfo`, in its order (later entries may cover earlier ones).
    pub entries: Vec<MountEntry>,
}

/// One line of `/proc/self/mountinfo`, octal escapes (`\040`) decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountEntry {
    pub id: u32,
    pub parent_id: u32,
    pub major: u32,
    pub minor: u32,
    /// The root of the mount within its filesystem (the bind source for bind mounts).
    pub root: String,
    /// The mount point.
    pub destination: String,
    /// Per-mount options (`rw`, `nosuid`, `relatime`...).
    pub options: Vec<String>,
    pub propagation: Propagation,
    pub fstype: String,
    pub source: String,
    /// Per-superblock options (`size=1024k`, `mode=755`...).
    pub super_options: Vec<String>,
}

/// Propagation, from mountinfo's optional fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Propagation {
    /// `private`, `shared`, `slave`, `shared_slave` (both) or `unbindable`.
    pub kind: String,
    /// `shared:N` peer group.
    pub shared: Option<u64>,
    /// `master:N` peer group.
    pub master: Option<u64>,
    /// `propagate_from:N`.
    pub propagate_from: Option<u64>,
    pub unbindable: bool,
}

/// The result for one `--check-paths` argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathCheck {
    pub path: String,
    pub exists: bool,
    /// Type letter as in [`DevNode::kind`] (`f` for regular file), of the path followed.
    pub file_type: Option<String>,
    /// Masked: a `/dev/null` bind, an empty read-only tmpfs, or unreadable.
    pub masked: bool,
    /// `dev_null`, `empty_tmpfs` or `unreadable`; `null` when not masked.
    pub masked_by: Option<String>,
    /// Reading gave nothing (file of 0 bytes, directory without entries); `null` if not tried.
    pub empty: Option<bool>,
    /// A write attempt was refused with `EROFS` (or the mount is `ST_RDONLY`).
    pub readonly: Option<bool>,
    /// How writability was tested: `tmpfile`, `create`, `open_write` or `skipped`.
    pub write_test: String,
    /// The error of the write attempt, if it failed otherwise than with `EROFS`.
    pub write_error: Option<String>,
    /// `statvfs(path)` has `ST_RDONLY`.
    pub statvfs_readonly: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dev {
    /// Every entry under `/dev` (recursively, not following symlinks), sorted by path.
    pub nodes: Vec<DevNode>,
    /// `/dev/fd`, `/dev/stdin`, `/dev/stdout`, `/dev/stderr`, `/dev/ptmx`.
    pub symlinks: Vec<DevSymlink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevNode {
    pub path: String,
    /// `c`, `b`, `p` (FIFO), `s` (socket), `d`, `l` (symlink), `f` (regular file).
    #[serde(rename = "type")]
    pub kind: String,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// Permission bits incl. setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Symlink target, for `l`.
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevSymlink {
    pub path: String,
    /// The link text; `null` if the path is not a symlink (see `type`) or is absent.
    pub target: Option<String>,
    /// Type letter of the path itself, `null` if absent.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Which cgroup hierarchies this process can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupVersion {
    /// Only v1 hierarchies.
    V1,
    /// Only the unified (v2) hierarchy.
    V2,
    /// v1 controllers plus a cgroup2 hierarchy.
    Hybrid,
    /// No cgroup hierarchy visible at all.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cgroup {
    /// From the mounted cgroup filesystems; when none is mounted, from `/proc/self/cgroup`.
    pub version: CgroupVersion,
    /// Kinds of cgroup filesystem in `/proc/self/mountinfo`.
    pub mounted_v1: bool,
    pub mounted_v2: bool,
    /// Kinds of line in `/proc/self/cgroup` (`0::` is v2).
    pub proc_v1: bool,
    pub proc_v2: bool,
    /// `/proc/self/cgroup`.
    pub memberships: Vec<CgroupMembership>,
    /// Cgroup filesystems from mountinfo.
    pub mounts: Vec<CgroupMount>,
    /// Controller (`memory`, `name=systemd`...; `unified` for v2) → the directory of this
    /// process's cgroup, found by mapping its `/proc/self/cgroup` path through the mount's root.
    pub dirs: BTreeMap<String, String>,
    pub memory: Option<MemoryLimits>,
    pub cpu: Option<CpuLimits>,
    pub cpuset: Option<CpusetLimits>,
    pub pids: Option<PidsLimits>,
    pub io: Option<IoLimits>,
    pub hugetlb: Option<HugetlbLimits>,
    pub net_cls: Option<NetCls>,
    pub net_prio: Option<NetPrio>,
    pub devices: Option<DevicesCgroup>,
    /// Absolute path → trimmed content of every cgroup file that was read.
    pub files: BTreeMap<String, String>,
}

/// `v1` or `v2`: which hierarchy a controller section was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hierarchy {
    V1,
    V2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupMembership {
    pub hierarchy_id: u32,
    /// Empty for the v2 line.
    pub controllers: Vec<String>,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupMount {
    pub destination: String,
    pub root: String,
    pub hierarchy: Hierarchy,
    /// v1: the controllers in the super options; v2: empty (see `cgroup.controllers`).
    pub controllers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    /// v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub limit: Option<Limit>,
    /// v1 `memory.soft_limit_in_bytes`, v2 `memory.low`.
    pub reservation: Option<Limit>,
    /// v1 `memory.memsw.limit_in_bytes` (memory + swap), v2 `memory.swap.max` (swap alone).
    pub swap: Option<Limit>,
    /// True for v1, where `swap` counts memory plus swap.
    pub swap_includes_memory: bool,
    /// v2 `memory.high`.
    pub high: Option<Limit>,
    /// v2 `memory.min`.
    pub min: Option<Limit>,
    /// v1 `memory.kmem.limit_in_bytes`, `memory.kmem.tcp.limit_in_bytes`.
    pub kernel: Option<Limit>,
    pub kernel_tcp: Option<Limit>,
    /// v1 `memory.swappiness`.
    pub swappiness: Option<u64>,
    /// v1 `memory.oom_control`.
    pub oom_kill_disable: Option<bool>,
    pub under_oom: Option<bool>,
    /// v2 `memory.oom.group`.
    pub oom_group: Option<bool>,
    /// v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub usage: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    /// v1 `cpu.shares`.
    pub shares: Option<u64>,
    /// v2 `cpu.weight`.
    pub weight: Option<u64>,
    /// Microseconds per period: v1 `cpu.cfs_quota_us` (-1 → max), v2 `cpu.max` first field.
    pub quota: Option<Limit>,
    /// v1 `cpu.cfs_period_us`, v2 `cpu.max` second field.
    pub period: Option<u64>,
    /// v1 `cpu.cfs_burst_us`, v2 `cpu.max.burst`.
    pub burst: Option<u64>,
    /// v2 `cpu.idle`.
    pub idle: Option<bool>,
    /// v1 `cpu.rt_runtime_us`, `cpu.rt_period_us`.
    pub rt_runtime: Option<i64>,
    pub rt_period: Option<u64>,
    /// quota / period, `null` when there is no quota.
    pub cores: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpusetLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    /// `cpuset.cpus`, `cpuset.mems` as written (empty in v2 means "inherit").
    pub cpus: Option<String>,
    pub mems: Option<String>,
    /// v1 `cpuset.effective_cpus`, v2 `cpuset.cpus.effective` (and mems).
    pub effective_cpus: Option<String>,
    pub effective_mems: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PidsLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    pub max: Option<Limit>,
    pub current: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IoLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    /// v1 `blkio.weight` (or `blkio.bfq.weight`), v2 `io.weight` default (or `io.bfq.weight`).
    pub weight: Option<u64>,
    /// Per-device weights.
    pub weight_device: Vec<DeviceValue>,
    /// v1 `blkio.throttle.*`, v2 `io.max`, one entry per device.
    pub throttle: Vec<IoThrottle>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceValue {
    pub major: u32,
    pub minor: u32,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoThrottle {
    pub major: u32,
    pub minor: u32,
    pub read_bps: Option<Limit>,
    pub write_bps: Option<Limit>,
    pub read_iops: Option<Limit>,
    pub write_iops: Option<Limit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HugetlbLimits {
    pub hierarchy: Hierarchy,
    pub dir: String,
    pub limits: Vec<HugetlbLimit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HugetlbLimit {
    /// As in the file name: `2MB`, `1GB`.
    pub page_size: String,
    /// v1 `hugetlb.<size>.limit_in_bytes`, v2 `hugetlb.<size>.max`.
    pub limit: Option<Limit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetCls {
    pub dir: String,
    pub classid: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetPrio {
    pub dir: String,
    pub ifpriomap: Option<Vec<IfPriority>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IfPriority {
    pub interface: String,
    pub priority: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesCgroup {
    pub hierarchy: Hierarchy,
    pub dir: String,
    /// v1 `devices.list`; `null` for v2, where the rules are an eBPF program nobody can read back.
    pub list: Option<Vec<DeviceRule>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRule {
    /// `a` (all), `c` or `b`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `null` for `*`.
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// A subset of `rwm`.
    pub access: String,
}

impl Report {
    /// The cgroup memory limit, if a finite one is set.
    pub fn memory_limit(&self) -> Option<Limit> {
        self.cgroup.memory.as_ref().and_then(|m| m.limit)
    }

    /// The cgroup pids limit.
    pub fn pids_max(&self) -> Option<Limit> {
        self.cgroup.pids.as_ref().and_then(|p| p.max)
    }

    /// The mount covering `destination` last (the one a lookup of that path would see).
    pub fn mount_at(&self, destination: &str) -> Option<&MountEntry> {
        self.mounts
            .entries
            .iter()
            .rev()
            .find(|m| m.destination == destination)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_round_trips_as_number_or_max() {
        assert_eq!(serde_json::to_string(&Limit::Max).unwrap(), "\"max\"");
        assert_eq!(serde_json::to_string(&Limit::Value(32)).unwrap(), "32");
        let back: Vec<Limit> = serde_json::from_str("[\"max\", 67108864]").unwrap();
        assert_eq!(back, vec![Limit::Max, Limit::Value(67108864)]);
        assert!(serde_json::from_str::<Limit>("\"unlimited\"").is_err());
        assert!(serde_json::from_str::<Limit>("-1").is_err());
    }
}
