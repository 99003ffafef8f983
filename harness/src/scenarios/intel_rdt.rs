//! linux.intelRdt: what the runtime does in the resctrl filesystem.
//!
//! Every check looks at resctrl from the host: which group's `tasks` lists the container's
//! process, what a group's `schemata` reads back, which groups and MON groups exist before
//! and after create and delete. The resctrl mount is found in /proc/self/mountinfo (fstype
//! `resctrl`); without one every check is SKIP.
//!
//! Real resctrl semantics are assumed throughout: mkdir of a group makes its files (`tasks`,
//! `schemata`, `mon_groups/`, ...), `schemata` reads back normalized with every resource line
//! of the hardware, so lines are compared parsed (`L3:0=ff;1=ff` → resource and domain map,
//! cache masks as numbers). Values that must be valid on any hardware come from the root
//! group's own `schemata` and `info/`: a narrow L3 mask (the lowest `info/L3/min_cbm_bits` bits
//! of the root's mask) and the smallest memory bandwidth (`info/MB/min_bandwidth`), each
//! different from what a new group gets by default, so that a write is seen.
//!
//! Resctrl is one shared resource (a few CLOSIDs, a limited number of RMIDs): the checks of
//! this module run one at a time. Every directory a check makes there (pre-configured CLOS
//! groups, MON groups that use up the RMIDs) is removed when the check ends, however it ends,
//! and so is every group named after the run's tag that the runtime leaves behind (reported in
//! the result).
//!
//! Testing knob: with `OCI_CHECK_RESCTRL=DIR` in the environment the checks take DIR for the
//! resctrl mount. This serves only a runtime that emulates resctrl in DIR (the harness's
//! tests use `harness/tests/emulated-resctrl`); a real runtime uses the real mount and fails
//! these checks then. With the knob, the harness does for its own groups what the kernel
//! would (a new group's files, the merge of a `schemata` write, the RMID limit of
//! `info/L3_MON/num_rmids`).

use super::{create_is_refused, footprint_empty, must_error};
use crate::scenario::{
    ensure, expect_same, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The environment variable that names a directory to take for the resctrl mount.
pub const RESCTRL_ENV: &str = "OCI_CHECK_RESCTRL";

const NO_RESCTRL: &str =
    "no mounted resctrl filesystem (the CPU has no RDT or the kernel lacks resctrl)";

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "intel_rdt::container_process_is_written_to_a_group_tasks_file",
            title: "With intelRdt set, the container's process ID is in the tasks file of a sub-directory of resctrl",
            requirements: &["config.linux.intelRdt.write_tasks"],
            run: container_process_is_written_to_a_group_tasks_file,
        },
        Scenario {
            name: "intel_rdt::resctrl_is_not_touched_without_intel_rdt",
            title: "Without intelRdt the runtime does not manipulate resctrl (no group, no schemata write, the process stays where it was born)",
            requirements: &["config.linux.intelRdt.unset_no_touch"],
            run: resctrl_is_not_touched_without_intel_rdt,
        },
        Scenario {
            name: "intel_rdt::closid_slash_assigns_the_default_clos",
            title: "closID \"/\" assigns the container to the default CLOS, the root of resctrl",
            requirements: &["config.linux.intelRdt.closID.root_default"],
            run: closid_slash_assigns_the_default_clos,
        },
        Scenario {
            name: "intel_rdt::l3_cache_and_mem_bw_schemas_are_both_written",
            title: "With l3CacheSchema and memBwSchema both set, both values are written to the group's schemata",
            requirements: &["config.linux.intelRdt.write_both"],
            run: l3_cache_and_mem_bw_schemas_are_both_written,
        },
        Scenario {
            name: "intel_rdt::mem_bw_schema_is_written_after_l3_cache_schema",
            title: "l3CacheSchema is written first and memBwSchema last: an MB line inside l3CacheSchema is overridden by memBwSchema",
            requirements: &["config.linux.intelRdt.write_order"],
            run: mem_bw_schema_is_written_after_l3_cache_schema,
        },
        Scenario {
            name: "intel_rdt::either_schema_alone_is_written",
            title: "l3CacheSchema alone, and memBwSchema alone, is written to the group's schemata",
            requirements: &["config.linux.intelRdt.write_either"],
            run: either_schema_alone_is_written,
        },
        Scenario {
            name: "intel_rdt::schemata_lines_are_written",
            title: "The lines of the schemata field are written to the group's schemata",
            requirements: &["config.linux.intelRdt.write_schemata"],
            run: schemata_lines_are_written,
        },
        Scenario {
            name: "intel_rdt::schemata_is_not_written_without_a_schema",
            title: "With none of l3CacheSchema, memBwSchema or schemata set, no schemata file is written",
            requirements: &["config.linux.intelRdt.no_write_if_none"],
            run: schemata_is_not_written_without_a_schema,
        },
        Scenario {
            name: "intel_rdt::group_is_named_after_the_container_without_closid",
            title: "Without closID the runtime creates the <container-id> directory and puts the container there",
            requirements: &["config.linux.intelRdt.closID_default_container_id"],
            run: group_is_named_after_the_container_without_closid,
        },
        Scenario {
            name: "intel_rdt::missing_closid_group_is_created_when_a_schema_is_set",
            title: "closID with a schema: a closID directory that does not exist is created",
            requirements: &["config.linux.intelRdt.closID_create_dir"],
            run: missing_closid_group_is_created_when_a_schema_is_set,
        },
        Scenario {
            name: "intel_rdt::existing_closid_group_is_compared_with_the_schema",
            title: "closID with a schema: an existing closID group's schemata is compared, and a mismatch generates an error (and nothing is left)",
            requirements: &[
                "config.linux.intelRdt.closID_compare_existing",
                "runtime.errors.no_side_effects",
            ],
            run: existing_closid_group_is_compared_with_the_schema,
        },
        Scenario {
            name: "intel_rdt::closid_without_schema_must_be_preconfigured",
            title: "closID without a schema: a closID directory that is not there generates an error (and nothing is left)",
            requirements: &[
                "config.linux.intelRdt.closID_check_preconfigured",
                "config.linux.intelRdt.closID_assign_or_error",
                "runtime.errors.no_side_effects",
            ],
            run: closid_without_schema_must_be_preconfigured,
        },
        Scenario {
            name: "intel_rdt::closid_without_schema_joins_the_preconfigured_group",
            title: "closID without a schema: the container is assigned to the pre-configured closID group",
            requirements: &[
                "config.linux.intelRdt.closID_assign_or_error",
                "config.linux.intelRdt.closID_check_preconfigured",
            ],
            run: closid_without_schema_joins_the_preconfigured_group,
        },
        Scenario {
            name: "intel_rdt::group_the_runtime_created_is_removed_at_delete",
            title: "Without closID, the sub-directory the runtime created is removed when the container is deleted",
            requirements: &["config.linux.intelRdt.remove_created_dir"],
            run: group_the_runtime_created_is_removed_at_delete,
        },
        Scenario {
            name: "intel_rdt::closid_group_is_kept_at_delete",
            title: "With closID set (created by the runtime or pre-configured), the sub-directory is not removed when the container is deleted",
            requirements: &["config.linux.intelRdt.keep_uncreated_dir"],
            run: closid_group_is_kept_at_delete,
        },
        Scenario {
            name: "intel_rdt::monitoring_creates_a_mon_group_for_the_container",
            title: "enableMonitoring creates a dedicated MON group holding the container's process",
            requirements: &["config.linux.intelRdt.mon_group_create"],
            run: monitoring_creates_a_mon_group_for_the_container,
        },
        Scenario {
            name: "intel_rdt::mon_group_is_named_after_the_container",
            title: "The MON group is mon_groups/<container-id>/ under the closID or <container-id> group",
            requirements: &["config.linux.intelRdt.mon_group_name"],
            run: mon_group_is_named_after_the_container,
        },
        Scenario {
            name: "intel_rdt::mon_group_is_deleted_with_the_container",
            title: "The container's MON group is deleted after the container is deleted",
            requirements: &["config.linux.intelRdt.mon_group_delete"],
            run: mon_group_is_deleted_with_the_container,
        },
        Scenario {
            name: "intel_rdt::mon_group_that_cannot_be_made_is_an_error",
            title: "When the MON group cannot be created (no RMID left), create generates an error (and nothing is left)",
            requirements: &[
                "config.linux.intelRdt.mon_group_error",
                "runtime.errors.no_side_effects",
            ],
            run: mon_group_that_cannot_be_made_is_an_error,
        },
    ]
}

