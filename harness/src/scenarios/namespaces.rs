//! Namespaces (new, joined by path, shared with the host), user and time namespaces, seccomp,
//! network devices, and what the features document says about them.

use super::create_is_refused;
use crate::bundle::{proc_ns_name, Config};
use crate::scenario::{
    ensure, expect_same, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// A namespace kind of the config, checked in a scenario of its own.
struct Kind {
    name: &'static str,
    title: &'static str,
    config_type: &'static str,
}

/// "If `path` is not specified, the runtime MUST create a new container namespace of type
/// `type`": one scenario per kind, so a report says which kind was not created.
const NEW: &[Kind] = &[
    Kind {
        name: "namespaces::pid_without_path_is_a_new_namespace",
        title: "A pid namespace listed without path is a new namespace, not the runtime's",
        config_type: "pid",
    },
    Kind {
        name: "namespaces::network_without_path_is_a_new_namespace",
        title: "A network namespace listed without path is a new namespace, not the runtime's",
        config_type: "network",
    },
    Kind {
        name: "namespaces::mount_without_path_is_a_new_namespace",
        title: "A mount namespace listed without path is a new namespace, not the runtime's",
        config_type: "mount",
    },
    Kind {
        name: "namespaces::ipc_without_path_is_a_new_namespace",
        title: "An ipc namespace listed without path is a new namespace, not the runtime's",
        config_type: "ipc",
    },
    Kind {
        name: "namespaces::uts_without_path_is_a_new_namespace",
        title: "A uts namespace listed without path is a new namespace, not the runtime's",
        config_type: "uts",
    },
    Kind {
        name: "namespaces::user_without_path_is_a_new_namespace",
        title: "A user namespace listed without path is a new namespace, not the runtime's",
        config_type: "user",
    },
    Kind {
        name: "namespaces::cgroup_without_path_is_a_new_namespace",
        title: "A cgroup namespace listed without path is a new namespace, not the runtime's",
        config_type: "cgroup",
    },
    Kind {
        name: "namespaces::time_without_path_is_a_new_namespace",
        title: "A time namespace listed without path is a new namespace, not the runtime's",
        config_type: "time",
    },
];

/// Config types and their /proc/self/ns names, in the spec's order.
const ALL_TYPES: [&str; 8] = [
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
];

/// Kinds joined by path in one scenario: each joinable into a second container while the first
/// runs (the mount namespace is left out: joining another container's mount namespace would
/// put the second container in the first one's rootfs; user namespaces have a check of their
/// own, with mappings).
const JOINED: [&str; 5] = ["pid", "network", "ipc", "uts", "cgroup"];

/// The release of the spec that introduced network devices (`linux.netDevices`).
const NET_DEVICES_SINCE: &str = "1.3.0";

pub fn scenarios() -> Vec<Scenario> {
    let mut v: Vec<Scenario> = NEW
        .iter()
        .map(|k| Scenario {
            name: k.name,
            title: k.title,
            requirements: &[
                "config.linux.namespaces.path.unset_creates_new",
                "config.linux.namespaces.type.supported",
            ],
            run: |ctx| {
                let name = ctx.scenario_name;
                let kind = NEW.iter().find(|k| k.name == name).expect("a NEW entry");
                new_namespace(ctx, kind.config_type)
            },
        })
        .collect();
    v.extend([
        Scenario {
            name: "namespaces::unlisted_kinds_are_the_runtimes",
            title: "A namespace type not in the namespaces array is inherited from the runtime",
            requirements: &["config.linux.namespaces.inherit_unlisted"],
            run: unlisted_kinds_are_the_runtimes,
        },
        Scenario {
            name: "namespaces::listed_paths_are_joined",
            title: "The runtime places the container process in the namespace associated with each path",
            requirements: &["config.linux.namespaces.path.join"],
            run: listed_paths_are_joined,
        },
        Scenario {
            name: "namespaces::path_of_another_type_is_refused",
            title: "A path not associated with a namespace of type `type` makes create generate an error",
            requirements: &[
                "config.linux.namespaces.path.type_mismatch_error",
                "runtime.errors.no_side_effects",
            ],
            run: path_of_another_type_is_refused,
        },
        Scenario {
            name: "namespaces::user_namespace_has_the_configured_id_mappings",
            title: "A new user namespace gets the uidMappings and gidMappings of the config",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: user_namespace_has_the_configured_id_mappings,
        },
        Scenario {
            name: "namespaces::id_mappings_do_not_chown_the_rootfs",
            title: "The runtime does not modify the ownership of the rootfs to realize the id mappings",
            requirements: &["config.linux.idMappings.no_chown"],
            run: id_mappings_do_not_chown_the_rootfs,
        },
        Scenario {
            name: "namespaces::time_namespace_has_the_configured_offsets",
            title: "A new time namespace gets the timeOffsets of the config",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: time_namespace_has_the_configured_offsets,
        },
        Scenario {
            name: "namespaces::seccomp_rule_blocks_its_syscall",
            title: "A seccomp filter is installed: a syscall with an SCMP_ACT_ERRNO rule fails with its errnoRet, the others run",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: seccomp_rule_blocks_its_syscall,
        },
        Scenario {
            name: "namespaces::seccomp_default_action_applies_to_unnamed_calls",
            title: "defaultAction applies to the syscalls no rule names: SCMP_ACT_ERRNO fails them with defaultErrnoRet",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: seccomp_default_action_applies_to_unnamed_calls,
        },
        Scenario {
            name: "namespaces::seccomp_errno_defaults_to_eperm",
            title: "Without errnoRet or defaultErrnoRet, SCMP_ACT_ERRNO fails the call with EPERM (\"The default is `EPERM`\")",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: seccomp_errno_defaults_to_eperm,
        },
        Scenario {
            name: "namespaces::seccomp_argument_filters_select_calls",
            title: "A seccomp rule with args applies only to calls whose arguments match, with its errnoRet",
            requirements: &["runtime.ops.create.apply_all_but_process"],
            run: seccomp_argument_filters_select_calls,
        },
        Scenario {
            name: "namespaces::features_namespaces_are_recognized",
            title: "Every namespace type of the features document is recognized in linux.namespaces",
            requirements: &["features.linux.namespaces.recognized"],
            run: features_namespaces_are_recognized,
        },
        Scenario {
            name: "namespaces::features_seccomp_actions_are_recognized",
            title: "Every seccomp action of the features document is recognized in syscalls[].action",
            requirements: &["features.linux.seccomp.actions.recognized"],
            run: |ctx| features_seccomp_recognized(ctx, "actions"),
        },
        Scenario {
            name: "namespaces::features_seccomp_operators_are_recognized",
            title: "Every seccomp operator of the features document is recognized in syscalls[].args[].op",
            requirements: &["features.linux.seccomp.operators.recognized"],
            run: |ctx| features_seccomp_recognized(ctx, "operators"),
        },
        Scenario {
            name: "namespaces::features_seccomp_archs_are_recognized",
            title: "Every seccomp architecture of the features document is recognized in architectures",
            requirements: &["features.linux.seccomp.archs.recognized"],
            run: |ctx| features_seccomp_recognized(ctx, "archs"),
        },
        Scenario {
            name: "namespaces::features_seccomp_known_flags_are_recognized",
            title: "Every seccomp flag in knownFlags of the features document is recognized in flags",
            requirements: &["features.linux.seccomp.knownFlags.recognized"],
            run: |ctx| features_seccomp_recognized(ctx, "knownFlags"),
        },
        Scenario {
            name: "namespaces::features_seccomp_supported_flags_are_supported",
            title: "Every seccomp flag in supportedFlags of the features document is recognized and supported in flags",
            requirements: &["features.linux.seccomp.supportedFlags.supported"],
            run: |ctx| features_seccomp_recognized(ctx, "supportedFlags"),
        },
        Scenario {
            name: "namespaces::net_device_is_moved_up_with_its_addresses",
            title: "A netDevices entry is made available in the container, renamed as asked, up, with its permanent global addresses",
            requirements: &[
                "config.linux.netDevices.available",
                "config.linux.netDevices.set_up",
                "config.linux.netDevices.preserve_attributes",
            ],
            run: net_device_is_moved_up_with_its_addresses,
        },
        Scenario {
            name: "namespaces::net_device_name_conflict_is_refused",
            title: "A netDevices name that already exists in the container namespace makes create generate an error",
            requirements: &[
                "config.linux.netDevices.name_conflict_error",
                "runtime.errors.no_side_effects",
            ],
            run: net_device_name_conflict_is_refused,
        },
        Scenario {
            name: "namespaces::net_device_template_name_is_allowed",
            title: "A netDevices name ending in %d is a template: the move is allowed and the kernel names the interface",
            requirements: &["config.linux.netDevices.template_name"],
            run: net_device_template_name_is_allowed,
        },
        Scenario {
            name: "namespaces::unmovable_net_device_is_refused",
            title: "The runtime checks whether the device can be moved: a device that cannot makes create generate an error",
            requirements: &[
                "config.linux.netDevices.check_movable",
                "runtime.errors.no_side_effects",
            ],
            run: unmovable_net_device_is_refused,
        },
        Scenario {
            name: "namespaces::net_device_is_not_moved_out_at_delete",
            title: "The runtime does not move the interface out of the container's namespace before deletion",
            requirements: &["config.linux.netDevices.no_move_out"],
            run: net_device_is_not_moved_out_at_delete,
        },
        Scenario {
            name: "namespaces::seccomp_listener_gets_the_process_state",
            title: "With SCMP_ACT_NOTIFY, the runtime sends one container process state (JSON, seccompFd by SCM_RIGHTS in the first message) over a stream socket to listenerPath and closes it",
            requirements: &[
                "config.linux.seccomp.processState.json_and_scm_rights",
                "config.linux.seccomp.listenerPath.unix_stream",
                "config.linux.seccomp.listenerPath.one_state_per_connection",
                "config.linux.seccomp.listenerPath.close_after_send",
                "config.linux.seccomp.processState.fds.seccompFd",
                "config.linux.seccomp.processState.fds_in_first_msg",
                "config.linux.seccomp.processState.ociVersion.required",
                "config.linux.seccomp.processState.pid.required",
                "config.linux.seccomp.processState.state.required",
            ],
            run: seccomp_listener_gets_the_process_state,
        },
        Scenario {
            name: "namespaces::seccomp_listener_send_failure_is_an_error",
            title: "If sending the seccomp state to listenerPath fails, create generates an error",
            requirements: &[
                "config.linux.seccomp.listenerPath.send_fail_error",
                "runtime.errors.no_side_effects",
            ],
            run: seccomp_listener_send_failure_is_an_error,
        },
    ]);
    v
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[(
    "config.linux.netDevices.no_manage_inside",
    "a promise about what the runtime never does to the interface over the container's life: no moment or state the harness can observe tells \"managed\" from \"left alone\"",
)];

// ---------------------------------------------------------------------------------------------
// Helpers

/// The namespace inode of `/proc/PID/ns/NAME` (`self` for the harness), by `stat`.
fn ns_inode(pid: &str, proc_name: &str) -> Option<u64> {
    std::fs::metadata(format!("/proc/{pid}/ns/{proc_name}"))
        .ok()
        .map(|m| m.ino())
}

/// The runtime's namespace of a kind: the harness runs the runtime in its own namespaces.
fn runtime_ns(proc_name: &str) -> Option<u64> {
    ns_inode("self", proc_name)
}

/// Inodes by /proc/self/ns name, as the probe saw them.
fn probe_ns(report: &oci_probe::Report) -> BTreeMap<String, u64> {
    report
        .namespaces
        .own
        .iter()
        .map(|n| (n.name.clone(), n.inode))
        .collect()
}

/// SKIP unless both the host and the runtime (its features) have the kind.
fn requires_kind(ctx: &Ctx, config_type: &str) -> Check {
    if config_type == "time" {
        // Not in v1.0.2's config-linux.md: the time namespace and timeOffsets came with v1.1.0.
        ctx.held_to("1.1.0", "the time namespace (and linux.timeOffsets)")?;
    }
    ctx.requires_host_namespace(config_type)?;
    ctx.requires_feature("/linux/namespaces", config_type)
}

/// The config's namespaces list, with `config_type` added (without path) when missing.
fn with_namespace(cfg: &mut Config, config_type: &str) {
    let listed = cfg
        .get("/linux/namespaces")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|n| n["type"] == config_type));
    if !listed {
        cfg.push("/linux/namespaces", json!({"type": config_type}));
    }
}

