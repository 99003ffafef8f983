//! The `dev` section: every node under /dev and the conventional symlinks.

use super::mounts::type_letter;
use crate::{Dev, DevNode, DevSymlink};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// How deep to descend below /dev: enough for /dev/pts, /dev/mapper, /dev/disk/by-id/...
/// while bounding the walk on a host with a busy /dev.
const MAX_DEPTH: usize = 4;

const DEFAULT_SYMLINKS: [&str; 5] = [
    "/dev/fd",
    "/dev/stdin",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/ptmx",
];

pub(super) fn collect_dev() -> Dev {
    let mut nodes = Vec::new();
    walk(Path::new("/dev"), 0, &mut nodes);
    nodes.sort_by(|a, b| a.path.cmp(&b.path));
    Dev {
        nodes,
        symlinks: DEFAULT_SYMLINKS.iter().map(|p| symlink(p)).collect(),
    }
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<DevNode>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // symlink_metadata: describe links themselves, never follow them out of /dev.
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let node = dev_node(&path, &meta);
        let is_dir = node.kind == "d";
        out.push(node);
        if is_dir && depth + 1 < MAX_DEPTH {
            walk(&path, depth + 1, out);
        }
    }
}

fn dev_node(path: &Path, meta: &fs::Metadata) -> DevNode {
    let kind = type_letter(meta);
    let is_device = kind == "c" || kind == "b";
    let rdev = meta.rdev();
    DevNode {
        path: path.to_string_lossy().into_owned(),
        kind: kind.to_string(),
        major: is_device.then(|| libc::major(rdev)),
        minor: is_device.then(|| libc::minor(rdev)),
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        target: (kind == "l")
            .then(|| fs::read_link(path).ok())
            .flatten()
            .map(|t| t.to_string_lossy().into_owned()),
    }
}

fn symlink(path: &str) -> DevSymlink {
    let meta = fs::symlink_metadata(path).ok();
    DevSymlink {
        path: path.to_string(),
        target: fs::read_link(path)
            .ok()
            .map(|t| t.to_string_lossy().into_owned()),
        kind: meta.map(|m| type_letter(&m).to_string()),
    }
}
