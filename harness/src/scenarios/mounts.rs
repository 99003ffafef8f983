//! Mounts, the Linux default filesystems and devices, `linux.devices`, rootfsPropagation,
//! mountLabel, maskedPaths, readonlyPaths, sysctl.
//!
//! The Linux mount options (config.md "Linux mount options") are one table, [`OPTIONS`]: each
//! row adds one mount (at [`DEST`], index [`INDEX`] of `mounts`) whose last option is the one
//! under test, and says what the probe's mountinfo entry (or entries, for recursive options)
//! must then show. Options whose effect the kernel does not show are checked as "implemented
//! as a mount flag": the mount is made (a runtime passing them to the filesystem as data gets
//! an error from tmpfs, which knows no such parameter).

use super::{footprint_empty, must_error};
use crate::bundle::Config;
use crate::scenario::{
    ensure, expect_same, expect_subset, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use oci_probe::{MountEntry, Report};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

/// Where the mount under test goes, and its index in `mounts` (after the base config's six).
pub const DEST: &str = "/mnt/oci-opt";
pub const INDEX: usize = 6;
const SUB: &str = "/mnt/oci-opt/sub";

/// How the mount under test is made.
#[derive(Clone, Copy)]
enum Src {
    /// A fresh tmpfs.
    Tmpfs,
    /// A bind of a host tmpfs (inside the bundle) with a tmpfs submount `sub`; both with these
    /// per-mount options on the host (`""` for none), and made rshared there when `shared`.
    Host { opts: &'static str, shared: bool },
}

/// What the probe must see.
#[derive(Clone, Copy)]
enum Expect {
    /// The per-mount option is shown.
    Has(&'static str),
    /// The per-mount option is not shown.
    Lacks(&'static str),
    /// Neither `relatime` nor `noatime`: strict atime updates.
    Strict,
    /// The superblock option is shown.
    Super(&'static str),
    /// The superblock option is not shown.
    NoSuper(&'static str),
    /// Propagation: `shared` (a peer group), `slave` (a master and no peer group), `private`
    /// (neither), `unbindable`.
    Prop(&'static str),
    /// The mount is made; the kernel shows nothing of the option.
    Accepted,
    /// The bind carries the source's submount (`rbind`) or not (`bind`).
    Submount(bool),
}

struct Opt {
    name: &'static str,
    title: &'static str,
    req: &'static [&'static str],
    src: Src,
    /// The mount's options; the last one is under test.
    options: &'static [&'static str],
    expect: Expect,
    /// The expectation holds for the submount too.
    recursive: bool,
}

const TMP: Src = Src::Tmpfs;
const fn host(opts: &'static str) -> Src {
    Src::Host {
        opts,
        shared: false,
    }
}
const SHARED: Src = Src::Host {
    opts: "",
    shared: true,
};

macro_rules! opt {
    ($name:literal, $title:literal, $req:literal, $src:expr, [$($o:literal),*], $expect:expr, $rec:expr) => {
        Opt {
            name: concat!("mounts::option_", $name),
            title: $title,
            req: &[$req],
            src: $src,
            options: &[$($o),*],
            expect: $expect,
            recursive: $rec,
        }
    };
}

use Expect::*;

/// One row per option of the spec's table (config.md "Linux mount options"). The v1.3.0 table
/// has no `rnodev` (runc lists it in its features), and describes `rexec` as "Recursive `dev`":
/// checked here as the recursive `exec` its name says.
const OPTIONS: &[Opt] = &[
    opt!("ro_makes_the_mount_read_only", "`ro`: the mount is read-only", "config.mounts.options.linux.ro", TMP, ["ro"], Has("ro"), false),
    opt!("rw_after_ro_makes_the_mount_read_write", "`rw`: the mount is read-write (the later of `ro`, `rw` wins, as in mount(8))", "config.mounts.options.linux.rw", TMP, ["ro", "rw"], Has("rw"), false),
    opt!("nosuid_is_applied", "`nosuid`: set-user/group-ID bits are ignored on the mount", "config.mounts.options.linux.nosuid", TMP, ["nosuid"], Has("nosuid"), false),
    opt!("suid_after_nosuid_clears_it", "`suid`: the opposite of `nosuid`", "config.mounts.options.linux.suid", TMP, ["nosuid", "suid"], Lacks("nosuid"), false),
    opt!("nodev_is_applied", "`nodev`: device files on the mount cannot be used", "config.mounts.options.linux.nodev", TMP, ["nodev"], Has("nodev"), false),
    opt!("dev_after_nodev_clears_it", "`dev`: the opposite of `nodev`", "config.mounts.options.linux.dev", TMP, ["nodev", "dev"], Lacks("nodev"), false),
    opt!("noexec_is_applied", "`noexec`: programs on the mount cannot be executed", "config.mounts.options.linux.noexec", TMP, ["noexec"], Has("noexec"), false),
    opt!("exec_after_noexec_clears_it", "`exec`: the opposite of `noexec`", "config.mounts.options.linux.exec", TMP, ["noexec", "exec"], Lacks("noexec"), false),
    opt!("noatime_is_applied", "`noatime`: access times are not updated", "config.mounts.options.linux.noatime", TMP, ["noatime"], Has("noatime"), false),
    opt!("atime_after_noatime_clears_it", "`atime`: the opposite of `noatime`", "config.mounts.options.linux.atime", TMP, ["noatime", "atime"], Lacks("noatime"), false),
    opt!("nodiratime_is_applied", "`nodiratime`: directory access times are not updated", "config.mounts.options.linux.nodiratime", TMP, ["nodiratime"], Has("nodiratime"), false),
    opt!("diratime_after_nodiratime_clears_it", "`diratime`: the opposite of `nodiratime`", "config.mounts.options.linux.diratime", TMP, ["nodiratime", "diratime"], Lacks("nodiratime"), false),
    opt!("strictatime_is_applied", "`strictatime`: access times are always updated", "config.mounts.options.linux.strictatime", TMP, ["strictatime"], Strict, false),
    opt!("nostrictatime_after_strictatime_clears_it", "`nostrictatime`: the opposite of `strictatime` (relatime is the kernel default)", "config.mounts.options.linux.nostrictatime", TMP, ["strictatime", "nostrictatime"], Has("relatime"), false),
    opt!("relatime_on_a_noatime_bind_is_applied", "`relatime`: access times are updated relative to modify or change time", "config.mounts.options.linux.relatime", host("noatime"), ["bind", "relatime"], Has("relatime"), false),
    opt!("norelatime_is_a_mount_flag", "`norelatime`: the opposite of `relatime` (the mount is made; the kernel shows no trace of it)", "config.mounts.options.linux.norelatime", TMP, ["norelatime"], Accepted, false),
    opt!("sync_is_applied", "`sync`: I/O to the filesystem is synchronous", "config.mounts.options.linux.sync", TMP, ["sync"], Super("sync"), false),
    opt!("async_after_sync_clears_it", "`async`: the opposite of `sync`", "config.mounts.options.linux.async", TMP, ["sync", "async"], NoSuper("sync"), false),
    opt!("dirsync_is_applied", "`dirsync`: directory updates are synchronous", "config.mounts.options.linux.dirsync", TMP, ["dirsync"], Super("dirsync"), false),
    opt!("lazytime_is_applied", "`lazytime`: inode times are kept in memory only", "config.mounts.options.linux.lazytime", TMP, ["lazytime"], Super("lazytime"), false),
    opt!("nolazytime_after_lazytime_clears_it", "`nolazytime`: the opposite of `lazytime`", "config.mounts.options.linux.nolazytime", TMP, ["lazytime", "nolazytime"], NoSuper("lazytime"), false),
    opt!("iversion_is_a_mount_flag", "`iversion`: i_version updates (the mount is made; the kernel shows no trace of it)", "config.mounts.options.linux.iversion", TMP, ["iversion"], Accepted, false),
    opt!("noiversion_is_a_mount_flag", "`noiversion`: the opposite of `iversion` (the mount is made)", "config.mounts.options.linux.noiversion", TMP, ["noiversion"], Accepted, false),
    opt!("silent_is_a_mount_flag", "`silent`: fewer kernel messages (the mount is made; not passed to the filesystem)", "config.mounts.options.linux.silent", TMP, ["silent"], Accepted, false),
    opt!("loud_is_a_mount_flag", "`loud`: the opposite of `silent` (the mount is made)", "config.mounts.options.linux.loud", TMP, ["loud"], Accepted, false),
    opt!("defaults_is_accepted", "`defaults`: the default options (the mount is made as without it)", "config.mounts.options.linux.defaults", TMP, ["defaults"], Accepted, false),
    opt!("nosymfollow_is_applied", "`nosymfollow`: symlinks on the mount are not followed", "config.mounts.options.linux.nosymfollow", TMP, ["nosymfollow"], Has("nosymfollow"), false),
    opt!("symfollow_after_nosymfollow_clears_it", "`symfollow`: the opposite of `nosymfollow`", "config.mounts.options.linux.symfollow", TMP, ["nosymfollow", "symfollow"], Lacks("nosymfollow"), false),
    opt!("bind_does_not_carry_submounts", "`bind`: a bind mount, without the source's submounts", "config.mounts.options.linux.bind", host(""), ["bind"], Submount(false), false),
    opt!("rbind_carries_submounts", "`rbind`: a recursive bind mount, with the source's submounts", "config.mounts.options.linux.rbind", host(""), ["rbind"], Submount(true), false),
    opt!("shared_makes_a_peer_group", "`shared`: the mount's propagation is shared", "config.mounts.options.linux.shared", TMP, ["shared"], Prop("shared"), false),
    opt!("private_ends_propagation", "`private`: the mount's propagation is private", "config.mounts.options.linux.private", SHARED, ["bind", "private"], Prop("private"), false),
    opt!("slave_after_shared_keeps_only_the_master", "`slave`: the mount receives propagation but does not send it", "config.mounts.options.linux.slave", SHARED, ["bind", "shared", "slave"], Prop("slave"), false),
    opt!("unbindable_is_applied", "`unbindable`: the mount cannot be bind-mounted", "config.mounts.options.linux.unbindable", TMP, ["unbindable"], Prop("unbindable"), false),
    opt!("rshared_applies_to_submounts", "`rshared`: shared propagation, recursively", "config.mounts.options.linux.rshared", SHARED, ["rbind", "rshared"], Prop("shared"), true),
    opt!("rprivate_applies_to_submounts", "`rprivate`: private propagation, recursively", "config.mounts.options.linux.rprivate", SHARED, ["rbind", "rprivate"], Prop("private"), true),
    opt!("rslave_applies_to_submounts", "`rslave`: slave propagation, recursively", "config.mounts.options.linux.rslave", SHARED, ["rbind", "rshared", "rslave"], Prop("slave"), true),
    opt!("runbindable_applies_to_submounts", "`runbindable`: unbindable, recursively", "config.mounts.options.linux.runbindable", SHARED, ["rbind", "runbindable"], Prop("unbindable"), true),
    opt!("rro_applies_to_submounts", "`rro`: read-only, recursively", "config.mounts.options.linux.rro", host(""), ["rbind", "rro"], Has("ro"), true),
    opt!("rrw_applies_to_submounts", "`rrw`: read-write, recursively", "config.mounts.options.linux.rrw", host("ro"), ["rbind", "rrw"], Has("rw"), true),
    opt!("rnosuid_applies_to_submounts", "`rnosuid`: nosuid, recursively", "config.mounts.options.linux.rnosuid", host(""), ["rbind", "rnosuid"], Has("nosuid"), true),
    opt!("rsuid_applies_to_submounts", "`rsuid`: suid, recursively", "config.mounts.options.linux.rsuid", host("nosuid"), ["rbind", "rsuid"], Lacks("nosuid"), true),
    opt!("rdev_applies_to_submounts", "`rdev`: dev, recursively", "config.mounts.options.linux.rdev", host("nodev"), ["rbind", "rdev"], Lacks("nodev"), true),
    opt!("rnoexec_applies_to_submounts", "`rnoexec`: noexec, recursively", "config.mounts.options.linux.rnoexec", host(""), ["rbind", "rnoexec"], Has("noexec"), true),
    opt!("rexec_applies_to_submounts", "`rexec`: exec, recursively", "config.mounts.options.linux.rexec", host("noexec"), ["rbind", "rexec"], Lacks("noexec"), true),
    opt!("rnoatime_applies_to_submounts", "`rnoatime`: noatime, recursively", "config.mounts.options.linux.rnoatime", host(""), ["rbind", "rnoatime"], Has("noatime"), true),
    opt!("ratime_applies_to_submounts", "`ratime`: atime, recursively", "config.mounts.options.linux.ratime", host("noatime"), ["rbind", "ratime"], Lacks("noatime"), true),
    opt!("rnodiratime_applies_to_submounts", "`rnodiratime`: nodiratime, recursively", "config.mounts.options.linux.rnodiratime", host(""), ["rbind", "rnodiratime"], Has("nodiratime"), true),
    opt!("rdiratime_applies_to_submounts", "`rdiratime`: diratime, recursively", "config.mounts.options.linux.rdiratime", host("nodiratime"), ["rbind", "rdiratime"], Lacks("nodiratime"), true),
    opt!("rrelatime_applies_to_submounts", "`rrelatime`: relatime, recursively", "config.mounts.options.linux.rrelatime", host("noatime"), ["rbind", "rrelatime"], Has("relatime"), true),
    opt!("rnorelatime_is_a_mount_flag", "`rnorelatime`: norelatime, recursively (the mount is made)", "config.mounts.options.linux.rnorelatime", host(""), ["rbind", "rnorelatime"], Accepted, true),
    opt!("rstrictatime_applies_to_submounts", "`rstrictatime`: strictatime, recursively", "config.mounts.options.linux.rstrictatime", host(""), ["rbind", "rstrictatime"], Strict, true),
    opt!("rnostrictatime_is_a_mount_flag", "`rnostrictatime`: nostrictatime, recursively (the mount is made)", "config.mounts.options.linux.rnostrictatime", host("strictatime"), ["rbind", "rnostrictatime"], Accepted, true),
    opt!("rnosymfollow_applies_to_submounts", "`rnosymfollow`: nosymfollow, recursively", "config.mounts.options.linux.rnosymfollow", host(""), ["rbind", "rnosymfollow"], Has("nosymfollow"), true),
    opt!("rsymfollow_applies_to_submounts", "`rsymfollow`: symfollow, recursively", "config.mounts.options.linux.rsymfollow", host("nosymfollow"), ["rbind", "rsymfollow"], Lacks("nosymfollow"), true),
];

/// The spec release that introduced a requirement of this module, when later than v1.0.0 and
/// not yet in `crate::since` (kept here until it is).
fn local_since(req: &str) -> Option<&'static str> {
    if req.starts_with("config.mounts.options.linux.idmap")
        || req.starts_with("config.mounts.options.linux.ridmap")
        || req == "config.mounts.destination.relative_to_root"
    {
        Some("1.2.0")
    } else if req.starts_with("config.mounts.options.linux.") || req.starts_with("features.") {
        Some("1.1.0")
    } else {
        None
    }
}

/// SKIP when the runtime claims a spec release older than the one that introduced `req`.
fn requires_release(ctx: &mut Ctx, req: &str) -> Check {
    let Some(since) = local_since(req) else {
        return Ok(());
    };
    let since = semver::Version::parse(since).expect("a version");
    let (claimed, source) = &ctx.suite.claimed;
    if crate::since::holds(claimed, &since) {
        ctx.notes.push(format!(
            "{req} is held to: spec v{since} introduced it and the runtime claims {claimed} ({source})"
        ));
        Ok(())
    } else {
        Err(skip(format!(
            "{req} was introduced by spec v{since}; the runtime claims {claimed} ({source})"
        )))
    }
}

pub fn scenarios() -> Vec<Scenario> {
    let mut all: Vec<Scenario> = OPTIONS
        .iter()
        .map(|o| Scenario {
            name: o.name,
            title: o.title,
            requirements: o.req,
            run: option_is_applied,
        })
        .collect();
    all.extend(ROOT_PROPAGATION.iter().map(|r| Scenario {
        name: r.name,
        title: r.title,
        requirements: &[
            "runtime.ops.create.apply_all_but_process",
            "runtime.lifecycle.create.env_per_config",
        ],
        run: rootfs_propagation_is_applied,
    }));
    all.extend([
        Scenario {
            name: "mounts::relative_bind_source_is_relative_to_the_bundle",
            title: "A relative bind-mount source is a path relative to the bundle (config.md: \"Path values for bind mounts are either absolute or relative to the bundle\")",
            requirements: &[
                "runtime.ops.create.apply_all_but_process",
                "runtime.lifecycle.create.env_per_config",
            ],
            run: relative_bind_source_is_relative_to_the_bundle,
        },
        Scenario {
            name: "mounts::remount_changes_an_existing_mount",
            title: "`remount`: a mount entry with `remount` changes the mount already at its destination",
            requirements: &["config.mounts.options.linux.remount"],
            run: remount_changes_an_existing_mount,
        },
        Scenario {
            name: "mounts::entries_are_mounted_in_the_listed_order",
            title: "The runtime MUST mount entries in the listed order (a later mount covers an earlier one)",
            requirements: &["config.mounts.order"],
            run: entries_are_mounted_in_the_listed_order,
        },
        Scenario {
            name: "mounts::relative_destination_is_relative_to_root",
            title: "A relative mount destination MUST be interpreted as relative to \"/\"",
            requirements: &["config.mounts.destination.relative_to_root"],
            run: relative_destination_is_relative_to_root,
        },
        Scenario {
            name: "mounts::unknown_options_are_passed_as_filesystem_data",
            title: "Runtimes SHOULD pass unknown options to mount(2) as the fifth (data) argument",
            requirements: &["config.mounts.options.linux.unknown_as_data"],
            run: unknown_options_are_passed_as_filesystem_data,
        },
        Scenario {
            name: "mounts::mount8_userspace_options_follow_mount8",
            title: "Options mount(8) already recognizes SHOULD behave as with mount(8): `nofail`, `noauto` do not reach the filesystem",
            requirements: &["config.mounts.options.linux.custom_follow_mount8"],
            run: mount8_userspace_options_follow_mount8,
        },
        Scenario {
            name: "mounts::features_mount_options_are_recognized",
            title: "The runtime MUST recognize the elements of features.mountOptions as mount options",
            requirements: &["features.mountOptions.recognized"],
            run: features_mount_options_are_recognized,
        },
        Scenario {
            name: "mounts::features_mount_options_are_not_filesystem_specific",
            title: "features.mountOptions SHOULD NOT contain filesystem-specific (data) mount options",
            requirements: &["features.mountOptions.no_fs_specific"],
            run: features_mount_options_are_not_filesystem_specific,
        },
        Scenario {
            name: "mounts::dev_symlinks_are_created",
            title: "Runtimes MUST create /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr symlinks",
            requirements: &["runtime.linux.dev_symlinks"],
            run: dev_symlinks_are_created,
        },
        Scenario {
            name: "mounts::default_devices_are_supplied",
            title: "The runtime MUST supply /dev/null, zero, full, random, urandom, tty and ptmx",
            requirements: &["config.linux.devices.default.supplied"],
            run: default_devices_are_supplied,
        },
        Scenario {
            name: "mounts::configured_device_is_available",
            title: "linux.devices lists devices that MUST be available in the container (type, major:minor, mode, uid, gid)",
            requirements: &["config.linux.devices.available"],
            run: configured_device_is_available,
        },
        Scenario {
            name: "mounts::device_path_conflict_is_an_error",
            title: "If a file already exists at a device's path that does not match it, the runtime MUST generate an error",
            requirements: &["config.linux.devices.path.conflict_error"],
            run: device_path_conflict_is_an_error,
        },
        Scenario {
            name: "mounts::idmap_applies_the_mount_mappings",
            title: "`idmap`: the mount MUST have an idmapping applied, with the mount's uidMappings and gidMappings",
            requirements: &[
                "config.mounts.options.linux.idmap.use_mount_mappings",
                "config.mounts.options.linux.idmap.applied",
                "config.mounts.options.linux.idmap",
                "config.mounts.options.linux.idmap.mount_setattr",
                "config.mounts.uidMappings.mount_setattr",
                "config.mounts.gidMappings.mount_setattr",
            ],
            run: idmap_applies_the_mount_mappings,
        },
        Scenario {
            name: "mounts::ridmap_applies_the_mount_mappings_recursively",
            title: "`ridmap`: the mount and its submounts MUST have the mount's idmapping applied",
            requirements: &[
                "config.mounts.options.linux.ridmap.use_mount_mappings",
                "config.mounts.options.linux.ridmap.applied",
                "config.mounts.options.linux.ridmap",
                "config.mounts.options.linux.ridmap.mount_setattr",
            ],
            run: ridmap_applies_the_mount_mappings_recursively,
        },
        Scenario {
            name: "mounts::idmap_without_any_mapping_is_an_error",
            title: "`idmap` without uidMappings/gidMappings in a container without a user namespace: an error MUST be returned",
            requirements: &[
                "config.mounts.options.linux.idmap.userns_fallback",
                "config.mounts.options.linux.idmap.error_no_mapping",
            ],
            run: idmap_without_any_mapping_is_an_error,
        },
        Scenario {
            name: "mounts::ridmap_without_any_mapping_is_an_error",
            title: "`ridmap` without uidMappings/gidMappings in a container without a user namespace: an error MUST be returned",
            requirements: &[
                "config.mounts.options.linux.ridmap.userns_fallback",
                "config.mounts.options.linux.ridmap.error_no_mapping",
            ],
            run: ridmap_without_any_mapping_is_an_error,
        },
        Scenario {
            name: "mounts::mount_label_is_applied",
            title: "linux.mountLabel: the mounts in the container get that SELinux context (context= of a tmpfs mount)",
            requirements: &[
                "runtime.ops.create.apply_all_but_process",
                "runtime.lifecycle.create.env_per_config",
            ],
            run: mount_label_is_applied,
        },
        Scenario {
            name: "mounts::masked_paths_are_masked",
            title: "linux.maskedPaths: the paths are masked over so that they cannot be read",
            requirements: &[],
            run: masked_paths_are_masked,
        },
        Scenario {
            name: "mounts::readonly_paths_are_read_only",
            title: "linux.readonlyPaths: the paths are read-only inside the container",
            requirements: &[],
            run: readonly_paths_are_read_only,
        },
        Scenario {
            name: "mounts::namespaced_sysctls_are_applied",
            title: "linux.sysctl: the kernel parameters are set for the container (net.* in its network namespace, kernel.shm* in its IPC namespace)",
            requirements: &[],
            run: namespaced_sysctls_are_applied,
        },
    ]);
    all
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[
    (
        "config.mounts.options.linux.idmap.not_passed",
        "`idmap` goes with bind mounts, and a bind mount ignores mount(2)'s data argument: whether the option was passed there leaves no trace in the container or on the host",
    ),
    (
        "config.mounts.options.linux.ridmap.not_passed",
        "`ridmap` goes with bind mounts, and a bind mount ignores mount(2)'s data argument: whether the option was passed there leaves no trace in the container or on the host",
    ),
    (
        "features.linux.mountExtensions.idmap.enabled.partial_true",
        "the case is a runtime that recognises uidMappings/gidMappings but cannot apply them on this kernel or filesystem; this kernel (6.18) supports idmapped tmpfs and bind mounts, so the case cannot be made here",
    ),
];

// --- helpers -------------------------------------------------------------------------------

/// Runs `mount ARGS` on the host.
fn host_mount(args: &[&str]) -> Result<(), Stop> {
    let out = Command::new("mount")
        .args(args)
        .output()
        .map_err(|e| fail(format!("harness: running mount {args:?}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(fail(format!(
            "harness: mount {args:?} failed on the host: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Makes `<bundle>/src`, a tmpfs with a tmpfs submount `sub`, both with per-mount `opts`
/// (made rshared when `shared`). The janitor detaches every mount under the bundle.
fn host_source(bundle: &Path, opts: &str, shared: bool) -> Result<String, Stop> {
    let src = bundle.join("src");
    let sub = src.join("sub");
    std::fs::create_dir(&src).map_err(|e| fail(format!("harness: mkdir {src:?}: {e}")))?;
    let s = src.display().to_string();
    let u = sub.display().to_string();
    host_mount(&["-t", "tmpfs", "-o", "size=64k", "oci-check-src", &s])?;
    std::fs::create_dir(&sub).map_err(|e| fail(format!("harness: mkdir {sub:?}: {e}")))?;
    host_mount(&["-t", "tmpfs", "-o", "size=64k", "oci-check-sub", &u])?;
    if !opts.is_empty() {
        for p in [&s, &u] {
            host_mount(&["-o", &format!("remount,bind,{opts}"), p])?;
        }
    }
    if shared {
        host_mount(&["--make-rshared", &s])?;
    }
    Ok(s)
}

/// As `Ctx::probe_report`, with the bundle directory given to `edit` and `prepare` (run
/// after the bundle exists, before create).
fn report_at(
    ctx: &mut Ctx,
    edit: impl FnOnce(&mut Config, &Path),
    prepare: impl FnOnce(&Path) -> Result<(), Stop>,
    args: &[&str],
) -> Result<(Container, Report), Stop> {
    let out = format!("{}/report.json", crate::bundle::OUT);
    let c = ctx.container_at(|cfg, dir| {
        let mut all = vec!["report", "--out", out.as_str()];
        all.extend_from_slice(args);
        cfg.probe_args(&all);
        edit(cfg, dir);
    })?;
    prepare(&c.bundle.dir)?;
    ctx.created(&c)?;
    let report = ctx.start_and_report(&c)?;
    Ok((c, report))
}

fn tmpfs(dest: &str, options: &[&str]) -> Value {
    json!({"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": options})
}

/// The mount a lookup of `dest` sees, or a failure saying it is missing.
fn entry<'r>(report: &'r Report, dest: &str, why: &str) -> Result<&'r MountEntry, Stop> {
    report.mount_at(dest).ok_or_else(|| {
        mismatch(
            format!("no mount at {dest} in the container's mountinfo ({why})"),
            format!("a mount at {dest}"),
            format!(
                "mount points: {:?}",
                report
                    .mounts
                    .entries
                    .iter()
                    .map(|m| m.destination.as_str())
                    .collect::<Vec<_>>()
            ),
        )
    })
}

fn propagation_kind(m: &MountEntry) -> &'static str {
    let p = &m.propagation;
    if p.unbindable {
        "unbindable"
    } else if p.shared.is_some() {
        "shared"
    } else if p.master.is_some() {
        "slave"
    } else {
        "private"
    }
}

fn atime(m: &MountEntry) -> &'static str {
    if m.options.iter().any(|o| o == "noatime") {
        "noatime"
    } else if m.options.iter().any(|o| o == "relatime") {
        "relatime"
    } else {
        "strictatime"
    }
}

/// Whether `m` shows what `expect` asks; the observed side as text.
fn judge(expect: Expect, m: &MountEntry) -> (bool, String, String) {
    let has = |o: &str| m.options.iter().any(|x| x == o);
    let sup = |o: &str| m.super_options.iter().any(|x| x == o);
    let opts = format!("per-mount options {:?}", m.options);
    match expect {
        Has(o) => (has(o), format!("per-mount options holding {o:?}"), opts),
        Lacks(o) => (!has(o), format!("per-mount options without {o:?}"), opts),
        Strict => (
            atime(m) == "strictatime",
            "neither \"relatime\" nor \"noatime\" (strict atime)".into(),
            opts,
        ),
        Super(o) => (
            sup(o),
            format!("superblock options holding {o:?}"),
            format!("superblock options {:?}", m.super_options),
        ),
        NoSuper(o) => (
            !sup(o),
            format!("superblock options without {o:?}"),
            format!("superblock options {:?}", m.super_options),
        ),
        Prop(k) => (
            propagation_kind(m) == k,
            format!("propagation {k}"),
            format!("propagation {} ({:?})", propagation_kind(m), m.propagation),
        ),
        Accepted | Submount(_) => (true, String::new(), String::new()),
    }
}

fn the_option(ctx: &Ctx) -> &'static Opt {
    OPTIONS
        .iter()
        .find(|o| o.name == ctx.scenario_name)
        .expect("a row of OPTIONS")
}

fn option_is_applied(ctx: &mut Ctx) -> Check {
    let o = the_option(ctx);
    requires_release(ctx, o.req[0])?;
    let tested = o.options.last().copied().unwrap_or_default();
    let (_c, report) = report_at(
        ctx,
        |cfg, dir| {
            let m = match o.src {
                Src::Tmpfs => tmpfs(DEST, o.options),
                Src::Host { .. } => json!({
                    "destination": DEST, "type": "none",
                    "source": dir.join("src").display().to_string(), "options": o.options}),
            };
            cfg.push("/mounts", m);
            if matches!(o.expect, Prop("slave")) {
                // Under the usual rslave rootfs every bind of a shared source is a slave
                // already: a runtime ignoring `slave` would pass. Under a shared rootfs a bind
                // of a shared source stays shared, so only an applied `slave` makes it one.
                cfg.set("/linux/rootfsPropagation", json!("shared"));
            }
        },
        |dir| match o.src {
            Src::Tmpfs => Ok(()),
            Src::Host { opts, shared } => host_source(dir, opts, shared).map(drop),
        },
        &[],
    )?;
    let why = format!("mounts[{INDEX}] with options {:?}", o.options);
    let top = entry(&report, DEST, &why)?;
    let mut targets = vec![(DEST, top)];
    match o.expect {
        Submount(want) => {
            let got = report.mount_at(SUB).is_some();
            if got != want {
                return Err(mismatch(
                    format!(
                        "`{tested}` of a source with a submount: the submount is {} at {SUB}",
                        if got { "present" } else { "missing" }
                    ),
                    format!(
                        "the submount {}",
                        if want {
                            "carried (recursive bind)"
                        } else {
                            "not carried (plain bind)"
                        }
                    ),
                    format!("mount points: {:?}", dests(&report)),
                ));
            }
            return Ok(());
        }
        Accepted => return Ok(()),
        _ => {}
    }
    if o.recursive {
        targets.push((SUB, entry(&report, SUB, "the submount of an rbind")?));
    }
    for (dest, m) in targets {
        let (ok, expected, observed) = judge(o.expect, m);
        if !ok {
            return Err(mismatch(
                format!(
                    "`{tested}` is not applied to the mount at {dest} (options {:?})",
                    o.options
                ),
                expected,
                observed,
            ));
        }
    }
    Ok(())
}

fn dests(report: &Report) -> Vec<&str> {
    report
        .mounts
        .entries
        .iter()
        .map(|m| m.destination.as_str())
        .collect()
}

fn remount_changes_an_existing_mount(ctx: &mut Ctx) -> Check {
    requires_release(ctx, "config.mounts.options.linux.remount")?;
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push("/mounts", tmpfs(DEST, &["size=64k"]));
            cfg.push("/mounts", tmpfs(DEST, &["remount", "ro"]));
        },
        &[],
    )?;
    let at: Vec<&MountEntry> = report
        .mounts
        .entries
        .iter()
        .filter(|m| m.destination == DEST)
        .collect();
    ensure(at.len() == 1, || {
        format!(
            "mounts[{}] with `remount` must change the tmpfs mounts[{INDEX}] made at {DEST}, not stack a new one: {} mounts there: {at:?}",
            INDEX + 1,
            at.len()
        )
    })?;
    let (ok, e, o) = judge(Has("ro"), at[0]);
    ensure(ok, || {
        format!("the remount with `ro` did not make the mount at {DEST} read-only: expected {e}, observed {o}")
    })
}

fn entries_are_mounted_in_the_listed_order(ctx: &mut Ctx) -> Check {
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push("/mounts", tmpfs(DEST, &["size=64k", "mode=711"]));
            cfg.push("/mounts", tmpfs(DEST, &["size=128k", "mode=755"]));
        },
        &[],
    )?;
    let seen: Vec<Vec<String>> = report
        .mounts
        .entries
        .iter()
        .filter(|m| m.destination == DEST)
        .map(|m| {
            m.super_options
                .iter()
                .filter(|o| o.starts_with("size=") || o.starts_with("mode="))
                .cloned()
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = vec![
        vec!["size=64k".into(), "mode=711".into()],
        vec!["size=128k".into(), "mode=755".into()],
    ];
    expect_same(
        &format!("the mounts at {DEST} in mountinfo order (mounts[{INDEX}] first, then mounts[{}] over it)", INDEX + 1),
        &expected,
        &seen,
    )
}

fn relative_destination_is_relative_to_root(ctx: &mut Ctx) -> Check {
    requires_release(ctx, "config.mounts.destination.relative_to_root")?;
    let rel = DEST.trim_start_matches('/');
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push("/mounts", tmpfs(rel, &["size=64k"]));
        },
        &[],
    )?;
    let m = entry(
        &report,
        DEST,
        &format!("mounts[{INDEX}] has the relative destination {rel:?}"),
    )?;
    ensure(m.fstype == "tmpfs", || {
        format!(
            "the mount at {DEST} is {} ({m:?}), not the tmpfs of destination {rel:?}",
            m.fstype
        )
    })
}

