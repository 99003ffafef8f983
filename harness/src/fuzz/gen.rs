//! Generating cases: a small description of a config within a safe subset, drawn from a seeded
//! generator so that the same seed gives the same cases on every run and every machine.
//!
//! The generator is SplitMix64, fixed by its definition (std's and proptest's generators make
//! no promise across versions): case `i` of seed `s` draws from its own stream, so a case does
//! not change when the number of cases does.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// SplitMix64: small, fast, and the same bits everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The stream of case `index` of run `seed`.
    pub fn for_case(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }

    /// Each item kept with probability one half, in the given order.
    pub fn subset<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        items.iter().filter(|_| self.chance(50)).cloned().collect()
    }
}

/// Namespace kinds a case may leave out (the mount namespace is always asked for: the rootfs
/// needs it), by their config type.
pub const OPTIONAL_NAMESPACES: [&str; 5] = ["pid", "ipc", "uts", "network", "cgroup"];

/// Paths a container has whatever the host, masked in cases (disjoint from [`READONLY`]).
pub const MASKABLE: [&str; 6] = [
    "/proc/cmdline",
    "/proc/version",
    "/proc/loadavg",
    "/proc/uptime",
    "/proc/swaps",
    "/sys/firmware",
];
/// Directories made read-only in cases: all under /proc, never a host path.
pub const READONLY: [&str; 4] = ["/proc/sys", "/proc/fs", "/proc/bus", "/proc/irq"];

/// Sysctls cases set: namespaced ones only, each with the namespace it needs and its range.
pub const SYSCTLS: [(&str, &str, u64, u64); 5] = [
    ("net.ipv4.ip_forward", "network", 0, 1),
    ("net.ipv4.ip_default_ttl", "network", 1, 255),
    ("kernel.shm_rmid_forced", "ipc", 0, 1),
    ("kernel.msgmax", "ipc", 1024, 65536),
    ("kernel.shmmni", "ipc", 16, 4096),
];

/// Rlimits cases set, with the floor the probe needs and a ceiling below any host maximum.
pub const RLIMITS: [(&str, u64, u64); 8] = [
    ("RLIMIT_NOFILE", 64, 65536),
    ("RLIMIT_CORE", 0, 1 << 30),
    ("RLIMIT_MSGQUEUE", 0, 1 << 20),
    ("RLIMIT_NICE", 0, 40),
    ("RLIMIT_RTPRIO", 0, 99),
    ("RLIMIT_SIGPENDING", 16, 65536),
    ("RLIMIT_LOCKS", 16, 1 << 20),
    ("RLIMIT_MEMLOCK", 1 << 16, 1 << 26),
];

/// Directories a case's program may start in (every rootfs has them).
const CWDS: [&str; 6] = ["/", "/tmp", "/dev", "/out", "/proc", "/sys"];

/// One case: what it sets on top of the harness's base config. `None`/empty: the base's value,
/// which is not compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Case {
    pub hostname: Option<String>,
    pub env: BTreeMap<String, String>,
    /// Extra arguments of the probe (nonexistent paths it is asked to look at).
    pub args: Vec<String>,
    pub cwd: Option<String>,
    pub user: Option<User>,
    /// Name → (soft, hard).
    pub rlimits: BTreeMap<String, (u64, u64)>,
    pub caps: Option<Caps>,
    /// The config types asked for besides `mount`; `None`: the base's.
    pub namespaces: Option<BTreeSet<String>>,
    pub mounts: Vec<FuzzMount>,
    pub masked: BTreeSet<String>,
    pub readonly: BTreeSet<String>,
    pub sysctls: BTreeMap<String, String>,
    /// Bytes.
    pub memory: Option<u64>,
    pub pids: Option<u64>,
    pub cpu_shares: Option<u64>,
    /// (quota, period) in microseconds.
    pub cpu_quota: Option<(u64, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
}

/// Capability sets in the shape where the kernel's exec rules leave each as configured, for
/// root (with noNewPrivileges) and other users alike: effective = permitted = ambient = `kept`,
/// `kept` ⊆ inheritable ⊆ bounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caps {
    pub kept: BTreeSet<String>,
    pub inheritable: BTreeSet<String>,
    pub bounding: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FuzzMount {
    /// A tmpfs at `/fuzz/NAME`.
    Tmpfs {
        name: String,
        flags: Vec<String>,
        mode: u32,
        size_k: u64,
    },
    /// A bind of the bundle's `fuzz-src/NAME` at `/fuzz/NAME`: never a host path outside the
    /// case's own directory.
    Bind {
        name: String,
        recursive: bool,
        flags: Vec<String>,
    },
}

impl FuzzMount {
    pub fn name(&self) -> &str {
        match self {
            FuzzMount::Tmpfs { name, .. } | FuzzMount::Bind { name, .. } => name,
        }
    }

    pub fn destination(&self) -> String {
        format!("/fuzz/{}", self.name())
    }

    /// Options that set a per-mount flag the probe can see (`ro` or `rw`, `nosuid`, ...).
    pub fn flags(&self) -> &[String] {
        match self {
            FuzzMount::Tmpfs { flags, .. } | FuzzMount::Bind { flags, .. } => flags,
        }
    }
}

