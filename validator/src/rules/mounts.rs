//! Rules for `mounts` (config.md, "Mounts", "Linux mount options", "POSIX-platform Mounts") and
//! the default filesystems of a Linux container (config-linux.md, "Default Filesystems").

use super::text::{quoted, suggest, targets_other_platform};
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;

pub static DESTINATION_ABSOLUTE: Rule = Rule {
    id: "config.mounts.destination.absolute",
    level: Level::Warning,
    requirements: &[
        "config.mounts.destination.absolute",
        "config.mounts.destination.relative_deprecated",
    ],
    summary: "each Linux mount destination is an absolute path (relative ones are deprecated)",
    scope: Scope::Config,
    check: Some(check_destination_absolute),
    doc: None,
};

pub static IDMAP_NO_MAPPING: Rule = Rule {
    id: "config.mounts.options.linux.idmap.error_no_mapping",
    level: Level::Error,
    requirements: &["config.mounts.options.linux.idmap.error_no_mapping"],
    summary: "a mount with the idmap option has uidMappings/gidMappings or the container has a user namespace",
    scope: Scope::Config,
    check: Some(check_idmap_no_mapping),
    doc: None,
};

pub static RIDMAP_NO_MAPPING: Rule = Rule {
    id: "config.mounts.options.linux.ridmap.error_no_mapping",
    level: Level::Error,
    requirements: &["config.mounts.options.linux.ridmap.error_no_mapping"],
    summary: "a mount with the ridmap option has uidMappings/gidMappings or the container has a user namespace",
    scope: Scope::Config,
    check: Some(check_ridmap_no_mapping),
    doc: None,
};

pub static UID_MAPPINGS_IDMAP_OPTION: Rule = Rule {
    id: "config.mounts.uidMappings.idmap_option",
    level: Level::Warning,
    requirements: &["config.mounts.uidMappings.idmap_option"],
    summary: "a mount with uidMappings has the idmap or ridmap option",
    scope: Scope::Config,
    check: Some(check_uid_idmap_option),
    doc: None,
};

pub static GID_MAPPINGS_IDMAP_OPTION: Rule = Rule {
    id: "config.mounts.gidMappings.idmap_option",
    level: Level::Warning,
    requirements: &["config.mounts.gidMappings.idmap_option"],
    summary: "a mount with gidMappings has the idmap or ridmap option",
    scope: Scope::Config,
    check: Some(check_gid_idmap_option),
    doc: None,
};

pub static DEFAULT_FILESYSTEMS: Rule = Rule {
    id: "config.linux.default_filesystems",
    level: Level::Warning,
    requirements: &["config.linux.default_filesystems"],
    summary: "a Linux container with its own mount namespace mounts /proc (proc), /sys (sysfs), \
              /dev/pts (devpts) and /dev/shm (tmpfs)",
    scope: Scope::Config,
    check: Some(check_default_filesystems),
    doc: None,
};

pub static OPTIONS_KNOWN: Rule = Rule {
    id: "lint.mounts.options.known",
    level: Level::Info,
    requirements: &[],
    summary: "each mount option is one of the spec's Linux mount options, a well-known \
              filesystem-specific flag, or a key=value data option",
    scope: Scope::Config,
    check: Some(check_options_known),
    doc: Some(("config.md", "Linux mount options")),
};

/// The option strings of the spec's table (config.md, "Linux mount options"), in table order.
pub const SPEC_OPTIONS: &[&str] = &[
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "rnoatime",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
    "idmap",
    "ridmap",
];

/// Flag options (no `=`) outside the spec's table that are well known: filesystem-specific
/// flags passed to mount(2) as data, and custom options of common runtimes.
const FILESYSTEM_FLAGS: &[&str] = &[
    // devpts
    "newinstance",
    // tmpfs
    "noswap",
    "inode32",
    "inode64",
    "quota",
    "usrquota",
    "grpquota",
    // cgroup2
    "nsdelegate",
    "favordynmods",
    "memory_localevents",
    "memory_recursiveprot",
    "memory_hugetlb_accounting",
    "pids_localevents",
    // cgroup v1: controllers and flags
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "net_prio",
    "blkio",
    "perf_event",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
    "none",
    "noprefix",
    "xattr",
    "clone_children",
    "cpuset_v2_mode",
    // overlay
    "userxattr",
    "volatile",
    // common disk filesystems
    "acl",
    "noacl",
    "user_xattr",
    "nouser_xattr",
    "discard",
    "nodiscard",
    "barrier",
    "nobarrier",
    "norecovery",
    // fuse
    "allow_other",
    "default_permissions",
    // nfs
    "hard",
    "soft",
    // custom options of crun
    "copy-symlink",
    "src-nofollow",
    "dest-nofollow",
];