/// The config's namespaces list without the kinds in `types`.
fn without_namespaces(cfg: &mut Config, types: &[&str]) {
    if let Some(Value::Array(a)) = cfg.0.pointer_mut("/linux/namespaces") {
        a.retain(|n| !types.iter().any(|t| n["type"] == *t));
    }
}

/// Host ids the user-namespace checks map the container's ids to: a range no file of the
/// bundle belongs to, so a chown to realize the mapping would be seen.
const MAPPED_HOST_ID: u32 = 100_000;
const MAPPED_SIZE: u32 = 65_536;

/// A user namespace with container ids 0..65536 mapped to host ids 100000.., and the bundle
/// made usable by the container's root (host uid 100000): its `out/` directory is given to
/// that user, and the bundle directory may be traversed.
fn user_namespace_config(cfg: &mut Config) {
    with_namespace(cfg, "user");
    let map = json!([{"containerID": 0, "hostID": MAPPED_HOST_ID, "size": MAPPED_SIZE}]);
    cfg.set("/linux/uidMappings", map.clone());
    cfg.set("/linux/gidMappings", map);
}

/// Lets the container's root (a host uid of the mapped range) reach the bundle: `out/` owned by
/// it, the bundle and its ancestors up to the run's work directory searchable.
fn open_bundle_to_mapped_root(ctx: &Ctx, c: &Container) -> Check {
    let harness = |e: std::io::Error| fail(format!("harness: preparing the bundle: {e}"));
    let out = c.bundle.dir.join("out");
    std::os::unix::fs::chown(&out, Some(MAPPED_HOST_ID), Some(MAPPED_HOST_ID)).map_err(harness)?;
    let work = ctx.rt().janitor.work_dir().to_path_buf();
    let mut dir: Option<&Path> = Some(&c.bundle.dir);
    while let Some(d) = dir {
        let mode = std::fs::metadata(d).map_err(harness)?.mode();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode((mode & 0o7777) | 0o011))
            .map_err(harness)?;
        if d == work {
            break;
        }
        dir = d.parent().filter(|p| p.starts_with(&work));
    }
    Ok(())
}