/// What the host offers a case: capabilities it can grant, namespace kinds it has.
#[derive(Debug, Clone)]
pub struct Limits {
    pub bounding_caps: BTreeSet<String>,
    /// Config types (`network`, `pid`, ...) this host has.
    pub namespaces: BTreeSet<String>,
    /// Rlimit name → this process's hard limit: a runtime may set rlimits after dropping
    /// CAP_SYS_RESOURCE, so cases never raise one above it.
    pub rlimit_hard: BTreeMap<String, u64>,
}

impl Limits {
    /// The hard limits of this process for [`RLIMITS`].
    pub fn own_rlimits() -> BTreeMap<String, u64> {
        let resource = |name: &str| -> Option<libc::__rlimit_resource_t> {
            Some(match name {
                "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
                "RLIMIT_CORE" => libc::RLIMIT_CORE,
                "RLIMIT_MSGQUEUE" => libc::RLIMIT_MSGQUEUE,
                "RLIMIT_NICE" => libc::RLIMIT_NICE,
                "RLIMIT_RTPRIO" => libc::RLIMIT_RTPRIO,
                "RLIMIT_SIGPENDING" => libc::RLIMIT_SIGPENDING,
                "RLIMIT_LOCKS" => libc::RLIMIT_LOCKS,
                "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
                _ => return None,
            })
        };
        RLIMITS
            .iter()
            .filter_map(|(name, ..)| {
                let mut r = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                // SAFETY: getrlimit writes the struct it is given, nothing else.
                let ok = unsafe { libc::getrlimit(resource(name)?, &mut r) } == 0;
                ok.then(|| (name.to_string(), r.rlim_max))
            })
            .collect()
    }
}

/// Case `index` of run `seed`.
pub fn generate(seed: u64, index: u64, limits: &Limits) -> Case {
    let mut r = Rng::for_case(seed, index);
    let mut case = Case::default();
    if r.chance(50) {
        let mut set: BTreeSet<String> = OPTIONAL_NAMESPACES
            .iter()
            .filter(|n| limits.namespaces.contains(**n))
            .filter(|_| r.chance(60))
            .map(|n| n.to_string())
            .collect();
        set.insert("mount".into());
        case.namespaces = Some(set);
    }
    let has_ns = |case: &Case, kind: &str| {
        case.namespaces
            .as_ref()
            .map_or(limits.namespaces.contains(kind), |s| s.contains(kind))
    };
    if r.chance(50) && has_ns(&case, "uts") {
        case.hostname = Some(word(&mut r, 1, 20, HOST_CHARS));
    }
    if r.chance(50) {
        for _ in 0..r.range(1, 4) {
            let key = format!("FUZZ_{}", word(&mut r, 1, 8, KEY_CHARS));
            let value = word(&mut r, 0, 16, VALUE_CHARS);
            case.env.insert(key, value);
        }
    }
    if r.chance(40) {
        for _ in 0..r.range(1, 3) {
            case.args
                .push(format!("/no such dir/{}", word(&mut r, 1, 12, VALUE_CHARS)));
        }
    }
    if r.chance(40) {
        case.cwd = Some(r.pick(&CWDS).to_string());
    }
    if r.chance(40) {
        let ids = [0u32, 1, 1000, 65534];
        let uid = if r.chance(50) {
            *r.pick(&ids)
        } else {
            r.range(1, 60000) as u32
        };
        let gid = if r.chance(50) {
            *r.pick(&ids)
        } else {
            r.range(1, 60000) as u32
        };
        let additional_gids = (0..r.range(0, 3))
            .map(|_| r.range(1, 60000) as u32)
            .collect();
        case.user = Some(User {
            uid,
            gid,
            additional_gids,
        });
    }
    if r.chance(50) {
        for (name, lo, hi) in RLIMITS {
            let hi = hi.min(limits.rlimit_hard.get(name).copied().unwrap_or(0));
            if r.chance(30) && lo <= hi {
                let soft = r.range(lo, hi);
                let hard = r.range(soft, hi);
                case.rlimits.insert(name.to_string(), (soft, hard));
            }
        }
    }
    if r.chance(40) {
        let host: Vec<String> = limits.bounding_caps.iter().cloned().collect();
        let kept: BTreeSet<String> = host.iter().filter(|_| r.chance(25)).cloned().collect();
        let inheritable: BTreeSet<String> = host
            .iter()
            .filter(|c| kept.contains(*c) || r.chance(15))
            .cloned()
            .collect();
        let bounding = host
            .iter()
            .filter(|c| inheritable.contains(*c) || r.chance(50))
            .cloned()
            .collect();
        case.caps = Some(Caps {
            kept,
            inheritable,
            bounding,
        });
    }
    if r.chance(50) {
        for i in 0..r.range(1, 3) {
            case.mounts.push(mount(&mut r, i));
        }
    }
    if r.chance(40) {
        case.masked = r.subset(&MASKABLE).into_iter().map(String::from).collect();
    }
    if r.chance(40) {
        case.readonly = r.subset(&READONLY).into_iter().map(String::from).collect();
    }
    if r.chance(40) {
        for (name, ns, lo, hi) in SYSCTLS {
            if r.chance(50) && has_ns(&case, ns) {
                case.sysctls
                    .insert(name.to_string(), r.range(lo, hi).to_string());
            }
        }
    }
    if r.chance(30) {
        case.memory = Some(r.range(32, 512) << 20);
    }
    if r.chance(30) {
        case.pids = Some(r.range(32, 1024));
    }
    if r.chance(30) {
        case.cpu_shares = Some(r.range(2, 4096));
    }
    if r.chance(30) {
        let period = r.range(10_000, 1_000_000);
        case.cpu_quota = Some((r.range(10_000, 400_000), period));
    }
    case
}