fn unknown_options_are_passed_as_filesystem_data(ctx: &mut Ctx) -> Check {
    requires_release(ctx, "config.mounts.options.linux.unknown_as_data")?;
    let data = ["size=192k", "mode=710", "nr_inodes=77"];
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push("/mounts", tmpfs(DEST, &data));
        },
        &[],
    )?;
    let m = entry(&report, DEST, "a tmpfs with filesystem-specific options")?;
    expect_subset(
        &format!("superblock options of the tmpfs at {DEST}"),
        &data.map(String::from),
        &m.super_options,
    )
}

fn mount8_userspace_options_follow_mount8(ctx: &mut Ctx) -> Check {
    requires_release(ctx, "config.mounts.options.linux.custom_follow_mount8")?;
    // mount(8) keeps these to itself (fstab and user handling): `mount -t tmpfs -o
    // nofail,noauto tmpfs DIR` mounts a tmpfs; passed to tmpfs as data they are refused.
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push("/mounts", tmpfs(DEST, &["size=64k", "nofail", "noauto"]));
        },
        &[],
    )?;
    let m = entry(
        &report,
        DEST,
        "a tmpfs with the mount(8) options nofail, noauto",
    )?;
    ensure(m.fstype == "tmpfs", || {
        format!("the mount at {DEST} is {m:?}, not a tmpfs")
    })
}