/// Counted intelRdt rows no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// The resctrl filesystem

/// A resource's domains and their values (`0 → fff`), values normalized: cache masks (`L2`,
/// `L3`, `L3CODE`, ...) as lowercase hex without padding, others as decimal numbers.
type Domains = BTreeMap<String, String>;
/// A `schemata` file: resource → domains.
type Schemata = BTreeMap<String, Domains>;

/// Directories of the resctrl root that are not CLOS groups.
const NOT_GROUPS: [&str; 3] = ["info", "mon_groups", "mon_data"];

/// Where resctrl is, and whether it is the testing knob's plain directory.
#[derive(Debug, Clone)]
struct Resctrl {
    root: PathBuf,
    emulated: bool,
}

impl Resctrl {
    /// The knob's directory, else the first resctrl mount; SKIP without either.
    fn find() -> Result<Resctrl, Stop> {
        if let Some(dir) = std::env::var_os(RESCTRL_ENV) {
            let root = PathBuf::from(dir);
            return if root.is_dir() {
                Ok(Resctrl {
                    root,
                    emulated: true,
                })
            } else {
                Err(fail(format!(
                    "harness: {RESCTRL_ENV}={} is not a directory",
                    root.display()
                )))
            };
        }
        let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        oci_probe::parse::parse_mountinfo(&text)
            .into_iter()
            .find(|m| m.fstype == "resctrl")
            .map(|m| Resctrl {
                root: PathBuf::from(m.destination),
                emulated: false,
            })
            .ok_or_else(|| skip(NO_RESCTRL))
    }

    /// The group directory of a closID (`/` is the root, the default CLOS).
    fn group(&self, name: &str) -> PathBuf {
        if name == "/" {
            self.root.clone()
        } else {
            self.root.join(name)
        }
    }

