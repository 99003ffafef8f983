//! `/proc/self/status` and `/proc/self/limits`.

use crate::Limit;
use std::collections::BTreeMap;

/// `/proc/self/status` as `Key` → value (tabs and surrounding space trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub fields: BTreeMap<String, String>,
}

impl Status {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// `Umask:\t0022` (octal).
    pub fn umask(&self) -> Option<u32> {
        u32::from_str_radix(self.get("Umask")?, 8).ok()
    }

    /// A capability mask such as `CapEff`, as a number.
    pub fn cap_mask(&self, key: &str) -> Option<u64> {
        u64::from_str_radix(self.get(key)?, 16).ok()
    }

    pub fn no_new_privs(&self) -> Option<bool> {
        self.get("NoNewPrivs").map(|v| v == "1")
    }

    /// `Seccomp`: 0 disabled, 1 strict, 2 filter.
    pub fn seccomp_mode(&self) -> Option<&'static str> {
        Some(match self.get("Seccomp")? {
            "0" => "disabled",
            "1" => "strict",
            "2" => "filter",
            _ => "unknown",
        })
    }

    pub fn seccomp_filters(&self) -> Option<u32> {
        self.get("Seccomp_filters")?.parse().ok()
    }

    /// `Uid:`/`Gid:` lines: real, effective, saved, filesystem.
    pub fn ids(&self, key: &str) -> Option<[u32; 4]> {
        let v: Vec<u32> = self
            .get(key)?
            .split_whitespace()
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        v.try_into().ok()
    }

    pub fn ppid(&self) -> Option<i32> {
        self.get("PPid")?.parse().ok()
    }
}

pub fn parse_status(text: &str) -> Status {
    let fields = text
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Status { fields }
}

/// One row of `/proc/self/limits`, with the OCI `RLIMIT_*` name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcLimit {
    pub name: String,
    pub soft: Limit,
    pub hard: Limit,
}

/// The kernel's row titles (fs/proc/base.c `lnames`) and the matching `RLIMIT_*`.
const LIMIT_TITLES: [(&str, &str); 16] = [
    ("Max cpu time", "RLIMIT_CPU"),
    ("Max file size", "RLIMIT_FSIZE"),
    ("Max data size", "RLIMIT_DATA"),
    ("Max stack size", "RLIMIT_STACK"),
    ("Max core file size", "RLIMIT_CORE"),
    ("Max resident set", "RLIMIT_RSS"),
    ("Max processes", "RLIMIT_NPROC"),
    ("Max open files", "RLIMIT_NOFILE"),
    ("Max locked memory", "RLIMIT_MEMLOCK"),
    ("Max address space", "RLIMIT_AS"),
    ("Max file locks", "RLIMIT_LOCKS"),
    ("Max pending signals", "RLIMIT_SIGPENDING"),
    ("Max msgqueue size", "RLIMIT_MSGQUEUE"),
    ("Max nice priority", "RLIMIT_NICE"),
    ("Max realtime priority", "RLIMIT_RTPRIO"),
    ("Max realtime timeout", "RLIMIT_RTTIME"),
];

/// `/proc/self/limits`: a header, then `Title  Soft  Hard  [Units]` with the title padded to
/// 26 columns. Titles contain spaces, so they are matched against the kernel's list.
pub fn parse_limits_file(text: &str) -> Vec<ProcLimit> {
    text.lines()
        .filter_map(|line| {
            let (title, name) = LIMIT_TITLES.iter().find(|(t, _)| {
                line.strip_prefix(t)
                    .is_some_and(|rest| rest.starts_with(' '))
            })?;
            let mut rest = line[title.len()..].split_whitespace();
            Some(ProcLimit {
                name: name.to_string(),
                soft: parse_limit_word(rest.next()?)?,
                hard: parse_limit_word(rest.next()?)?,
            })
        })
        .collect()
}

fn parse_limit_word(w: &str) -> Option<Limit> {
    if w == "unlimited" {
        Some(Limit::Max)
    } else {
        w.parse().ok().map(Limit::Value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nPid:\t25591\n\
        PPid:\t25587\nUid:\t0\t1\t2\t3\nGid:\t0\t0\t0\t0\nGroups:\t \n\
        CapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\n\
        CapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n\
        Seccomp:\t2\nSeccomp_filters:\t1\n";

    #[test]
    fn reads_status_fields() {
        let s = parse_status(STATUS);
        assert_eq!(s.umask(), Some(0o022));
        assert_eq!(s.cap_mask("CapEff"), Some(0x1fffeffffff));
        assert_eq!(s.cap_mask("CapInh"), Some(0));
        assert_eq!(s.no_new_privs(), Some(false));
        assert_eq!(s.seccomp_mode(), Some("filter"));
        assert_eq!(s.seccomp_filters(), Some(1));
        assert_eq!(s.ids("Uid"), Some([0, 1, 2, 3]));
        assert_eq!(s.ppid(), Some(25587));
        assert_eq!(s.get("Groups"), Some(""));
        assert_eq!(s.get("Missing"), None);
        // An old kernel without Umask.
        assert_eq!(parse_status("Name:\tx\n").umask(), None);
    }

    #[test]
    fn reads_limits_rows() {
        let text =
            "Limit                     Soft Limit           Hard Limit           Units     \n\
            Max cpu time              unlimited            unlimited            seconds   \n\
            Max file size             unlimited            unlimited            bytes     \n\
            Max open files            1024                 524288               files     \n\
            Max realtime priority     0                    0                    \n\
            Max realtime timeout      unlimited            unlimited            us        \n";
        let l = parse_limits_file(text);
        assert_eq!(l.len(), 5);
        assert_eq!(
            l[2],
            ProcLimit {
                name: "RLIMIT_NOFILE".into(),
                soft: Limit::Value(1024),
                hard: Limit::Value(524288)
            }
        );
        assert_eq!(l[0].soft, Limit::Max);
        assert_eq!(l[3].name, "RLIMIT_RTPRIO");
        assert_eq!(l[4].name, "RLIMIT_RTTIME");
    }
}
