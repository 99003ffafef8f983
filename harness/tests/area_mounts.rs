//! The mounts area: every check FAILs against a runtime that ignores (or mishandles) the part
//! of the config it is about, and passes (or is SKIP with a reason) against runc.
//!
//! Most mount options came with spec v1.1.0, and runc 1.1.5 claims 1.0.2-dev: against runc
//! those checks are SKIP. `tests/broken-mounts --break=claim+...` makes the same runc claim
//! v1.3.0, so they run: they must FAIL when the option is removed from the config, and pass
//! when nothing is removed (except `CLAIMED_DEVIATIONS`, where runc 1.1.5 does not do what the
//! later spec text asks).

mod support;

use oci_check_model::Outcome;
use std::path::{Path, PathBuf};
use support::*;

/// (mode of tests/broken-runtime, the checks that must FAIL against it)
const TABLE: &[(&str, &[&str])] = &[
    (
        "relative-bind-from-cwd",
        &["mounts::relative_bind_source_is_relative_to_the_bundle"],
    ),
    (
        "ignore:/linux/devices",
        &["mounts::configured_device_is_available"],
    ),
    (
        "ignore:/linux/maskedPaths",
        &["mounts::masked_paths_are_masked"],
    ),
    (
        "ignore:/linux/readonlyPaths",
        &["mounts::readonly_paths_are_read_only"],
    ),
    (
        "ignore:/linux/sysctl",
        &["mounts::namespaced_sysctls_are_applied"],
    ),
    // runc's own propagation instead (rslave: a slave of the host mount of the rootfs).
    (
        "ignore:/linux/rootfsPropagation",
        &[
            "mounts::rootfs_propagation_shared_makes_a_new_peer_group",
            "mounts::rootfs_propagation_private_isolates_the_rootfs",
            "mounts::rootfs_propagation_unbindable_makes_the_rootfs_unbindable",
        ],
    ),
];

/// (mode of tests/broken-mounts, the checks that must FAIL against it)
const MOUNTS_TABLE: &[(&str, &[&str])] = &[
    (
        "claim+ignore:/mounts/6/options/0",
        &[
            "mounts::option_ro_makes_the_mount_read_only",
            "mounts::option_nosuid_is_applied",
            "mounts::option_nodev_is_applied",
            "mounts::option_noexec_is_applied",
            "mounts::option_noatime_is_applied",
            "mounts::option_nodiratime_is_applied",
            "mounts::option_strictatime_is_applied",
            "mounts::option_sync_is_applied",
            "mounts::option_dirsync_is_applied",
            "mounts::option_lazytime_is_applied",
            "mounts::option_nosymfollow_is_applied",
            "mounts::option_bind_does_not_carry_submounts",
            "mounts::option_rbind_carries_submounts",
            "mounts::option_shared_makes_a_peer_group",
            "mounts::option_unbindable_is_applied",
        ],
    ),
    (
        "claim+ignore:/mounts/6/options/1",
        &[
            "mounts::option_rw_after_ro_makes_the_mount_read_write",
            "mounts::option_suid_after_nosuid_clears_it",
            "mounts::option_dev_after_nodev_clears_it",
            "mounts::option_exec_after_noexec_clears_it",
            "mounts::option_atime_after_noatime_clears_it",
            "mounts::option_diratime_after_nodiratime_clears_it",
            "mounts::option_nostrictatime_after_strictatime_clears_it",
            "mounts::option_relatime_on_a_noatime_bind_is_applied",
            "mounts::option_async_after_sync_clears_it",
            "mounts::option_nolazytime_after_lazytime_clears_it",
            "mounts::option_symfollow_after_nosymfollow_clears_it",
            "mounts::option_private_ends_propagation",
            "mounts::option_rshared_applies_to_submounts",
            "mounts::option_rprivate_applies_to_submounts",
            "mounts::option_runbindable_applies_to_submounts",
            "mounts::option_rro_applies_to_submounts",
            "mounts::option_rrw_applies_to_submounts",
            "mounts::option_rnosuid_applies_to_submounts",
            "mounts::option_rsuid_applies_to_submounts",
            "mounts::option_rdev_applies_to_submounts",
            "mounts::option_rnoexec_applies_to_submounts",
            "mounts::option_rexec_applies_to_submounts",
            "mounts::option_rnoatime_applies_to_submounts",
            "mounts::option_ratime_applies_to_submounts",
            "mounts::option_rnodiratime_applies_to_submounts",
            "mounts::option_rdiratime_applies_to_submounts",
            "mounts::option_rrelatime_applies_to_submounts",
            "mounts::option_rstrictatime_applies_to_submounts",
            "mounts::option_rnosymfollow_applies_to_submounts",
            "mounts::option_rsymfollow_applies_to_submounts",
        ],
    ),
    (
        "claim+reject:norelatime",
        &["mounts::option_norelatime_is_a_mount_flag"],
    ),
    (
        "claim+reject:iversion",
        &["mounts::option_iversion_is_a_mount_flag"],
    ),
    (
        "claim+reject:noiversion",
        &["mounts::option_noiversion_is_a_mount_flag"],
    ),
    (
        "claim+reject:silent",
        &["mounts::option_silent_is_a_mount_flag"],
    ),
    (
        "claim+reject:loud",
        &["mounts::option_loud_is_a_mount_flag"],
    ),
    (
        "claim+reject:defaults",
        &["mounts::option_defaults_is_accepted"],
    ),
    (
        "claim+ignore:/mounts/6/options/2",
        &[
            "mounts::option_slave_after_shared_keeps_only_the_master",
            "mounts::option_rslave_applies_to_submounts",
        ],
    ),
    (
        "claim+reject:rnorelatime",
        &["mounts::option_rnorelatime_is_a_mount_flag"],
    ),
    (
        "claim+reject:rnostrictatime",
        &["mounts::option_rnostrictatime_is_a_mount_flag"],
    ),
    (
        "claim+ignore:/mounts/7/options/0",
        &["mounts::remount_changes_an_existing_mount"],
    ),
    (
        "reverse-extra",
        &["mounts::entries_are_mounted_in_the_listed_order"],
    ),
    (
        "claim+ignore:/mounts/6",
        &["mounts::relative_destination_is_relative_to_root"],
    ),
    (
        "claim+ignore:/mounts/6/options",
        &["mounts::unknown_options_are_passed_as_filesystem_data"],
    ),
    (
        "claim+reject:nosuid",
        &["mounts::features_mount_options_are_recognized"],
    ),
    (
        "claim+features-add:size",
        &["mounts::features_mount_options_are_not_filesystem_specific"],
    ),
    (
        "claim+reject:nofail",
        &["mounts::mount8_userspace_options_follow_mount8"],
    ),
    // The idmap option ignored: a plain bind, or no error without mappings.
    (
        "claim+ignore:/mounts/6/options/1",
        &[
            "mounts::idmap_applies_the_mount_mappings",
            "mounts::ridmap_applies_the_mount_mappings_recursively",
            "mounts::idmap_without_any_mapping_is_an_error",
            "mounts::ridmap_without_any_mapping_is_an_error",
        ],
    ),
    (
        "rootfs-propagation:private",
        &[
            "mounts::rootfs_propagation_shared_makes_a_new_peer_group",
            "mounts::rootfs_propagation_slave_receives_from_the_host",
            "mounts::rootfs_propagation_unbindable_makes_the_rootfs_unbindable",
        ],
    ),
    ("add-mount:/dev/fd", &["mounts::dev_symlinks_are_created"]),
    (
        "add-masked:/dev/full",
        &["mounts::default_devices_are_supplied"],
    ),
];