/// Mount options of features.mountOptions that a plain tmpfs takes alone.
fn tmpfs_alone(o: &str) -> bool {
    !matches!(o, "bind" | "rbind" | "remount" | "idmap" | "ridmap") && !o.contains('=')
}

fn features_mount_options(ctx: &mut Ctx, req: &str) -> Result<Vec<String>, Stop> {
    requires_release(ctx, req)?;
    let Some(list) = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.get("mountOptions"))
        .and_then(Value::as_array)
    else {
        return Err(skip("the runtime's features document has no mountOptions"));
    };
    Ok(list
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect())
}

fn features_mount_options_are_recognized(ctx: &mut Ctx) -> Check {
    let list = features_mount_options(ctx, "features.mountOptions.recognized")?;
    let opts: Vec<String> = list.into_iter().filter(|o| tmpfs_alone(o)).collect();
    let (_c, report) = ctx.probe_report(
        |cfg| {
            for (i, o) in opts.iter().enumerate() {
                cfg.push("/mounts", tmpfs(&format!("{DEST}/{i}"), &["size=64k", o]));
            }
        },
        &[],
    )?;
    let missing: Vec<&String> = opts
        .iter()
        .enumerate()
        .filter(|(i, _)| report.mount_at(&format!("{DEST}/{i}")).is_none())
        .map(|(_, o)| o)
        .collect();
    ensure(missing.is_empty(), || {
        format!("tmpfs mounts with these features.mountOptions were not made: {missing:?}")
    })
}

