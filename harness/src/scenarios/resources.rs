//! cgroups: `linux.cgroupsPath` and `linux.resources`, each value read back by the probe from the container's own cgroup.
//!
//! Every limit is read inside the container, from its own cgroup (`report.cgroup`): the
//! scenarios mount the cgroup filesystem read-only at `/sys/fs/cgroup` and, on a hybrid host,
//! the unified hierarchy at `/tmp`, so the probe sees both. Devices, block devices, CPUs,
//! memory nodes, huge page sizes and controllers are found on the host; what the host lacks is
//! SKIP. The values in `linux.resources` have no runtime row of their own (their rows are the
//! config's `.optional` fields), so those checks cite the runtime's duty to apply every
//! property of `config.json` at create.

use super::{create_is_refused, footprint_empty, must_error};
use crate::bundle::{Config, OUT};
use crate::host::Host;
use crate::scenario::{
    ensure, expect_same, expect_subset, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use oci_probe::{
    CgroupMembership, DeviceRule, Hierarchy, IoThrottle, Limit, NetCls, NetPrio, Report,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Applying what `config.json` asks: the rows every value check cites.
const APPLIED: [&str; 2] = [
    "runtime.ops.create.apply_all_but_process",
    "runtime.lifecycle.create.env_per_config",
];

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "resources::absolute_cgroups_path_is_relative_to_the_cgroup_mount",
            title: "An absolute cgroupsPath is taken relative to the cgroups mount point",
            requirements: &[
                "config.linux.cgroupsPath.absolute_relative_to_mount",
                "runtime.ops.create.apply_all_but_process",
            ],
            run: absolute_cgroups_path_is_relative_to_the_cgroup_mount,
        },
        Scenario {
            name: "resources::same_cgroups_path_attaches_to_the_same_place",
            title: "The same (relative) cgroupsPath attaches consistently to the same place in the hierarchy",
            requirements: &["config.linux.cgroupsPath.consistent"],
            run: same_cgroups_path_attaches_to_the_same_place,
        },
        Scenario {
            name: "resources::relative_cgroups_path_is_taken_below_a_runtime_location",
            title: "A relative cgroupsPath is interpreted relative to a runtime-determined location: every cgroup the container joins ends with it, and delete removes them",
            requirements: &[
                "config.linux.cgroupsPath.relative_runtime_defined",
                "runtime.ops.delete.removes_resources",
            ],
            run: relative_cgroups_path_is_taken_below_a_runtime_location,
        },
        Scenario {
            name: "resources::unusable_cgroups_path_is_refused",
            title: "A cgroupsPath the runtime considers invalid generates an error (and nothing is left)",
            requirements: &[
                "config.linux.cgroupsPath.invalid_error",
                "runtime.errors.no_side_effects",
            ],
            run: unusable_cgroups_path_is_refused,
        },
        Scenario {
            name: "resources::memory_limits_are_applied",
            title: "memory limit, reservation, swap, swappiness and disableOOMKiller are set in the container's memory cgroup",
            requirements: &APPLIED,
            run: memory_limits_are_applied,
        },
        Scenario {
            name: "resources::deprecated_kernel_memory_limits_do_not_stop_the_container",
            title: "memory.kernel and kernelTCP are NOT RECOMMENDED: a runtime may apply or ignore them, not fail on them",
            requirements: &[],
            run: deprecated_kernel_memory_limits_do_not_stop_the_container,
        },
        Scenario {
            name: "resources::cpu_shares_quota_and_period_are_applied",
            title: "cpu shares, quota and period are set in the container's cpu cgroup",
            requirements: &APPLIED,
            run: cpu_shares_quota_and_period_are_applied,
        },
        Scenario {
            name: "resources::cpu_burst_and_idle_are_applied",
            title: "cpu burst (no larger than quota) and idle are set in the container's cpu cgroup",
            requirements: &APPLIED,
            run: cpu_burst_and_idle_are_applied,
        },
        Scenario {
            name: "resources::cpuset_cpus_and_mems_are_applied",
            title: "cpu.cpus and cpu.mems are set in the container's cpuset cgroup and bound the process",
            requirements: &APPLIED,
            run: cpuset_cpus_and_mems_are_applied,
        },
        Scenario {
            name: "resources::pids_limit_is_applied",
            title: "pids.limit is the container's pids.max",
            requirements: &APPLIED,
            run: pids_limit_is_applied,
        },
        Scenario {
            name: "resources::pids_limit_zero_is_a_limit",
            title: "0 is a valid pids limit and SHOULD be treated as such (not as unlimited)",
            requirements: &["config.linux.resources.pids.zero_valid"],
            run: pids_limit_zero_is_a_limit,
        },
        Scenario {
            name: "resources::block_io_weight_and_throttles_are_applied",
            title: "blockIO weight, per-device weights and throttles are set in the container's blkio/io cgroup",
            requirements: &APPLIED,
            run: block_io_weight_and_throttles_are_applied,
        },
        Scenario {
            name: "resources::hugepage_limits_are_applied_or_refused",
            title: "hugepageLimits are set in the container's hugetlb cgroup, or create fails when they cannot be applied",
            requirements: &[
                "runtime.ops.create.error_cannot_apply",
                "config.linux.resources.unified.v1_conversion_error",
                "runtime.ops.create.apply_all_but_process",
            ],
            run: hugepage_limits_are_applied_or_refused,
        },
        Scenario {
            name: "resources::unified_values_are_written_with_their_controller_enabled",
            title: "unified keys are written to the container's v2 cgroup, with the needed controller enabled",
            requirements: &[
                "config.linux.resources.unified.enable_controllers",
                "config.linux.resources.unified.write_unknown",
            ],
            run: unified_values_are_written_with_their_controller_enabled,
        },
        Scenario {
            name: "resources::unified_key_of_a_missing_controller_is_refused",
            title: "A unified key of a controller that is not present generates an error (and nothing is left)",
            requirements: &[
                "config.linux.resources.unified.error_missing_controller",
                "runtime.errors.no_side_effects",
            ],
            run: unified_key_of_a_missing_controller_is_refused,
        },
        Scenario {
            name: "resources::device_rules_are_applied_in_the_listed_order",
            title: "The runtime applies the allowed device list's entries in the listed order (an allow then a deny of the same device differs from a deny then an allow)",
            requirements: &["config.linux.resources.devices.order"],
            run: device_rules_are_applied_in_the_listed_order,
        },
        Scenario {
            name: "resources::network_class_id_and_priorities_are_applied",
            title: "network.classID and priorities are set in the container's net_cls and net_prio cgroups",
            requirements: &APPLIED,
            run: network_class_id_and_priorities_are_applied,
        },
        Scenario {
            name: "resources::rdma_limits_are_applied",
            title: "rdma hcaHandles and hcaObjects are set in the container's rdma cgroup",
            requirements: &APPLIED,
            run: rdma_limits_are_applied,
        },
        Scenario {
            name: "resources::rdma_limits_without_the_rdma_controller_are_refused",
            title: "rdma limits on a kernel without the rdma controller cannot be applied: create generates an error (and nothing is left)",
            requirements: &[
                "runtime.ops.create.error_cannot_apply",
                "runtime.errors.no_side_effects",
            ],
            run: rdma_limits_without_the_rdma_controller_are_refused,
        },
        Scenario {
            name: "resources::intel_rdt_without_resctrl_is_refused",
            title: "intelRdt set with no mounted resctrl filesystem generates an error (and nothing is left)",
            requirements: &[
                "config.linux.intelRdt.no_resctrl_error",
                "runtime.errors.no_side_effects",
            ],
            run: intel_rdt_without_resctrl_is_refused,
        },
        Scenario {
            name: "resources::cgroup_ownership_is_unchanged_on_cgroup_v1",
            title: "Runtimes SHOULD NOT change the ownership of container cgroups when cgroups v1 is in use",
            requirements: &["config.linux.cgroups.ownership.not_v1"],
            run: cgroup_ownership_is_unchanged_on_cgroup_v1,
        },
        Scenario {
            name: "resources::cgroup_ownership_is_unchanged_without_a_cgroup_namespace",
            title: "A runtime SHOULD NOT change a container cgroup's owner unless it creates a cgroup namespace",
            requirements: &["config.linux.cgroups.ownership.requires_cgroupns"],
            run: cgroup_ownership_is_unchanged_without_a_cgroup_namespace,
        },
        Scenario {
            name: "resources::cgroup_ownership_is_unchanged_without_a_cgroup_mount",
            title: "Without a read/write cgroup mount the runtime SHOULD NOT change the cgroup ownership",
            requirements: &[
                "config.linux.cgroups.ownership.no_mount_no_chown",
                "config.linux.cgroups.ownership.iff_rw_mount",
            ],
            run: cgroup_ownership_is_unchanged_without_a_cgroup_mount,
        },
        Scenario {
            name: "resources::memory_policy_modes_of_the_features_are_recognized",
            title: "Every mode the features document lists for memoryPolicy is recognized in config.json",
            requirements: &["features.linux.memoryPolicy.modes.recognized"],
            run: memory_policy_modes_of_the_features_are_recognized,
        },
        Scenario {
            name: "resources::memory_policy_flags_of_the_features_are_recognized",
            title: "Every flag the features document lists for memoryPolicy is recognized in config.json",
            requirements: &["features.linux.memoryPolicy.flags.recognized"],
            run: memory_policy_flags_of_the_features_are_recognized,
        },
    ]
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[
    ("config.linux.cgroups.fit_for_purpose", "whether a runtime checks its cgroup (a MAY) is not observable; only a check that fails without an error would break the row, and that cannot be told apart from no check"),
    ("config.linux.resources.memory.checkBeforeUpdate.reject", "only a new limit (an update of a running container) can be rejected; updating resources is not an operation of the OCI command line"),
    ("config.linux.cgroups.ownership.delegate_files_only", "ownership is changed only on cgroup v2; this host's container cgroups are v1 (hybrid host, hugetlb alone on v2)"),
    ("config.linux.cgroups.ownership.missing_files_no_fail", "ownership is changed only on cgroup v2; this host's container cgroups are v1"),
    ("config.linux.cgroups.ownership.chown_existing", "ownership is changed only on cgroup v2; this host's container cgroups are v1"),
    ("config.linux.cgroups.ownership.fallback_list", "ownership is changed only on cgroup v2, and this kernel has /sys/kernel/cgroup/delegate, so the fallback list is never used"),
    ("config.linux.cgroups.ownership.no_other_files", "ownership is changed only on cgroup v2; this host's container cgroups are v1"),
];

