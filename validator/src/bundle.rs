//! Bundle rules: config.json in place, the root filesystem where root.path says, the program
//! process.args[0] names. Paths are resolved by hand, one component at a time, so that a
//! symlink can never lead us out of the bundle (or, inside the rootfs, out of the rootfs), and a
//! symlink loop ends after 40 hops as the kernel's would. Nothing in the bundle is executed.

use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

pub static CONFIG_JSON: Rule = Rule {
    id: "bundle.config_json",
    level: Level::Error,
    requirements: &["bundle.config_json"],
    summary: "the bundle directory holds a regular file named config.json at its root",
    scope: Scope::Bundle,
    check: None,
    doc: None,
};

pub static ROOT_PATH_EXISTS: Rule = Rule {
    id: "config.root.path.exists",
    level: Level::Error,
    requirements: &["config.root.path.exists"],
    summary: "a directory exists at root.path",
    scope: Scope::Bundle,
    check: Some(check_root_path),
    doc: None,
};

pub static ARTIFACTS_SAME_DIR: Rule = Rule {
    id: "bundle.artifacts_same_dir",
    level: Level::Error,
    requirements: &["bundle.artifacts_same_dir"],
    summary: "the root filesystem lies inside the bundle directory (no symlink leads out of it)",
    scope: Scope::Bundle,
    check: None,
    doc: None,
};

pub static ARGS0_IN_ROOTFS: Rule = Rule {
    id: "lint.process.args.executable",
    level: Level::Warning,
    requirements: &[],
    summary: "process.args[0] names an executable regular file in the root filesystem",
    scope: Scope::Bundle,
    check: Some(check_args0),
    doc: Some(("config.md", "Process")),
};

pub static RULES: &[&Rule] = &[
    &CONFIG_JSON,
    &ROOT_PATH_EXISTS,
    &ARTIFACTS_SAME_DIR,
    &ARGS0_IN_ROOTFS,
];

/// Most symlinks followed in one resolution (Linux's MAXSYMLINKS).
const MAX_HOPS: u32 = 40;

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolve {
    /// A `..` or a symlink leads out of the base directory.
    Escapes {
        via: PathBuf,
    },
    TooManyLinks {
        at: PathBuf,
    },
    NotFound {
        at: PathBuf,
    },
    NotADirectory {
        at: PathBuf,
    },
    Io {
        at: PathBuf,
        err: String,
    },
}

/// How `..` and absolute symlinks behave at the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The base is a boundary: leaving it is an error (the bundle).
    Beneath,
    /// The base is `/`, as inside a chroot: `..` stops there, absolute links start there.
    Root,
}

/// Resolves `rel` under `base`, following symlinks within it. Returns the host path.
pub fn resolve(base: &Path, rel: &Path, mode: Mode) -> Result<PathBuf, Resolve> {
    let mut pending: Vec<OsString> = components(rel);
    pending.reverse();
    let mut stack: Vec<OsString> = Vec::new();
    let mut hops = 0;
    while let Some(name) = pending.pop() {
        if name == ".." {
            if stack.pop().is_none() && mode == Mode::Beneath {
                return Err(Resolve::Escapes {
                    via: rel.to_path_buf(),
                });
            }
            continue;
        }
        let mut here = base.to_path_buf();
        here.extend(&stack);
        here.push(&name);
        let meta = match fs::symlink_metadata(&here) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Resolve::NotFound { at: here })
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => {
                return Err(Resolve::NotADirectory { at: here })
            }
            Err(e) => {
                return Err(Resolve::Io {
                    at: here,
                    err: e.to_string(),
                })
            }
        };
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > MAX_HOPS {
                return Err(Resolve::TooManyLinks { at: here });
            }
            let target = fs::read_link(&here).map_err(|e| Resolve::Io {
                at: here.clone(),
                err: e.to_string(),
            })?;
            if target.is_absolute() {
                if mode == Mode::Beneath {
                    return Err(Resolve::Escapes { via: here });
                }
                stack.clear();
            }
            let mut more = components(&target);
            more.reverse();
            pending.extend(more);
            continue;
        }
        if !pending.is_empty() && !meta.is_dir() {
            return Err(Resolve::NotADirectory { at: here });
        }
        stack.push(name);
    }
    let mut out = base.to_path_buf();
    out.extend(&stack);
    Ok(out)
}

fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect()
}