/// The probe's report from a container made by `edit`, with `prepare` run on the bundle before
/// create (for host-side set-up the config names).
fn report_with(
    ctx: &mut Ctx,
    edit: impl FnOnce(&mut Config),
    prepare: impl FnOnce(&Ctx, &Container) -> Check,
) -> Result<(Container, oci_probe::Report), Stop> {
    let out = format!("{}/report.json", crate::bundle::OUT);
    let c = ctx.container(|cfg| {
        cfg.probe_args(&["report", "--out", out.as_str()]);
        edit(cfg);
    })?;
    prepare(ctx, &c)?;
    ctx.created(&c)?;
    let report = ctx.start_and_report(&c)?;
    Ok((c, report))
}

/// The container's pid, from `state`.
fn state_pid(ctx: &mut Ctx, c: &Container) -> Result<i64, Stop> {
    let state = ctx.state(c)?;
    state["pid"]
        .as_i64()
        .filter(|p| *p > 0)
        .ok_or_else(|| mismatch("state has no pid", "a pid > 0", state["pid"].to_string()))
}

// ---------------------------------------------------------------------------------------------
// Namespaces

fn new_namespace(ctx: &mut Ctx, config_type: &str) -> Check {
    requires_kind(ctx, config_type)?;
    let proc_name = proc_ns_name(config_type).to_string();
    let user = config_type == "user";
    let (_, report) = report_with(
        ctx,
        |cfg| {
            with_namespace(cfg, config_type);
            if user {
                user_namespace_config(cfg);
            }
        },
        |ctx, c| {
            if user {
                open_bundle_to_mapped_root(ctx, c)
            } else {
                Ok(())
            }
        },
    )?;
    let host = runtime_ns(&proc_name);
    let seen = probe_ns(&report).get(&proc_name).copied();
    match (host, seen) {
        (Some(h), Some(s)) if h != s => Ok(()),
        (_, None) => Err(mismatch(
            format!("the probe did not see its {proc_name} namespace"),
            format!("/proc/self/ns/{proc_name} in the container"),
            format!("{:?}", report.namespaces.own),
        )),
        (h, Some(s)) => Err(mismatch(
            format!(
                "the container's {config_type} namespace is the runtime's, not a new one (listed without path)"
            ),
            format!("an inode other than the runtime's {h:?}"),
            format!("{proc_name}:[{s}]"),
        )),
    }
}

fn unlisted_kinds_are_the_runtimes(ctx: &mut Ctx) -> Check {
    // pid and mount stay listed (a container needs its own rootfs); all the others the host
    // has are left out, and each must be the runtime's.
    let unlisted: Vec<&str> = ALL_TYPES
        .iter()
        .copied()
        .filter(|t| !["pid", "mount"].contains(t))
        .filter(|t| ctx.host().namespaces.contains(proc_ns_name(t)))
        .collect();
    let (_, report) = report_with(
        ctx,
        |cfg| {
            without_namespaces(cfg, &unlisted);
            // A hostname needs a uts namespace of the container's own.
            if unlisted.contains(&"uts") {
                cfg.remove("/hostname");
            }
        },
        |_, _| Ok(()),
    )?;
    let seen = probe_ns(&report);
    let mut expected = BTreeMap::new();
    let mut observed = BTreeMap::new();
    for t in &unlisted {
        let name = proc_ns_name(t).to_string();
        expected.insert(name.clone(), runtime_ns(&name));
        observed.insert(name.clone(), seen.get(&name).copied());
    }
    expect_same(
        "namespace inodes of the unlisted types (the runtime's, by /proc/self/ns/*)",
        &expected,
        &observed,
    )
}

fn listed_paths_are_joined(ctx: &mut Ctx) -> Check {
    let kinds: Vec<&str> = JOINED
        .iter()
        .copied()
        .filter(|t| requires_kind(ctx, t).is_ok())
        .collect();
    if kinds.is_empty() {
        return Err(skip(
            "neither the host nor the runtime has any of pid, network, ipc, uts, cgroup namespaces",
        ));
    }
    // The namespaces to join: those of a first container, new for each kind.
    let first = ctx.container(|cfg| {
        for t in &kinds {
            with_namespace(cfg, t);
        }
    })?;
    ctx.running(&first)?;
    let pid = state_pid(ctx, &first)?.to_string();
    let paths: Vec<(&str, String)> = kinds
        .iter()
        .map(|t| (*t, format!("/proc/{pid}/ns/{}", proc_ns_name(t))))
        .collect();
    let mut expected = BTreeMap::new();
    for (t, p) in &paths {
        let ino = std::fs::metadata(p)
            .map_err(|e| fail(format!("harness: stat {p}: {e}")))?
            .ino();
        expected.insert(proc_ns_name(t).to_string(), Some(ino));
    }
    let (_, report) = report_with(
        ctx,
        |cfg| {
            without_namespaces(cfg, &kinds);
            for (t, p) in &paths {
                cfg.push("/linux/namespaces", json!({"type": t, "path": p}));
            }
        },
        |_, _| Ok(()),
    )?;
    let seen = probe_ns(&report);
    let observed: BTreeMap<String, Option<u64>> = expected
        .keys()
        .map(|k| (k.clone(), seen.get(k).copied()))
        .collect();
    expect_same(
        "namespace inodes of the second container (each listed with the path of the first container's)",
        &expected,
        &observed,
    )
}

fn path_of_another_type_is_refused(ctx: &mut Ctx) -> Check {
    requires_kind(ctx, "network")?;
    ctx.requires_host_namespace("ipc")?;
    // The network entry names the runtime's ipc namespace.
    let path = format!("/proc/{}/ns/ipc", std::process::id());
    let c = ctx.container(|cfg| {
        without_namespaces(cfg, &["network"]);
        cfg.push(
            "/linux/namespaces",
            json!({"type": "network", "path": path}),
        );
    })?;
    create_is_refused(
        ctx,
        &c,
        "create with a network namespace whose path is an ipc namespace",
    )
}

fn id_map(entries: &[Value]) -> Vec<oci_probe::IdMapEntry> {
    let mut v: Vec<oci_probe::IdMapEntry> = entries
        .iter()
        .map(|e| oci_probe::IdMapEntry {
            inside: e["containerID"].as_u64().unwrap_or(0) as u32,
            outside: e["hostID"].as_u64().unwrap_or(0) as u32,
            count: e["size"].as_u64().unwrap_or(0) as u32,
        })
        .collect();
    v.sort_by_key(|e| e.inside);
    v
}