// ---------------------------------------------------------------------------------------------
// Helpers

fn requires_controller(host: &Host, name: &str) -> Check {
    if host.has_controller(name) {
        Ok(())
    } else {
        Err(skip(format!(
            "this host has no {name} cgroup controller (neither a v1 hierarchy nor in the v2 root's cgroup.controllers)"
        )))
    }
}

/// The cgroup filesystems, read-only, where the probe looks: the `cgroup` mount at
/// /sys/fs/cgroup, plus the unified hierarchy at /tmp on a hybrid host (runtimes mount only the
/// v1 hierarchies there).
fn mount_cgroups(cfg: &mut Config, host: &Host) {
    cfg.push(
        "/mounts",
        json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
               "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}),
    );
    if host.cgroup_version == "hybrid" {
        cfg.push(
            "/mounts",
            json!({"destination": "/tmp", "type": "cgroup2", "source": "cgroup2",
                   "options": ["nosuid", "noexec", "nodev", "ro"]}),
        );
    }
}

fn report_args(cfg: &mut Config) {
    let out = format!("{OUT}/report.json");
    cfg.probe_args(&["report", "--out", &out]);
}

fn section<'r, T>(s: &'r Option<T>, controller: &str) -> Result<&'r T, Stop> {
    s.as_ref().ok_or_else(|| {
        fail(format!(
            "the probe sees no {controller} cgroup of its own inside the container (no such controller in its mounted cgroup filesystems)"
        ))
    })
}

fn lim(v: u64) -> Option<Limit> {
    Some(Limit::Value(v))
}

/// A lines of `/proc/self/status` (`Cpus_allowed_list`, `Mems_allowed_list`) as numbers.
fn own_list(key: &str) -> Vec<u32> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| oci_probe::parse::parse_cpu_list(v.trim_start_matches(':').trim()))
        .unwrap_or_default()
}

/// Block devices of the host, by name: (name, major, minor), sorted, real disks first.
fn block_devices() -> Vec<(String, u32, u32, bool)> {
    let mut found: Vec<(String, u32, u32, bool)> = std::fs::read_dir("/sys/block")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let dev = std::fs::read_to_string(e.path().join("dev")).ok()?;
            let (maj, min) = dev.trim().split_once(':')?;
            let real = e.path().join("device").exists();
            Some((name, maj.parse().ok()?, min.parse().ok()?, real))
        })
        .filter(|(n, ..)| !n.starts_with("loop") && !n.starts_with("ram"))
        .collect();
    found.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    found
}

fn uses_bfq(name: &str) -> bool {
    std::fs::read_to_string(format!("/sys/block/{name}/queue/scheduler"))
        .is_ok_and(|s| s.contains("[bfq]"))
}

/// The mount point of a v1 hierarchy holding `controller`.
/// Whether the host's blkio v1 hierarchy has a weight file (`blkio.weight` or
/// `blkio.bfq.weight`) at its root.
fn has_v1_blkio_weight() -> bool {
    v1_mount("blkio").is_some_and(|m| {
        ["blkio.weight", "blkio.bfq.weight"]
            .iter()
            .any(|f| m.join(f).exists())
    })
}

fn v1_mount(controller: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    oci_probe::parse::parse_mountinfo(&text)
        .into_iter()
        .find(|m| m.fstype == "cgroup" && m.super_options.iter().any(|o| o == controller))
        .map(|m| PathBuf::from(m.destination))
}

/// Huge page sizes of the host as the spec spells them (`2MB`, `1GB`, `64KB`), with bytes.
fn hugepage_sizes() -> Vec<(String, u64)> {
    let mut sizes: Vec<(String, u64)> = std::fs::read_dir("/sys/kernel/mm/hugepages")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| {
            let kb: u64 = n
                .strip_prefix("hugepages-")?
                .strip_suffix("kB")?
                .parse()
                .ok()?;
            let name = if kb.is_multiple_of(1024 * 1024) {
                format!("{}GB", kb / (1024 * 1024))
            } else if kb.is_multiple_of(1024) {
                format!("{}MB", kb / 1024)
            } else {
                format!("{kb}KB")
            };
            Some((name, kb * 1024))
        })
        .collect();
    sizes.sort_by_key(|(_, b)| *b);
    sizes
}

fn resctrl_mounted() -> bool {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    oci_probe::parse::parse_mountinfo(&text)
        .iter()
        .any(|m| m.fstype == "resctrl")
}

// ---------------------------------------------------------------------------------------------
// cgroupsPath

/// A hierarchy as `/proc/self/cgroup` names it: its controllers, `unified` for the v2 line.
fn hierarchy_label(m: &CgroupMembership) -> String {
    if m.controllers.is_empty() {
        "unified".to_string()
    } else {
        m.controllers.join(",")
    }
}