    fn info(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join("info").join(rel))
            .ok()
            .map(|s| s.trim().to_string())
    }

    fn schemata(&self, group: &Path) -> Result<Schemata, Stop> {
        let path = group.join("schemata");
        std::fs::read_to_string(&path)
            .map(|t| parse_schemata(&t))
            .map_err(|e| fail(format!("reading {}: {e}", path.display())))
    }

    /// The IDs a `tasks` file lists (none when it cannot be read).
    fn tasks(&self, group: &Path) -> Vec<i64> {
        std::fs::read_to_string(group.join("tasks"))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect()
    }

    /// The root and every CLOS group (CTRL_MON group) under it.
    fn ctrl_groups(&self) -> Vec<PathBuf> {
        let mut all = vec![self.root.clone()];
        all.extend(sub_dirs(&self.root).into_iter().filter(|d| {
            d.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !NOT_GROUPS.contains(&n))
        }));
        all
    }

    fn mon_groups(&self, ctrl: &Path) -> Vec<PathBuf> {
        sub_dirs(&ctrl.join("mon_groups"))
    }

    /// Every group, MON groups first (they go before their parent when removing).
    fn all_groups(&self) -> Vec<PathBuf> {
        let ctrl = self.ctrl_groups();
        let mut all: Vec<PathBuf> = ctrl.iter().flat_map(|c| self.mon_groups(c)).collect();
        all.extend(ctrl.into_iter().skip(1));
        all
    }

    /// The CLOS groups whose `tasks` lists `pid`: exactly one for any process.
    fn groups_listing(&self, pid: i64) -> Vec<PathBuf> {
        self.ctrl_groups()
            .into_iter()
            .filter(|g| self.tasks(g).contains(&pid))
            .collect()
    }

    /// mkdir of a CLOS group. The kernel fills it; in the knob's directory the harness does.
    fn make_ctrl_group(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir(dir)?;
        if self.emulated {
            std::fs::write(dir.join("tasks"), "")?;
            std::fs::copy(self.root.join("schemata"), dir.join("schemata"))?;
            std::fs::create_dir(dir.join("mon_groups"))?;
        }
        Ok(())
    }

    /// mkdir of a MON group.
    fn make_mon_group(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir(dir)?;
        if self.emulated {
            std::fs::write(dir.join("tasks"), "")?;
        }
        Ok(())
    }

    /// rmdir of a group: the kernel moves its tasks to the parent and frees its MON groups;
    /// the knob's directory holds plain files, removed with it.
    fn remove_group(&self, dir: &Path) -> io::Result<()> {
        if self.emulated {
            std::fs::remove_dir_all(dir)
        } else {
            std::fs::remove_dir(dir)
        }
    }

    /// Writes schemata lines to a group. The kernel merges what is written into the group's
    /// lines; in the knob's directory the harness merges.
    fn write_schemata(&self, group: &Path, lines: &[(&str, &Domains)]) -> Result<(), Stop> {
        let path = group.join("schemata");
        let text = if self.emulated {
            let mut all = self.schemata(group)?;
            for (res, doms) in lines {
                all.entry(res.to_string())
                    .or_default()
                    .extend(doms.iter().map(|(d, v)| (d.clone(), v.clone())));
            }
            all.iter().map(|(r, d)| format_line(r, d) + "\n").collect()
        } else {
            lines
                .iter()
                .map(|(r, d)| format_line(r, d) + "\n")
                .collect::<String>()
        };
        std::fs::write(&path, text).map_err(|e| {
            skip(format!(
                "resctrl refused the write to {}: {e}",
                path.display()
            ))
        })
    }

    /// RMIDs in use as the knob's directory counts them: the root's, one per CLOS group, one
    /// per MON group.
    fn emulated_rmids_in_use(&self) -> usize {
        let ctrl = self.ctrl_groups();
        ctrl.len() + ctrl.iter().map(|c| self.mon_groups(c).len()).sum::<usize>()
    }
}

fn sub_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Cache allocation resources (`L2`, `L3`, `L3CODE`, ...) take hex masks, the others numbers.
fn is_cache(resource: &str) -> bool {
    resource.starts_with('L')
}

fn normalize(resource: &str, value: &str) -> String {
    let v = value.trim();
    if is_cache(resource) {
        u64::from_str_radix(v.trim_start_matches("0x"), 16)
            .map(|n| format!("{n:x}"))
            .unwrap_or_else(|_| v.to_string())
    } else {
        v.parse::<u64>()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| v.to_string())
    }
}

/// One schemata line, `L3:0=ff;1=ff` (the kernel pads names with spaces on read).
fn parse_line(line: &str) -> Option<(String, Domains)> {
    let (res, rest) = line.split_once(':')?;
    let res = res.trim().to_string();
    let domains = rest
        .split(';')
        .filter_map(|d| d.split_once('='))
        .map(|(d, v)| (d.trim().to_string(), normalize(&res, v)))
        .collect();
    (!res.is_empty()).then_some((res, domains))
}

fn parse_schemata(text: &str) -> Schemata {
    text.lines().filter_map(parse_line).collect()
}

fn format_line(resource: &str, domains: &Domains) -> String {
    let doms: Vec<String> = domains.iter().map(|(d, v)| format!("{d}={v}")).collect();
    format!("{resource}:{}", doms.join(";"))
}

// ---------------------------------------------------------------------------------------------
// Values valid on any hardware, and different from a new group's default

/// The root's line of `resource`; SKIP without one.
fn root_line(rdt: &Resctrl, resource: &str, why: &str) -> Result<Domains, Stop> {
    rdt.schemata(&rdt.root)?.remove(resource).ok_or_else(|| {
        skip(format!(
            "the root group's schemata has no {resource} line ({why})"
        ))
    })
}

/// Per L3 domain, the lowest `min_cbm_bits` bits of the root's mask: contiguous, inside the
/// root's mask (so never another group's exclusive bits), narrower than a new group's default.
fn narrow_l3(rdt: &Resctrl) -> Result<Domains, Stop> {
    let root = root_line(
        rdt,
        "L3",
        "no L3 cache allocation, or CDP splits it into L3CODE/L3DATA",
    )?;
    let min_bits: u32 = rdt
        .info("L3/min_cbm_bits")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    narrow_masks(&root, min_bits)
}

fn narrow_masks(root: &Domains, min_bits: u32) -> Result<Domains, Stop> {
    let mut narrow = Domains::new();
    for (d, v) in root {
        let mask = u64::from_str_radix(v, 16)
            .ok()
            .filter(|m| *m != 0)
            .ok_or_else(|| skip(format!("the root's L3 mask of domain {d} is {v:?}")))?;
        let low = (1u64.checked_shl(min_bits).unwrap_or(0).wrapping_sub(1))
            .checked_shl(mask.trailing_zeros())
            .unwrap_or(0);
        if low == 0 || low & mask != low {
            return Err(skip(format!(
                "the root's L3 mask {v} of domain {d} has no {min_bits} contiguous low bits"
            )));
        }
        narrow.insert(d.clone(), format!("{low:x}"));
    }
    if &narrow == root {
        return Err(skip(
            "the root's L3 masks are already as narrow as info/L3/min_cbm_bits allows",
        ));
    }
    Ok(narrow)
}

/// Per MB domain, the smallest bandwidth (`info/MB/min_bandwidth`).
fn min_mb(rdt: &Resctrl) -> Result<Domains, Stop> {
    let root = root_line(rdt, "MB", "no memory bandwidth allocation")?;
    let min: u64 = rdt
        .info("MB/min_bandwidth")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| skip("resctrl has no info/MB/min_bandwidth"))?;
    let lowest: Domains = root.keys().map(|d| (d.clone(), min.to_string())).collect();
    if lowest == root {
        return Err(skip(
            "the root's memory bandwidth is already info/MB/min_bandwidth in every domain",
        ));
    }
    Ok(lowest)
}

