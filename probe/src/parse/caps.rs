//! Capability masks → `CAP_*` names (include/uapi/linux/capability.h).

use crate::CapSet;

/// Names by bit number, up to `CAP_CHECKPOINT_RESTORE` (40, the last as of Linux 6.x).
const CAP_NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The names of the bits set in `mask`, in bit order. Bits newer than this table come out as
/// `CAP_<bit>` so nothing is silently dropped.
pub fn cap_names(mask: u64) -> Vec<String> {
    (0..64)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| match CAP_NAMES.get(bit) {
            Some(name) => name.to_string(),
            None => format!("CAP_{bit}"),
        })
        .collect()
}

/// A status hex field (`000001fffeffffff`) → [`CapSet`]; `None` if not hex.
pub fn decode_capset(hex: &str) -> Option<CapSet> {
    let mask = u64::from_str_radix(hex, 16).ok()?;
    Some(CapSet {
        hex: hex.to_string(),
        names: cap_names(mask),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_this_vms_bounding_set_without_sys_resource() {
        let set = decode_capset("000001fffeffffff").unwrap();
        assert_eq!(set.names.len(), 40);
        assert!(!set.names.iter().any(|n| n == "CAP_SYS_RESOURCE"));
        assert_eq!(set.names.first().unwrap(), "CAP_CHOWN");
        assert_eq!(set.names.last().unwrap(), "CAP_CHECKPOINT_RESTORE");
    }

    #[test]
    fn decodes_single_bits_and_unknown_ones() {
        assert_eq!(cap_names(0), Vec::<String>::new());
        assert_eq!(cap_names(1 << 21), vec!["CAP_SYS_ADMIN"]);
        assert_eq!(cap_names((1 << 5) | (1 << 41)), vec!["CAP_KILL", "CAP_41"]);
        // runc's/docker's default set: 0x00000000a80425fb.
        assert_eq!(
            cap_names(0xa80425fb),
            vec![
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_FOWNER",
                "CAP_FSETID",
                "CAP_KILL",
                "CAP_SETGID",
                "CAP_SETUID",
                "CAP_SETPCAP",
                "CAP_NET_BIND_SERVICE",
                "CAP_NET_RAW",
                "CAP_SYS_CHROOT",
                "CAP_MKNOD",
                "CAP_AUDIT_WRITE",
                "CAP_SETFCAP",
            ]
        );
        assert!(decode_capset("zz").is_none());
    }
}