/// Controllers → path, from the probe's `/proc/self/cgroup` (`unified` for the v2 line).
fn memberships(r: &Report) -> BTreeMap<String, String> {
    r.cgroup
        .memberships
        .iter()
        .map(|m| (hierarchy_label(m), m.path.clone()))
        .collect()
}

/// The harness's own cgroup in each hierarchy, by hierarchy ID: where a runtime it starts
/// runs, and so where a container stays in a hierarchy it did not join.
fn own_cgroups() -> BTreeMap<u32, String> {
    oci_probe::parse::parse_proc_cgroup(
        &std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default(),
    )
    .into_iter()
    .map(|m| (m.hierarchy_id, m.path))
    .collect()
}

/// The cgroups the container joined (hierarchy → path): its memberships other than the
/// harness's own in the same hierarchy.
fn joined(r: &Report, own: &BTreeMap<u32, String>) -> BTreeMap<String, String> {
    r.cgroup
        .memberships
        .iter()
        .filter(|m| own.get(&m.hierarchy_id) != Some(&m.path))
        .map(|m| (hierarchy_label(m), m.path.clone()))
        .collect()
}

/// Runs the probe's report in a container whose `cgroupsPath` is the relative path `rel`
/// makes from the harness's own absolute path for it (`/<ID>`). Where a relative path lands
/// is the runtime's choice, so the janitor, which knows only `/<ID>`, is told before create
/// where it may land (below each hierarchy's root or below the harness's own cgroup, where a
/// runtime it starts runs), and after the report where it did: the cgroups are removed even
/// if the runtime's delete fails. A runtime that refuses the path (as it MAY) is SKIP.
fn relative_report(
    ctx: &mut Ctx,
    rel: impl FnOnce(&str) -> String,
    edit: impl FnOnce(&mut Config),
) -> Result<(Container, Report, String), Stop> {
    let mut relative = String::new();
    let c = ctx.container(|cfg| {
        let own = cfg
            .get("/linux/cgroupsPath")
            .and_then(Value::as_str)
            .unwrap_or("/");
        relative = rel(own);
        report_args(cfg);
        cfg.set("/linux/cgroupsPath", json!(relative));
        edit(cfg);
    })?;
    let janitor = ctx.rt().janitor.clone();
    let first = relative.split('/').next().unwrap_or_default();
    for base in own_cgroups().values() {
        janitor.also_clean_cgroup(c.key(), &format!("{}/{first}", base.trim_end_matches('/')));
    }
    let call = ctx.create(&c);
    if call.errored() {
        return Err(skip(format!(
            "the runtime refused the relative cgroupsPath {relative:?} ({}): runtimes MAY consider a cgroupsPath invalid, and then MUST generate an error, as it did",
            call.exit
        )));
    }
    ctx.succeed(call, "create")?;
    let r = ctx.start_and_report(&c)?;
    for path in joined(&r, &own_cgroups()).values() {
        janitor.also_clean_cgroup(c.key(), path);
    }
    Ok((c, r, relative))
}

/// Every joined cgroup ends with `/rel` (the runtime chose where below), and `needed` (the
/// controller the config sets a limit for) is among them.
fn placed_below(joined: &BTreeMap<String, String>, rel: &str, needed: &str) -> Check {
    let has_needed = joined.keys().any(|k| k.split(',').any(|c| c == needed));
    ensure(has_needed, || {
        format!(
            "the container joined no {needed} cgroup of its own (its {needed} limit is set in the config); it joined {joined:?}"
        )
    })?;
    let tail = format!("/{rel}");
    let misplaced: Vec<String> = joined
        .iter()
        .filter(|(_, path)| !path.ends_with(&tail))
        .map(|(h, path)| format!("{h}: {path}"))
        .collect();
    if misplaced.is_empty() {
        return Ok(());
    }
    Err(mismatch(
        format!(
            "the container's cgroups are not at the relative cgroupsPath {rel:?} below some location (config-linux.md: \"the runtime MAY interpret the path relative to a runtime-determined location in the cgroups hierarchy\")"
        ),
        format!("every cgroup the container joined ends with {tail}"),
        misplaced.join("; "),
    ))
}

/// After delete: none of the joined cgroups may still exist in any hierarchy.
fn removed_by_delete(joined: &BTreeMap<String, String>) -> Check {
    let left: std::collections::BTreeSet<PathBuf> = joined
        .values()
        .flat_map(|p| crate::janitor::cgroup_dirs(p))
        .collect();
    if left.is_empty() {
        return Ok(());
    }
    Err(mismatch(
        "delete left the container's cgroups (runtime.md: \"Deleting a container MUST delete the resources that were created during the create step\")",
        "no directory of the cgroups the container was in",
        format!("{left:?}"),
    ))
}

fn absolute_cgroups_path_is_relative_to_the_cgroup_mount(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "pids")?;
    let mut wanted = String::new();
    let (_c, r) = ctx.probe_report(
        |cfg| {
            // Below the harness's own path for the container, and not the container ID: a
            // runtime that made up its own path cannot land here by chance.
            let own = cfg
                .get("/linux/cgroupsPath")
                .and_then(Value::as_str)
                .unwrap_or("/");
            wanted = format!("{own}/absolute");
            cfg.set("/linux/cgroupsPath", json!(wanted));
            cfg.set("/linux/resources/pids", json!({"limit": 61}));
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    // The probe runs in the host's cgroup namespace: /proc/self/cgroup shows paths from the
    // root of each hierarchy, which is where the host mounted it.
    let own = oci_probe::parse::parse_proc_cgroup(
        &std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default(),
    );
    let got = memberships(&r);
    let pids = got
        .iter()
        .find(|(k, _)| k.split(',').any(|c| c == "pids"))
        .map(|(_, p)| p.clone());
    expect_same(
        "the pids cgroup the container is in (its limit is set in the config)",
        &Some(wanted.clone()),
        &pids,
    )?;
    // Other hierarchies: the runtime MAY attach there too, and then at the same path.
    let stray: Vec<String> = r
        .cgroup
        .memberships
        .iter()
        .filter(|m| m.path != wanted)
        .filter(|m| {
            !own.iter()
                .any(|o| o.hierarchy_id == m.hierarchy_id && o.path == m.path)
        })
        .map(|m| format!("{}:{}:{}", m.hierarchy_id, m.controllers.join(","), m.path))
        .collect();
    if !stray.is_empty() {
        return Err(mismatch(
            "the container is in cgroups at neither cgroupsPath nor the runtime's own place",
            format!("every hierarchy the container joined at {wanted}"),
            stray.join("; "),
        ));
    }
    let max = r.pids_max();
    expect_same("pids.max read in that cgroup", &lim(61), &max)
}

fn same_cgroups_path_attaches_to_the_same_place(ctx: &mut Ctx) -> Check {
    // A relative path: where it lands is the runtime's choice (MAY), but the same value must
    // land in the same place. It is the first container's ID.
    let (first, r1, relative) =
        relative_report(ctx, |own| own.trim_start_matches('/').to_string(), |_| {})?;
    ctx.wait_status(&first, "stopped")?;
    let call = ctx.delete(&first);
    ctx.succeed(call, "delete of the first container")?;
    let (_second, r2, _) = relative_report(ctx, |_| relative.clone(), |_| {})?;
    expect_same(
        &format!("the cgroups of two containers with cgroupsPath {relative:?}"),
        &memberships(&r1),
        &memberships(&r2),
    )
}

fn relative_cgroups_path_is_taken_below_a_runtime_location(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "pids")?;
    // Two components below the container's own name: a runtime that made up its own path (the
    // ID, say) or kept only part of this one cannot land on it by chance.
    let (c, r, rel) = relative_report(
        ctx,
        |own| format!("{}/relative", own.trim_start_matches('/')),
        |cfg| {
            cfg.set("/linux/resources/pids", json!({"limit": 59}));
            mount_cgroups(cfg, host);
        },
    )?;
    let joined = joined(&r, &own_cgroups());
    ctx.notes.push(format!("the container joined {joined:?}"));
    placed_below(&joined, &rel, "pids")?;
    expect_same("pids.max read in that cgroup", &lim(59), &r.pids_max())?;
    ctx.wait_status(&c, "stopped")?;
    let call = ctx.delete(&c);
    ctx.succeed(call, "delete of the stopped container")?;
    // Only the container's own cgroups: parents made on the way may be shared with other
    // containers (and resources not created by this container MUST NOT be deleted).
    removed_by_delete(&joined)
}