/// The narrow L3 line and the lowest MB line, those this hardware has; SKIP with both reasons
/// when it has neither.
fn distinct_lines(rdt: &Resctrl) -> Result<Vec<(&'static str, Domains)>, Stop> {
    let l3 = narrow_l3(rdt);
    let mb = min_mb(rdt);
    if let (Err(Stop::Skip(a)), Err(Stop::Skip(b))) = (&l3, &mb) {
        return Err(skip(format!("{a}; {b}")));
    }
    let mut lines = Vec::new();
    for (res, r) in [("L3", l3), ("MB", mb)] {
        match r {
            Ok(d) => lines.push((res, d)),
            Err(Stop::Skip(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(lines)
}

/// The config field that takes a line of `resource`.
fn field_of(resource: &str) -> &'static str {
    if resource == "MB" {
        "memBwSchema"
    } else {
        "l3CacheSchema"
    }
}

// ---------------------------------------------------------------------------------------------
// A check's scope: serialized, and everything it made in resctrl removed

/// Resctrl is shared: one intelRdt check at a time.
static SERIAL: Mutex<()> = Mutex::new(());

struct Scope {
    rdt: Resctrl,
    tag: String,
    /// Groups the check made itself, in the order made (removed in reverse).
    made: Vec<PathBuf>,
    /// Group names the check gave as closID (the runtime must keep those it creates).
    closids: Vec<String>,
    /// The check's containers: the groups named after them are the runtime's.
    containers: Vec<String>,
    /// The janitor's undo of this scope (every group with the run's tag): it runs at the
    /// run's end, after a signal too, unless the scope's own clean-up ran first.
    undo: u64,
    janitor: std::sync::Arc<crate::janitor::Janitor>,
}

impl Scope {
    /// A container with `intel_rdt` as linux.intelRdt (none when `Null`).
    fn container(&mut self, ctx: &mut Ctx, intel_rdt: Value) -> Result<Container, Stop> {
        let c = ctx.container(|cfg| {
            if !intel_rdt.is_null() {
                cfg.set("/linux/intelRdt", intel_rdt);
            }
        })?;
        self.containers.push(c.id.clone());
        Ok(c)
    }

    /// A closID of this check, unique to the run; nothing is made.
    fn closid(&mut self, what: &str) -> String {
        let name = format!("{}-{what}", self.tag);
        self.closids.push(name.clone());
        name
    }

    /// A pre-configured CLOS group, made by the check (registered before it exists).
    fn preconfigured(&mut self, what: &str) -> Result<(String, PathBuf), Stop> {
        let name = self.closid(what);
        let dir = self.rdt.group(&name);
        self.made.push(dir.clone());
        self.rdt.make_ctrl_group(&dir).map_err(|e| {
            skip(format!(
                "could not make a CLOS group {} ({e}): no free CLOSID?",
                dir.display()
            ))
        })?;
        Ok((name, dir))
    }

    /// Groups named with the run's tag, MON groups first.
    fn tagged(&self) -> Vec<PathBuf> {
        self.rdt
            .all_groups()
            .into_iter()
            .filter(|g| file_name(g).contains(&self.tag))
            .collect()
    }

    /// Removes what the check made and every tagged group. Returns what stayed.
    fn sweep(&mut self) -> Vec<String> {
        let mut all = self.tagged();
        all.extend(self.made.drain(..).rev());
        let mut stayed = Vec::new();
        for g in all {
            if g.is_dir() {
                if let Err(e) = self.rdt.remove_group(&g) {
                    stayed.push(format!("resctrl group {}: {e}", g.display()));
                }
            }
        }
        stayed
    }

    /// At the check's end: deletes its containers, notes the groups the runtime left behind,
    /// and removes everything. Fails if something could not be removed.
    fn finish(&mut self, ctx: &mut Ctx) -> Check {
        for id in &self.containers {
            // Not kept in the check's calls: clean-up, not what is checked.
            ctx.rt().call(&["delete", "--force", id]);
        }
        let own: Vec<PathBuf> = self
            .closids
            .iter()
            .map(|n| self.rdt.group(n))
            .chain(self.made.iter().cloned())
            .collect();
        for g in self.tagged().into_iter().filter(|g| !own.contains(g)) {
            ctx.notes.push(format!(
                "the runtime left resctrl group {} after its container was deleted (removed)",
                g.display()
            ));
        }
        let stayed = self.sweep();
        ensure(stayed.is_empty(), || {
            format!("harness: could not remove {}", stayed.join("; "))
        })
    }
}

impl Drop for Scope {
    /// A panicking check still removes its groups; then the janitor has nothing left to undo.
    fn drop(&mut self) {
        self.sweep();
        self.janitor.undo(self.undo);
    }
}

/// Removes every group named with the run's tag (MON groups first). Returns what stayed.
fn sweep_tagged(rdt: &Resctrl, tag: &str) -> Vec<String> {
    rdt.all_groups()
        .into_iter()
        .filter(|g| file_name(g).contains(tag))
        .filter(|g| g.is_dir())
        .filter_map(|g| {
            rdt.remove_group(&g)
                .err()
                .map(|e| format!("resctrl group {}: {e}", g.display()))
        })
        .collect()
}

/// Runs `body` on resctrl, one check at a time, after the release and resctrl checks; removes
/// what the check and its containers left in resctrl afterwards.
fn in_resctrl(
    ctx: &mut Ctx,
    since: &str,
    body: impl FnOnce(&mut Ctx, &mut Scope) -> Check,
) -> Check {
    ctx.held_to(since, "this linux.intelRdt rule")?;
    let rdt = Resctrl::find()?;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    let janitor = ctx.rt().janitor.clone();
    let undo = {
        let (rdt, tag) = (rdt.clone(), ctx.suite.tag.clone());
        janitor.defer_undo("resctrl groups of the run", move || {
            let stayed = sweep_tagged(&rdt, &tag);
            (!stayed.is_empty()).then(|| stayed.join("; "))
        })
    };
    let mut scope = Scope {
        rdt,
        tag: ctx.suite.tag.clone(),
        made: Vec::new(),
        closids: Vec::new(),
        containers: Vec::new(),
        undo,
        janitor,
    };
    let result = body(ctx, &mut scope);
    let cleaned = scope.finish(ctx);
    result.and(cleaned)
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn pid_of(ctx: &mut Ctx, c: &Container) -> Result<i64, Stop> {
    let state = ctx.state(c)?;
    state["pid"]
        .as_i64()
        .filter(|p| *p > 0)
        .ok_or_else(|| fail(format!("the state of {} has no pid: {state}", c.id)))
}

fn shown(paths: &[PathBuf]) -> String {
    let v: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!("{v:?}")
}

/// The container's process is in `group` (its `tasks` lists it) and in no other CLOS group.
fn expect_in_group(rdt: &Resctrl, pid: i64, group: &Path, what: &str) -> Check {
    let listing = rdt.groups_listing(pid);
    if listing == [group.to_path_buf()] {
        return Ok(());
    }
    Err(mismatch(
        format!("{what}: the container's process {pid} is not in that group alone"),
        format!("{}/tasks lists {pid}", group.display()),
        format!("the tasks files listing {pid}: {}", shown(&listing)),
    ))
}

/// The group's `resource` line reads back as `want`.
fn expect_line(rdt: &Resctrl, group: &Path, resource: &str, want: &Domains, why: &str) -> Check {
    let got = rdt.schemata(group)?.remove(resource).unwrap_or_default();
    expect_same(
        &format!(
            "the {resource} line of {}/schemata ({why})",
            group.display()
        ),
        want,
        &got,
    )
}

fn expect_dir(dir: &Path, what: &str) -> Check {
    ensure(dir.is_dir(), || {
        format!("{what}: there is no directory {}", dir.display())
    })
}

fn expect_no_dir(dir: &Path, what: &str) -> Check {
    if dir.is_dir() {
        Err(mismatch(
            what.to_string(),
            format!("no directory {}", dir.display()),
            format!("{} exists", dir.display()),
        ))
    } else {
        Ok(())
    }
}

/// Creates, runs, stops and deletes the container: "when the container is deleted".
fn run_then_delete(ctx: &mut Ctx, c: &Container) -> Check {
    ctx.created(c)?;
    start_stop_delete(ctx, c)
}

/// Starts a created container, stops it (SIGKILL) and deletes it.
fn start_stop_delete(ctx: &mut Ctx, c: &Container) -> Check {
    let call = ctx.start(c);
    ctx.succeed(call, "start")?;
    ctx.wait_ready(c)?;
    let call = ctx.kill(c, "KILL");
    ctx.succeed(call, "kill")?;
    ctx.wait_status(c, "stopped")?;
    let call = ctx.delete(c);
    ctx.succeed(call, "delete of the stopped container")
        .map(drop)
}

// ---------------------------------------------------------------------------------------------
// The checks

fn container_process_is_written_to_a_group_tasks_file(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.0", |ctx, s| {
        // Not where the process is born (the harness's own group): there it would be without
        // the runtime doing anything.
        let born_in = born_in(&s.rdt);
        let c = s.container(ctx, json!({}))?;
        ctx.created(&c)?;
        let pid = pid_of(ctx, &c)?;
        let listing = s.rdt.groups_listing(pid);
        let proper = listing.len() == 1 && listing[0] != s.rdt.root && listing != born_in;
        if proper {
            return Ok(());
        }
        Err(mismatch(
            "the container's process ID is not in the tasks file of a sub-directory of resctrl",
            format!(
                "{pid} in the tasks of one group under {}, not the root nor the harness's own group {}",
                s.rdt.root.display(),
                shown(&born_in)
            ),
            format!("the tasks files listing {pid}: {}", shown(&listing)),
        ))
    })
}

fn resctrl_is_not_touched_without_intel_rdt(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.0", |ctx, s| {
        let root_before = s.rdt.schemata(&s.rdt.root)?;
        let born_in = born_in(&s.rdt);
        let c = s.container(ctx, Value::Null)?;
        ctx.running(&c)?;
        let pid = pid_of(ctx, &c)?;
        let named: Vec<PathBuf> = s
            .rdt
            .all_groups()
            .into_iter()
            .filter(|g| names_container(file_name(g), &c.id))
            .collect();
        if !named.is_empty() {
            return Err(mismatch(
                "without intelRdt the runtime made resctrl groups for the container",
                format!("no group named after {}", c.id),
                shown(&named),
            ));
        }
        expect_same(
            "the root group's schemata (nothing may be written without intelRdt)",
            &root_before,
            &s.rdt.schemata(&s.rdt.root)?,
        )?;
        let now_in = s.rdt.groups_listing(pid);
        if now_in != born_in {
            return Err(mismatch(
                "without intelRdt the runtime moved the container's process to another resctrl group",
                format!("the group of the harness itself: {}", shown(&born_in)),
                format!("the container's process {pid} is in {}", shown(&now_in)),
            ));
        }
        Ok(())
    })
}

