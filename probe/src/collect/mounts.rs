//! The `mounts` section and `--check-paths`.

use crate::{sys, MountEntry, Mounts, PathCheck};
use std::ffi::OsStr;
use std::fs::{self, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

pub(super) fn collect_mounts(entries: Vec<MountEntry>) -> Mounts {
    let from_mountinfo = entries
        .iter()
        .rev()
        .find(|m| m.destination == "/")
        .map(|m| m.options.iter().any(|o| o == "ro"));
    Mounts {
        root_readonly: sys::statvfs_readonly(OsStr::new("/"))
            .ok()
            .or(from_mountinfo),
        entries,
    }
}

/// Type letter of a file: `f d l c b p s`.
pub(crate) fn type_letter(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        "f"
    } else if t.is_dir() {
        "d"
    } else if t.is_symlink() {
        "l"
    } else if t.is_char_device() {
        "c"
    } else if t.is_block_device() {
        "b"
    } else if t.is_fifo() {
        "p"
    } else if t.is_socket() {
        "s"
    } else {
        "?"
    }
}

fn is_denied(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM))
}

/// Is `path` masked, read-only? Never leaves anything behind: writability is tested with an
/// anonymous `O_TMPFILE` (or a uniquely named file removed at once) in directories, and with an
/// open for writing (no truncation, nothing written) for regular files.
pub fn check_path(path: &str) -> PathCheck {
    let p = Path::new(path);
    let mut check = PathCheck {
        path: path.to_string(),
        exists: false,
        file_type: None,
        masked: false,
        masked_by: None,
        empty: None,
        readonly: None,
        write_test: "skipped".to_string(),
        write_error: None,
        statvfs_readonly: sys::statvfs_readonly(p.as_os_str()).ok(),
    };
    let meta = match fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            check.exists = fs::symlink_metadata(p).is_ok() || is_denied(&e);
            if is_denied(&e) {
                mask(&mut check, "unreadable");
            }
            return check;
        }
    };
    check.exists = true;
    let letter = type_letter(&meta);
    check.file_type = Some(letter.to_string());
    match letter {
        "d" => check_dir(p, &meta, &mut check),
        "f" => check_file(p, &mut check),
        "c" if meta.rdev() == libc::makedev(1, 3) => mask(&mut check, "dev_null"),
        _ => {}
    }
    if check.readonly.is_none() {
        check.readonly = check.statvfs_readonly;
    }
    check
}

fn mask(check: &mut PathCheck, by: &str) {
    check.masked = true;
    check.masked_by = Some(by.to_string());
}

fn check_dir(p: &Path, meta: &Metadata, check: &mut PathCheck) {
    match fs::read_dir(p) {
        Ok(mut entries) => check.empty = Some(entries.next().is_none()),
        Err(e) if is_denied(&e) => mask(check, "unreadable"),
        Err(_) => {}
    }
    let is_mount_point = p
        .parent()
        .and_then(|parent| fs::metadata(parent).ok())
        .is_none_or(|parent| parent.dev() != meta.dev());
    // runc (and others) mask a directory by mounting an empty, read-only tmpfs over it.
    if check.empty == Some(true)
        && is_mount_point
        && check.statvfs_readonly == Some(true)
        && sys::statfs_type(p.as_os_str()).ok() == Some(sys::TMPFS_MAGIC)
    {
        mask(check, "empty_tmpfs");
    }
    write_test_dir(p, check);
}

fn check_file(p: &Path, check: &mut PathCheck) {
    match sys::open(p.as_os_str(), libc::O_RDONLY | libc::O_NONBLOCK, 0) {
        Ok(mut f) => {
            // One byte is enough to tell empty from not, and harmless even for /proc/kcore.
            let mut byte = [0u8; 1];
            check.empty = f.read(&mut byte).ok().map(|n| n == 0);
        }
        Err(e) if is_denied(&e) => mask(check, "unreadable"),
        Err(_) => {}
    }
    check.write_test = "open_write".to_string();
    let result = sys::open(p.as_os_str(), libc::O_WRONLY | libc::O_NONBLOCK, 0).map(drop);
    record_write(check, result);
}

fn write_test_dir(p: &Path, check: &mut PathCheck) {
    check.write_test = "tmpfile".to_string();
    let tmp = sys::open(p.as_os_str(), libc::O_TMPFILE | libc::O_WRONLY, 0o600).map(drop);
    match tmp {
        // The filesystem has no O_TMPFILE (procfs, sysfs, old kernels): create and remove.
        Err(ref e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
            ) =>
        {
            check.write_test = "create".to_string();
            let name = p.join(format!(
                ".oci-probe-{}-{}",
                sys::pid(),
                sys::clock_ns(libc::CLOCK_MONOTONIC)
            ));
            let created = sys::open(
                name.as_os_str(),
                libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY,
                0o600,
            );
            if created.is_ok() {
                let _ = fs::remove_file(&name);
            }
            record_write(check, created.map(drop));
        }
        other => record_write(check, other),
    }
}

fn record_write(check: &mut PathCheck, result: io::Result<()>) {
    match result {
        Ok(()) => check.readonly = Some(false),
        Err(e) if e.raw_os_error() == Some(libc::EROFS) => check.readonly = Some(true),
        Err(e) => check.write_error = Some(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_path_is_neither_masked_nor_readonly() {
        let c = check_path("/definitely/not/here");
        assert!(!c.exists);
        assert!(!c.masked);
        assert_eq!(c.readonly, None);
    }

    #[test]
    fn writable_dir_is_tested_without_leaving_files() {
        let dir = tempfile::tempdir().unwrap();
        let c = check_path(dir.path().to_str().unwrap());
        assert!(c.exists);
        assert_eq!(c.file_type.as_deref(), Some("d"));
        assert_eq!(c.readonly, Some(false));
        assert_eq!(c.empty, Some(true));
        assert!(!c.masked, "an ordinary empty directory is not masked");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn regular_file_and_dev_null() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        fs::write(&f, "x").unwrap();
        let c = check_path(f.to_str().unwrap());
        assert_eq!((c.empty, c.readonly), (Some(false), Some(false)));
        assert_eq!(c.write_test, "open_write");
        assert_eq!(fs::read_to_string(&f).unwrap(), "x");

        let n = check_path("/dev/null");
        assert_eq!(n.masked_by.as_deref(), Some("dev_null"));
    }
}