/// Options mount(8) documents as filesystem-specific (passed to mount(2) as data) for the
/// common filesystems; none may appear in features.mountOptions.
const FS_SPECIFIC: &[&str] = &[
    "size",
    "mode",
    "uid",
    "gid",
    "nr_inodes",
    "nr_blocks",
    "mpol",
    "huge",
    "inode64",
    "errors",
    "data",
    "barrier",
    "discard",
    "commit",
    "journal",
    "user_xattr",
    "newinstance",
    "ptmxmode",
    "gidmode",
    "upperdir",
    "lowerdir",
    "workdir",
];

fn features_mount_options_are_not_filesystem_specific(ctx: &mut Ctx) -> Check {
    let list = features_mount_options(ctx, "features.mountOptions.no_fs_specific")?;
    let bad: Vec<&String> = list
        .iter()
        .filter(|o| {
            let key = o.split('=').next().unwrap_or(o);
            o.contains('=') || FS_SPECIFIC.contains(&key)
        })
        .collect();
    ensure(bad.is_empty(), || {
        format!("features.mountOptions lists filesystem-specific options {bad:?} (passed to mount(2) as data); all: {list:?}")
    })
}

fn dev_symlinks_are_created(ctx: &mut Ctx) -> Check {
    let (_c, report) = ctx.probe_report(|_| {}, &[])?;
    let want = [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ];
    let expected: Vec<(String, Option<String>, Option<String>)> = want
        .iter()
        .map(|(p, t)| (p.to_string(), Some("l".into()), Some(t.to_string())))
        .collect();
    let observed: Vec<(String, Option<String>, Option<String>)> = want
        .iter()
        .map(|(p, _)| {
            report
                .dev
                .symlinks
                .iter()
                .find(|s| s.path == *p)
                .map(|s| (s.path.clone(), s.kind.clone(), s.target.clone()))
                .unwrap_or((p.to_string(), None, None))
        })
        .collect();
    expect_same(
        "the /dev symlinks (path, type, target)",
        &expected,
        &observed,
    )
}