/// Whether config.json is in place; a finding when it is not.
pub fn config_json_problem(dir: &Path) -> Option<Finding> {
    let path = dir.join("config.json");
    let problem = match fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_file() => return None,
        Ok(m) if m.file_type().is_symlink() => {
            "config.json is a symbolic link, not a file in the bundle".to_string()
        }
        Ok(m) if m.is_dir() => "config.json is a directory".to_string(),
        Ok(_) => "config.json is not a regular file (a FIFO, socket or device); it was not opened"
            .to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let near = fs::read_dir(dir).ok().and_then(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .find(|n| n.eq_ignore_ascii_case("config.json") || n.ends_with(".json"))
            });
            return Some(
                Finding::new(
                    &CONFIG_JSON,
                    "",
                    "the bundle has no config.json at its root",
                )
                .expected(format!("a file {}", path.display()))
                .observed("no such file")
                .hint(match near {
                    Some(n) => format!("found {n}: the file MUST be named exactly config.json"),
                    None => "create it, e.g. with `runc spec`".to_string(),
                }),
            );
        }
        Err(e) => format!("config.json cannot be read: {e}"),
    };
    Some(Finding::new(&CONFIG_JSON, "", problem).expected("a regular file named config.json"))
}

/// root.path: present as a directory, reached without leaving the bundle.
fn check_root_path(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (Some(dir), Some(root)) = (
        ctx.bundle_dir(),
        ctx.at("/root/path").and_then(Value::as_str),
    ) else {
        return;
    };
    let ptr = "/root/path";
    let rel: PathBuf = if Path::new(root).is_absolute() {
        // An absolute root.path is fine as long as it names a place inside the bundle.
        let bundle_abs = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        match Path::new(root).strip_prefix(&bundle_abs) {
            Ok(inside) => inside.to_path_buf(),
            Err(_) => {
                out.push(
                    Finding::new(&ARTIFACTS_SAME_DIR, ptr, format!("root.path {root} is outside the bundle directory"))
                        .expected(format!("a path inside {}", bundle_abs.display()))
                        .observed(root.to_string())
                        .hint("move the root filesystem into the bundle and use the relative path \"rootfs\""),
                );
                return;
            }
        }
    } else {
        PathBuf::from(root)
    };
    let missing = |what: String| {
        Finding::new(&ROOT_PATH_EXISTS, ptr, what).expected(format!("a directory at {root}"))
    };
    match resolve(dir, &rel, Mode::Beneath) {
        Ok(p) => match fs::metadata(&p) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                out.push(missing(format!("root.path {root} is not a directory")).observed("a file"))
            }
            Err(e) => out.push(missing(format!("root.path {root}: {e}"))),
        },
        Err(Resolve::Escapes { via }) => out.push(
            Finding::new(
                &ARTIFACTS_SAME_DIR,
                ptr,
                format!(
                    "root.path {root} leads out of the bundle directory (via {})",
                    via.display()
                ),
            )
            .expected("a root filesystem inside the bundle")
            .observed(format!("a path through {}", via.display())),
        ),
        Err(Resolve::TooManyLinks { at }) => out.push(
            missing(format!(
                "root.path {root}: too many levels of symbolic links at {}",
                at.display()
            ))
            .observed("a symbolic link loop"),
        ),
        Err(Resolve::NotFound { at }) => out.push(
            missing(format!("root.path {root} does not exist"))
                .observed(format!("nothing at {}", at.display()))
                .hint("create the directory, or fix root.path"),
        ),
        Err(Resolve::NotADirectory { at }) => out.push(
            missing(format!(
                "root.path {root}: {} is not a directory",
                at.display()
            ))
            .observed("a file"),
        ),
        Err(Resolve::Io { at, err }) => out.push(missing(format!(
            "root.path {root}: {}: {err}",
            at.display()
        ))),
    }
}

/// The rootfs directory of the bundle, if root.path resolves to one inside it.
fn rootfs(ctx: &Ctx) -> Option<PathBuf> {
    let dir = ctx.bundle_dir()?;
    let root = ctx.at("/root/path")?.as_str()?;
    let rel = if Path::new(root).is_absolute() {
        let bundle_abs = fs::canonicalize(dir).ok()?;
        Path::new(root).strip_prefix(bundle_abs).ok()?.to_path_buf()
    } else {
        PathBuf::from(root)
    };
    let p = resolve(dir, &rel, Mode::Beneath).ok()?;
    fs::metadata(&p).ok()?.is_dir().then_some(p)
}