const HOST_CHARS: &str = "abcdefghijklmnopqrstuvwxyz0123456789-";
const KEY_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
/// Printable, with the characters that trip quoting: space, `=`, quotes, `$`, non-ASCII.
const VALUE_CHARS: &str = "abcXYZ019 =:,'\"$\\%é–✓";

fn word(r: &mut Rng, min: u64, max: u64, chars: &str) -> String {
    let chars: Vec<char> = chars.chars().collect();
    (0..r.range(min, max)).map(|_| *r.pick(&chars)).collect()
}

fn mount(r: &mut Rng, i: u64) -> FuzzMount {
    let mut flags: Vec<String> = r
        .subset(&["nosuid", "nodev", "noexec"])
        .into_iter()
        .map(String::from)
        .collect();
    flags.insert(0, if r.chance(50) { "ro" } else { "rw" }.to_string());
    if r.chance(50) {
        FuzzMount::Tmpfs {
            name: format!("t{i}"),
            flags,
            mode: *r.pick(&[0o755, 0o700, 0o1777, 0o750, 0o711]),
            size_k: r.range(16, 4096) * 4,
        }
    } else {
        FuzzMount::Bind {
            name: format!("b{i}"),
            recursive: r.chance(50),
            flags,
        }
    }
}

/// A short fingerprint of a case (FNV-1a of its JSON), printed per case so two runs can be
/// compared line by line.
pub fn digest(case: &Case) -> String {
    let json = serde_json::to_string(case).expect("a case serializes");
    let h = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn limits() -> Limits {
        Limits {
            bounding_caps: [
                "CAP_CHOWN",
                "CAP_KILL",
                "CAP_NET_RAW",
                "CAP_SETUID",
                "CAP_SYS_ADMIN",
            ]
            .map(String::from)
            .into(),
            namespaces: ["pid", "ipc", "uts", "network", "cgroup", "mount"]
                .map(String::from)
                .into(),
            rlimit_hard: RLIMITS.iter().map(|r| (r.0.to_string(), r.2)).collect(),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_cases_and_another_seed_others() {
        let l = limits();
        let a: Vec<Case> = (0..50).map(|i| generate(7, i, &l)).collect();
        let b: Vec<Case> = (0..50).map(|i| generate(7, i, &l)).collect();
        let c: Vec<Case> = (0..50).map(|i| generate(8, i, &l)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Cases differ among themselves, and the digest tells them apart.
        let digests: BTreeSet<String> = a.iter().map(digest).collect();
        assert!(digests.len() > 45, "{}", digests.len());
    }

    #[test]
    fn the_generator_is_fixed_by_definition() {
        // SplitMix64 from 0: its first output is fixed, whatever the toolchain.
        assert_eq!(Rng::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn cases_stay_in_the_safe_subset() {
        let l = limits();
        for i in 0..500 {
            let c = generate(42, i, &l);
            let ns = |k: &str| c.namespaces.as_ref().is_none_or(|s| s.contains(k));
            if c.hostname.is_some() {
                assert!(ns("uts"), "{c:?}");
            }
            for name in c.sysctls.keys() {
                let needs = SYSCTLS.iter().find(|s| s.0 == name).unwrap().1;
                assert!(ns(needs), "{name} without {needs}: {c:?}");
            }
            if let Some(caps) = &c.caps {
                assert!(caps.kept.is_subset(&caps.inheritable));
                assert!(caps.inheritable.is_subset(&caps.bounding));
                assert!(caps.bounding.is_subset(&l.bounding_caps));
            }
            for m in &c.mounts {
                assert!(m.destination().starts_with("/fuzz/"));
            }
            for p in c.masked.iter().chain(&c.readonly) {
                assert!(p.starts_with("/proc/") || p.starts_with("/sys/"), "{p}");
            }
            assert!(c.masked.is_disjoint(&c.readonly));
            for (name, (soft, hard)) in &c.rlimits {
                let floor = RLIMITS.iter().find(|r| r.0 == name).unwrap().1;
                assert!(soft <= hard && *soft >= floor, "{name}");
            }
            assert!(c.memory.is_none_or(|m| m >= 32 << 20));
            assert!(c.pids.is_none_or(|p| p >= 32));
            for a in &c.args {
                assert!(
                    !a.starts_with("--"),
                    "an argument the probe would take as an option"
                );
            }
        }
    }
}