fn user_namespace_has_the_configured_id_mappings(ctx: &mut Ctx) -> Check {
    requires_kind(ctx, "user")?;
    let (c, report) = report_with(ctx, user_namespace_config, open_bundle_to_mapped_root)?;
    let sorted = |m: Option<Vec<oci_probe::IdMapEntry>>| {
        m.map(|mut v| {
            v.sort_by_key(|e| e.inside);
            v
        })
    };
    let list = |p: &str| {
        c.config
            .get(p)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    expect_same(
        "/proc/self/uid_map in the container (linux.uidMappings)",
        &Some(id_map(&list("/linux/uidMappings"))),
        &sorted(report.namespaces.uid_map.clone()),
    )?;
    expect_same(
        "/proc/self/gid_map in the container (linux.gidMappings)",
        &Some(id_map(&list("/linux/gidMappings"))),
        &sorted(report.namespaces.gid_map.clone()),
    )
}

/// Host owner (uid, gid) of each entry of the rootfs, by path relative to it.
fn rootfs_owners(rootfs: &Path) -> BTreeMap<String, (u32, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![rootfs.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(m) = std::fs::symlink_metadata(&d) {
            let rel = d.strip_prefix(rootfs).unwrap_or(&d).display().to_string();
            out.insert(format!("/{rel}"), (m.uid(), m.gid()));
            if m.is_dir() {
                if let Ok(rd) = std::fs::read_dir(&d) {
                    stack.extend(rd.flatten().map(|e| e.path()));
                }
            }
        }
    }
    out
}

fn id_mappings_do_not_chown_the_rootfs(ctx: &mut Ctx) -> Check {
    requires_kind(ctx, "user")?;
    let mut before = BTreeMap::new();
    let (c, report) = report_with(ctx, user_namespace_config, |ctx, c| {
        open_bundle_to_mapped_root(ctx, c)?;
        before = rootfs_owners(&c.bundle.dir.join("rootfs"));
        Ok(())
    })?;
    ensure(report.namespaces.uid_map.is_some(), || {
        "the probe could not read its uid_map".into()
    })?;
    let after = rootfs_owners(&c.bundle.dir.join("rootfs"));
    expect_same(
        "host owners (uid, gid) of the rootfs entries after the container ran with uid/gid mappings to host ids 100000..",
        &before,
        &after,
    )
}

fn time_namespace_has_the_configured_offsets(ctx: &mut Ctx) -> Check {
    requires_kind(ctx, "time")?;
    let (_, report) = report_with(
        ctx,
        |cfg| {
            with_namespace(cfg, "time");
            cfg.set(
                "/linux/timeOffsets",
                json!({
                    "monotonic": {"secs": 86400, "nanosecs": 1000},
                    "boottime": {"secs": 172800, "nanosecs": 2000}
                }),
            );
        },
        |_, _| Ok(()),
    )?;
    let offsets: BTreeMap<String, (i64, i64)> = report
        .namespaces
        .timens_offsets
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.clock, (o.secs, o.nanos)))
        .collect();
    let expected: BTreeMap<String, (i64, i64)> = [
        ("boottime".to_string(), (172800, 2000)),
        ("monotonic".to_string(), (86400, 1000)),
    ]
    .into();
    expect_same(
        "/proc/self/timens_offsets in the container (linux.timeOffsets)",
        &expected,
        &offsets,
    )
}

// ---------------------------------------------------------------------------------------------
// Seccomp
//
// The probe's `syscall` verb makes harmless calls that neither the runtime's start-up (after
// it loads the filter, just before execve) nor Rust's makes: `ioprio_get`,
// `personality(0xffffffff)`, `getppid`. It reports each one's errno, so what the filter did to
// each call is seen, errno included.

/// errnoRet, defaultErrnoRet and "The default is `EPERM`" came with spec v1.1.0.
const ERRNO_RET_SINCE: semver::Version = semver::Version::new(1, 1, 0);

/// Distinctive errnos, which none of the calls returns on its own: a runtime that ignores
/// errnoRet (EPERM, its usual default) or mixes up the values is seen.
const RULE_ERRNO: i32 = libc::ENOTNAM;
const DEFAULT_ERRNO: i32 = libc::EREMOTEIO;
const ARGS_ERRNO: i32 = libc::EXDEV;

/// SKIP unless the runtime has seccomp (its features say `enabled: false` otherwise).
fn requires_seccomp(ctx: &Ctx) -> Check {
    let enabled = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/seccomp/enabled"))
        .and_then(Value::as_bool);
    if enabled == Some(false) {
        return Err(skip(
            "the runtime's features say seccomp is not enabled (linux.seccomp.enabled false)",
        ));
    }
    Ok(())
}

/// Whether the runtime is held to errnoRet and defaultErrnoRet; when not, says so in the notes
/// (only that a blocked call fails is then checked, with whatever errno).
fn errno_held(ctx: &mut Ctx) -> bool {
    let (claimed, source) = &ctx.suite.claimed;
    let held = crate::since::holds(claimed, &ERRNO_RET_SINCE);
    if !held {
        ctx.notes.push(format!(
            "errnoRet and defaultErrnoRet came with spec v{ERRNO_RET_SINCE} and the runtime claims {claimed} ({source}): a blocked call must fail, its errno is not checked"
        ));
    }
    held
}

/// Every x86_64 system call but `blocked`: an SCMP_ACT_ALLOW rule naming them leaves the
/// default action to `blocked` alone. SKIP on other architectures (no table for them here).
fn all_syscalls_but(blocked: &[&str]) -> Result<Vec<&'static str>, Stop> {
    if std::env::consts::ARCH != "x86_64" {
        return Err(skip(format!(
            "the harness has the system call table of x86_64 only (to allow every call but one); this host is {}",
            std::env::consts::ARCH
        )));
    }
    Ok(oci_probe::syscalls::X86_64
        .iter()
        .map(|(_, name)| *name)
        .filter(|name| !blocked.contains(name))
        .collect())
}

/// What a call must do under the filter.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Runs,
    /// Fails, whatever the errno.
    Fails,
    FailsWith(i32),
}

/// `FailsWith(errno)` when the runtime is held to errnoRet, else `Fails`.
fn blocked_with(held: bool, errno: i32) -> Want {
    if held {
        Want::FailsWith(errno)
    } else {
        Want::Fails
    }
}

fn errno_text(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    let text = text.split(" (os error").next().unwrap_or_default();
    format!("fails with errno {errno} ({text})")
}

/// What `want` asks, and what `got` did, as text at the same level of detail.
fn judged(want: Want, got: Option<&oci_probe::SyscallResult>) -> (String, String) {
    let expected = match want {
        Want::Runs => "runs".to_string(),
        Want::Fails => "fails (any errno)".to_string(),
        Want::FailsWith(e) => errno_text(e),
    };
    let observed = match (got.map(|g| g.errno), want) {
        (None, _) => "no result (the probe did not make the call)".to_string(),
        (Some(None), _) => "runs".to_string(),
        (Some(Some(_)), Want::Fails) => "fails (any errno)".to_string(),
        (Some(Some(e)), _) => errno_text(e),
    };
    (expected, observed)
}