fn unusable_cgroups_path_is_refused(ctx: &mut Ctx) -> Check {
    // A NUL byte: no path on Linux can hold one, so no runtime can attach there.
    let c = ctx.container(|cfg| {
        let own = cfg
            .get("/linux/cgroupsPath")
            .and_then(Value::as_str)
            .unwrap_or("/");
        cfg.set("/linux/cgroupsPath", json!(format!("{own}/nul\u{0}byte")));
    })?;
    create_is_refused(ctx, &c, "create with a cgroupsPath holding a NUL byte")
}

// ---------------------------------------------------------------------------------------------
// memory

fn memsw_available(host: &Host) -> bool {
    if host.cgroup_v1_controllers.contains("memory") {
        v1_mount("memory").is_some_and(|m| m.join("memory.memsw.limit_in_bytes").exists())
    } else {
        // v2: swap accounting is there when the root's children have memory.swap.max; the
        // kernel has it unless built without CONFIG_SWAP.
        Path::new("/proc/swaps").exists()
    }
}

fn memory_limits_are_applied(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "memory")?;
    let swap_ok = memsw_available(host);
    let (limit, reservation, swap) = (96u64 << 20, 48u64 << 20, 160u64 << 20);
    let (_c, r) = ctx.probe_report(
        |cfg| {
            let mut m = json!({"limit": limit, "reservation": reservation,
                               "swappiness": 10, "disableOOMKiller": true});
            if swap_ok {
                m["swap"] = json!(swap);
            }
            cfg.set("/linux/resources/memory", m);
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let m = section(&r.cgroup.memory, "memory")?;
    let mut expected = BTreeMap::new();
    let mut observed = BTreeMap::new();
    let mut both = |k: &str, e: Value, o: Value| {
        expected.insert(k.to_string(), e);
        observed.insert(k.to_string(), o);
    };
    both("limit", json!(lim(limit)), json!(m.limit));
    both("reservation", json!(lim(reservation)), json!(m.reservation));
    match m.hierarchy {
        Hierarchy::V1 => {
            if swap_ok {
                both("swap (memsw: memory+swap)", json!(lim(swap)), json!(m.swap));
            }
            both("swappiness", json!(10), json!(m.swappiness));
            both("oom_kill_disable", json!(true), json!(m.oom_kill_disable));
        }
        Hierarchy::V2 => {
            if swap_ok {
                both(
                    "swap (memory.swap.max: swap alone)",
                    json!(lim(swap - limit)),
                    json!(m.swap),
                );
            }
        }
    }
    ctx.notes.push(format!("read from {}", m.dir));
    expect_same("the memory cgroup's settings", &expected, &observed)
}

fn deprecated_kernel_memory_limits_do_not_stop_the_container(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "memory")?;
    let (kernel, tcp) = (80u64 << 20, 16u64 << 20);
    let c = ctx.container(|cfg| {
        report_args(cfg);
        cfg.set(
            "/linux/resources/memory",
            json!({"limit": 96u64 << 20, "kernel": kernel, "kernelTCP": tcp}),
        );
        mount_cgroups(cfg, host);
    })?;
    let call = ctx.create(&c);
    ctx.succeed(
        call,
        "create with the deprecated memory.kernel and memory.kernelTCP (to be ignored or applied, not refused)",
    )?;
    let r = ctx.start_and_report(&c)?;
    let m = section(&r.cgroup.memory, "memory")?;
    // Ignored (no limit) or applied: never some other value.
    let fits =
        |want: u64, got: Option<Limit>| matches!(got, None | Some(Limit::Max)) || got == lim(want);
    ensure(fits(kernel, m.kernel) && fits(tcp, m.kernel_tcp), || {
        format!(
            "kernel memory limits are neither ignored nor applied: expected kernel {kernel} and kernelTCP {tcp} (or no limit), observed {:?} and {:?}",
            m.kernel, m.kernel_tcp
        )
    })
}

// ---------------------------------------------------------------------------------------------
// cpu, cpuset