/// A device node's type letter, major and minor.
type NodeId = (String, Option<u32>, Option<u32>);

fn node(report: &Report, path: &str) -> Option<NodeId> {
    report
        .dev
        .nodes
        .iter()
        .find(|n| n.path == path)
        .map(|n| (n.kind.clone(), n.major, n.minor))
}

fn default_devices_are_supplied(ctx: &mut Ctx) -> Check {
    let (_c, report) = ctx.probe_report(|_| {}, &[])?;
    let want = [
        ("/dev/null", 1, 3),
        ("/dev/zero", 1, 5),
        ("/dev/full", 1, 7),
        ("/dev/random", 1, 8),
        ("/dev/urandom", 1, 9),
        ("/dev/tty", 5, 0),
    ];
    let expected: Vec<(&str, Option<NodeId>)> = want
        .iter()
        .map(|(p, ma, mi)| (*p, Some(("c".to_string(), Some(*ma), Some(*mi)))))
        .collect();
    let observed: Vec<(&str, Option<NodeId>)> = want
        .iter()
        .map(|(p, _, _)| (*p, node(&report, p)))
        .collect();
    expect_same(
        "the default devices (type, major, minor); /dev/console only with a terminal, not asked here",
        &expected,
        &observed,
    )?;
    // /dev/ptmx: the character device 5:2, or a symlink to pts/ptmx (devpts's own).
    let ptmx = report.dev.nodes.iter().find(|n| n.path == "/dev/ptmx");
    let ok = ptmx.is_some_and(|n| {
        (n.kind == "c" && n.major == Some(5) && n.minor == Some(2))
            || (n.kind == "l" && n.target.as_deref().is_some_and(|t| t.ends_with("pts/ptmx")))
    });
    ensure(ok, || {
        format!("/dev/ptmx must be supplied (char 5:2 or a symlink to pts/ptmx); observed {ptmx:?}")
    })
}

