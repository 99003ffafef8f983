//! The intel_rdt area (linux.intelRdt, resctrl). This host has no resctrl, so the checks are
//! shown against `tests/emulated-resctrl`, a runtime that does the resctrl work in a plain
//! directory laid out like a resctrl mount, which the checks are pointed at with
//! `OCI_CHECK_RESCTRL`: every check PASSes against it, FAILs against each of its `--break`
//! modes, and SKIPs against runc without the knob; no run leaves anything behind, on the host
//! or in the directory.
//!
//! The knob is an environment variable of this whole process (and of the runtimes it starts),
//! so every run with it is in one test, one after another.

mod support;
use support::*;

use oci_check_harness::scenarios;
use oci_check_model::{Outcome, Run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Must equal `intel_rdt::RESCTRL_ENV` (not public outside the crate's scenarios).
const RESCTRL_ENV: &str = "OCI_CHECK_RESCTRL";

/// (mode of tests/emulated-resctrl, the checks that must FAIL against it)
const TABLE: &[(&str, &[&str])] = &[
    (
        "no-tasks",
        &[
            "intel_rdt::container_process_is_written_to_a_group_tasks_file",
            "intel_rdt::closid_without_schema_joins_the_preconfigured_group",
        ],
    ),
    (
        "touch-when-unset",
        &["intel_rdt::resctrl_is_not_touched_without_intel_rdt"],
    ),
    (
        "no-root-default",
        &["intel_rdt::closid_slash_assigns_the_default_clos"],
    ),
    (
        "wrong-default-name",
        &["intel_rdt::group_is_named_after_the_container_without_closid"],
    ),
    (
        "ignore-l3",
        &[
            "intel_rdt::l3_cache_and_mem_bw_schemas_are_both_written",
            "intel_rdt::either_schema_alone_is_written",
        ],
    ),
    (
        "ignore-mb",
        &[
            "intel_rdt::l3_cache_and_mem_bw_schemas_are_both_written",
            "intel_rdt::either_schema_alone_is_written",
        ],
    ),
    (
        "mb-first",
        &["intel_rdt::mem_bw_schema_is_written_after_l3_cache_schema"],
    ),
    (
        "ignore-schemata",
        &["intel_rdt::schemata_lines_are_written"],
    ),
    (
        "write-when-none",
        &["intel_rdt::schemata_is_not_written_without_a_schema"],
    ),
    (
        "no-compare",
        &["intel_rdt::existing_closid_group_is_compared_with_the_schema"],
    ),
    (
        "no-create-closid",
        &["intel_rdt::missing_closid_group_is_created_when_a_schema_is_set"],
    ),
    (
        "create-missing-preconfigured",
        &["intel_rdt::closid_without_schema_must_be_preconfigured"],
    ),
    (
        "ignore-closid",
        &["intel_rdt::closid_without_schema_joins_the_preconfigured_group"],
    ),
    (
        "keep-created",
        &["intel_rdt::group_the_runtime_created_is_removed_at_delete"],
    ),
    (
        "remove-preexisting",
        &["intel_rdt::closid_group_is_kept_at_delete"],
    ),
    (
        "no-mon-group",
        &["intel_rdt::monitoring_creates_a_mon_group_for_the_container"],
    ),
    (
        "mon-wrong-name",
        &["intel_rdt::mon_group_is_named_after_the_container"],
    ),
    (
        "keep-mon-group",
        &["intel_rdt::mon_group_is_deleted_with_the_container"],
    ),
    (
        "ignore-mon-limit",
        &["intel_rdt::mon_group_that_cannot_be_made_is_an_error"],
    ),
];

/// The checks of rows that spec v1.3.0 introduced: SKIP for a runtime claiming 1.0.2.
const SINCE_1_3_0: &[&str] = &[
    "intel_rdt::closid_slash_assigns_the_default_clos",
    "intel_rdt::mem_bw_schema_is_written_after_l3_cache_schema",
    "intel_rdt::schemata_lines_are_written",
    "intel_rdt::group_the_runtime_created_is_removed_at_delete",
    "intel_rdt::closid_group_is_kept_at_delete",
    "intel_rdt::monitoring_creates_a_mon_group_for_the_container",
    "intel_rdt::mon_group_is_named_after_the_container",
    "intel_rdt::mon_group_is_deleted_with_the_container",
    "intel_rdt::mon_group_that_cannot_be_made_is_an_error",
];

fn emulator() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/emulated-resctrl")
}

fn intel_rdt_checks() -> Vec<&'static str> {
    scenarios::all()
        .iter()
        .map(|s| s.name)
        .filter(|n| n.starts_with("intel_rdt::"))
        .collect()
}