/// Checks runc 1.1.5 really fails (each is in ci/expect-fail/runc-1.1.5.txt with its reason).
const RUNC_DEVIATIONS: &[&str] = &[
    "mounts::device_path_conflict_is_an_error",
    "mounts::rootfs_propagation_shared_makes_a_new_peer_group",
    "mounts::rootfs_propagation_slave_receives_from_the_host",
    "mounts::rootfs_propagation_unbindable_makes_the_rootfs_unbindable",
];

/// Checks that need what this host lacks (SELinux): SKIP here, so no wrapper can show them
/// failing; the unit tests of scenarios::mounts show their comparison failing. On a host that
/// has SELinux, `checks_this_host_cannot_run_skip_here` fails until they join a table.
const HOST_LACKS: &[&str] = &["mounts::mount_label_is_applied"];

/// Checks runc 1.1.5 fails once it is held to the spec release that introduced them (it
/// claims 1.0.2-dev, so against runc itself they are SKIP):
/// - `defaults`, listed in its features.mountOptions, is passed to mount(2) as data, and
///   tmpfs refuses it;
/// - `ratime` and `rnostrictatime` make mount_setattr(2) fail with EINVAL;
/// - `nofail`, `noauto` (mount(8)'s own) are passed to tmpfs as data, which refuses them;
/// - `idmap` and `ridmap` (spec v1.2.0) are unknown to it: passed to the bind as data, and
///   ignored. No runtime on this host implements them: those four checks were only shown
///   to fail; their expectations (on-disk root seen as the mapping's hostID, the kernel's
///   `idmapped` flag) were checked by hand with open_tree + mount_setattr + move_mount.
const CLAIMED_DEVIATIONS: &[&str] = &[
    "mounts::mount8_userspace_options_follow_mount8",
    "mounts::idmap_applies_the_mount_mappings",
    "mounts::ridmap_applies_the_mount_mappings_recursively",
    "mounts::idmap_without_any_mapping_is_an_error",
    "mounts::ridmap_without_any_mapping_is_an_error",
    "mounts::option_defaults_is_accepted",
    "mounts::option_ratime_applies_to_submounts",
    "mounts::option_rnostrictatime_is_a_mount_flag",
    "mounts::features_mount_options_are_recognized",
];