/// The CLOS group a new process of the harness is born in (its parent's, the harness's own):
/// where a container's process stays if the runtime does nothing in resctrl.
fn born_in(rdt: &Resctrl) -> Vec<PathBuf> {
    rdt.groups_listing(i64::from(std::process::id()))
}

/// Whether a group's name is this container's ID, alone or as the end of a name (`x-ID`).
fn names_container(name: &str, id: &str) -> bool {
    name == id || name.ends_with(&format!("-{id}")) || name.ends_with(&format!("_{id}"))
}

fn closid_slash_assigns_the_default_clos(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        let c = s.container(ctx, json!({"closID": "/"}))?;
        ctx.created(&c)?;
        let pid = pid_of(ctx, &c)?;
        expect_in_group(&s.rdt, pid, &s.rdt.root, "closID \"/\" (the default CLOS)")?;
        expect_no_dir(
            &s.rdt.group(&c.id),
            "closID \"/\" is the root: no group may be made for the container",
        )
    })
}

fn l3_cache_and_mem_bw_schemas_are_both_written(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        let (l3, mb) = (narrow_l3(&s.rdt)?, min_mb(&s.rdt)?);
        let c = s.container(
            ctx,
            json!({"l3CacheSchema": format_line("L3", &l3), "memBwSchema": format_line("MB", &mb)}),
        )?;
        ctx.created(&c)?;
        let group = s.rdt.group(&c.id);
        expect_line(&s.rdt, &group, "L3", &l3, "l3CacheSchema")?;
        expect_line(&s.rdt, &group, "MB", &mb, "memBwSchema")
    })
}

