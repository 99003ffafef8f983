//! Thin safe wrappers over the few system calls std does not offer. Each returns `None` (or an
//! `io::Error`) instead of panicking, because the probe must report, not crash.
//! Nothing here consults NSS or any file under /etc: the probe runs in an empty rootfs.

use crate::{Limit, Rlimit};
use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;

/// Every `RLIMIT_*` Linux has, with the OCI name.
pub const RLIMITS: [(libc::__rlimit_resource_t, &str); 16] = [
    (libc::RLIMIT_CPU, "RLIMIT_CPU"),
    (libc::RLIMIT_FSIZE, "RLIMIT_FSIZE"),
    (libc::RLIMIT_DATA, "RLIMIT_DATA"),
    (libc::RLIMIT_STACK, "RLIMIT_STACK"),
    (libc::RLIMIT_CORE, "RLIMIT_CORE"),
    (libc::RLIMIT_RSS, "RLIMIT_RSS"),
    (libc::RLIMIT_NPROC, "RLIMIT_NPROC"),
    (libc::RLIMIT_NOFILE, "RLIMIT_NOFILE"),
    (libc::RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"),
    (libc::RLIMIT_AS, "RLIMIT_AS"),
    (libc::RLIMIT_LOCKS, "RLIMIT_LOCKS"),
    (libc::RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"),
    (libc::RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"),
    (libc::RLIMIT_NICE, "RLIMIT_NICE"),
    (libc::RLIMIT_RTPRIO, "RLIMIT_RTPRIO"),
    (libc::RLIMIT_RTTIME, "RLIMIT_RTTIME"),
];

fn rlim(v: libc::rlim_t) -> Limit {
    if v == libc::RLIM_INFINITY {
        Limit::Max
    } else {
        Limit::Value(v)
    }
}

/// All rlimits, in `RLIMIT_*` number order. Only reads (`getrlimit`); call it first in `main`.
pub fn read_rlimits() -> Vec<Rlimit> {
    RLIMITS
        .iter()
        .filter_map(|&(res, name)| {
            let mut l = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: `l` is a valid, writable rlimit.
            let rc = unsafe { libc::getrlimit(res, &mut l) };
            (rc == 0).then(|| Rlimit {
                name: name.to_string(),
                soft: rlim(l.rlim_cur),
                hard: rlim(l.rlim_max),
            })
        })
        .collect()
}

fn c_chars_to_string(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// (hostname, domainname) from `uname`.
pub fn uname() -> Option<(String, String)> {
    // SAFETY: utsname is plain data; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is valid and writable.
    if unsafe { libc::uname(&mut u) } != 0 {
        return None;
    }
    Some((
        c_chars_to_string(&u.nodename),
        c_chars_to_string(&u.domainname),
    ))
}

/// (real, effective, saved) user and group ids.
pub fn resuid_resgid() -> ([u32; 3], [u32; 3]) {
    let (mut r, mut e, mut s) = (0, 0, 0);
    let (mut gr, mut ge, mut gs) = (0, 0, 0);
    // SAFETY: all pointers are to valid locals; these calls cannot fail for the caller itself.
    unsafe {
        libc::getresuid(&mut r, &mut e, &mut s);
        libc::getresgid(&mut gr, &mut ge, &mut gs);
    }
    ([r, e, s], [gr, ge, gs])
}

/// Supplementary groups.
pub fn groups() -> Vec<u32> {
    // SAFETY: a size of 0 asks only for the count.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut v = vec![0 as libc::gid_t; n as usize];
    // SAFETY: `v` has room for `n` entries.
    let got = unsafe { libc::getgroups(n, v.as_mut_ptr()) };
    v.truncate(got.max(0) as usize);
    v
}

pub fn pid() -> i32 {
    // SAFETY: always succeeds.
    unsafe { libc::getpid() }
}

pub fn ppid() -> i32 {
    // SAFETY: always succeeds.
    unsafe { libc::getppid() }
}

/// `sched_getattr(2)`'s struct (version 1 layout, 56 bytes).
#[repr(C)]
#[derive(Default)]
struct SchedAttr {
    size: u32,
    sched_policy: u32,
    sched_flags: u64,
    sched_nice: i32,
    sched_priority: u32,
    sched_runtime: u64,
    sched_deadline: u64,
    sched_period: u64,
    sched_util_min: u32,
    sched_util_max: u32,
}

/// Raw scheduler facts: (policy incl. reset-on-fork bit, priority, nice,
/// sched_getattr's (flags, runtime, deadline, period) if the syscall exists).
pub struct SchedInfo {
    pub policy: i32,
    pub priority: i32,
    pub nice: i32,
    pub attr: Option<(u64, u64, u64, u64)>,
}

pub fn sched_info() -> Option<SchedInfo> {
    // SAFETY: plain queries about the calling thread.
    let policy = unsafe { libc::sched_getscheduler(0) };
    if policy < 0 {
        return None;
    }
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is valid and writable.
    if unsafe { libc::sched_getparam(0, &mut param) } != 0 {
        return None;
    }
    // getpriority may legitimately return -1, so errno must be cleared and checked.
    // SAFETY: errno is thread-local; getpriority only reads.
    let nice = unsafe {
        *libc::__errno_location() = 0;
        libc::getpriority(libc::PRIO_PROCESS, 0)
    };
    let mut attr = SchedAttr::default();
    // SAFETY: the kernel writes at most `size` bytes into `attr`.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_sched_getattr,
            0,
            &mut attr as *mut SchedAttr,
            std::mem::size_of::<SchedAttr>() as u32,
            0,
        )
    };
    Some(SchedInfo {
        policy,
        priority: param.sched_priority,
        nice,
        attr: (rc == 0).then_some((
            attr.sched_flags,
            attr.sched_runtime,
            attr.sched_deadline,
            attr.sched_period,
        )),
    })
}

/// `ioprio_get(IOPRIO_WHO_PROCESS, 0)`.
pub fn ioprio() -> Option<u32> {
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: a query with no pointers.
    let v = unsafe { libc::syscall(libc::SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) };
    u32::try_from(v).ok()
}

/// `personality(0xffffffff)`: queries without changing.
pub fn personality() -> Option<u32> {
    // SAFETY: 0xffffffff only queries.
    let v = unsafe { libc::personality(0xffff_ffff) };
    u32::try_from(v).ok()
}

/// The CPUs of `sched_getaffinity`.
pub fn cpu_affinity() -> Option<Vec<u32>> {
    // SAFETY: cpu_set_t is plain data.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is valid for its size.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return None;
    }
    let bits = 8 * std::mem::size_of::<libc::cpu_set_t>();
    Some(
        (0..bits)
            // SAFETY: `cpu` is within the set's size.
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
            .map(|cpu| cpu as u32)
            .collect(),
    )
}

fn cpath(path: &OsStr) -> io::Result<CString> {
    CString::new(path.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// `statvfs(path)` has `ST_RDONLY`.
pub fn statvfs_readonly(path: &OsStr) -> io::Result<bool> {
    let c = cpath(path)?;
    // SAFETY: statvfs is plain data.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out pointer.
    if unsafe { libc::statvfs(c.as_ptr(), &mut s) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(s.f_flag & libc::ST_RDONLY != 0)
}

/// The filesystem magic of `path` (`statfs.f_type`).
pub fn statfs_type(path: &OsStr) -> io::Result<i64> {
    let c = cpath(path)?;
    // SAFETY: statfs is plain data.
    let mut s: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: valid C string and out pointer.
    if unsafe { libc::statfs(c.as_ptr(), &mut s) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(s.f_type as i64)
}

pub const TMPFS_MAGIC: i64 = 0x0102_1994;

/// `open(path, flags, mode)`, returning an owned fd.
pub fn open(path: &OsStr, flags: libc::c_int, mode: libc::mode_t) -> io::Result<std::fs::File> {
    use std::os::fd::FromRawFd;
    let c = cpath(path)?;
    // SAFETY: valid C string; the fd, if any, is owned by the returned File.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC, mode as libc::c_uint) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is ours.
    Ok(unsafe { std::fs::File::from_raw_fd(fd) })
}

/// Nanoseconds of a clock (`CLOCK_REALTIME`, `CLOCK_MONOTONIC`).
pub fn clock_ns(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid and writable.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// Signal name for a number (`SIGTERM`, `SIGRTMIN+3`), without libc's locale-dependent text.
pub fn signal_name(signo: i32) -> String {
    const NAMES: [&str; 32] = [
        "",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    let rtmin = libc::SIGRTMIN();
    match usize::try_from(signo) {
        Ok(n) if (1..32).contains(&n) => NAMES[n].to_string(),
        _ if signo == rtmin => "SIGRTMIN".to_string(),
        _ if signo > rtmin && signo <= libc::SIGRTMAX() => format!("SIGRTMIN+{}", signo - rtmin),
        _ => format!("SIG{signo}"),
    }
}

/// Signal number for a name: `TERM`, `SIGTERM`, `15`, `SIGRTMIN+2`.
pub fn signal_number(name: &str) -> Option<i32> {
    if let Ok(n) = name.parse::<i32>() {
        return (n > 0 && n <= libc::SIGRTMAX()).then_some(n);
    }
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    (1..=libc::SIGRTMAX()).find(|&n| signal_name(n) == full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_round_trip() {
        assert_eq!(signal_name(libc::SIGTERM), "SIGTERM");
        assert_eq!(signal_name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
        assert_eq!(signal_number("TERM"), Some(libc::SIGTERM));
        assert_eq!(signal_number("sigusr1"), Some(libc::SIGUSR1));
        assert_eq!(signal_number("9"), Some(9));
        assert_eq!(signal_number("SIGRTMIN+2"), Some(libc::SIGRTMIN() + 2));
        assert_eq!(signal_number("NOPE"), None);
        assert_eq!(signal_number("0"), None);
    }

    #[test]
    fn rlimits_match_proc_self_limits() {
        // Cross-check of getrlimit against the kernel's own table, on this host.
        let text = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
        let proc = crate::parse::parse_limits_file(&text);
        let ours = read_rlimits();
        assert_eq!(ours.len(), 16);
        assert_eq!(proc.len(), 16);
        for p in proc {
            let o = ours.iter().find(|o| o.name == p.name).unwrap();
            assert_eq!((o.soft, o.hard), (p.soft, p.hard), "{}", p.name);
        }
    }
}