fn cpu_shares_quota_and_period_are_applied(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "cpu")?;
    let (_c, r) = ctx.probe_report(
        |cfg| {
            cfg.set(
                "/linux/resources/cpu",
                json!({"shares": 512, "quota": 30000, "period": 60000}),
            );
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let cpu = section(&r.cgroup.cpu, "cpu")?;
    let mut expected = json!({"quota": lim(30000), "period": 60000});
    let mut observed = json!({"quota": cpu.quota, "period": cpu.period});
    if cpu.hierarchy == Hierarchy::V1 {
        expected["shares"] = json!(512);
        observed["shares"] = json!(cpu.shares);
    }
    ctx.notes.push(format!("read from {}", cpu.dir));
    expect_same("the cpu cgroup's settings", &expected, &observed)
}

fn cpu_burst_and_idle_are_applied(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "cpu.burst and cpu.idle")?;
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "cpu")?;
    let (_c, r) = ctx.probe_report(
        |cfg| {
            cfg.set(
                "/linux/resources/cpu",
                json!({"quota": 40000, "period": 100000, "burst": 20000, "idle": 1}),
            );
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let cpu = section(&r.cgroup.cpu, "cpu")?;
    if cpu.burst.is_none() {
        return Err(skip(format!(
            "this kernel has no CFS burst file in {} (cpu.cfs_burst_us / cpu.max.burst)",
            cpu.dir
        )));
    }
    let mut expected = json!({"quota": lim(40000), "burst": 20000});
    let mut observed = json!({"quota": cpu.quota, "burst": cpu.burst});
    // cpu.idle is read where the probe can (v2); elsewhere only burst is checked.
    if let Some(idle) = cpu.idle {
        expected["idle"] = json!(true);
        observed["idle"] = json!(idle);
    }
    expect_same("the cpu cgroup's settings", &expected, &observed)
}

fn cpuset_cpus_and_mems_are_applied(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "cpuset")?;
    let cpus = own_list("Cpus_allowed_list");
    let mems = own_list("Mems_allowed_list");
    let (Some(cpu), Some(mem)) = (cpus.last().copied(), mems.first().copied()) else {
        return Err(skip(
            "this process's allowed CPUs or memory nodes could not be read",
        ));
    };
    let (_c, r) = ctx.probe_report(
        |cfg| {
            cfg.set(
                "/linux/resources/cpu",
                json!({"cpus": cpu.to_string(), "mems": mem.to_string()}),
            );
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let set = section(&r.cgroup.cpuset, "cpuset")?;
    let parse = |s: &Option<String>| {
        s.as_deref()
            .and_then(oci_probe::parse::parse_cpu_list)
            .unwrap_or_default()
    };
    expect_same(
        "cpuset.cpus and cpuset.mems of the container's cgroup (as CPU/node numbers)",
        &json!({"cpus": [cpu], "mems": [mem]}),
        &json!({"cpus": parse(&set.cpus), "mems": parse(&set.mems)}),
    )?;
    expect_same(
        "the CPUs the container process may run on (sched_getaffinity)",
        &Some(vec![cpu]),
        &r.process.cpu_affinity,
    )
}

// ---------------------------------------------------------------------------------------------
// pids

fn pids_limit_is_applied(ctx: &mut Ctx) -> Check {
    pids_max_reads_back(ctx, 37, "pids.max of the container's cgroup")
}

fn pids_limit_zero_is_a_limit(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.3.0", "the note that 0 is a valid pids limit")?;
    pids_max_reads_back(
        ctx,
        0,
        "pids.max of the container's cgroup (0, not unlimited)",
    )
}

/// A container with `pids.limit` set to `limit`: its cgroup's pids.max must say the same.
fn pids_max_reads_back(ctx: &mut Ctx, limit: u64, what: &str) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "pids")?;
    let (_c, r) = ctx.probe_report(
        |cfg| {
            cfg.set("/linux/resources/pids", json!({ "limit": limit }));
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    section(&r.cgroup.pids, "pids")?;
    expect_same(what, &lim(limit), &r.pids_max())
}

// ---------------------------------------------------------------------------------------------
// blockIO

fn block_io_weight_and_throttles_are_applied(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    if !host.cgroup_v1_controllers.contains("blkio") && !host.cgroup_v2_controllers.contains("io") {
        return Err(skip(
            "this host has no blkio (v1) or io (v2) cgroup controller",
        ));
    }
    let devices = block_devices();
    let Some((name, major, minor, _)) = devices.first().cloned() else {
        return Err(skip("this host has no block device in /sys/block"));
    };
    // A per-device weight needs a device whose scheduler is BFQ.
    let bfq = devices.iter().find(|d| uses_bfq(&d.0)).cloned();
    // A kernel without a weight-based policy (CFQ, BFQ) has no blkio weight file: a runtime
    // may rightly refuse a weight it cannot apply, so the weight is asked for only where it
    // can be applied.
    let weight_file = has_v1_blkio_weight() || !host.cgroup_v1_controllers.contains("blkio");
    let (rbps, wbps, riops, wiops) = (1u64 << 20, 2u64 << 20, 300u64, 200u64);
    let dev = |rate: u64| json!([{"major": major, "minor": minor, "rate": rate}]);
    let (_c, r) = ctx.probe_report(
        |cfg| {
            let mut b = json!({
                "throttleReadBpsDevice": dev(rbps),
                "throttleWriteBpsDevice": dev(wbps),
                "throttleReadIOPSDevice": dev(riops),
                "throttleWriteIOPSDevice": dev(wiops),
            });
            if weight_file {
                b["weight"] = json!(300);
            }
            if let Some((_, ma, mi, _)) = &bfq {
                b["weightDevice"] = json!([{"major": ma, "minor": mi, "weight": 500}]);
            }
            cfg.set("/linux/resources/blockIO", b);
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let io = section(&r.cgroup.io, "blkio/io")?;
    ctx.notes.push(format!(
        "device {name} {major}:{minor}, read from {}",
        io.dir
    ));
    match io.weight {
        Some(w) if weight_file => expect_same("the cgroup's default block IO weight", &300, &w)?,
        _ => ctx.notes.push(
            "no weight file in the cgroup (no CFQ/BFQ weight): weight not set nor checked".into(),
        ),
    }
    if let Some((n, ma, mi, _)) = &bfq {
        expect_subset(
            &format!("per-device weights ({n} uses BFQ)"),
            &[oci_probe::DeviceValue {
                major: *ma,
                minor: *mi,
                value: 500,
            }],
            &io.weight_device,
        )?;
    } else {
        ctx.notes
            .push("no block device uses BFQ: weightDevice not checked".into());
    }
    expect_subset(
        "per-device throttles",
        &[IoThrottle {
            major,
            minor,
            read_bps: lim(rbps),
            write_bps: lim(wbps),
            read_iops: lim(riops),
            write_iops: lim(wiops),
        }],
        &io.throttle,
    )
}

// ---------------------------------------------------------------------------------------------
// hugetlb

fn hugepage_limits_are_applied_or_refused(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    requires_controller(host, "hugetlb")?;
    let Some((size, bytes)) = hugepage_sizes().into_iter().next() else {
        return Err(skip(
            "this kernel offers no huge page size (/sys/kernel/mm/hugepages is empty)",
        ));
    };
    let limit = 4 * bytes;
    let c = ctx.container(|cfg| {
        report_args(cfg);
        cfg.set(
            "/linux/resources/hugepageLimits",
            json!([{"pageSize": size, "limit": limit}]),
        );
        mount_cgroups(cfg, host);
    })?;
    let call = ctx.create(&c);
    if call.errored() {
        // Cannot apply it (on this hybrid host the controller is only on v2): an error, and
        // nothing left behind.
        ctx.notes.push(format!(
            "the runtime refused the hugetlb limit ({}); hugetlb is on {}",
            call.exit,
            if host.cgroup_v1_controllers.contains("hugetlb") {
                "v1"
            } else {
                "v2 only"
            }
        ));
        let call = ctx.call(&["state", &c.id]);
        must_error(&call, "state of a container whose create failed")?;
        return footprint_empty("the failed create", &ctx.footprint(&c));
    }
    ctx.succeed(call, "create")?;
    let r = ctx.start_and_report(&c)?;
    let h = r.cgroup.hugetlb.as_ref().ok_or_else(|| {
        mismatch(
            "the container was created, but its cgroup has no hugetlb controller (the limit was not applied, and create did not fail)",
            format!("hugetlb.{size} limit {limit}, or create failing"),
            "no hugetlb controller in the container's cgroups",
        )
    })?;
    let got = h
        .limits
        .iter()
        .find(|l| l.page_size == size)
        .and_then(|l| l.limit);
    expect_same(
        &format!(
            "the hugetlb {size} limit of the container's cgroup ({})",
            h.dir
        ),
        &lim(limit),
        &got,
    )
}

// ---------------------------------------------------------------------------------------------
// unified

/// A key the probe reads back, of a controller on the host's v2 hierarchy, with a value.
fn unified_key(host: &Host) -> Option<(String, String, String)> {
    let v2 = &host.cgroup_v2_controllers;
    if v2.contains("pids") {
        return Some(("pids".into(), "pids.max".into(), "41".into()));
    }
    if v2.contains("memory") {
        return Some((
            "memory".into(),
            "memory.max".into(),
            (88u64 << 20).to_string(),
        ));
    }
    if v2.contains("hugetlb") {
        let (size, bytes) = hugepage_sizes().into_iter().next()?;
        return Some((
            "hugetlb".into(),
            format!("hugetlb.{size}.max"),
            (2 * bytes).to_string(),
        ));
    }
    None
}

fn unified_values_are_written_with_their_controller_enabled(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "linux.resources.unified")?;
    let suite = ctx.suite;
    let host = &suite.host;
    if !matches!(host.cgroup_version, "v2" | "hybrid") {
        return Err(skip("this host has no cgroup v2 hierarchy"));
    }
    let Some((controller, key, value)) = unified_key(host) else {
        return Err(skip(format!(
            "none of pids, memory, hugetlb is on this host's v2 hierarchy (it has {:?})",
            host.cgroup_v2_controllers
        )));
    };
    let (_c, r) = ctx.probe_report(
        |cfg| {
            cfg.set("/linux/resources/unified", json!({ key.as_str(): value }));
            mount_cgroups(cfg, host);
        },
        &[],
    )?;
    let dir = r
        .cgroup
        .dirs
        .get("unified")
        .cloned()
        .ok_or_else(|| fail("the probe sees no cgroup v2 hierarchy inside the container"))?;
    let file = |name: &str| r.cgroup.files.get(&format!("{dir}/{name}")).cloned();
    let enabled = file("cgroup.controllers")
        .map(|t| t.split_whitespace().any(|c| c == controller))
        .unwrap_or(false);
    ensure(enabled, || {
        format!(
            "the {controller} controller is not enabled for the container's v2 cgroup {dir}: cgroup.controllers is {:?}",
            file("cgroup.controllers")
        )
    })?;
    expect_same(
        &format!("{key} of the container's v2 cgroup ({dir})"),
        &Some(value.clone()),
        &file(&key),
    )
}

fn unified_key_of_a_missing_controller_is_refused(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "linux.resources.unified")?;
    // No kernel has a controller of this name.
    let c = ctx.container(|cfg| {
        cfg.set(
            "/linux/resources/unified",
            json!({"ocicheckmissing.max": "1"}),
        );
    })?;
    create_is_refused(
        ctx,
        &c,
        "create with a unified key of a controller that is not present (ocicheckmissing.max)",
    )
}

// ---------------------------------------------------------------------------------------------
// devices

/// The device the rules are about: a minor of the mem driver (major 1) that no kernel
/// registers and no runtime allows by default. Nothing is opened: the rules are read back.
const RULED: (u32, u32) = (1, 250);

fn device_rule(allow: bool, access: &str) -> Value {
    json!({"allow": allow, "type": "c", "major": RULED.0, "minor": RULED.1, "access": access})
}

/// The two orders of the same three rules, with the r/w access each leaves to the device:
/// the later rule wins.
fn device_rule_orders() -> [(&'static str, Value, &'static str); 2] {
    let deny_all = json!({"allow": false, "access": "rwm"});
    [
        (
            "deny all, allow c 1:250 rw, deny c 1:250 w",
            json!([deny_all, device_rule(true, "rw"), device_rule(false, "w")]),
            "r",
        ),
        (
            "deny all, deny c 1:250 w, allow c 1:250 rw",
            json!([deny_all, device_rule(false, "w"), device_rule(true, "rw")]),
            "rw",
        ),
    ]
}

fn rule_matches(rule: &DeviceRule, kind: &str, major: u32, minor: u32) -> bool {
    (rule.kind == "a" || rule.kind == kind)
        && rule.major.is_none_or(|m| m == major)
        && rule.minor.is_none_or(|m| m == minor)
}

/// An entry as `devices.list` writes it: `c 1:250 rw`, `c *:* m`.
fn rule_text(r: &DeviceRule) -> String {
    let num = |n: Option<u32>| n.map_or("*".to_string(), |n| n.to_string());
    format!("{} {}:{} {}", r.kind, num(r.major), num(r.minor), r.access)
}

/// The read and write access a v1 `devices.list` grants to a char device: the union over every
/// entry that matches it, wildcards included (the list is a set; runtimes add entries of their
/// own). `m` is left out: runtimes commonly allow mknod of every device.
fn granted_rw(list: &[DeviceRule], major: u32, minor: u32) -> String {
    let access: String = list
        .iter()
        .filter(|r| rule_matches(r, "c", major, minor))
        .map(|r| r.access.as_str())
        .collect();
    ["r", "w"]
        .into_iter()
        .filter(|a| access.contains(a))
        .collect()
}

fn device_rules_are_applied_in_the_listed_order(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    if !host.cgroup_v1_controllers.contains("devices") {
        return Err(skip(
            "this host has no v1 devices hierarchy, whose devices.list shows the rules in effect: on cgroup v2 the rules are an eBPF program that cannot be read back (and the probe has no verb that tries an open)",
        ));
    }
    let (major, minor) = RULED;
    let mut expected = BTreeMap::new();
    let mut observed = BTreeMap::new();
    for (order, rules, want) in device_rule_orders() {
        let (_c, r) = ctx.probe_report(
            |cfg| {
                cfg.set("/linux/resources/devices", rules);
                mount_cgroups(cfg, host);
            },
            &[],
        )?;
        let d = section(&r.cgroup.devices, "devices")?;
        let list = d.list.as_ref().ok_or_else(|| {
            fail(format!(
                "devices.list of the container's cgroup ({}) could not be read",
                d.dir
            ))
        })?;
        let matching: Vec<String> = list
            .iter()
            .filter(|r| rule_matches(r, "c", major, minor))
            .map(rule_text)
            .collect();
        ctx.notes.push(format!(
            "{order}: entries of {}/devices.list for c {major}:{minor}: {matching:?}",
            d.dir
        ));
        expected.insert(order, want.to_string());
        observed.insert(order, granted_rw(list, major, minor));
    }
    expect_same(
        &format!(
            "read/write access to c {major}:{minor} in the container's devices.list, per order of the rules (config-linux.md: \"The runtime MUST apply entries in the listed order\")"
        ),
        &expected,
        &observed,
    )
}

// ---------------------------------------------------------------------------------------------
// network

const CLASS_ID: u64 = 0x0010_0001;
/// `lo` is in every network namespace, the runtime's included.
const PRIORITY_IF: &str = "lo";
const PRIORITY: u64 = 7;

/// What net_cls and net_prio of the container's cgroups should hold, and what they hold, for
/// the controllers `want` names (`net_cls`, `net_prio`).
fn network_applied(want: &[&str], cls: Option<&NetCls>, prio: Option<&NetPrio>) -> Check {
    let mut expected = BTreeMap::new();
    let mut observed = BTreeMap::new();
    if want.contains(&"net_cls") {
        expected.insert("net_cls.classid".to_string(), Some(CLASS_ID));
        observed.insert("net_cls.classid".to_string(), cls.and_then(|c| c.classid));
    }
    if want.contains(&"net_prio") {
        let key = format!("net_prio.ifpriomap {PRIORITY_IF}");
        let got = prio
            .and_then(|p| p.ifpriomap.as_ref())
            .and_then(|m| m.iter().find(|e| e.interface == PRIORITY_IF))
            .map(|e| e.priority);
        expected.insert(key.clone(), Some(PRIORITY));
        observed.insert(key, got);
    }
    expect_same(
        "the container's net_cls/net_prio cgroup values (null: not readable in the container)",
        &expected,
        &observed,
    )
}

fn network_class_id_and_priorities_are_applied(ctx: &mut Ctx) -> Check {
    let suite = ctx.suite;
    let host = &suite.host;
    let on_host: Vec<&str> = ["net_cls", "net_prio"]
        .into_iter()
        .filter(|c| host.cgroup_v1_controllers.contains(*c))
        .collect();
    let c = ctx.container(|cfg| {
        report_args(cfg);
        cfg.set(
            "/linux/resources/network",
            json!({"classID": CLASS_ID, "priorities": [{"name": PRIORITY_IF, "priority": PRIORITY}]}),
        );
        mount_cgroups(cfg, host);
    })?;
    let call = ctx.create(&c);
    if on_host.is_empty() && call.errored() {
        return Err(skip(
            "this host has no net_cls or net_prio v1 hierarchy (they have no cgroup v2 interface), and the runtime refused the network settings it cannot apply",
        ));
    }
    ctx.succeed(call, "create")?;
    let r = ctx.start_and_report(&c)?;
    // The runtime's mount namespace may have a hierarchy the harness's does not: what the
    // container sees counts too.
    let mut want = on_host;
    for (name, seen) in [
        ("net_cls", r.cgroup.net_cls.is_some()),
        ("net_prio", r.cgroup.net_prio.is_some()),
    ] {
        if seen && !want.contains(&name) {
            want.push(name);
        }
    }
    if want.is_empty() {
        return Err(skip(
            "neither this host nor the container has a net_cls or net_prio v1 hierarchy (they have no cgroup v2 interface): linux.resources.network cannot be read back",
        ));
    }
    ctx.notes.push(format!("checked {want:?}"));
    network_applied(&want, r.cgroup.net_cls.as_ref(), r.cgroup.net_prio.as_ref())
}

// ---------------------------------------------------------------------------------------------
// rdma

/// RDMA devices of the host, by name.
fn rdma_devices() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/infiniband")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// `rdma.max`: `DEVICE hca_handle=N|max hca_object=N|max` per line → device → key → value.
fn parse_rdma_max(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let device = f.next()?.to_string();
            let values = f
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Some((device, values))
        })
        .collect()
}