/// A character device of the host that is not one of the default devices: (major, minor).
fn host_char_device() -> Option<(u32, u32)> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let defaults = [
        (1, 3),
        (1, 5),
        (1, 7),
        (1, 8),
        (1, 9),
        (5, 0),
        (5, 1),
        (5, 2),
    ];
    let mut found: Vec<(u32, u32)> = std::fs::read_dir("/dev")
        .ok()?
        .flatten()
        .filter_map(|e| std::fs::symlink_metadata(e.path()).ok())
        .filter(|m| m.file_type().is_char_device())
        .map(|m| {
            let rdev = m.rdev();
            (libc::major(rdev), libc::minor(rdev))
        })
        .filter(|d| !defaults.contains(d))
        .collect();
    found.sort_unstable();
    found.into_iter().next()
}

fn configured_device_is_available(ctx: &mut Ctx) -> Check {
    let Some((major, minor)) = host_char_device() else {
        return Err(skip(
            "this host has no character device in /dev beyond the default ones",
        ));
    };
    let path = "/dev/oci-check-dev";
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.push(
                "/linux/devices",
                json!({"path": path, "type": "c", "major": major, "minor": minor,
                       "fileMode": 0o640, "uid": 1000, "gid": 1001}),
            );
        },
        &[],
    )?;
    let expected = json!({"path": path, "type": "c", "major": major, "minor": minor,
                          "mode": 0o640, "uid": 1000, "gid": 1001});
    let observed = report
        .dev
        .nodes
        .iter()
        .find(|n| n.path == path)
        .map(|n| {
            json!({"path": n.path, "type": n.kind, "major": n.major, "minor": n.minor,
                   "mode": n.mode, "uid": n.uid, "gid": n.gid})
        })
        .unwrap_or(Value::Null);
    expect_same(
        &format!("the device {path} (a host character device {major}:{minor})"),
        &expected,
        &observed,
    )
}

fn device_path_conflict_is_an_error(ctx: &mut Ctx) -> Check {
    let Some((major, minor)) = host_char_device() else {
        return Err(skip(
            "this host has no character device in /dev beyond the default ones",
        ));
    };
    // A tmpfs directory already stands at the device's path when devices are made.
    let path = "/dev/oci-check-dev";
    let c = ctx.container(|cfg| {
        cfg.push("/mounts", tmpfs(path, &["size=64k"]));
        cfg.push(
            "/linux/devices",
            json!({"path": path, "type": "c", "major": major, "minor": minor}),
        );
    })?;
    let call = ctx.create(&c);
    must_error(
        &call,
        &format!("create with a device at {path} where a directory (a tmpfs mount) already is"),
    )?;
    let call = ctx.call(&["state", &c.id]);
    must_error(&call, "state of a container whose create failed")?;
    footprint_empty("the failed create", &ctx.footprint(&c))
}

// --- rootfsPropagation --------------------------------------------------------------------

/// One value of `linux.rootfsPropagation`, checked in a scenario of its own.
struct RootProp {
    name: &'static str,
    title: &'static str,
    value: &'static str,
}

/// config-linux.md "Rootfs Mount Propagation": its value is `shared`, `slave`, `private` or
/// `unbindable`. The bundle's rootfs is first made a shared mount on the host (a bind of
/// itself, peer group X): only then can `slave` be told from `private` (a slave of a mount with
/// no peers is private), and `private` cut a link that exists.
const ROOT_PROPAGATION: &[RootProp] = &[
    RootProp {
        name: "mounts::rootfs_propagation_shared_makes_a_new_peer_group",
        title: "rootfsPropagation `shared`: the container's / belongs to a new peer group (shared:N, not the host's)",
        value: "shared",
    },
    RootProp {
        name: "mounts::rootfs_propagation_slave_receives_from_the_host",
        title: "rootfsPropagation `slave`: the container's / receives propagation events from the host (master: the host mount's peer group) but not the other way around",
        value: "slave",
    },
    RootProp {
        name: "mounts::rootfs_propagation_private_isolates_the_rootfs",
        title: "rootfsPropagation `private`: the container's / neither receives nor sends propagation events (no shared:, no master:)",
        value: "private",
    },
    RootProp {
        name: "mounts::rootfs_propagation_unbindable_makes_the_rootfs_unbindable",
        title: "rootfsPropagation `unbindable`: the container's / is a private mount that cannot be bind-mounted",
        value: "unbindable",
    },
];

/// Since v1.0.2 the spec says what each value means; before, only "sets the rootfs's mount
/// propagation" (so `shared` need not be a new peer group).
const ROOT_PROPAGATION_MEANING_SINCE: semver::Version = semver::Version::new(1, 0, 2);

/// Makes the bundle's rootfs a shared mount on the host (a bind of itself) and returns its
/// peer group. The janitor detaches every mount under the bundle.
fn share_rootfs(bundle: &Path) -> Result<u64, Stop> {
    let rootfs = bundle.join("rootfs");
    let r = rootfs.display().to_string();
    host_mount(&["--bind", &r, &r])?;
    host_mount(&["--make-shared", &r])?;
    let text = std::fs::read_to_string("/proc/self/mountinfo")
        .map_err(|e| fail(format!("harness: reading /proc/self/mountinfo: {e}")))?;
    oci_probe::parse::parse_mountinfo(&text)
        .into_iter()
        .rev()
        .find(|m| Path::new(&m.destination) == rootfs)
        .and_then(|m| m.propagation.shared)
        .ok_or_else(|| {
            fail(format!(
                "harness: {r} is not a shared mount after --make-shared"
            ))
        })
}

/// What `value` asks of the container's `/`, given the host mount's peer group, as text; and
/// whether `p` (the container's `/` in its own mountinfo) shows it.
fn root_propagation_holds(
    value: &str,
    host_group: u64,
    new_group: bool,
    p: &oci_probe::Propagation,
) -> (bool, String) {
    let neither = p.shared.is_none() && p.master.is_none();
    match value {
        "shared" if new_group => (
            p.shared.is_some_and(|g| g != host_group) && !p.unbindable,
            format!("shared:N with N a new peer group, not the host's {host_group}"),
        ),
        "shared" => (
            p.shared.is_some() && !p.unbindable,
            "shared:N (any peer group)".into(),
        ),
        "slave" => (
            p.master == Some(host_group) && p.shared != Some(host_group) && !p.unbindable,
            format!("master:{host_group} (the host mount's peer group), not shared:{host_group}"),
        ),
        "private" => (
            neither && !p.unbindable,
            "no shared:, no master:, not unbindable".into(),
        ),
        _ => (
            neither && p.unbindable,
            "unbindable, with no shared: and no master:".into(),
        ),
    }
}