fn mem_bw_schema_is_written_after_l3_cache_schema(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        let (l3, mb) = (narrow_l3(&s.rdt)?, min_mb(&s.rdt)?);
        // The order shows where the two overlap: an MB line inside l3CacheSchema (the case
        // spec v1.0.2 to v1.2.0 spelled out), with the root's bandwidth. Written first, it is
        // overridden by memBwSchema's; written last, it would stay.
        let root_mb = root_line(&s.rdt, "MB", "no memory bandwidth allocation")?;
        let l3_value = format!(
            "{}\n{}",
            format_line("L3", &l3),
            format_line("MB", &root_mb)
        );
        let c = s.container(
            ctx,
            json!({"l3CacheSchema": l3_value, "memBwSchema": format_line("MB", &mb)}),
        )?;
        // An l3CacheSchema with a newline goes against a SHOULD of the config (v1.3.0), so a
        // runtime may refuse it: then the order cannot be seen, which is no failure.
        let call = ctx.create(&c);
        if call.errored() {
            return Err(skip(format!(
                "the runtime refused an l3CacheSchema holding an MB line (a newline, which the spec says the value SHOULD NOT contain), the only way the order of the two writes shows: {}",
                call.stderr.trim()
            )));
        }
        ctx.succeed(call, "create")?;
        let group = s.rdt.group(&c.id);
        expect_line(
            &s.rdt,
            &group,
            "MB",
            &mb,
            "memBwSchema written last wins over the MB line of l3CacheSchema",
        )?;
        expect_line(&s.rdt, &group, "L3", &l3, "l3CacheSchema")
    })
}

fn either_schema_alone_is_written(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        let lines = distinct_lines(&s.rdt)?;
        if lines.len() < 2 {
            ctx.notes.push(format!(
                "only {} is on this hardware: the other alone is not checked",
                lines.iter().map(|(r, _)| *r).collect::<Vec<_>>().join(", ")
            ));
        }
        for (res, want) in &lines {
            let field = field_of(res);
            let c = s.container(ctx, json!({ field: format_line(res, want) }))?;
            ctx.created(&c)?;
            let group = s.rdt.group(&c.id);
            expect_line(&s.rdt, &group, res, want, &format!("{field} alone"))?;
        }
        Ok(())
    })
}

fn schemata_lines_are_written(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        let lines = distinct_lines(&s.rdt)?;
        let field: Vec<String> = lines.iter().map(|(r, d)| format_line(r, d)).collect();
        let c = s.container(ctx, json!({ "schemata": field }))?;
        ctx.created(&c)?;
        let group = s.rdt.group(&c.id);
        for (res, want) in &lines {
            expect_line(&s.rdt, &group, res, want, "from the schemata field")?;
        }
        Ok(())
    })
}

fn schemata_is_not_written_without_a_schema(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        // A group whose schemata is not the default: any write of defaults shows.
        let lines = distinct_lines(&s.rdt)?;
        let (name, group) = s.preconfigured("no-schema")?;
        let refs: Vec<(&str, &Domains)> = lines.iter().map(|(r, d)| (*r, d)).collect();
        s.rdt.write_schemata(&group, &refs)?;
        let before = s.rdt.schemata(&group)?;
        let root_before = s.rdt.schemata(&s.rdt.root)?;
        let c = s.container(ctx, json!({ "closID": name }))?;
        ctx.created(&c)?;
        expect_same(
            &format!(
                "{}/schemata (no schema in intelRdt: nothing may be written)",
                group.display()
            ),
            &before,
            &s.rdt.schemata(&group)?,
        )?;
        expect_same(
            "the root group's schemata (nothing may be written)",
            &root_before,
            &s.rdt.schemata(&s.rdt.root)?,
        )
    })
}

fn group_is_named_after_the_container_without_closid(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.0", |ctx, s| {
        let c = s.container(ctx, json!({}))?;
        let group = s.rdt.group(&c.id);
        ensure(!group.exists(), || {
            format!("harness: {} exists before create", group.display())
        })?;
        ctx.created(&c)?;
        expect_dir(
            &group,
            "without closID the runtime must create the <container-id> directory",
        )?;
        let pid = pid_of(ctx, &c)?;
        expect_in_group(&s.rdt, pid, &group, "the <container-id> group")
    })
}

fn missing_closid_group_is_created_when_a_schema_is_set(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        // Any value the hardware takes will do: the root's own line.
        let (res, value) = match root_line(&s.rdt, "L3", "no L3 cache allocation") {
            Ok(d) => ("L3", d),
            Err(_) => ("MB", root_line(&s.rdt, "MB", "and no L3 line either")?),
        };
        let name = s.closid("created");
        let group = s.rdt.group(&name);
        let c = s.container(
            ctx,
            json!({"closID": name, field_of(res): format_line(res, &value)}),
        )?;
        ctx.created(&c)?;
        expect_dir(
            &group,
            "closID with a schema: the missing closID directory must be created",
        )?;
        let pid = pid_of(ctx, &c)?;
        expect_in_group(&s.rdt, pid, &group, "the closID group")
    })
}

fn existing_closid_group_is_compared_with_the_schema(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        let (res, narrow) = distinct_lines(&s.rdt)?.remove(0);
        let root = root_line(&s.rdt, res, "")?;
        let field = field_of(res);
        let (name, group) = s.preconfigured("compared")?;
        s.rdt.write_schemata(&group, &[(res, &narrow)])?;
        // The same value: no error.
        let same = s.container(
            ctx,
            json!({"closID": name, field: format_line(res, &narrow)}),
        )?;
        let call = ctx.create(&same);
        ctx.succeed(
            call,
            "create with the value the existing closID group has (they match)",
        )?;
        // Another value: an error, and the group as it was.
        let before = s.rdt.schemata(&group)?;
        let other = s.container(ctx, json!({"closID": name, field: format_line(res, &root)}))?;
        create_is_refused(
            ctx,
            &other,
            &format!(
                "create with {field} {} for closID {name}, whose schemata has {}",
                format_line(res, &root),
                format_line(res, &narrow)
            ),
        )?;
        expect_same(
            &format!(
                "{}/schemata after the refused create (compared, not written)",
                group.display()
            ),
            &before,
            &s.rdt.schemata(&group)?,
        )
    })
}