fn rdma_limits_are_applied(ctx: &mut Ctx) -> Check {
    let supported = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/cgroup/rdma"))
        .and_then(Value::as_bool);
    if supported == Some(false) {
        return Err(skip(
            "the runtime's features document says it does not support the rdma controller (linux.cgroup.rdma is false)",
        ));
    }
    requires_controller(ctx.host(), "rdma")?;
    let Some(device) = rdma_devices().into_iter().next() else {
        return Err(skip(
            "this host has no RDMA device (/sys/class/infiniband is empty or missing)",
        ));
    };
    let c = ctx.container(|cfg| {
        cfg.set(
            "/linux/resources/rdma",
            json!({ device.as_str(): {"hcaHandles": 3, "hcaObjects": 100} }),
        );
    })?;
    ctx.created(&c)?;
    // Read on the host, in the container's cgroup: the probe does not read rdma.max.
    let Some(file) = crate::janitor::cgroup_dirs(&c.cgroups_path)
        .into_iter()
        .map(|d| d.join("rdma.max"))
        .find(|f| f.exists())
    else {
        return Err(fail(format!(
            "no rdma.max in the container's cgroup {} in any hierarchy",
            c.cgroups_path
        )));
    };
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    rdma_applied(&device, &file.display().to_string(), &text)
}