fn rootfs_propagation_is_applied(ctx: &mut Ctx) -> Check {
    let row = ROOT_PROPAGATION
        .iter()
        .find(|r| r.name == ctx.scenario_name)
        .expect("a row of ROOT_PROPAGATION");
    let new_group = crate::since::holds(&ctx.suite.claimed.0, &ROOT_PROPAGATION_MEANING_SINCE);
    let mut host_group = None;
    let (_c, report) = report_at(
        ctx,
        |cfg, _| {
            cfg.set("/linux/rootfsPropagation", json!(row.value));
        },
        |dir| {
            host_group = Some(share_rootfs(dir)?);
            Ok(())
        },
        &[],
    )
    .map_err(|e| match e {
        Stop::Fail(mut f) => {
            f.message = format!(
                "with linux.rootfsPropagation {:?} (the rootfs a shared mount on the host): {}",
                row.value, f.message
            );
            Stop::Fail(f)
        }
        s => s,
    })?;
    let host_group = host_group.expect("set before create");
    let root = entry(&report, "/", "the container's root")?;
    let (ok, expected) =
        root_propagation_holds(row.value, host_group, new_group, &root.propagation);
    if ok {
        return Ok(());
    }
    Err(mismatch(
        format!(
            "linux.rootfsPropagation {:?} is not the propagation of the container's / (the rootfs, a shared mount of peer group {host_group} on the host); config-linux.md: rootfsPropagation \"sets the rootfs's mount propagation\"",
            row.value
        ),
        expected,
        format!(
            "propagation {} ({:?})",
            propagation_kind(root),
            root.propagation
        ),
    ))
}

// --- mountLabel -----------------------------------------------------------------------------

/// The SELinux context a mount was given with `context=`, from its superblock options as the
/// probe split them at commas: a context with categories (`s0:c1,c2`) is quoted by the kernel
/// (`context="...:s0:c1,c2"`) and so spans several of them.
fn mount_context(super_options: &[String]) -> Option<String> {
    let joined = super_options.join(",");
    let at = joined
        .split(',')
        .scan(0usize, |pos, part| {
            let start = *pos;
            *pos += part.len() + 1;
            Some((start, part))
        })
        .find(|(_, part)| part.starts_with("context="))
        .map(|(start, _)| start + "context=".len())?;
    let rest = &joined[at..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or_default().to_string(),
        None => rest.split(',').next().unwrap_or_default().to_string(),
    })
}

/// Fails unless the mount's superblock options give it the SELinux context `label`.
fn mount_label_matches(label: &str, dest: &str, m: &MountEntry) -> Check {
    expect_same(
        &format!(
            "the SELinux context of the tmpfs at {dest} (its context= mount option, superblock options {:?}) vs linux.mountLabel (config-linux.md: mountLabel \"will set the Selinux context for the mounts in the container\")",
            m.super_options
        ),
        &Some(label.to_string()),
        &mount_context(&m.super_options),
    )
}

fn mount_label_is_applied(ctx: &mut Ctx) -> Check {
    super::process::requires_selinux(ctx)?;
    let label = super::process::usable_selinux_context(
        &[
            "system_u:object_r:container_file_t:s0:c113,c527",
            "system_u:object_r:svirt_sandbox_file_t:s0:c113,c527",
        ],
        None,
    )?;
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.set("/linux/mountLabel", json!(label));
            cfg.push("/mounts", tmpfs(DEST, &["size=64k"]));
        },
        &[],
    )?;
    let m = entry(&report, DEST, &format!("mounts[{INDEX}], a tmpfs"))?;
    mount_label_matches(&label, DEST, m)
}

// --- idmapped mounts ----------------------------------------------------------------------

/// Where idmapped binds go: under /dev, whose every entry the probe reports with its owner.
const IDMAP_DEST: &str = "/dev/oci-idmap";
const IDMAP_UID: u32 = 1000;
const IDMAP_GID: u32 = 1001;

fn requires_idmap(ctx: &mut Ctx, req: &str) -> Check {
    requires_release(ctx, req)?;
    if ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/mountExtensions/idmap/enabled"))
        == Some(&Value::Bool(false))
    {
        return Err(skip(
            "the runtime's features say linux.mountExtensions.idmap.enabled is false",
        ));
    }
    Ok(())
}

/// An idmapped bind (`idmap` or `ridmap`) of a host tmpfs owned by root, with a submount:
/// on-disk uid/gid 0 must be seen as the mappings' hostID (containerID 0 → hostID).
fn idmapped_bind(ctx: &mut Ctx, option: &'static str, req: &str) -> Check {
    requires_idmap(ctx, req)?;
    let recursive = option == "ridmap";
    let (_c, report) = report_at(
        ctx,
        |cfg, dir| {
            cfg.push(
                "/mounts",
                json!({"destination": IDMAP_DEST, "type": "bind",
                       "source": dir.join("src").display().to_string(),
                       "options": [if recursive { "rbind" } else { "bind" }, option],
                       "uidMappings": [{"containerID": 0, "hostID": IDMAP_UID, "size": 1}],
                       "gidMappings": [{"containerID": 0, "hostID": IDMAP_GID, "size": 1}]}),
            );
        },
        |dir| host_source(dir, "", false).map(drop),
        &[],
    )?;
    let mut paths = vec![IDMAP_DEST.to_string()];
    if recursive {
        paths.push(format!("{IDMAP_DEST}/sub"));
    }
    let expected: Vec<Value> = paths
        .iter()
        .map(|p| json!({"path": p, "uid": IDMAP_UID, "gid": IDMAP_GID, "idmapped": true}))
        .collect();
    let observed: Vec<Value> = paths
        .iter()
        .map(|p| {
            let owner = report.dev.nodes.iter().find(|n| n.path == *p);
            let idmapped = report
                .mount_at(p)
                .is_some_and(|m| m.options.iter().any(|o| o == "idmapped"));
            json!({"path": p, "uid": owner.map(|n| n.uid), "gid": owner.map(|n| n.gid),
                   "idmapped": idmapped})
        })
        .collect();
    expect_same(
        &format!(
            "owners (on the host: root) and the kernel's `idmapped` mount flag through the `{option}` mount at {IDMAP_DEST} (mapping containerID 0 to hostID {IDMAP_UID}/{IDMAP_GID})"
        ),
        &expected,
        &observed,
    )
}

fn idmap_applies_the_mount_mappings(ctx: &mut Ctx) -> Check {
    idmapped_bind(
        ctx,
        "idmap",
        "config.mounts.options.linux.idmap.use_mount_mappings",
    )
}

fn ridmap_applies_the_mount_mappings_recursively(ctx: &mut Ctx) -> Check {
    idmapped_bind(
        ctx,
        "ridmap",
        "config.mounts.options.linux.ridmap.use_mount_mappings",
    )
}

fn idmap_without_mapping(ctx: &mut Ctx, option: &'static str, req: &str) -> Check {
    requires_idmap(ctx, req)?;
    let c = ctx.container_at(|cfg, dir| {
        let ns: Vec<Value> = cfg
            .get("/linux/namespaces")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|n| n["type"] != "user").cloned().collect())
            .unwrap_or_default();
        cfg.set("/linux/namespaces", Value::Array(ns));
        cfg.push(
            "/mounts",
            json!({"destination": IDMAP_DEST, "type": "bind",
                   "source": dir.join("src").display().to_string(),
                   "options": ["rbind", option]}),
        );
    })?;
    host_source(&c.bundle.dir, "", false)?;
    let call = ctx.create(&c);
    must_error(
        &call,
        &format!(
            "create with an `{option}` mount without uidMappings/gidMappings and no user namespace"
        ),
    )?;
    let call = ctx.call(&["state", &c.id]);
    must_error(&call, "state of a container whose create failed")?;
    // Only the harness's own source mounts may remain under the bundle.
    let mut f = ctx.footprint(&c);
    f.mounts
        .retain(|m| !m.starts_with(c.bundle.dir.join("src")));
    footprint_empty("the failed create", &f)
}