/// A plain directory laid out like a resctrl mount of a two-socket machine with L3 CAT (12
/// bits, one at least), MBA (10% steps) and 8 RMIDs.
fn emulated_resctrl() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("oci-check-resctrl-")
        .tempdir()
        .expect("a temporary directory");
    let files = [
        ("schemata", "L3:0=fff;1=fff\n MB:0=100;1=100\n"),
        ("tasks", ""),
        ("info/L3/cbm_mask", "fff\n"),
        ("info/L3/min_cbm_bits", "1\n"),
        ("info/L3/num_closids", "16\n"),
        ("info/MB/min_bandwidth", "10\n"),
        ("info/MB/bandwidth_gran", "10\n"),
        ("info/MB/num_closids", "8\n"),
        ("info/L3_MON/num_rmids", "8\n"),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a parent")).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir(dir.path().join("mon_groups")).unwrap();
    dir
}

/// Every path under `dir` with its contents (directories: none): what must be the same
/// before and after a run.
fn layout(dir: &Path) -> BTreeMap<PathBuf, Option<String>> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if e.file_type().unwrap().is_dir() {
                todo.push(p);
                all.insert(rel, None);
            } else {
                all.insert(rel, Some(std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    all
}

/// Runs `checks` against `runtime` with `args`, with the knob at a new emulated resctrl when
/// `emulated`. Returns the run and what it left behind.
fn run_with(
    runtime: &Path,
    args: &[&str],
    probe: &Path,
    checks: &[&str],
    emulated: bool,
) -> (Run, Vec<String>) {
    let dir = emulated_resctrl();
    let before = layout(dir.path());
    if emulated {
        std::env::set_var(RESCTRL_ENV, dir.path());
    } else {
        std::env::remove_var(RESCTRL_ENV);
    }
    let r = run(&options(runtime, args, probe, checks), None);
    std::env::remove_var(RESCTRL_ENV);
    let mut left = traces(&work_dir(&r));
    let after = layout(dir.path());
    left.extend(changes(&before, &after));
    (r, left)
}

/// What differs between two layouts, path by path.
fn changes(
    before: &BTreeMap<PathBuf, Option<String>>,
    after: &BTreeMap<PathBuf, Option<String>>,
) -> Vec<String> {
    let paths: std::collections::BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| {
            format!(
                "emulated resctrl {}: {:?} before, {:?} after",
                p.display(),
                before.get(p),
                after.get(p)
            )
        })
        .collect()
}

fn message(r: &Run, check: &str) -> String {
    r.results
        .iter()
        .find(|x| x.id == check)
        .map(|x| x.message.clone())
        .unwrap_or_default()
}

/// Problems with `check`'s outcome in `r`: not `want`, or a SKIP without a reason.
fn expect(r: &Run, check: &str, want: Outcome, what: &str) -> Option<String> {
    let got = outcome(r, check);
    if got != want {
        return Some(format!(
            "{check} {what}: {got:?}, not {want:?}: {}",
            message(r, check)
        ));
    }
    (got == Outcome::Skip && message(r, check).is_empty())
        .then(|| format!("{check} {what}: SKIP without a reason"))
}

#[test]
fn intel_rdt_checks_pass_against_the_emulator_fail_against_its_breaks_and_skip_on_runc() {
    let Some((runc, probe)) = prerequisites() else {
        return;
    };
    let all = intel_rdt_checks();
    let mut problems = Vec::new();

    // runc here: no resctrl (the knob unset), and a claim of 1.0.2.
    let (r, left) = run_with(&runc, &[], &probe, &all, false);
    problems.extend(
        all.iter()
            .filter_map(|c| expect(&r, c, Outcome::Skip, "against runc")),
    );
    problems.extend(left.into_iter().map(|l| format!("runc: {l}")));

    // The emulator, breaking nothing: every check passes.
    let (r, left) = run_with(&emulator(), &[], &probe, &all, true);
    problems.extend(
        all.iter()
            .filter_map(|c| expect(&r, c, Outcome::Pass, "against the emulator")),
    );
    problems.extend(left.into_iter().map(|l| format!("emulator: {l}")));

    // Claiming 1.0.2, it is not held to the rows of 1.3.0.
    let (r, left) = run_with(&emulator(), &["--break=claims-1.0.2"], &probe, &all, true);
    for c in &all {
        let want = if SINCE_1_3_0.contains(c) {
            Outcome::Skip
        } else {
            Outcome::Pass
        };
        problems.extend(expect(&r, c, want, "against the emulator claiming 1.0.2"));
    }
    problems.extend(left.into_iter().map(|l| format!("claims-1.0.2: {l}")));

    // Each break fails the checks of its promise.
    for (mode, checks) in TABLE {
        let arg = format!("--break={mode}");
        let (r, left) = run_with(&emulator(), &[&arg], &probe, checks, true);
        for c in *checks {
            problems.extend(expect(&r, c, Outcome::Fail, &format!("against {arg}")));
        }
        problems.extend(left.into_iter().map(|l| format!("{arg}: {l}")));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_intel_rdt_check_is_shown_failing() {
    let missing = never_shown_failing("intel_rdt::", TABLE, &[]);
    assert!(missing.is_empty(), "never shown failing: {missing:?}");
}

#[test]
fn the_release_table_names_checks_of_the_suite() {
    let all = intel_rdt_checks();
    for c in SINCE_1_3_0 {
        assert!(all.contains(c), "{c} is no check");
    }
}