fn rdma_limits_without_the_rdma_controller_are_refused(ctx: &mut Ctx) -> Check {
    // /proc/cgroups lists every controller the kernel has, mounted or not, v1 or v2: without
    // an rdma line no runtime can apply rdma limits, in whatever mount namespace.
    let controllers = std::fs::read_to_string("/proc/cgroups").unwrap_or_default();
    if controllers
        .lines()
        .any(|l| l.split_whitespace().next() == Some("rdma"))
    {
        return Err(skip(
            "this kernel has the rdma controller (/proc/cgroups): the error case cannot be made",
        ));
    }
    let c = ctx.container(|cfg| {
        cfg.set(
            "/linux/resources/rdma",
            json!({"mlx5_0": {"hcaHandles": 3, "hcaObjects": 100}}),
        );
    })?;
    create_is_refused(
        ctx,
        &c,
        "create with linux.resources.rdma on a kernel without the rdma controller",
    )
}

/// The limits the config sets for `device` (hcaHandles 3, hcaObjects 100) are its line of
/// `rdma.max` (read from `file`).
fn rdma_applied(device: &str, file: &str, text: &str) -> Check {
    let want: BTreeMap<String, String> = [("hca_handle", "3"), ("hca_object", "100")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    expect_same(
        &format!("the limits of {device} in {file}"),
        &Some(want),
        &parse_rdma_max(text).remove(device),
    )
}

// ---------------------------------------------------------------------------------------------
// intelRdt

fn intel_rdt_without_resctrl_is_refused(ctx: &mut Ctx) -> Check {
    if resctrl_mounted() {
        return Err(skip(
            "a resctrl filesystem is mounted on this host: the error case cannot be made",
        ));
    }
    let c = ctx.container(|cfg| {
        cfg.set("/linux/intelRdt", json!({"closID": "oci-check"}));
    })?;
    create_is_refused(
        ctx,
        &c,
        "create with linux.intelRdt when no resctrl filesystem is mounted",
    )
}

// ---------------------------------------------------------------------------------------------
// Cgroup ownership

const UID: u32 = 1000;

/// Owners of the container's cgroup directories and their `cgroup.procs`, after create, that
/// are not the runtime's (root's): empty when nothing was chowned.
fn chowned(ctx: &mut Ctx, edit: impl FnOnce(&mut Config)) -> Result<Vec<String>, Stop> {
    let c = ctx.container(|cfg| {
        cfg.set("/process/user", json!({"uid": UID, "gid": UID}));
        edit(cfg);
    })?;
    ctx.created(&c)?;
    let dirs = crate::janitor::cgroup_dirs(&c.cgroups_path);
    ensure(!dirs.is_empty(), || {
        format!(
            "no cgroup directory of the container at {} in any hierarchy",
            c.cgroups_path
        )
    })?;
    let euid = ctx.host().euid;
    Ok(dirs
        .iter()
        .flat_map(|d| [d.clone(), d.join("cgroup.procs")])
        .filter_map(|p| {
            let uid = std::fs::metadata(&p).ok()?.uid();
            (uid != euid).then(|| format!("{} owned by uid {uid}", p.display()))
        })
        .collect())
}

fn unchanged(found: Vec<String>, why: &str) -> Check {
    if found.is_empty() {
        Ok(())
    } else {
        Err(mismatch(
            format!("the container's cgroup ownership was changed {why}"),
            "every cgroup directory and file still owned by the runtime's user",
            found.join("; "),
        ))
    }
}

fn rw_cgroup_mount(cfg: &mut Config) {
    cfg.push(
        "/mounts",
        json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
               "options": ["nosuid", "noexec", "nodev", "relatime", "rw"]}),
    );
}

fn cgroupns(cfg: &mut Config) {
    cfg.push("/linux/namespaces", json!({"type": "cgroup"}));
}

fn cgroup_ownership_is_unchanged_on_cgroup_v1(ctx: &mut Ctx) -> Check {
    ctx.requires_host_namespace("cgroup")?;
    if ctx.host().cgroup_v1_controllers.is_empty() {
        return Err(skip("this host has no cgroup v1 hierarchy"));
    }
    // Everything that would call for a chown on v2: a cgroup namespace, a read/write cgroup
    // mount, a non-root user.
    let found = chowned(ctx, |cfg| {
        cgroupns(cfg);
        rw_cgroup_mount(cfg);
    })?;
    unchanged(found, "while cgroups v1 is in use")
}

fn cgroup_ownership_is_unchanged_without_a_cgroup_namespace(ctx: &mut Ctx) -> Check {
    let found = chowned(ctx, rw_cgroup_mount)?;
    unchanged(found, "without a new cgroup namespace")
}

fn cgroup_ownership_is_unchanged_without_a_cgroup_mount(ctx: &mut Ctx) -> Check {
    ctx.requires_host_namespace("cgroup")?;
    let found = chowned(ctx, cgroupns)?;
    unchanged(found, "though the config has no read/write cgroup mount")
}

// ---------------------------------------------------------------------------------------------
// memoryPolicy (features)

/// The strings the features document lists at `pointer`; SKIP when it lists none.
fn listed(ctx: &Ctx, pointer: &str) -> Result<Vec<String>, Stop> {
    ctx.held_to("1.3.0", "linux.memoryPolicy")?;
    let list: Vec<String> = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer(pointer))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        return Err(skip(format!(
            "the runtime's features document lists nothing at {pointer}"
        )));
    }
    Ok(list)
}