/// The paths and types of config-linux.md "Default Filesystems".
const DEFAULTS: &[(&str, &str)] = &[
    ("/proc", "proc"),
    ("/sys", "sysfs"),
    ("/dev/pts", "devpts"),
    ("/dev/shm", "tmpfs"),
];

fn is_absolute(p: &str) -> bool {
    p.starts_with('/')
}

/// "Linux: This value SHOULD be an absolute path." Relative paths are read relative to "/" and
/// are deprecated; before 1.2.0 the spec required an absolute path.
fn check_destination_absolute(ctx: &Ctx, out: &mut Vec<Finding>) {
    if targets_other_platform(ctx) {
        return; // other platforms' destination rules are not in the (Linux) requirement table
    }
    for (i, mount) in ctx.array("/mounts").iter().enumerate() {
        let Some(dest) = mount.get("destination").and_then(Value::as_str) else {
            continue;
        };
        if is_absolute(dest) {
            continue;
        }
        let mut message = format!(
            "mount destination {} is a relative path; runtimes read it relative to \"/\", but \
             relative destinations are deprecated",
            quoted(dest)
        );
        if !super::text::claims_at_least(ctx, (1, 2, 0)) {
            message.push_str(
                " (and the release this config claims, before 1.2.0, required an absolute path)",
            );
        }
        out.push(
            Finding::new(
                &DESTINATION_ABSOLUTE,
                format!("/mounts/{i}/destination"),
                message,
            )
            .expected("an absolute path (starting with /)")
            .observed(quoted(dest))
            .hint(format!("write \"/{}\"", dest.trim_start_matches("./"))),
        );
    }
}

/// Whether the container gets a user namespace (`linux.namespaces` has type `user`).
fn has_user_namespace(ctx: &Ctx) -> bool {
    ctx.array("/linux/namespaces")
        .iter()
        .any(|ns| ns.get("type").and_then(Value::as_str) == Some("user"))
}