/// Fails unless each named call did what it must.
fn expect_calls(what: &str, wants: &[(&str, Want)], got: &[oci_probe::SyscallResult]) -> Check {
    let mut expected = serde_json::Map::new();
    let mut observed = serde_json::Map::new();
    for (name, want) in wants {
        let (e, o) = judged(*want, got.iter().find(|g| g.name == *name));
        expected.insert(name.to_string(), e.into());
        observed.insert(name.to_string(), o.into());
    }
    expect_same(what, &expected, &observed)
}

/// Runs `oci-probe syscall` with the calls of `wants` in a container with `seccomp`, and
/// checks what each call did.
fn calls_under(ctx: &mut Ctx, seccomp: Value, wants: &[(&str, Want)], what: &str) -> Check {
    let out = format!("{}/syscalls.json", crate::bundle::OUT);
    let c = ctx.container(|cfg| {
        let mut args = vec!["syscall", "--out", out.as_str()];
        args.extend(wants.iter().map(|(name, _)| *name));
        cfg.probe_args(&args);
        cfg.set("/linux/seccomp", seccomp);
    })?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let path = c.bundle.out("syscalls.json");
    let text = ctx.wait_for("the probe's syscall results in /out/syscalls.json", || {
        std::fs::read_to_string(&path).ok()
    })?;
    let report: oci_probe::SyscallReport = serde_json::from_str(&text)
        .map_err(|e| fail(format!("the probe's syscall results do not parse: {e}")))?;
    expect_calls(what, wants, &report.calls)
}

fn seccomp_rule_blocks_its_syscall(ctx: &mut Ctx) -> Check {
    requires_seccomp(ctx)?;
    let held = errno_held(ctx);
    calls_under(
        ctx,
        json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["ioprio_get"], "action": "SCMP_ACT_ERRNO", "errnoRet": RULE_ERRNO}]
        }),
        &[
            ("ioprio_get", blocked_with(held, RULE_ERRNO)),
            ("personality", Want::Runs),
        ],
        &format!(
            "the calls under defaultAction SCMP_ACT_ALLOW and an SCMP_ACT_ERRNO rule with errnoRet {RULE_ERRNO} on ioprio_get (config-linux.md: errnoRet is \"the errno return code to use\")"
        ),
    )
}

fn seccomp_default_action_applies_to_unnamed_calls(ctx: &mut Ctx) -> Check {
    requires_seccomp(ctx)?;
    let allowed = all_syscalls_but(&["ioprio_get"])?;
    let held = errno_held(ctx);
    calls_under(
        ctx,
        json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": DEFAULT_ERRNO,
            "syscalls": [{"names": allowed, "action": "SCMP_ACT_ALLOW"}]
        }),
        &[
            ("ioprio_get", blocked_with(held, DEFAULT_ERRNO)),
            ("personality", Want::Runs),
        ],
        &format!(
            "the calls under defaultAction SCMP_ACT_ERRNO with defaultErrnoRet {DEFAULT_ERRNO} and an SCMP_ACT_ALLOW rule naming every call but ioprio_get (config-linux.md: defaultAction is \"the default action for seccomp\", defaultErrnoRet \"the errno return code to use\")"
        ),
    )
}

fn seccomp_errno_defaults_to_eperm(ctx: &mut Ctx) -> Check {
    requires_seccomp(ctx)?;
    let (claimed, source) = &ctx.suite.claimed;
    if !crate::since::holds(claimed, &ERRNO_RET_SINCE) {
        return Err(skip(format!(
            "\"The default is `EPERM`\" (errnoRet, defaultErrnoRet) came with spec v{ERRNO_RET_SINCE}; the runtime claims {claimed} ({source})"
        )));
    }
    let allowed = all_syscalls_but(&["ioprio_get", "personality"])?;
    calls_under(
        ctx,
        json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [
                {"names": allowed, "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO"}
            ]
        }),
        &[
            ("ioprio_get", Want::FailsWith(libc::EPERM)),
            ("personality", Want::FailsWith(libc::EPERM)),
            ("getppid", Want::Runs),
        ],
        "the calls under defaultAction SCMP_ACT_ERRNO without defaultErrnoRet (ioprio_get is named by no rule) and an SCMP_ACT_ERRNO rule without errnoRet on personality (config-linux.md, of both: \"The default is `EPERM`\")",
    )
}