fn broken_mounts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken-mounts")
}

/// As `check_table`, for tests/broken-mounts: runc runs every check once, each mode its own.
fn check_mounts_table(table: &[(&str, &[&str])], runc_deviations: &[&str]) -> Vec<String> {
    let Some((runc, probe)) = prerequisites() else {
        return Vec::new();
    };
    let wrapper = broken_mounts();
    let all: Vec<&str> = table.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    let mut problems = Vec::new();
    let honest = run(&options(&runc, &[], &probe, &all), None);
    for check in &all {
        let base = outcome(&honest, check);
        if ![Outcome::Pass, Outcome::Skip].contains(&base) && !runc_deviations.contains(check) {
            problems.push(format!("{check} against runc: {base:?}"));
        }
    }
    let left = traces(&work_dir(&honest));
    if !left.is_empty() {
        problems.push(format!("runc left {left:?}"));
    }
    let results: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = table
            .chunks(table.len().div_ceil(4))
            .map(|chunk| {
                let (wrapper, probe) = (&wrapper, &probe);
                s.spawn(move || {
                    let mut problems = Vec::new();
                    for (mode, checks) in chunk {
                        let arg = format!("--break={mode}");
                        let mut opts = options(wrapper, &[&arg], probe, checks);
                        opts.timeout = std::time::Duration::from_secs(5);
                        let broken = run(&opts, None);
                        for check in *checks {
                            let got = outcome(&broken, check);
                            if got != Outcome::Fail {
                                problems.push(format!(
                                    "{check} against --break={mode}: {got:?}, not Fail"
                                ));
                            }
                        }
                        let left = traces(&work_dir(&broken));
                        if !left.is_empty() {
                            problems.push(format!("--break={mode} left {left:?}"));
                        }
                    }
                    problems
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a thread"))
            .collect()
    });
    problems.extend(results.into_iter().flatten());
    problems
}

#[test]
fn every_mounts_check_fails_against_a_runtime_that_ignores_its_part() {
    assert_eq!(check_table(TABLE, RUNC_DEVIATIONS), Vec::<String>::new());
    assert_eq!(
        check_mounts_table(MOUNTS_TABLE, RUNC_DEVIATIONS),
        Vec::<String>::new()
    );
}

#[test]
fn every_mounts_check_is_shown_failing() {
    let both: Vec<(&str, &[&str])> = TABLE.iter().chain(MOUNTS_TABLE).copied().collect();
    let excused: Vec<&str> = RUNC_DEVIATIONS.iter().chain(HOST_LACKS).copied().collect();
    assert_eq!(
        never_shown_failing("mounts::", &both, &excused),
        Vec::<&str>::new()
    );
}

#[test]
fn checks_this_host_cannot_run_skip_here() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let r = run(&options(&runc, &[], &probe, HOST_LACKS), None);
    for check in HOST_LACKS {
        assert_eq!(
            outcome(&r, check),
            Outcome::Skip,
            "{check} runs on this host: show it failing in a table instead"
        );
    }
    assert_eq!(traces(&work_dir(&r)), Vec::<String>::new());
}

/// Held to spec v1.3.0, runc passes every mounts check but its known deviations: the checks
/// of later spec releases do pass against a runtime that does what they ask.
#[test]
fn mounts_checks_pass_when_runc_is_held_to_the_newest_spec() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let all: Vec<&str> = oci_check_harness::scenarios::all()
        .iter()
        .map(|s| s.name)
        .filter(|n| n.starts_with("mounts::"))
        .collect();
    let r = run(
        &options(&broken_mounts(), &["--break=claim"], &probe, &all),
        None,
    );
    let mut problems = Vec::new();
    for check in &all {
        let got = outcome(&r, check);
        let deviation = CLAIMED_DEVIATIONS.contains(check) || RUNC_DEVIATIONS.contains(check);
        if deviation && got != Outcome::Fail {
            problems.push(format!(
                "{check}: {got:?}, listed as a deviation of runc 1.1.5 but not Fail"
            ));
        }
        if !deviation && ![Outcome::Pass, Outcome::Skip].contains(&got) {
            let res = r.results.iter().find(|x| x.id == *check).expect("a result");
            problems.push(format!("{check}: {got:?}: {}", res.message));
        }
    }
    let left = traces(&work_dir(&r));
    if !left.is_empty() {
        problems.push(format!("left {left:?}"));
    }
    assert_eq!(problems, Vec::<String>::new());
}