/// create (then delete) with each memory policy: the runtime must accept every one.
fn each_policy_is_accepted(ctx: &mut Ctx, policies: Vec<(String, Value)>) -> Check {
    let mut refused = Vec::new();
    for (what, policy) in policies {
        let c = ctx.container(|cfg| {
            cfg.set("/linux/memoryPolicy", policy.clone());
        })?;
        let call = ctx.create(&c);
        if call.succeeded() {
            let call = ctx.delete(&c);
            ctx.succeed(call, "delete of a created container")?;
        } else {
            refused.push(format!("{what} ({policy}): {}", call.exit));
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(mismatch(
            "create refused a memory policy its features document lists",
            "create succeeds with every listed value",
            refused.join("; "),
        ))
    }
}

fn first_node() -> Result<u32, Stop> {
    own_list("Mems_allowed_list")
        .first()
        .copied()
        .ok_or_else(|| skip("this process's allowed memory nodes could not be read"))
}

fn memory_policy_modes_of_the_features_are_recognized(ctx: &mut Ctx) -> Check {
    let modes = listed(ctx, "/linux/memoryPolicy/modes")?;
    let node = first_node()?.to_string();
    let policies = modes
        .into_iter()
        .map(|m| {
            // MPOL_DEFAULT and MPOL_LOCAL take no nodes; the others at least one.
            let p = if m == "MPOL_DEFAULT" || m == "MPOL_LOCAL" {
                json!({"mode": m})
            } else {
                json!({"mode": m, "nodes": node})
            };
            (format!("mode {m}"), p)
        })
        .collect();
    each_policy_is_accepted(ctx, policies)
}

fn memory_policy_flags_of_the_features_are_recognized(ctx: &mut Ctx) -> Check {
    let flags = listed(ctx, "/linux/memoryPolicy/flags")?;
    let node = first_node()?.to_string();
    // One container per flag (the static and relative flags exclude each other); MPOL_BIND
    // takes each of them.
    let policies = flags
        .into_iter()
        .map(|f| {
            (
                format!("flag {f}"),
                json!({"mode": "MPOL_BIND", "nodes": node, "flags": [f]}),
            )
        })
        .collect();
    each_policy_is_accepted(ctx, policies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_probe::IfPriority;

    fn rules(text: &str) -> Vec<DeviceRule> {
        oci_probe::parse::parse_devices_list(text)
    }

    fn failed(c: Check) -> bool {
        matches!(c, Err(Stop::Fail(_)))
    }

    #[test]
    fn granted_access_is_the_union_of_matching_entries_without_mknod() {
        // runc's list after [deny all, allow c 1:250 rw, deny c 1:250 w] and its defaults.
        let list = rules("b *:* m\nc *:* m\nc 1:3 rwm\nc 1:250 r\nc 136:* rwm\n");
        assert_eq!(granted_rw(&list, 1, 250), "r");
        assert_eq!(granted_rw(&rules("c 1:250 rw\nc *:* m\n"), 1, 250), "rw");
        // Nothing allowed: the later deny-all of a reversed list.
        assert_eq!(granted_rw(&rules("c *:* m\nc 1:3 rwm\n"), 1, 250), "");
        // Wildcards count: default-allow, a major of its own.
        assert_eq!(granted_rw(&rules("a *:* rwm\n"), 1, 250), "rw");
        assert_eq!(granted_rw(&rules("c 1:* w\nc 1:250 r\n"), 1, 250), "rw");
        // Other devices and block devices do not.
        assert_eq!(granted_rw(&rules("b 1:250 rw\nc 1:251 rw\n"), 1, 250), "");
    }

    #[test]
    fn the_two_orders_expect_different_access() {
        let [(_, a, ra), (_, b, rb)] = device_rule_orders();
        assert_ne!(ra, rb);
        // The same rules, other order.
        let mut a: Vec<Value> = a.as_array().unwrap().clone();
        let b: Vec<Value> = b.as_array().unwrap().clone();
        a.swap(1, 2);
        assert_eq!(a, b);
    }

    fn joined(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(h, p)| (h.to_string(), p.to_string()))
            .collect()
    }

    #[test]
    fn a_relative_path_must_end_every_joined_cgroup() {
        let rel = "x-1/relative";
        let good = joined(&[
            ("pids", "/x-1/relative"),
            ("memory", "/process_api/abc/x-1/relative"),
            ("unified", "/x-1/relative"),
        ]);
        assert!(placed_below(&good, rel, "pids").is_ok());
        // Shortened, replaced by the ID, or a name that merely ends the same way.
        for bad in ["/x-1", "/x-2", "/xx-1/relative2", "/other/x-1/relativex"] {
            let j = joined(&[("pids", "/x-1/relative"), ("cpu,cpuacct", bad)]);
            assert!(failed(placed_below(&j, rel, "pids")), "{bad}");
        }
        // The controller the config limits must be joined.
        let j = joined(&[("memory", "/x-1/relative")]);
        assert!(failed(placed_below(&j, rel, "pids")));
    }

    fn cls(classid: Option<u64>) -> NetCls {
        NetCls {
            dir: "/sys/fs/cgroup/net_cls".into(),
            classid,
        }
    }

    fn prio(map: &[(&str, u64)]) -> NetPrio {
        NetPrio {
            dir: "/sys/fs/cgroup/net_prio".into(),
            ifpriomap: Some(
                map.iter()
                    .map(|(i, p)| IfPriority {
                        interface: i.to_string(),
                        priority: *p,
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn network_values_are_compared_per_wanted_controller() {
        let both = ["net_cls", "net_prio"];
        let good_prio = prio(&[("eth0", 0), ("lo", PRIORITY)]);
        assert!(network_applied(&both, Some(&cls(Some(CLASS_ID))), Some(&good_prio)).is_ok());
        // Wrong or missing class ID; lo without the priority; a controller not seen at all.
        assert!(failed(network_applied(
            &both,
            Some(&cls(Some(0))),
            Some(&good_prio)
        )));
        assert!(failed(network_applied(
            &both,
            Some(&cls(None)),
            Some(&good_prio)
        )));
        let no_lo = prio(&[("eth0", PRIORITY), ("lo", 0)]);
        assert!(failed(network_applied(
            &both,
            Some(&cls(Some(CLASS_ID))),
            Some(&no_lo)
        )));
        assert!(failed(network_applied(&["net_prio"], None, None)));
        // Only what is wanted is compared.
        assert!(network_applied(&["net_cls"], Some(&cls(Some(CLASS_ID))), None).is_ok());
    }

    #[test]
    fn rdma_max_parses_per_device() {
        let m = parse_rdma_max(
            "mlx4_0 hca_handle=2 hca_object=2000\nocrdma1 hca_handle=3 hca_object=max\n",
        );
        assert_eq!(m["mlx4_0"]["hca_object"], "2000");
        assert_eq!(m["ocrdma1"]["hca_handle"], "3");
        assert_eq!(m["ocrdma1"]["hca_object"], "max");
        assert!(parse_rdma_max("").is_empty());
    }

    #[test]
    fn rdma_limits_must_be_the_devices_line() {
        let f = "/sys/fs/cgroup/rdma/x/rdma.max";
        assert!(rdma_applied("mlx4_0", f, "mlx4_0 hca_handle=3 hca_object=100\n").is_ok());
        // Not applied (max), half applied, applied to another device, no line at all.
        for text in [
            "mlx4_0 hca_handle=max hca_object=max\n",
            "mlx4_0 hca_handle=3 hca_object=max\n",
            "mlx4_0 hca_handle=max hca_object=max\nmlx5_1 hca_handle=3 hca_object=100\n",
            "",
        ] {
            assert!(failed(rdma_applied("mlx4_0", f, text)), "{text}");
        }
    }
}