/// process.args[0], looked up the way execvp would inside the container: a name with a slash is
/// a path (relative to process.cwd), any other name is searched in the config's PATH.
fn check_args0(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(prog) = ctx.at("/process/args/0").and_then(Value::as_str) else {
        return;
    };
    let Some(rootfs) = rootfs(ctx) else {
        return;
    };
    let ptr = "/process/args/0";
    let cwd = ctx
        .at("/process/cwd")
        .and_then(Value::as_str)
        .unwrap_or("/");
    let env_path = ctx.items("/process/env").into_iter().find_map(|(_, v)| {
        v.as_str()
            .and_then(|e| e.strip_prefix("PATH="))
            .map(str::to_string)
    });
    let candidates: Vec<PathBuf> = if prog.contains('/') {
        vec![Path::new(cwd).join(prog)]
    } else {
        let search = env_path
            .clone()
            .unwrap_or_else(|| "/bin:/usr/bin".to_string());
        search
            .split(':')
            .map(|d| if d.is_empty() { cwd } else { d })
            .map(|d| Path::new(d).join(prog))
            .collect()
    };
    let mut not_exec = None;
    for c in &candidates {
        if let Ok(host) = resolve(&rootfs, c, Mode::Root) {
            match fs::metadata(&host) {
                Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => return,
                Ok(m) if m.is_file() => not_exec = Some(c.clone()),
                _ => {}
            }
        }
    }
    let searched = candidates
        .iter()
        .map(|c| c.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let f = match not_exec {
        Some(c) => Finding::new(&ARGS0_IN_ROOTFS, ptr, format!("{} exists in the rootfs but is not executable", c.display()))
            .expected("an executable file")
            .observed("no execute permission bit")
            .hint(format!("chmod +x rootfs{}", c.display())),
        None => Finding::new(&ARGS0_IN_ROOTFS, ptr, format!("program {prog:?} is not in the root filesystem"))
            .expected(format!("an executable file at one of: {searched}"))
            .observed("none of them exists")
            .hint(if env_path.is_none() && !prog.contains('/') {
                "process.env has no PATH, so only /bin and /usr/bin were searched; give an absolute path or set PATH".to_string()
            } else {
                "the runtime will fail to start the container; add the program to the rootfs".to_string()
            }),
    };
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn resolve_follows_links_inside_and_refuses_escapes() {
        let t = tempfile::tempdir().unwrap();
        let b = t.path();
        fs::create_dir_all(b.join("real/bin")).unwrap();
        symlink("real", b.join("rootfs")).unwrap();
        symlink("../outside", b.join("esc")).unwrap();
        symlink("/etc", b.join("abs")).unwrap();
        assert_eq!(
            resolve(b, Path::new("rootfs/bin"), Mode::Beneath).unwrap(),
            b.join("real/bin")
        );
        assert!(matches!(
            resolve(b, Path::new("esc"), Mode::Beneath),
            Err(Resolve::Escapes { .. })
        ));
        assert!(matches!(
            resolve(b, Path::new("abs"), Mode::Beneath),
            Err(Resolve::Escapes { .. })
        ));
        assert!(matches!(
            resolve(b, Path::new("../x"), Mode::Beneath),
            Err(Resolve::Escapes { .. })
        ));
    }

    #[test]
    fn resolve_in_root_mode_clamps_like_a_chroot() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        fs::write(r.join("usr/bin/sh"), "").unwrap();
        symlink("/usr/bin", r.join("bin")).unwrap();
        assert_eq!(
            resolve(r, Path::new("/bin/sh"), Mode::Root).unwrap(),
            r.join("usr/bin/sh")
        );
        assert_eq!(
            resolve(r, Path::new("/../../usr/bin/sh"), Mode::Root).unwrap(),
            r.join("usr/bin/sh")
        );
    }

    #[test]
    fn resolve_stops_symlink_loops() {
        let t = tempfile::tempdir().unwrap();
        symlink("b", t.path().join("a")).unwrap();
        symlink("a", t.path().join("b")).unwrap();
        assert!(matches!(
            resolve(t.path(), Path::new("a"), Mode::Beneath),
            Err(Resolve::TooManyLinks { .. })
        ));
    }
}
