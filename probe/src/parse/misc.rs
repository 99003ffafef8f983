//! Small formats: id maps, time namespace offsets, namespace links, and decoders for numbers
//! the kernel hands back (personality, ioprio, scheduler policy).

use crate::{IdMapEntry, IoPrio, Personality, TimensOffset};

/// `/proc/self/uid_map` / `gid_map`: `inside outside count` per line.
pub fn parse_id_map(text: &str) -> Vec<IdMapEntry> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace().map(|x| x.parse::<u32>().ok());
            Some(IdMapEntry {
                inside: f.next()??,
                outside: f.next()??,
                count: f.next()??,
            })
        })
        .collect()
}

/// `/proc/self/timens_offsets`: `monotonic  <secs> <nanos>` per line.
pub fn parse_timens_offsets(text: &str) -> Vec<TimensOffset> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            Some(TimensOffset {
                clock: f.next()?.to_string(),
                secs: f.next()?.parse().ok()?,
                nanos: f.next()?.parse().ok()?,
            })
        })
        .collect()
}

/// A `/proc/self/ns/*` link text, `net:[4026531992]` → (`net`, 4026531992).
pub fn parse_ns_link(link: &str) -> Option<(String, u64)> {
    let (kind, rest) = link.split_once(':')?;
    let inode = rest.strip_prefix('[')?.strip_suffix(']')?.parse().ok()?;
    Some((kind.to_string(), inode))
}

/// `net.ipv4.ip_forward` → `net/ipv4/ip_forward`. A name already using `/` is kept (the only
/// way to name keys whose parts contain dots, like `net/ipv4/conf/eth0.1/forwarding`).
pub fn sysctl_relative_path(name: &str) -> String {
    if name.contains('/') {
        name.trim_start_matches('/').to_string()
    } else {
        name.replace('.', "/")
    }
}

/// Personality flags (include/uapi/linux/personality.h).
const PERSONALITY_FLAGS: [(u32, &str); 11] = [
    (0x0020000, "UNAME26"),
    (0x0040000, "ADDR_NO_RANDOMIZE"),
    (0x0080000, "FDPIC_FUNCPTRS"),
    (0x0100000, "MMAP_PAGE_ZERO"),
    (0x0200000, "ADDR_COMPAT_LAYOUT"),
    (0x0400000, "READ_IMPLIES_EXEC"),
    (0x0800000, "ADDR_LIMIT_32BIT"),
    (0x1000000, "SHORT_INODE"),
    (0x2000000, "WHOLE_SECONDS"),
    (0x4000000, "STICKY_TIMEOUTS"),
    (0x8000000, "ADDR_LIMIT_3GB"),
];

/// Decodes `personality(0xffffffff)`: the low byte is the execution domain.
pub fn decode_personality(raw: u32) -> Personality {
    let domain = match raw & 0xff {
        0x00 => "LINUX".to_string(),
        0x08 => "LINUX32".to_string(),
        other => format!("{other:#x}"),
    };
    let flags = PERSONALITY_FLAGS
        .iter()
        .filter(|(bit, _)| raw & bit != 0)
        .map(|(_, name)| name.to_string())
        .collect();
    Personality { raw, domain, flags }
}

/// Decodes `ioprio_get`: class in bits 13–15, level in the low 3 bits (bits 3–12 are hints on
/// newer kernels and are not part of the level).
pub fn decode_ioprio(raw: u32) -> IoPrio {
    let class = match raw >> 13 {
        0 => "IOPRIO_CLASS_NONE".to_string(),
        1 => "IOPRIO_CLASS_RT".to_string(),
        2 => "IOPRIO_CLASS_BE".to_string(),
        3 => "IOPRIO_CLASS_IDLE".to_string(),
        other => format!("IOPRIO_CLASS_{other}"),
    };
    IoPrio {
        class,
        priority: raw & 0x7,
        raw,
    }
}