/// Whether the mount gives mappings in `key`: present and not an empty array. A value of the
/// wrong type counts as given (the schema reports the type).
fn has_mappings(mount: &Value, key: &str) -> bool {
    match mount.get(key) {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

/// `idmap`/`ridmap`: "If there are no uidMappings and gidMappings specified and the container
/// isn't using user namespaces, an error MUST be returned."
fn check_no_mapping(ctx: &Ctx, out: &mut Vec<Finding>, rule: &'static Rule, option: &str) {
    if has_user_namespace(ctx) {
        return;
    }
    for (i, mount) in ctx.array("/mounts").iter().enumerate() {
        if has_mappings(mount, "uidMappings") || has_mappings(mount, "gidMappings") {
            continue;
        }
        for (j, opt) in string_options(mount) {
            if opt != option {
                continue;
            }
            out.push(
                Finding::new(
                    rule,
                    format!("/mounts/{i}/options/{j}"),
                    format!(
                        "the mount has the {option} option but neither uidMappings nor \
                         gidMappings, and the container has no user namespace whose mapping the \
                         runtime could use; the runtime must fail"
                    ),
                )
                .expected(format!(
                    "uidMappings and gidMappings on the mount, or a user namespace in \
                     linux.namespaces, with {option}"
                ))
                .observed(format!("{option} with no mapping and no user namespace"))
                .hint("add uidMappings and gidMappings to the mount, or a \"user\" namespace with linux.uidMappings/gidMappings"),
            );
        }
    }
}

fn check_idmap_no_mapping(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_no_mapping(ctx, out, &IDMAP_NO_MAPPING, "idmap");
}

fn check_ridmap_no_mapping(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_no_mapping(ctx, out, &RIDMAP_NO_MAPPING, "ridmap");
}

/// "If specified, the options field of the mounts structure SHOULD contain either idmap or
/// ridmap ..."
fn check_idmap_option(ctx: &Ctx, out: &mut Vec<Finding>, rule: &'static Rule, key: &str) {
    for (i, mount) in ctx.array("/mounts").iter().enumerate() {
        if mount.get(key).is_none() {
            continue;
        }
        let opts: Vec<&str> = string_options(mount).map(|(_, o)| o).collect();
        if opts.iter().any(|o| *o == "idmap" || *o == "ridmap") {
            continue;
        }
        let recursive = opts.contains(&"rbind");
        out.push(
            Finding::new(
                rule,
                format!("/mounts/{i}/{key}"),
                format!(
                    "the mount has {key} but neither the idmap nor the ridmap option; the option \
                     says whether the mapping applies recursively, and keeps older runtimes from \
                     silently ignoring {key}"
                ),
            )
            .expected(format!(
                "\"idmap\" or \"ridmap\" in options alongside {key}"
            ))
            .observed(if opts.is_empty() {
                "no options".to_string()
            } else {
                format!(
                    "options [{}]",
                    opts.iter()
                        .map(|o| quoted(o))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .hint(if recursive {
                "add \"ridmap\" to options (the mount is an rbind mount)"
            } else {
                "add \"idmap\" to options"
            }),
        );
    }
}

fn check_uid_idmap_option(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_idmap_option(ctx, out, &UID_MAPPINGS_IDMAP_OPTION, "uidMappings");
}

fn check_gid_idmap_option(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_idmap_option(ctx, out, &GID_MAPPINGS_IDMAP_OPTION, "gidMappings");
}

/// The string items of a mount's `options`, with their indices (other items are the schema's
/// business).
fn string_options(mount: &Value) -> impl Iterator<Item = (usize, &str)> {
    let opts = match mount.get("options") {
        Some(Value::Array(a)) => a.as_slice(),
        _ => &[],
    };
    opts.iter()
        .enumerate()
        .filter_map(|(j, o)| o.as_str().map(|o| (j, o)))
}

/// Whether a destination is `path` (one of `DEFAULTS`: absolute, no `.` component, no repeated
/// or trailing slash) once `.` components and repeated or trailing slashes are dropped
/// (relative destinations are relative to "/").
fn is_path(dest: &str, path: &str) -> bool {
    dest.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .eq(path.split('/').filter(|c| !c.is_empty()))
}

fn is_bind(mount: &Value) -> bool {
    mount
        .get("options")
        .and_then(Value::as_array)
        .is_some_and(|o| {
            o.iter()
                .any(|v| matches!(v.as_str(), Some("bind") | Some("rbind")))
        })
}

/// "The following filesystems SHOULD be made available in each container's filesystem: /proc
/// (proc), /sys (sysfs), /dev/pts (devpts), /dev/shm (tmpfs)". Checked for Linux configs whose
/// container gets its own mount namespace (otherwise it sees the runtime's filesystems). A bind
/// mount at the path counts: it makes an existing mount of that type available.
fn check_default_filesystems(ctx: &Ctx, out: &mut Vec<Finding>) {
    let own_mount_ns = ctx.array("/linux/namespaces").iter().any(|ns| {
        ns.get("type").and_then(Value::as_str) == Some("mount") && ns.get("path").is_none()
    });
    if !own_mount_ns {
        return;
    }
    let mounts = ctx.array("/mounts");
    for (path, fstype) in DEFAULTS {
        let at_path: Vec<(usize, &Value)> = mounts
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.get("destination")
                    .and_then(Value::as_str)
                    .is_some_and(|d| is_path(d, path))
            })
            .collect();
        if at_path
            .iter()
            .any(|(_, m)| is_bind(m) || m.get("type").and_then(Value::as_str) == Some(fstype))
        {
            continue;
        }
        // A mount at the path with another (or no) type: point at it.
        if let Some(&(i, m)) = at_path.last() {
            let observed = match m.get("type") {
                Some(Value::String(t)) => format!("type {}", quoted(t)),
                Some(_) => continue, // wrong JSON type: the schema reports it
                None => "no type".to_string(),
            };
            let pointer = if m.get("type").is_some() {
                format!("/mounts/{i}/type")
            } else {
                format!("/mounts/{i}")
            };
            out.push(
                Finding::new(
                    &DEFAULT_FILESYSTEMS,
                    pointer,
                    format!(
                        "the mount at {path} is not a {fstype} filesystem; Linux programs \
                         expect {fstype} at {path}"
                    ),
                )
                .expected(format!(
                    "a mount of type \"{fstype}\" (or a bind mount) at {path}"
                ))
                .observed(observed)
                .hint(format!("set the mount's type to \"{fstype}\"")),
            );
            continue;
        }
        out.push(
            Finding::new(
                &DEFAULT_FILESYSTEMS,
                "/mounts",
                format!(
                    "no mount provides {path} ({fstype}); the container gets its own mount \
                     namespace, and Linux programs expect {fstype} at {path}"
                ),
            )
            .expected(format!("a mount with destination {path} and type \"{fstype}\""))
            .observed(format!("no mount at {path}"))
            .hint(format!(
                "add {{\"destination\": \"{path}\", \"type\": \"{fstype}\", \"source\": \"{}\"}} to mounts",
                match *fstype {
                    "tmpfs" => "shm",
                    other => other,
                }
            )),
        );
    }
}

/// Whether an option string is known: the spec's table, a well-known filesystem flag, or a
/// `key=value` data option.
pub fn option_known(opt: &str) -> bool {
    SPEC_OPTIONS.contains(&opt)
        || FILESYSTEM_FLAGS.contains(&opt)
        || opt.split_once('=').is_some_and(|(k, _)| !k.is_empty())
}

/// Unknown flags are not errors (runtimes pass unknown options to the filesystem as data), but
/// they are often misspellings of a table option.
fn check_options_known(ctx: &Ctx, out: &mut Vec<Finding>) {
    if targets_other_platform(ctx) {
        return; // the table is Linux's; other platforms have their own option syntax
    }
    for (i, mount) in ctx.array("/mounts").iter().enumerate() {
        for (j, opt) in string_options(mount) {
            if option_known(opt) {
                continue;
            }
            let mut f = Finding::new(
                &OPTIONS_KNOWN,
                format!("/mounts/{i}/options/{j}"),
                format!(
                    "mount option {} is neither in the spec's table of Linux mount options nor \
                     a key=value option; a runtime passes unknown options to the filesystem as \
                     data, where mount(2) may reject them",
                    quoted(opt)
                ),
            )
            .expected(
                "an option of the spec's table (e.g. nosuid, rbind, ro) or a filesystem option",
            )
            .observed(quoted(opt));
            if let Some(s) = suggest(opt, SPEC_OPTIONS.iter().chain(FILESYSTEM_FLAGS).copied()) {
                f = f.hint(format!("did you mean \"{s}\"?"));
            }
            out.push(f);
        }
    }
}

pub static RULES: &[&Rule] = &[
    &DESTINATION_ABSOLUTE,
    &IDMAP_NO_MAPPING,
    &RIDMAP_NO_MAPPING,
    &UID_MAPPINGS_IDMAP_OPTION,
    &GID_MAPPINGS_IDMAP_OPTION,
    &DEFAULT_FILESYSTEMS,
    &OPTIONS_KNOWN,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirements;
    use serde_json::json;

    fn run(rule: &Rule, config: Value) -> Vec<String> {
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out.iter().map(|f| f.pointer.clone()).collect()
    }

    #[test]
    fn spec_options_match_the_requirement_table() {
        let mut from_table: Vec<&str> = requirements::all()
            .iter()
            .filter_map(|r| r.id.strip_prefix("config.mounts.options.linux."))
            .filter(|rest| !rest.contains('.'))
            .filter(|rest| !matches!(*rest, "custom" | "custom_follow_mount8" | "unknown_as_data"))
            .collect();
        from_table.sort_unstable();
        let mut ours = SPEC_OPTIONS.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, from_table);
    }

    #[test]
    fn option_parsing() {
        for ok in [
            "nosuid",
            "rbind",
            "newinstance",
            "ptmxmode=0666",
            "mode=620",
            "gid=5",
            "mode=1777",
            "size=65536k",
            "strictatime",
            "idmap",
            "context=\"system_u:object_r:container_file_t:s0\"",
            "lowerdir=/a:/b",
            "x=",
        ] {
            assert!(option_known(ok), "{ok}");
        }
        for unknown in ["nosiud", "readonly", "=5", "", "RO", "bind,ro"] {
            assert!(!option_known(unknown), "{unknown}");
        }
    }

    #[test]
    fn unknown_options_get_suggestions() {
        let config =
            json!({"mounts": [{"destination": "/x", "options": ["nosiud", "readonly", 5]}]});
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        check_options_known(&ctx, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].pointer, "/mounts/0/options/0");
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"nosuid\"?"));
        assert_eq!(out[1].hint, None);
    }

    #[test]
    fn idmap_needs_mappings_or_user_namespace() {
        let m = |extra: Value| {
            let mut mount =
                json!({"destination": "/d", "source": "/s", "options": ["rbind", "idmap"]});
            mount
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            mount
        };
        let no = json!({"mounts": [m(json!({}))]});
        assert_eq!(run(&IDMAP_NO_MAPPING, no), ["/mounts/0/options/1"]);
        let empty = json!({"mounts": [m(json!({"uidMappings": [], "gidMappings": []}))]});
        assert_eq!(run(&IDMAP_NO_MAPPING, empty), ["/mounts/0/options/1"]);
        let mapped = json!({"mounts": [m(json!({
            "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
            "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]
        }))]});
        assert!(run(&IDMAP_NO_MAPPING, mapped).is_empty());
        let userns = json!({"mounts": [m(json!({}))], "linux": {"namespaces": [{"type": "user"}]}});
        assert!(run(&IDMAP_NO_MAPPING, userns).is_empty());
        assert!(run(&RIDMAP_NO_MAPPING, json!({"mounts": [m(json!({}))]})).is_empty());
    }

    #[test]
    fn default_filesystems_accept_binds_and_normalized_paths() {
        let ns = json!({"namespaces": [{"type": "mount"}]});
        let all = json!({"linux": ns, "mounts": [
            {"destination": "/proc", "type": "proc"},
            {"destination": "/sys/", "type": "none", "options": ["rbind"]},
            {"destination": "dev/pts", "type": "devpts"},
            {"destination": "/dev/shm", "type": "tmpfs"}
        ]});
        assert!(run(&DEFAULT_FILESYSTEMS, all).is_empty());
        let wrong = json!({"linux": ns, "mounts": [
            {"destination": "/proc", "type": "proc"},
            {"destination": "/sys", "type": "sysfs"},
            {"destination": "/dev/pts", "type": "devpts"},
            {"destination": "/dev/shm", "type": "shm"}
        ]});
        assert_eq!(run(&DEFAULT_FILESYSTEMS, wrong), ["/mounts/3/type"]);
        let none = json!({"linux": ns});
        assert_eq!(run(&DEFAULT_FILESYSTEMS, none).len(), 4);
        // No mount namespace of its own: the container sees the runtime's filesystems.
        assert!(run(&DEFAULT_FILESYSTEMS, json!({"linux": {}})).is_empty());
        let joined =
            json!({"linux": {"namespaces": [{"type": "mount", "path": "/proc/1/ns/mnt"}]}});
        assert!(run(&DEFAULT_FILESYSTEMS, joined).is_empty());
    }

    #[test]
    fn is_path_is_equality_after_normalizing() {
        // The plain way: normalize, then compare.
        let normalize = |dest: &str| {
            let parts: Vec<&str> = dest
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect();
            format!("/{}", parts.join("/"))
        };
        for dest in [
            "/proc",
            "proc",
            "/proc/",
            "//proc",
            "/./proc/.",
            "./proc",
            "/proc/x",
            "/pro",
            "/",
            "",
            ".",
            "/dev/pts",
            "dev//pts/",
            "/dev/./pts",
            "/dev/pts/..",
            "/dev/shm",
            "/sys",
            "/sys/.",
            "sys/fs",
            "/dev",
            "/DEV/PTS",
        ] {
            for (path, _) in DEFAULTS {
                assert_eq!(
                    is_path(dest, path),
                    normalize(dest) == *path,
                    "{dest} {path}"
                );
            }
        }
    }

    #[test]
    fn relative_destinations() {
        let c = json!({"ociVersion": "1.3.0", "mounts": [{"destination": "data"}, {"destination": "/ok"}, {"destination": 5}]});
        assert_eq!(run(&DESTINATION_ABSOLUTE, c), ["/mounts/0/destination"]);
    }
}