fn closid_without_schema_must_be_preconfigured(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        let name = s.closid("not-configured");
        let group = s.rdt.group(&name);
        let c = s.container(ctx, json!({ "closID": name }))?;
        create_is_refused(
            ctx,
            &c,
            &format!("create with closID {name}, no schema, and no such group"),
        )?;
        expect_no_dir(
            &group,
            "a closID without a schema names a pre-configured group: the runtime may not make it",
        )
    })
}

fn closid_without_schema_joins_the_preconfigured_group(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.0.2", |ctx, s| {
        let (name, group) = s.preconfigured("pre-configured")?;
        let c = s.container(ctx, json!({ "closID": name }))?;
        ctx.created(&c)?;
        let pid = pid_of(ctx, &c)?;
        expect_in_group(&s.rdt, pid, &group, "the pre-configured closID group")
    })
}

fn group_the_runtime_created_is_removed_at_delete(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        let c = s.container(ctx, json!({}))?;
        let group = s.rdt.group(&c.id);
        ctx.created(&c)?;
        expect_dir(
            &group,
            "without closID the runtime must create the <container-id> directory",
        )?;
        start_stop_delete(ctx, &c)?;
        expect_no_dir(
            &group,
            "the sub-directory the runtime created (no closID) must be removed when the container is deleted",
        )
    })
}

fn closid_group_is_kept_at_delete(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        // Made by the runtime for a closID (the root's first line is a valid schema).
        let first = s
            .rdt
            .schemata(&s.rdt.root)?
            .into_iter()
            .next()
            .ok_or_else(|| skip("the root group's schemata has no line"))?;
        let made = s.closid("runtime-made");
        let c = s.container(
            ctx,
            json!({"closID": made, "schemata": [format_line(&first.0, &first.1)]}),
        )?;
        run_then_delete(ctx, &c)?;
        expect_dir(
            &s.rdt.group(&made),
            "closID is set: the runtime must not remove the closID directory (it made it) when the container is deleted",
        )?;
        // Pre-configured.
        let (name, group) = s.preconfigured("kept")?;
        let c = s.container(ctx, json!({ "closID": name }))?;
        run_then_delete(ctx, &c)?;
        expect_dir(
            &group,
            "the runtime did not create the pre-configured closID directory: it must not remove it when the container is deleted",
        )
    })
}

/// SKIP unless resctrl monitors (`info/L3_MON`).
fn requires_monitoring(rdt: &Resctrl) -> Result<usize, Stop> {
    rdt.info("L3_MON/num_rmids")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| skip("resctrl has no monitoring (no info/L3_MON/num_rmids)"))
}

fn monitoring_creates_a_mon_group_for_the_container(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        requires_monitoring(&s.rdt)?;
        let c = s.container(ctx, json!({"enableMonitoring": true}))?;
        let ctrl = s.rdt.group(&c.id);
        ctx.created(&c)?;
        let pid = pid_of(ctx, &c)?;
        let holding: Vec<PathBuf> = s
            .rdt
            .mon_groups(&ctrl)
            .into_iter()
            .filter(|m| s.rdt.tasks(m).contains(&pid))
            .collect();
        if holding.len() == 1 {
            return Ok(());
        }
        Err(mismatch(
            "enableMonitoring: no dedicated MON group holds the container's process",
            format!(
                "one MON group under {}/mon_groups whose tasks lists {pid}",
                ctrl.display()
            ),
            format!(
                "MON groups there: {}; those listing {pid}: {}",
                shown(&s.rdt.mon_groups(&ctrl)),
                shown(&holding)
            ),
        ))
    })
}

fn mon_group_is_named_after_the_container(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        requires_monitoring(&s.rdt)?;
        // Under the <container-id> group (no closID), and under a closID group.
        let c = s.container(ctx, json!({"enableMonitoring": true}))?;
        ctx.created(&c)?;
        let ctrl = s.rdt.group(&c.id);
        expect_mon_group_named(&s.rdt, &ctrl, &c.id)?;
        let (name, group) = s.preconfigured("monitored")?;
        let c = s.container(ctx, json!({"closID": name, "enableMonitoring": true}))?;
        ctx.created(&c)?;
        expect_mon_group_named(&s.rdt, &group, &c.id)
    })
}

fn expect_mon_group_named(rdt: &Resctrl, ctrl: &Path, id: &str) -> Check {
    let want = ctrl.join("mon_groups").join(id);
    if want.is_dir() {
        return Ok(());
    }
    Err(mismatch(
        "the MON group must be named after the container ID, under its CTRL_MON group",
        want.display().to_string(),
        format!(
            "MON groups under {}: {}",
            ctrl.display(),
            shown(&rdt.mon_groups(ctrl))
        ),
    ))
}

fn mon_group_is_deleted_with_the_container(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        requires_monitoring(&s.rdt)?;
        // A closID group outlives the container, so the MON group's own removal shows.
        let (name, group) = s.preconfigured("monitored")?;
        let c = s.container(ctx, json!({"closID": name, "enableMonitoring": true}))?;
        ctx.created(&c)?;
        let mon = group.join("mon_groups").join(&c.id);
        expect_dir(&mon, "enableMonitoring: the container's MON group")?;
        start_stop_delete(ctx, &c)?;
        expect_no_dir(
            &mon,
            "the MON group must be deleted after the container is deleted",
        )
    })
}