fn seccomp_argument_filters_select_calls(ctx: &mut Ctx) -> Check {
    requires_seccomp(ctx)?;
    let held = errno_held(ctx);
    calls_under(
        ctx,
        json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [
                // Matches the probe's personality(0xffffffff): blocked.
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": ARGS_ERRNO,
                 "args": [{"index": 0, "value": 4294967295u64, "op": "SCMP_CMP_EQ"}]},
                // ioprio_get(IOPRIO_WHO_PGRP, ...) only: the probe's IOPRIO_WHO_PROCESS
                // call does not match and runs.
                {"names": ["ioprio_get"], "action": "SCMP_ACT_ERRNO", "errnoRet": ARGS_ERRNO,
                 "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}
            ]
        }),
        &[
            ("personality", blocked_with(held, ARGS_ERRNO)),
            ("ioprio_get", Want::Runs),
        ],
        &format!(
            "the calls under SCMP_ACT_ERRNO rules (errnoRet {ARGS_ERRNO}) with args: personality(0xffffffff) matches [index 0 == 0xffffffff]; ioprio_get(IOPRIO_WHO_PROCESS, 0) does not match [index 0 == 2 (IOPRIO_WHO_PGRP)]"
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// The features document

/// The runtime's features document, or SKIP.
fn features(ctx: &Ctx) -> Result<Value, Stop> {
    ctx.suite
        .features
        .clone()
        .ok_or_else(|| skip("the runtime provides no features document"))
}

/// Creates (and deletes) one container per value; returns the values the runtime refused,
/// with its error.
fn refused_values(
    ctx: &mut Ctx,
    values: &[String],
    edit: impl Fn(&mut Config, &str),
) -> Result<Vec<String>, Stop> {
    let mut refused = Vec::new();
    for v in values {
        let c = ctx.container(|cfg| edit(cfg, v))?;
        let call = ctx.create(&c);
        if !call.succeeded() {
            refused.push(format!(
                "{v}: {} {}",
                call.exit,
                crate::exec::clip(call.stderr.trim(), 200)
            ));
            continue;
        }
        let call = ctx.call(&["delete", "--force", &c.id]);
        ctx.succeed(call, "delete --force")?;
    }
    Ok(refused)
}

fn string_list(doc: &Value, pointer: &str) -> Option<Vec<String>> {
    doc.pointer(pointer).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}

fn features_namespaces_are_recognized(ctx: &mut Ctx) -> Check {
    let doc = features(ctx)?;
    let Some(types) = string_list(&doc, "/linux/namespaces") else {
        return Err(skip("the features document lists no linux.namespaces"));
    };
    // Kinds this host lacks cannot be created here; the rest must be accepted.
    let (usable, absent): (Vec<String>, Vec<String>) = types
        .into_iter()
        .partition(|t| ctx.host().namespaces.contains(proc_ns_name(t)));
    if !absent.is_empty() {
        ctx.notes
            .push(format!("not tried, this host lacks them: {absent:?}"));
    }
    let refused = refused_values(ctx, &usable, |cfg, t| {
        with_namespace(cfg, t);
        if t == "user" {
            // A user namespace needs mappings; container root as host root keeps the bundle
            // usable.
            let map = json!([{"containerID": 0, "hostID": 0, "size": 1}]);
            cfg.set("/linux/uidMappings", map.clone());
            cfg.set("/linux/gidMappings", map);
        }
    })?;
    ensure(refused.is_empty(), || {
        format!(
            "the features document lists these namespace types, yet create refused a config listing them: {refused:#?}"
        )
    })
}

/// The seccomp name of the architecture the harness runs on.
const NATIVE_ARCH: &str = match std::env::consts::ARCH.as_bytes() {
    b"x86_64" => "SCMP_ARCH_X86_64",
    b"aarch64" => "SCMP_ARCH_AARCH64",
    b"x86" => "SCMP_ARCH_X86",
    b"arm" => "SCMP_ARCH_ARM",
    b"powerpc64" => "SCMP_ARCH_PPC64LE",
    b"s390x" => "SCMP_ARCH_S390X",
    b"riscv64" => "SCMP_ARCH_RISCV64",
    _ => "SCMP_ARCH_NATIVE",
};

/// Seccomp architectures of big-endian byte order.
const BIG_ENDIAN_ARCHS: &[&str] = &[
    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",
    "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",
];

/// A harmless rule of each kind: on `acct`, which neither the runtime's start-up nor the probe
/// calls, with SCMP_ACT_ALLOW as the default.
fn features_seccomp_recognized(ctx: &mut Ctx, key: &str) -> Check {
    requires_seccomp(ctx)?;
    let doc = features(ctx)?;
    let Some(values) = string_list(&doc, &format!("/linux/seccomp/{key}")) else {
        return Err(skip(format!(
            "the features document has no linux.seccomp.{key}"
        )));
    };
    let key = key.to_string();
    let values = if key == "archs" {
        // libseccomp refuses a filter mixing byte orders, whatever the runtime: those
        // architectures cannot be used in any filter on this host.
        let (usable, foreign): (Vec<String>, Vec<String>) = values.into_iter().partition(|a| {
            BIG_ENDIAN_ARCHS.contains(&a.as_str()) != cfg!(target_endian = "little")
        });
        if !foreign.is_empty() {
            ctx.notes.push(format!(
                "not tried, of the other byte order than this host (libseccomp cannot combine them with the native one): {foreign:?}"
            ));
        }
        usable
    } else {
        values
    };
    // An SCMP_ACT_NOTIFY rule needs a listener: a socket the runtime can connect and send to
    // (the kernel queues both until it is closed, so nobody needs to accept).
    let socket = ctx
        .rt()
        .janitor
        .work_dir()
        .join(format!("{}.sock", ctx.scenario_name.replace("::", "-")));
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket)
        .map_err(|e| fail(format!("harness: listening on {}: {e}", socket.display())))?;
    let listener_path = socket.display().to_string();
    let refused = refused_values(ctx, &values, |cfg, v| {
        let rule = |action: &str| json!({"names": ["acct"], "action": action});
        let seccomp = match key.as_str() {
            "actions" if v == "SCMP_ACT_NOTIFY" => json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "listenerPath": listener_path,
                "syscalls": [rule(v)]
            }),
            "actions" => json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule(v)]}),
            "operators" => json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_ERRNO",
                              "args": [{"index": 0, "value": 1, "valueTwo": 1, "op": v}]}]
            }),
            "archs" => json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "architectures": [NATIVE_ARCH, v],
                "syscalls": [rule("SCMP_ACT_ERRNO")]
            }),
            _ => json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "flags": [v],
                "syscalls": [rule("SCMP_ACT_ERRNO")]
            }),
        };
        cfg.set("/linux/seccomp", seccomp);
    })?;
    drop(listener);
    let _ = std::fs::remove_file(&socket);
    ensure(refused.is_empty(), || {
        format!(
            "the features document lists these in linux.seccomp.{key}, yet create refused a config using them: {refused:#?}"
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Network devices

/// SKIP unless the runtime claims a release that has netDevices, its features do not say
/// it lacks them, and this host has `ip` and veth devices.
fn requires_net_devices(ctx: &Ctx) -> Result<PathBuf, Stop> {
    let since = semver::Version::parse(NET_DEVICES_SINCE).expect("a version");
    if !crate::since::holds(&ctx.suite.claimed.0, &since) {
        return Err(skip(format!(
            "linux.netDevices dates from runtime-spec v{NET_DEVICES_SINCE}; the runtime claims an older release ({})",
            ctx.suite.claimed.1
        )));
    }
    let enabled = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/netDevices/enabled"))
        .and_then(Value::as_bool);
    if enabled == Some(false) {
        return Err(skip(
            "the runtime's features say it cannot move network devices (linux.netDevices.enabled false)",
        ));
    }
    requires_host_namespace_net(ctx)?;
    which::which("ip").map_err(|_| skip("this host has no `ip` command to make a network device"))
}

fn requires_host_namespace_net(ctx: &Ctx) -> Check {
    ctx.requires_host_namespace("network")
}

/// Runs `ip ARGS` (optionally in the network namespace of `pid`), keeping nothing.
fn ip(ctx: &Ctx, ip: &Path, netns_pid: Option<&str>, args: &[&str]) -> crate::exec::Call {
    let (program, mut argv): (PathBuf, Vec<String>) = match netns_pid {
        Some(pid) => (
            which::which("nsenter").unwrap_or_else(|_| PathBuf::from("nsenter")),
            vec![
                format!("--net=/proc/{pid}/ns/net"),
                ip.display().to_string(),
            ],
        ),
        None => (ip.to_path_buf(), vec![]),
    };
    argv.extend(args.iter().map(|s| s.to_string()));
    crate::exec::run(&ctx.rt().janitor, &program, &argv, None, ctx.patience())
}

/// A veth pair made on the host for one scenario, removed when dropped (if still there).
struct Veth {
    ip: PathBuf,
    name: String,
    janitor: std::sync::Arc<crate::janitor::Janitor>,
    timeout: std::time::Duration,
}

impl Veth {
    /// `ocX<n>` and its peer `ocY<n>`: short (IFNAMSIZ is 16), unique in the run.
    fn create(ctx: &Ctx, ip_cmd: &Path, kind: &str) -> Result<Veth, Stop> {
        let n = std::process::id() as u64 * 1000
            + NEXT_DEV.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("ocn{:x}", n % 0xff_ffff_ffff);
        let peer = format!("ocp{:x}", n % 0xff_ffff_ffff);
        let args: Vec<&str> = match kind {
            "bridge" => vec!["link", "add", &name, "type", "bridge"],
            _ => vec!["link", "add", &name, "type", "veth", "peer", "name", &peer],
        };
        let call = ip(ctx, ip_cmd, None, &args);
        if !call.succeeded() {
            return Err(skip(format!(
                "this host cannot make a {kind} device (`ip {}`: {} {})",
                args.join(" "),
                call.exit,
                call.stderr.trim()
            )));
        }
        Ok(Veth {
            ip: ip_cmd.to_path_buf(),
            name,
            janitor: ctx.rt().janitor.clone(),
            timeout: ctx.patience(),
        })
    }

    fn on_host(&self) -> bool {
        Path::new("/sys/class/net").join(&self.name).exists()
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        if self.on_host() {
            let argv = ["link", "del", &self.name].map(String::from);
            crate::exec::run(&self.janitor, &self.ip, &argv, None, self.timeout);
        }
    }
}

static NEXT_DEV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `ip -j addr show` in the container's network namespace, parsed.
fn container_links(ctx: &Ctx, ip_cmd: &Path, pid: &str) -> Result<Vec<Value>, Stop> {
    let call = ip(ctx, ip_cmd, Some(pid), &["-j", "addr", "show"]);
    if !call.succeeded() {
        return Err(fail(format!(
            "harness: `ip -j addr show` in the container's network namespace failed: {} {}",
            call.exit,
            call.stderr.trim()
        )));
    }
    serde_json::from_str(&call.stdout).map_err(|e| fail(format!("harness: `ip -j` output: {e}")))
}

fn global_addresses(link: &Value) -> Vec<String> {
    let mut v: Vec<String> = link["addr_info"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| i["scope"] == "global")
                .map(|i| format!("{}/{}", i["local"].as_str().unwrap_or("?"), i["prefixlen"]))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn net_device_is_moved_up_with_its_addresses(ctx: &mut Ctx) -> Check {
    let ip_cmd = requires_net_devices(ctx)?;
    let dev = Veth::create(ctx, &ip_cmd, "veth")?;
    let addr = "10.213.7.2/24";
    let call = ip(ctx, &ip_cmd, None, &["addr", "add", addr, "dev", &dev.name]);
    ctx.succeed(call, "harness: ip addr add")?;
    let new_name = "ocin0";
    let c = ctx.container(|cfg| {
        with_namespace(cfg, "network");
        cfg.set(
            &format!("/linux/netDevices/{}", dev.name),
            json!({"name": new_name}),
        );
    })?;
    ctx.running(&c)?;
    let pid = state_pid(ctx, &c)?.to_string();
    let links = container_links(ctx, &ip_cmd, &pid)?;
    let Some(link) = links.iter().find(|l| l["ifname"] == new_name) else {
        let names: Vec<&Value> = links.iter().map(|l| &l["ifname"]).collect();
        return Err(mismatch(
            format!(
                "netDevices {:?} with name {new_name:?} is not in the container's network namespace",
                dev.name
            ),
            format!("an interface named {new_name:?}"),
            format!("interfaces {names:?}"),
        ));
    };
    let up = link["flags"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x == "UP"));
    ensure(up, || {
        format!(
            "the moved interface {new_name:?} is not up (config.linux.netDevices.set_up): flags {}",
            link["flags"]
        )
    })?;
    expect_same(
        "permanent global addresses of the moved interface (config.linux.netDevices.preserve_attributes)",
        &vec![addr.to_string()],
        &global_addresses(link),
    )
}

fn net_device_name_conflict_is_refused(ctx: &mut Ctx) -> Check {
    let ip_cmd = requires_net_devices(ctx)?;
    let dev = Veth::create(ctx, &ip_cmd, "veth")?;
    // Every new network namespace has `lo`.
    let c = ctx.container(|cfg| {
        with_namespace(cfg, "network");
        cfg.set(
            &format!("/linux/netDevices/{}", dev.name),
            json!({"name": "lo"}),
        );
    })?;
    create_is_refused(
        ctx,
        &c,
        "create moving a device under the name `lo`, which the container's namespace already has",
    )
}

fn net_device_template_name_is_allowed(ctx: &mut Ctx) -> Check {
    let ip_cmd = requires_net_devices(ctx)?;
    let dev = Veth::create(ctx, &ip_cmd, "veth")?;
    let c = ctx.container(|cfg| {
        with_namespace(cfg, "network");
        cfg.set(
            &format!("/linux/netDevices/{}", dev.name),
            json!({"name": "octpl%d"}),
        );
    })?;
    ctx.running(&c)?;
    let pid = state_pid(ctx, &c)?.to_string();
    let links = container_links(ctx, &ip_cmd, &pid)?;
    let names: Vec<String> = links
        .iter()
        .filter_map(|l| l["ifname"].as_str().map(str::to_string))
        .collect();
    let templated = names.iter().any(|n| {
        n.strip_prefix("octpl")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    });
    ensure(templated, || {
        format!(
            "name \"octpl%d\" is a template: the move must be allowed and the kernel name the interface octplN; the container's interfaces are {names:?}"
        )
    })
}

fn unmovable_net_device_is_refused(ctx: &mut Ctx) -> Check {
    let ip_cmd = requires_net_devices(ctx)?;
    // A bridge is local to its network namespace (NETIF_F_NETNS_LOCAL): it cannot be moved.
    let dev = Veth::create(ctx, &ip_cmd, "bridge")?;
    let c = ctx.container(|cfg| {
        with_namespace(cfg, "network");
        cfg.set(&format!("/linux/netDevices/{}", dev.name), json!({}));
    })?;
    create_is_refused(
        ctx,
        &c,
        "create moving a bridge device, which the kernel cannot move between namespaces",
    )?;
    ensure(dev.on_host(), || {
        format!("the bridge {} is no longer on the host", dev.name)
    })
}

fn net_device_is_not_moved_out_at_delete(ctx: &mut Ctx) -> Check {
    let ip_cmd = requires_net_devices(ctx)?;
    let dev = Veth::create(ctx, &ip_cmd, "veth")?;
    let c = ctx.container(|cfg| {
        with_namespace(cfg, "network");
        cfg.set(&format!("/linux/netDevices/{}", dev.name), json!({}));
    })?;
    ctx.running(&c)?;
    ensure(!dev.on_host(), || {
        format!(
            "netDevices {:?} is still on the host while the container runs",
            dev.name
        )
    })?;
    let call = ctx.kill(&c, "KILL");
    ctx.succeed(call, "kill KILL")?;
    ctx.wait_status(&c, "stopped")?;
    let call = ctx.delete(&c);
    ctx.succeed(call, "delete")?;
    // The interface went away with the namespace; one moved back would be on the host now.
    ensure(!dev.on_host(), || {
        format!(
            "after delete, the interface {:?} is back on the host: the runtime moved it out of the container's namespace",
            dev.name
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The seccomp listener (SCMP_ACT_NOTIFY with listenerPath)

/// What one connection to the listener brought: the bytes and, per `recvmsg`, the fds that
/// came with it; whether the peer closed it.
#[derive(Debug, Default)]
struct Received {
    chunks: Vec<(Vec<u8>, Vec<i32>)>,
    closed: bool,
}

impl Drop for Received {
    fn drop(&mut self) {
        for (_, fds) in &self.chunks {
            for fd in fds {
                // SAFETY: fds received by this process, closed once.
                unsafe { libc::close(*fd) };
            }
        }
    }
}

/// Reads one connection to its end (or the deadline), keeping every fd passed with
/// SCM_RIGHTS.
fn receive(stream: &std::os::unix::net::UnixStream, deadline: std::time::Instant) -> Received {
    use std::os::fd::AsRawFd;
    let mut got = Received::default();
    let fd = stream.as_raw_fd();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return got;
        }
        let _ = stream.set_read_timeout(Some(left));
        // The first read takes one byte: the fds that come with it are those of the first
        // sendmsg (a stream read may otherwise merge messages up to one that carries fds).
        let mut buf = vec![0u8; if got.chunks.is_empty() { 1 } else { 65536 }];
        let mut cmsg = vec![0u8; 4096];
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: msghdr is plain data; every pointer below outlives the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        msg.msg_controllen = cmsg.len() as _;
        // SAFETY: a valid socket and message header.
        let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return got;
        }
        let mut fds = Vec::new();
        // SAFETY: walking the control buffer the kernel filled, with the libc macros.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(c).cast::<i32>();
                    let count = ((*c).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / 4;
                    for i in 0..count {
                        fds.push(std::ptr::read_unaligned(data.add(i)));
                    }
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        if n == 0 && fds.is_empty() {
            got.closed = true;
            return got;
        }
        buf.truncate(n as usize);
        got.chunks.push((buf, fds));
    }
}

fn listener_socket(ctx: &Ctx, what: &str) -> PathBuf {
    ctx.rt().janitor.work_dir().join(format!(
        "{}-{what}.sock",
        ctx.scenario_name.replace("::", "-")
    ))
}

fn notify_config(cfg: &mut Config, path: &str) {
    cfg.set(
        "/linux/seccomp",
        json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": path,
            "listenerMetadata": "oci-check",
            "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_NOTIFY"}]
        }),
    );
}

fn requires_notify(ctx: &mut Ctx) -> Check {
    requires_seccomp(ctx)?;
    let since = semver::Version::new(1, 1, 0);
    if !crate::since::holds(&ctx.suite.claimed.0, &since) {
        // listenerPath came with v1.1.0; runc 1.1.5 claims 1.0.2-dev yet implements it, so
        // only a runtime whose features lack SCMP_ACT_NOTIFY is let off.
        ctx.notes.push(format!(
            "listenerPath dates from v1.1.0; the runtime claims {}",
            ctx.suite.claimed.1
        ));
    }
    match ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/seccomp/actions"))
        .and_then(Value::as_array)
    {
        Some(a) if !a.iter().any(|x| x == "SCMP_ACT_NOTIFY") => Err(skip(
            "the runtime's features do not list SCMP_ACT_NOTIFY in linux.seccomp.actions",
        )),
        _ => Ok(()),
    }
}

fn seccomp_listener_gets_the_process_state(ctx: &mut Ctx) -> Check {
    requires_notify(ctx)?;
    let socket = listener_socket(ctx, "listener");
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket)
        .map_err(|e| fail(format!("harness: listening on {}: {e}", socket.display())))?;
    let path = socket.display().to_string();
    let c = ctx.container(|cfg| notify_config(cfg, &path))?;
    let deadline = std::time::Instant::now() + ctx.patience();
    let reader = std::thread::spawn(move || {
        let _ = listener.set_nonblocking(true);
        loop {
            match listener.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    return Some(receive(&s, deadline));
                }
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Err(_) => return None,
            }
        }
    });
    let created = ctx.created(&c);
    let got = reader.join().unwrap_or(None);
    let _ = std::fs::remove_file(&socket);
    created?;
    let Some(got) = got else {
        return Err(fail(
            "create succeeded, but no connection came to listenerPath (an AF_UNIX SOCK_STREAM socket)",
        ));
    };
    let pid = state_pid(ctx, &c)?;
    ensure(got.closed, || {
        "the runtime did not close the connection after sending the seccomp state (no end of stream by the time create returned)".into()
    })?;
    let bytes: Vec<u8> = got.chunks.iter().flat_map(|(b, _)| b.clone()).collect();
    let mut values = serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>();
    let doc = match values.next() {
        Some(Ok(v)) => v,
        other => {
            return Err(mismatch(
                "the payload on the listener socket is not a JSON container process state",
                "one JSON object",
                format!("{other:?} from {:?}", String::from_utf8_lossy(&bytes)),
            ))
        }
    };
    ensure(values.next().is_none(), || {
        format!(
            "more than one container process state on one connection: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    })?;
    let with_fds: Vec<usize> = got
        .chunks
        .iter()
        .enumerate()
        .filter(|(_, (_, f))| !f.is_empty())
        .map(|(i, _)| i)
        .collect();
    ensure(with_fds.iter().all(|i| *i == 0), || {
        format!("file descriptors came with recvmsg calls {with_fds:?}: they must be sent only in the first sendmsg")
    })?;
    let fds: Vec<i32> = got
        .chunks
        .first()
        .map(|(_, f)| f.clone())
        .unwrap_or_default();
    let names: Vec<String> = doc["fds"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(at) = names.iter().position(|n| n == "seccompFd") else {
        return Err(mismatch(
            "the process state's fds does not name seccompFd",
            "fds containing \"seccompFd\"",
            doc["fds"].to_string(),
        ));
    };
    let link = fds
        .get(at)
        .and_then(|fd| std::fs::read_link(format!("/proc/self/fd/{fd}")).ok())
        .map(|p| p.display().to_string());
    expect_same(
        "what the fd named seccompFd (sent with SCM_RIGHTS) is",
        &Some("anon_inode:seccomp notify".to_string()),
        &link,
    )?;
    ensure(doc["ociVersion"].is_string(), || {
        format!("the process state has no ociVersion string: {doc}")
    })?;
    expect_same(
        "pid of the process state (the container process, as state says)",
        &json!(pid),
        &doc["pid"],
    )?;
    expect_same(
        "state.id of the process state",
        &json!(c.id),
        &doc["state"]["id"],
    )
}

fn seccomp_listener_send_failure_is_an_error(ctx: &mut Ctx) -> Check {
    requires_notify(ctx)?;
    // A path where nobody listens: the send fails.
    let socket = listener_socket(ctx, "nobody");
    let _ = std::fs::remove_file(&socket);
    let path = socket.display().to_string();
    let c = ctx.container(|cfg| notify_config(cfg, &path))?;
    create_is_refused(
        ctx,
        &c,
        "create whose seccomp state cannot be sent to listenerPath",
    )
}