/// `SCHED_RESET_ON_FORK`, or-ed into the `sched_getscheduler` result.
pub const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

/// Name of a scheduling policy number (without the reset-on-fork bit).
pub fn sched_policy_name(policy: i32) -> String {
    match policy & !SCHED_RESET_ON_FORK {
        0 => "SCHED_OTHER".to_string(),
        1 => "SCHED_FIFO".to_string(),
        2 => "SCHED_RR".to_string(),
        3 => "SCHED_BATCH".to_string(),
        5 => "SCHED_IDLE".to_string(),
        6 => "SCHED_DEADLINE".to_string(),
        other => format!("SCHED_{other}"),
    }
}

/// `[0, 1, 2, 5]` → `0-2,5`, the kernel's cpu list notation.
pub fn format_cpu_list(cpus: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        let mut end = start;
        while i + 1 < cpus.len() && cpus[i + 1] == end + 1 {
            i += 1;
            end = cpus[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// `0-2,5` → `[0, 1, 2, 5]`; `None` if malformed. The empty string is the empty set.
pub fn parse_cpu_list(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().ok()?),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_id_maps() {
        let m = parse_id_map("         0          0 4294967295\n");
        assert_eq!(
            m,
            vec![IdMapEntry {
                inside: 0,
                outside: 0,
                count: u32::MAX
            }]
        );
        let m = parse_id_map("0 100000 1\n1 100001 65535\nbad line\n");
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].outside, 100001);
        assert!(parse_id_map("").is_empty());
    }

    #[test]
    fn reads_timens_offsets() {
        let t = parse_timens_offsets(
            "monotonic           0         0\nboottime         -5       100\n",
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].clock, "boottime");
        assert_eq!((t[1].secs, t[1].nanos), (-5, 100));
    }

    #[test]
    fn reads_ns_links() {
        assert_eq!(
            parse_ns_link("net:[4026531992]"),
            Some(("net".to_string(), 4026531992))
        );
        assert_eq!(
            parse_ns_link("pid_for_children:[4026531836]").unwrap().0,
            "pid_for_children"
        );
        assert_eq!(parse_ns_link("net:4026531992"), None);
    }

    #[test]
    fn maps_sysctl_names_to_paths() {
        assert_eq!(
            sysctl_relative_path("net.ipv4.ip_forward"),
            "net/ipv4/ip_forward"
        );
        assert_eq!(
            sysctl_relative_path("net/ipv4/conf/eth0.1/forwarding"),
            "net/ipv4/conf/eth0.1/forwarding"
        );
    }

    #[test]
    fn decodes_personality_ioprio_and_policy() {
        let p = decode_personality(0x0040008);
        assert_eq!(p.domain, "LINUX32");
        assert_eq!(p.flags, vec!["ADDR_NO_RANDOMIZE"]);
        assert_eq!(decode_personality(0).domain, "LINUX");

        let io = decode_ioprio((2 << 13) | 4);
        assert_eq!((io.class.as_str(), io.priority), ("IOPRIO_CLASS_BE", 4));
        assert_eq!(decode_ioprio(0).class, "IOPRIO_CLASS_NONE");
        assert_eq!(decode_ioprio(3 << 13).class, "IOPRIO_CLASS_IDLE");

        assert_eq!(sched_policy_name(0), "SCHED_OTHER");
        assert_eq!(sched_policy_name(2 | SCHED_RESET_ON_FORK), "SCHED_RR");
        assert_eq!(sched_policy_name(6), "SCHED_DEADLINE");
    }

    #[test]
    fn cpu_lists_round_trip() {
        assert_eq!(format_cpu_list(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(format_cpu_list(&[]), "");
        assert_eq!(parse_cpu_list("0-2,5,7-8\n"), Some(vec![0, 1, 2, 5, 7, 8]));
        assert_eq!(parse_cpu_list(""), Some(vec![]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }
}
