//! `/proc/<pid>/mountinfo` (proc(5)).
//!
//! `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
//! The optional fields before `-` vary in number; paths escape space, tab, newline and
//! backslash as 3-digit octal (`\040`).

use crate::{MountEntry, Propagation};

/// Decodes mountinfo's `\ooo` escapes. A backslash not followed by three octal digits is kept.
pub fn unescape_octal(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() && is_octal_triplet(&bytes[i + 1..i + 4]) {
            let v = (bytes[i + 1] - b'0') as u32 * 64
                + (bytes[i + 2] - b'0') as u32 * 8
                + (bytes[i + 3] - b'0') as u32;
            // A value over 0o377 cannot be a byte; keep the text as it was.
            if let Ok(b) = u8::try_from(v) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_octal_triplet(b: &[u8]) -> bool {
    b.len() == 3 && b.iter().all(|c| (b'0'..=b'7').contains(c))
}

/// Parses the whole file; lines that do not have the expected shape are skipped.
pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_mountinfo_line).collect()
}

/// One line, `None` if malformed.
pub fn parse_mountinfo_line(line: &str) -> Option<MountEntry> {
    let fields: Vec<&str> = line.split(' ').collect();
    let sep = fields.iter().position(|f| *f == "-")?;
    if sep < 6 || fields.len() < sep + 3 {
        return None;
    }
    let (major, minor) = fields[2].split_once(':')?;
    Some(MountEntry {
        id: fields[0].parse().ok()?,
        parent_id: fields[1].parse().ok()?,
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
        root: unescape_octal(fields[3]),
        destination: unescape_octal(fields[4]),
        options: split_options(fields[5]),
        propagation: parse_propagation(&fields[6..sep]),
        fstype: unescape_octal(fields[sep + 1]),
        source: unescape_octal(fields[sep + 2]),
        // Super options are the last field; a missing one (very old kernels) is empty.
        super_options: fields
            .get(sep + 3)
            .map(|s| split_options(s))
            .unwrap_or_default(),
    })
}

fn split_options(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|o| !o.is_empty())
        .map(unescape_octal)
        .collect()
}

/// The optional fields: `shared:N`, `master:N`, `propagate_from:N`, `unbindable`.
/// None of them means private.
pub fn parse_propagation(optional: &[&str]) -> Propagation {
    let mut p = Propagation {
        kind: String::new(),
        shared: None,
        master: None,
        propagate_from: None,
        unbindable: false,
    };
    for field in optional {
        match field.split_once(':') {
            Some(("shared", n)) => p.shared = n.parse().ok(),
            Some(("master", n)) => p.master = n.parse().ok(),
            Some(("propagate_from", n)) => p.propagate_from = n.parse().ok(),
            _ if *field == "unbindable" => p.unbindable = true,
            _ => {}
        }
    }
    p.kind = match (p.unbindable, p.shared.is_some(), p.master.is_some()) {
        (true, _, _) => "unbindable",
        (false, true, true) => "shared_slave",
        (false, true, false) => "shared",
        (false, false, true) => "slave",
        (false, false, false) => "private",
    }
    .to_string();
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_proc5_example() {
        let m = parse_mountinfo_line(
            "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
        )
        .unwrap();
        assert_eq!((m.id, m.parent_id, m.major, m.minor), (36, 35, 98, 0));
        assert_eq!(m.root, "/mnt1");
        assert_eq!(m.destination, "/mnt2");
        assert_eq!(m.options, vec!["rw", "noatime"]);
        assert_eq!(m.propagation.kind, "slave");
        assert_eq!(m.propagation.master, Some(1));
        assert_eq!(m.fstype, "ext3");
        assert_eq!(m.source, "/dev/root");
        assert_eq!(m.super_options, vec!["rw", "errors=continue"]);
    }

    #[test]
    fn decodes_octal_escapes_in_paths() {
        let m = parse_mountinfo_line(
            r"100 27 0:50 /a\134b /mnt/with\040space\011tab rw - tmpfs my\040src rw,size=1024k",
        )
        .unwrap();
        assert_eq!(m.root, "/a\\b");
        assert_eq!(m.destination, "/mnt/with space\ttab");
        assert_eq!(m.source, "my src");
        assert_eq!(m.super_options, vec!["rw", "size=1024k"]);
        // Not a valid escape: kept verbatim.
        assert_eq!(unescape_octal(r"a\9b\04"), r"a\9b\04");
        assert_eq!(unescape_octal(r"\400"), r"\400");
    }

    #[test]
    fn reads_every_propagation_kind() {
        let kinds: Vec<String> = parse_mountinfo(
            "1 0 0:1 / /a rw - tmpfs t rw\n\
             2 1 0:2 / /b rw shared:5 - tmpfs t rw\n\
             3 1 0:3 / /c rw shared:6 master:2 - tmpfs t rw\n\
             4 1 0:4 / /d rw master:7 propagate_from:3 - tmpfs t rw\n\
             5 1 0:5 / /e rw unbindable - tmpfs t rw\n",
        )
        .into_iter()
        .map(|m| m.propagation.kind)
        .collect();
        assert_eq!(
            kinds,
            vec!["private", "shared", "shared_slave", "slave", "unbindable"]
        );
        let p = parse_propagation(&["master:7", "propagate_from:3"]);
        assert_eq!((p.master, p.propagate_from), (Some(7), Some(3)));
    }

    #[test]
    fn skips_malformed_lines() {
        assert!(parse_mountinfo_line("").is_none());
        assert!(parse_mountinfo_line("1 2 3").is_none());
        assert!(parse_mountinfo_line("x 0 0:1 / / rw - ext4 /dev/vda rw").is_none());
        assert_eq!(
            parse_mountinfo("garbage\n1 0 0:1 / / rw - ext4 /dev/vda rw\n").len(),
            1
        );
    }
}