fn idmap_without_any_mapping_is_an_error(ctx: &mut Ctx) -> Check {
    idmap_without_mapping(
        ctx,
        "idmap",
        "config.mounts.options.linux.idmap.userns_fallback",
    )
}

fn ridmap_without_any_mapping_is_an_error(ctx: &mut Ctx) -> Check {
    idmap_without_mapping(
        ctx,
        "ridmap",
        "config.mounts.options.linux.ridmap.userns_fallback",
    )
}

// --- maskedPaths, readonlyPaths, sysctl --------------------------------------------------

/// Paths a container has whatever the host: masked or made read-only in the tests below.
const MASKED: [&str; 2] = ["/proc/cmdline", "/proc/version"];
const READONLY: [&str; 2] = ["/proc/sys", "/proc/fs"];

fn masked_paths_are_masked(ctx: &mut Ctx) -> Check {
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.set("/linux/maskedPaths", json!(MASKED));
        },
        &["--check-paths", MASKED[0], MASKED[1]],
    )?;
    let expected: Vec<(String, bool)> = MASKED.iter().map(|p| (p.to_string(), true)).collect();
    let observed: Vec<(String, bool)> = MASKED
        .iter()
        .map(|p| {
            let m = report.paths.iter().find(|c| c.path == *p);
            (p.to_string(), m.is_some_and(|c| c.masked))
        })
        .collect();
    expect_same(
        &format!(
            "masked (a /dev/null bind, an empty read-only tmpfs, or unreadable): {:?}",
            report.paths
        ),
        &expected,
        &observed,
    )
}

fn readonly_paths_are_read_only(ctx: &mut Ctx) -> Check {
    let (_c, report) = ctx.probe_report(
        |cfg| {
            cfg.set("/linux/readonlyPaths", json!(READONLY));
        },
        &["--check-paths", READONLY[0], READONLY[1]],
    )?;
    let expected: Vec<(String, Option<bool>)> = READONLY
        .iter()
        .map(|p| (p.to_string(), Some(true)))
        .collect();
    let observed: Vec<(String, Option<bool>)> = READONLY
        .iter()
        .map(|p| {
            let m = report.paths.iter().find(|c| c.path == *p);
            (
                p.to_string(),
                m.map(|c| c.readonly == Some(true) || c.statvfs_readonly == Some(true)),
            )
        })
        .collect();
    expect_same(
        &format!(
            "read-only (EROFS on write, or ST_RDONLY): {:?}",
            report.paths
        ),
        &expected,
        &observed,
    )
}

fn namespaced_sysctls_are_applied(ctx: &mut Ctx) -> Check {
    ctx.requires_host_namespace("network")?;
    ctx.requires_host_namespace("ipc")?;
    let want = [("net.ipv4.ip_forward", "1"), ("kernel.shmmax", "123456789")];
    // The host's values must differ, or a runtime that ignores sysctl would pass.
    let host_value = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/{}", name.replace('.', "/")))
            .map(|s| s.trim().to_string())
            .ok()
    };
    let want: Vec<(&str, &str)> = want
        .into_iter()
        .map(|(n, v)| {
            if host_value(n).as_deref() == Some(v) {
                (
                    n,
                    if n == "net.ipv4.ip_forward" {
                        "0"
                    } else {
                        "987654321"
                    },
                )
            } else {
                (n, v)
            }
        })
        .collect();
    let mut args = vec!["--sysctl"];
    args.extend(want.iter().map(|(n, _)| *n));
    let (_c, report) = ctx.probe_report(
        |cfg| {
            for (n, v) in &want {
                cfg.set(&format!("/linux/sysctl/{n}"), json!(v));
            }
        },
        &args,
    )?;
    let expected: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(n, v)| (n.to_string(), Some(v.to_string())))
        .collect();
    let observed: Vec<(String, Option<String>)> = want
        .iter()
        .map(|(n, _)| (n.to_string(), report.sysctls.get(*n).cloned().flatten()))
        .collect();
    expect_same("the sysctl values in the container", &expected, &observed)
}

/// The program writes through a bind mount whose source is `relative-source`: the file must
/// appear in that directory of the bundle (the runtime is run from another directory, so a
/// source resolved against its working directory does not exist, or is another one).
fn relative_bind_source_is_relative_to_the_bundle(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|cfg| {
        cfg.push(
            "/mounts",
            json!({"destination": "/relative", "type": "bind", "source": "relative-source",
                   "options": ["rbind", "rw"]}),
        );
        cfg.probe_args(&["touch", "/relative/made-in-the-container"]);
    })?;
    let source = c.bundle.dir.join("relative-source");
    std::fs::create_dir(&source)
        .map_err(|e| fail(format!("harness: making {}: {e}", source.display())))?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    ctx.wait_status(&c, "stopped")?;
    let made = source.join("made-in-the-container");
    ensure(made.exists(), || {
        format!(
            "the program's file is not in the bundle's relative-source directory ({} absent): the relative source was not resolved against the bundle",
            made.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(shared: Option<u64>, master: Option<u64>, unbindable: bool) -> oci_probe::Propagation {
        oci_probe::Propagation {
            kind: String::new(),
            shared,
            master,
            propagate_from: None,
            unbindable,
        }
    }

    #[test]
    fn each_rootfs_propagation_value_is_told_from_the_others() {
        // The host mount of the rootfs is in peer group 7.
        let seen = [
            ("new peer group", prop(Some(9), None, false)),
            ("host's peer group", prop(Some(7), None, false)),
            ("slave of the host", prop(None, Some(7), false)),
            ("private", prop(None, None, false)),
            ("unbindable", prop(None, None, true)),
        ];
        let holds = |value: &str, new_group: bool| -> Vec<&str> {
            seen.iter()
                .filter(|(_, p)| root_propagation_holds(value, 7, new_group, p).0)
                .map(|(what, _)| *what)
                .collect()
        };
        assert_eq!(holds("shared", true), ["new peer group"]);
        assert_eq!(
            holds("shared", false),
            ["new peer group", "host's peer group"]
        );
        assert_eq!(holds("slave", true), ["slave of the host"]);
        assert_eq!(holds("private", true), ["private"]);
        assert_eq!(holds("unbindable", true), ["unbindable"]);
    }

    fn opts(s: &str) -> Vec<String> {
        s.split(',').map(String::from).collect()
    }

    #[test]
    fn mount_context_is_read_quoted_or_not() {
        let l = "system_u:object_r:container_file_t:s0:c113,c527";
        assert_eq!(
            mount_context(&opts(&format!("rw,context=\"{l}\",size=64k"))),
            Some(l.to_string())
        );
        assert_eq!(
            mount_context(&opts("rw,context=system_u:object_r:tmp_t:s0,size=64k")),
            Some("system_u:object_r:tmp_t:s0".to_string())
        );
        assert_eq!(mount_context(&opts("rw,fscontext=x:y:z:s0,size=64k")), None);
        assert_eq!(mount_context(&opts("rw,size=64k")), None);
    }

    #[test]
    fn mount_label_comparison_fails_without_the_context() {
        let l = "system_u:object_r:container_file_t:s0:c113,c527";
        let m = |super_options: &str| MountEntry {
            id: 1,
            parent_id: 0,
            major: 0,
            minor: 1,
            root: "/".into(),
            destination: DEST.into(),
            options: vec!["rw".into()],
            propagation: prop(None, None, false),
            fstype: "tmpfs".into(),
            source: "tmpfs".into(),
            super_options: opts(super_options),
        };
        assert!(mount_label_matches(l, DEST, &m(&format!("rw,context=\"{l}\""))).is_ok());
        let wrong = mount_label_matches(
            l,
            DEST,
            &m("rw,context=\"system_u:object_r:tmp_t:s0:c1,c2\""),
        );
        assert!(matches!(wrong, Err(Stop::Fail(_))));
        assert!(matches!(
            mount_label_matches(l, DEST, &m("rw,seclabel")),
            Err(Stop::Fail(_))
        ));
    }
}