fn mon_group_that_cannot_be_made_is_an_error(ctx: &mut Ctx) -> Check {
    in_resctrl(ctx, "1.3.0", |ctx, s| {
        let num_rmids = requires_monitoring(&s.rdt)?;
        let (name, group) = s.preconfigured("exhausted")?;
        let used_up = use_up_rmids(s, &group, num_rmids)?;
        ctx.notes.push(format!(
            "{used_up} MON groups made to use up the {num_rmids} RMIDs"
        ));
        let c = s.container(ctx, json!({"closID": name, "enableMonitoring": true}))?;
        let mon = group.join("mon_groups").join(&c.id);
        let call = ctx.create(&c);
        if call.succeeded() && mon.is_dir() && !s.rdt.emulated {
            // The kernel took one more MON group: an RMID left limbo meanwhile.
            release_rmids(ctx, s)?;
            return Err(skip(
                "the kernel let the runtime make its MON group although the harness's own mkdir had just been refused (an RMID was freed meanwhile): the error case could not be made",
            ));
        }
        must_error(
            &call,
            &format!(
                "create with enableMonitoring when no MON group can be made (all {num_rmids} RMIDs in use)"
            ),
        )?;
        let call = ctx.call(&["state", &c.id]);
        must_error(&call, "state of a container whose create failed")?;
        footprint_empty("the failed create", &ctx.footprint(&c))?;
        expect_no_dir(&mon, "the failed create left its MON group")?;
        release_rmids(ctx, s)
    })
}

/// Makes MON groups under `group` until no RMID is left: until the kernel refuses one, or, in
/// the knob's directory, until `num_rmids` are in use. Returns how many were made.
fn use_up_rmids(s: &mut Scope, group: &Path, num_rmids: usize) -> Result<usize, Stop> {
    for n in 0..=num_rmids {
        if s.rdt.emulated && s.rdt.emulated_rmids_in_use() >= num_rmids {
            return Ok(n);
        }
        let dir = group.join("mon_groups").join(format!("{}-rmid-{n}", s.tag));
        s.made.push(dir.clone());
        match s.rdt.make_mon_group(&dir) {
            Ok(()) => {}
            // No RMID free (ENOSPC), or only ones in limbo (EBUSY).
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EBUSY)) => {
                s.made.pop();
                return Ok(n);
            }
            Err(e) => {
                return Err(fail(format!(
                    "harness: making MON group {}: {e}",
                    dir.display()
                )))
            }
        }
    }
    Err(skip(format!(
        "resctrl took more MON groups than info/L3_MON/num_rmids ({num_rmids}): the RMIDs could not be used up"
    )))
}

/// Removes the check's groups, and on real resctrl waits until an RMID is free again: freed
/// RMIDs wait in limbo, and the next check's MON group must not fail for that.
fn release_rmids(ctx: &mut Ctx, s: &mut Scope) -> Check {
    let stayed = s.sweep();
    ensure(stayed.is_empty(), || {
        format!("harness: could not remove {}", stayed.join("; "))
    })?;
    if s.rdt.emulated {
        return Ok(());
    }
    let probe = s
        .rdt
        .root
        .join("mon_groups")
        .join(format!("{}-rmid-free", s.tag));
    let rdt = s.rdt.clone();
    let freed = ctx.wait_for("an RMID to leave limbo", || {
        rdt.make_mon_group(&probe).ok()?;
        rdt.remove_group(&probe).ok()
    });
    if freed.is_err() {
        ctx.notes
            .push("no RMID left limbo before the deadline: a later MON group may fail".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemata_lines_parse_normalized() {
        let s = parse_schemata("    L3:0=00ff0;1=fff\n    MB:0= 100;1=070\nL2:0=0xf\n\n");
        assert_eq!(s["L3"]["0"], "ff0");
        assert_eq!(s["L3"]["1"], "fff");
        assert_eq!(s["MB"]["0"], "100");
        assert_eq!(s["MB"]["1"], "70");
        assert_eq!(s["L2"]["0"], "f");
        assert_eq!(format_line("L3", &s["L3"]), "L3:0=ff0;1=fff");
        assert_eq!(parse_line(&format_line("MB", &s["MB"])).unwrap().1, s["MB"]);
    }

    #[test]
    fn narrow_masks_are_the_lowest_bits_inside_the_root_mask() {
        let root: Domains = [("0".into(), "ff0".into()), ("1".into(), "fff".into())].into();
        let n = narrow_masks(&root, 2).unwrap();
        assert_eq!(n["0"], "30");
        assert_eq!(n["1"], "3");
        // Already minimal: nothing narrower to write.
        let thin: Domains = [("0".into(), "3".into())].into();
        assert!(matches!(narrow_masks(&thin, 2), Err(Stop::Skip(_))));
        assert!(matches!(narrow_masks(&root, 64), Err(Stop::Skip(_))));
    }

    #[test]
    fn container_names_match_whole_ids() {
        assert!(names_container("t-1", "t-1"));
        assert!(names_container("rdt-t-1", "t-1"));
        assert!(!names_container("t-10", "t-1"));
        assert!(!names_container("t-1-x", "t-1"));
    }

    #[test]
    fn emulated_groups_count_rmids_and_remove_whole() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().to_path_buf();
        std::fs::write(root.join("schemata"), "L3:0=f\n").unwrap();
        std::fs::create_dir_all(root.join("info/L3_MON")).unwrap();
        std::fs::create_dir(root.join("mon_groups")).unwrap();
        let rdt = Resctrl {
            root: root.clone(),
            emulated: true,
        };
        assert_eq!(rdt.emulated_rmids_in_use(), 1);
        let g = root.join("g");
        rdt.make_ctrl_group(&g).unwrap();
        rdt.make_mon_group(&g.join("mon_groups/m")).unwrap();
        assert_eq!(rdt.ctrl_groups(), [root.clone(), g.clone()]);
        assert_eq!(rdt.emulated_rmids_in_use(), 3);
        rdt.write_schemata(&g, &[("L3", &[("0".into(), "3".into())].into())])
            .unwrap();
        assert_eq!(rdt.schemata(&g).unwrap()["L3"]["0"], "3");
        std::fs::write(g.join("tasks"), "7\n").unwrap();
        assert_eq!(rdt.groups_listing(7), std::slice::from_ref(&g));
        rdt.remove_group(&g).unwrap();
        assert!(!g.exists());
    }
}
