//! The `namespaces` section.

use super::Errors;
use crate::{parse, Namespaces, NsEntry};
use std::io;

pub(super) fn collect_namespaces(errors: &mut Errors) -> Namespaces {
    let own = match ns_entries("/proc/self/ns") {
        Ok(v) => v,
        Err(e) => {
            if !super::is_absent(&e) {
                errors.push(format!("/proc/self/ns: {e}"));
            }
            Vec::new()
        }
    };
    Namespaces {
        own,
        // Not visible without ptrace access to pid 1; that is an answer, not an error.
        pid1: ns_entries("/proc/1/ns").ok().filter(|v| !v.is_empty()),
        uid_map: errors
            .read_optional("/proc/self/uid_map")
            .map(|t| parse::parse_id_map(&t)),
        gid_map: errors
            .read_optional("/proc/self/gid_map")
            .map(|t| parse::parse_id_map(&t)),
        setgroups: errors
            .read_optional("/proc/self/setgroups")
            .map(|t| t.trim().to_string()),
        timens_offsets: errors
            .read_optional("/proc/self/timens_offsets")
            .map(|t| parse::parse_timens_offsets(&t)),
    }
}

/// This process's namespaces (also used by the `hook` verb).
pub fn own_namespaces() -> Vec<NsEntry> {
    ns_entries("/proc/self/ns").unwrap_or_default()
}

/// Every link of an `ns` directory, sorted by entry name. Links that cannot be read
/// (permission) are left out.
fn ns_entries(dir: &str) -> io::Result<Vec<NsEntry>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(link) = std::fs::read_link(entry.path()) else {
            continue;
        };
        if let Some((kind, inode)) = parse::parse_ns_link(&link.to_string_lossy()) {
            out.push(NsEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind,
                inode,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
