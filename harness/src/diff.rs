//! `oci-check diff`: what the containers of two runtimes saw in the same scenarios, side by side,
//! whether or not the spec says anything about it.
//!
//! Each run keeps the probe reports its scenarios read ([`crate::scenario::Observed`]). Reports
//! are paired by scenario and by the container's place in it, made comparable (see
//! [`normalize`]: what differs between any two runs, like container IDs, namespace inodes and
//! mount IDs, is taken out), flattened to leaves named by JSON-pointer-like paths in which list
//! items are named by their key (a mount by its destination, a device by its path), and
//! compared leaf by leaf.

use crate::scenario::Observed;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One run's reports and what names that run (its tag, in every container ID and path).
pub struct Side {
    pub tag: String,
    pub observed: Vec<Observed>,
}

/// A leaf on which the two reports disagree: `None` where one side has no such leaf.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub path: String,
    pub a: Option<Value>,
    pub b: Option<Value>,
}

/// The comparison of one container's report in one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    pub scenario: String,
    /// The container's place among the scenario's containers (0: the first it made).
    pub container: usize,
    /// Which side has no report (the runtime failed before the probe wrote one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    A,
    B,
}

/// Host facts that make reports comparable: the inode of each of the harness's own namespaces
/// (by `/proc/self/ns` name), so that a container's namespace reads as `host` or `new`.
#[derive(Debug, Clone, Default)]
pub struct HostNamespaces(pub BTreeMap<String, u64>);

impl HostNamespaces {
    pub fn detect() -> HostNamespaces {
        use std::os::unix::fs::MetadataExt;
        let mut map = BTreeMap::new();
        if let Ok(dir) = std::fs::read_dir("/proc/self/ns") {
            for e in dir.flatten() {
                if let Ok(meta) = std::fs::metadata(e.path()) {
                    map.insert(e.file_name().to_string_lossy().into_owned(), meta.ino());
                }
            }
        }
        HostNamespaces(map)
    }
}

/// Pairs the reports of `a` and `b` and compares each pair. Pairs come sorted by scenario and
/// container; every pair is listed, also those without differences.
pub fn compare(a: &Side, b: &Side, host: &HostNamespaces) -> Vec<Pair> {
    let flat = |side: &Side| -> BTreeMap<(String, usize), BTreeMap<String, Value>> {
        side.observed
            .iter()
            .map(|o| {
                let key = (o.scenario.to_string(), o.container);
                (key, flatten(&normalize(&o.report, &side.tag, host)))
            })
            .collect()
    };
    let (fa, fb) = (flat(a), flat(b));
    let keys: BTreeSet<&(String, usize)> = fa.keys().chain(fb.keys()).collect();
    keys.into_iter()
        .map(|key| {
            let (ra, rb) = (fa.get(key), fb.get(key));
            Pair {
                scenario: key.0.clone(),
                container: key.1,
                missing: match (ra, rb) {
                    (None, _) => Some(Missing::A),
                    (_, None) => Some(Missing::B),
                    _ => None,
                },
                differences: match (ra, rb) {
                    (Some(ra), Some(rb)) => differences(ra, rb),
                    _ => Vec::new(),
                },
            }
        })
        .collect()
}

/// The leaves on which two flattened reports disagree, in path order.
pub fn differences(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> Vec<Difference> {
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| Difference {
            path: p.clone(),
            a: a.get(p).cloned(),
            b: b.get(p).cloned(),
        })
        .collect()
}

/// Keys of a report that differ between any two runs, whatever the runtime: mount and peer
/// group IDs, a filesystem's anonymous device number, counters of what the container used.
const VOLATILE_KEYS: &[&str] = &[
    "id",
    "parent_id",
    "shared",
    "master",
    "propagate_from",
    "usage",
    "current",
];

/// Cgroup files (in the report's `cgroup.files`) whose content is a measurement, not a setting.
const VOLATILE_FILES: &[&str] = &[
    "usage_in_bytes",
    "max_usage_in_bytes",
    "failcnt",
    ".current",
    ".peak",
    ".stat",
    ".events",
    ".events.local",
    ".pressure",
    "cgroup.procs",
    "tasks",
    "cpuacct.usage",
];

/// A report with what changes from run to run taken out: the run's tag and container IDs
/// become `<run>` and `<id>`, a namespace's inode becomes `host` (the harness's own) or `new`,
/// volatile keys and measurement files are dropped.
pub fn normalize(report: &Value, tag: &str, host: &HostNamespaces) -> Value {
    let mut v = rename(report, tag);
    for list in ["/namespaces/own", "/namespaces/pid1"] {
        if let Some(Value::Array(entries)) = v.pointer_mut(list) {
            for e in entries {
                let name = e["name"].as_str().unwrap_or_default().to_string();
                if let Some(inode) = e.get("inode").and_then(Value::as_u64) {
                    let same = host.0.get(&name) == Some(&inode);
                    e["inode"] = Value::from(if same { "host" } else { "new" });
                }
            }
        }
    }
    // A process ID says something only as 1 (the first of a new PID namespace) or 0 (a parent
    // outside the namespace); in a namespace the container joins, it is whatever came next.
    for (pointer, telling) in [("/process/pid", 1), ("/process/ppid", 0)] {
        if let Some(pid) = v.pointer_mut(pointer) {
            if pid.as_i64().is_some_and(|p| p != telling) {
                *pid = Value::from(format!("not {telling}"));
            }
        }
    }
    if let Some(Value::Array(entries)) = v.pointer_mut("/mounts/entries") {
        for e in entries.iter_mut().filter_map(Value::as_object_mut) {
            // A mount's device number: anonymous for tmpfs, proc, ... (allocated per mount).
            e.remove("major");
            e.remove("minor");
        }
    }
    if let Some(Value::Object(files)) = v.pointer_mut("/cgroup/files") {
        files.retain(|path, _| !VOLATILE_FILES.iter().any(|f| path.ends_with(f)));
    }
    drop_keys(&mut v, VOLATILE_KEYS);
    v
}

/// Every string (and object key) with this run's names replaced: `TAG-N` → `<id>`, `TAG` →
/// `<run>`.
fn rename(v: &Value, tag: &str) -> Value {
    match v {
        Value::String(s) => Value::String(rename_str(s, tag)),
        Value::Array(items) => Value::Array(items.iter().map(|x| rename(x, tag)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| (rename_str(k, tag), rename(x, tag)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn rename_str(s: &str, tag: &str) -> String {
    if tag.is_empty() || !s.contains(tag) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(tag) {
        out.push_str(&rest[..at]);
        rest = &rest[at + tag.len()..];
        let digits = rest
            .strip_prefix('-')
            .map_or(0, |r| r.bytes().take_while(u8::is_ascii_digit).count());
        if digits > 0 {
            out.push_str("<id>");
            rest = &rest[1 + digits..];
        } else {
            out.push_str("<run>");
        }
    }
    out.push_str(rest);
    out
}

fn drop_keys(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !keys.contains(&k.as_str()));
            map.values_mut().for_each(|x| drop_keys(x, keys));
        }
        Value::Array(items) => items.iter_mut().for_each(|x| drop_keys(x, keys)),
        _ => {}
    }
}

/// Item keys, in order of preference: a list of objects is compared item by item under the
/// first of these that its items have (a mount by destination, a cgroup membership by its
/// controllers, a device node by path, an rlimit by name, a namespace by name, an ID mapping
/// by its inside ID). A list whose items have none (device cgroup rules) is one leaf, a set.
const ITEM_KEYS: &[&str] = &[
    "destination",
    "controllers",
    "path",
    "name",
    "clock",
    "inside",
    "interface",
];

/// The report as leaves: `path → value`. Objects descend by key; lists of objects by item key
/// (`/mounts/entries[/proc]/options`; a repeated key gets `#2`, `#3` in list order); lists of
/// scalars are one leaf, as a sorted set (a runtime may order them its own way), except
/// `process.args`, whose order is meaningful.
pub fn flatten(v: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                walk(x, format!("{path}/{k}"), out);
            }
        }
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.is_object() && item_name(i).is_some()) =>
        {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (i, item) in items.iter().enumerate() {
                let name = item_name(item).unwrap_or_else(|| i.to_string());
                // A repeated key (a mount stacked on another) is told apart by list order,
                // which is the order of mounting.
                let n = seen.entry(name.clone()).or_default();
                *n += 1;
                let label = if *n == 1 { name } else { format!("{name}#{n}") };
                walk(item, format!("{path}[{label}]"), out);
            }
        }
        Value::Array(items) if path == "/process/args" => {
            out.insert(path, Value::Array(items.clone()));
        }
        Value::Array(items) => {
            let mut sorted: Vec<&Value> = items.iter().collect();
            sorted.sort_by_key(|x| x.to_string());
            sorted.dedup();
            out.insert(path, Value::Array(sorted.into_iter().cloned().collect()));
        }
        scalar => {
            out.insert(path, scalar.clone());
        }
    }
}

fn item_name(item: &Value) -> Option<String> {
    ITEM_KEYS.iter().find_map(|k| match item.get(*k)? {
        Value::String(s) => Some(s.clone()),
        // The v2 line of /proc/self/cgroup names no controller.
        Value::Array(parts) if parts.is_empty() => Some("unified".into()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    })
}

/// A difference most reports show alike (same path, same two values): a property of the two
/// runtimes rather than of a scenario. Said once, with the number of reports that show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Common {
    #[serde(flatten)]
    pub difference: Difference,
    /// How many of the compared reports show it.
    pub reports: usize,
}

/// The differences at least half of the compared pairs (and two or more) show alike, most
/// frequent first, then by path.
pub fn common(pairs: &[Pair]) -> Vec<Common> {
    let compared = pairs.iter().filter(|p| p.missing.is_none()).count();
    let mut counts: Vec<(Difference, usize)> = Vec::new();
    for d in pairs.iter().flat_map(|p| &p.differences) {
        match counts.iter_mut().find(|(x, _)| x == d) {
            Some((_, n)) => *n += 1,
            None => counts.push((d.clone(), 1)),
        }
    }
    let mut common: Vec<Common> = counts
        .into_iter()
        .filter(|(_, n)| *n >= 2 && 2 * *n >= compared)
        .map(|(difference, reports)| Common {
            difference,
            reports,
        })
        .collect();
    common.sort_by(|a, b| {
        b.reports
            .cmp(&a.reports)
            .then_with(|| a.difference.path.cmp(&b.difference.path))
    });
    common
}

/// `pairs` without the differences in `common`.
pub fn without(pairs: &[Pair], common: &[Common]) -> Vec<Pair> {
    pairs
        .iter()
        .map(|p| Pair {
            differences: p
                .differences
                .iter()
                .filter(|d| !common.iter().any(|c| &c.difference == *d))
                .cloned()
                .collect(),
            ..p.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn side(tag: &str, scenario: &'static str, report: Value) -> Side {
        Side {
            tag: tag.into(),
            observed: vec![Observed {
                scenario,
                container: 0,
                report,
            }],
        }
    }

    #[test]
    fn run_names_become_placeholders() {
        assert_eq!(
            rename_str(
                "/tmp/oci-check-ab/bundles/oci-check-ab-12/rootfs",
                "oci-check-ab"
            ),
            "/tmp/<run>/bundles/<id>/rootfs"
        );
        assert_eq!(rename_str("/oci-check-ab-x", "oci-check-ab"), "/<run>-x");
        assert_eq!(rename_str("plain", "oci-check-ab"), "plain");
    }

    #[test]
    fn the_same_report_from_two_runs_shows_no_difference() {
        let host = HostNamespaces([("net".to_string(), 7)].into());
        let report = |tag: &str, inode: u64, mount_id: u64| {
            json!({
                "namespaces": {"own": [{"name": "net", "type": "net", "inode": inode}]},
                "mounts": {"entries": [{"id": mount_id, "major": 0, "minor": mount_id,
                    "destination": "/", "root": format!("/tmp/{tag}/bundles/{tag}-3/rootfs"),
                    "options": ["rw", "nosuid"]}]},
                "cgroup": {"memberships": [{"controllers": ["memory"], "path": format!("/{tag}-4")}],
                           "memory": {"usage": mount_id, "limit": 100}},
            })
        };
        let a = side("oci-check-a", "s", report("oci-check-a", 100, 5));
        let b = side("oci-check-b", "s", report("oci-check-b", 200, 9));
        let pairs = compare(&a, &b, &host);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].differences, vec![]);
    }

    #[test]
    fn a_mount_option_one_runtime_adds_is_a_difference_whatever_the_order() {
        let host = HostNamespaces::default();
        let mounts = |entries: Value| json!({"mounts": {"entries": entries}});
        let a = side(
            "oci-check-t1",
            "s",
            mounts(json!([
                {"destination": "/proc", "options": ["rw", "nosuid"]},
                {"destination": "/dev", "options": ["rw"]}
            ])),
        );
        let b = side(
            "oci-check-u2",
            "s",
            mounts(json!([
                {"destination": "/dev", "options": ["rw"]},
                {"destination": "/proc", "options": ["nosuid", "rw", "noexec"]}
            ])),
        );
        let pairs = compare(&a, &b, &host);
        assert_eq!(
            pairs[0].differences,
            vec![Difference {
                path: "/mounts/entries[/proc]/options".into(),
                a: Some(json!(["nosuid", "rw"])),
                b: Some(json!(["noexec", "nosuid", "rw"])),
            }]
        );
    }

    #[test]
    fn a_namespace_shared_with_the_host_on_one_side_only_is_a_difference() {
        let host = HostNamespaces([("uts".to_string(), 1)].into());
        let ns = |inode: u64| json!({"namespaces": {"own": [{"name": "uts", "type": "uts", "inode": inode}]}});
        let pairs = compare(
            &side("oci-check-t1", "s", ns(1)),
            &side("oci-check-u2", "s", ns(2)),
            &host,
        );
        assert_eq!(
            pairs[0].differences,
            vec![Difference {
                path: "/namespaces/own[uts]/inode".into(),
                a: Some(json!("host")),
                b: Some(json!("new")),
            }]
        );
    }

    #[test]
    fn a_missing_device_and_a_missing_report_are_shown() {
        let host = HostNamespaces::default();
        let dev = |nodes: Value| json!({"dev": {"nodes": nodes}});
        let mut a = side(
            "oci-check-t1",
            "s",
            dev(json!([{"path": "/dev/null"}, {"path": "/dev/ptmx"}])),
        );
        a.observed.push(Observed {
            scenario: "only-a",
            container: 0,
            report: json!({}),
        });
        let b = side("oci-check-u2", "s", dev(json!([{"path": "/dev/null"}])));
        let pairs = compare(&a, &b, &host);
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].scenario, "only-a");
        assert_eq!(pairs[0].missing, Some(Missing::B));
        assert_eq!(
            pairs[1].differences,
            vec![Difference {
                path: "/dev/nodes[/dev/ptmx]/path".into(),
                a: Some(json!("/dev/ptmx")),
                b: None,
            }]
        );
    }

    #[test]
    fn process_ids_count_only_as_first_or_not() {
        let host = HostNamespaces::default();
        let r = |pid: i64, ppid: i64| json!({"process": {"pid": pid, "ppid": ppid}});
        let same = compare(
            &side("oci-check-t1", "s", r(6, 3)),
            &side("oci-check-u2", "s", r(7, 4)),
            &host,
        );
        assert!(same[0].differences.is_empty(), "{:?}", same[0].differences);
        let differ = compare(
            &side("oci-check-t1", "s", r(1, 0)),
            &side("oci-check-u2", "s", r(7, 4)),
            &host,
        );
        assert_eq!(
            differ[0].differences.len(),
            2,
            "{:?}",
            differ[0].differences
        );
    }

    #[test]
    fn repeated_item_keys_are_numbered_in_list_order() {
        let flat =
            flatten(&json!({"m": [{"destination": "/x", "o": 1}, {"destination": "/x", "o": 2}]}));
        assert_eq!(flat["/m[/x]/o"], json!(1));
        assert_eq!(flat["/m[/x#2]/o"], json!(2));
    }

    #[test]
    fn args_keep_their_order() {
        let flat = flatten(&json!({"process": {"args": ["b", "a"], "env": ["B=1", "A=1"]}}));
        assert_eq!(flat["/process/args"], json!(["b", "a"]));
        assert_eq!(flat["/process/env"], json!(["A=1", "B=1"]));
    }

    #[test]
    fn differences_most_pairs_share_are_reported_once_with_their_count() {
        let d = |p: &str| Difference {
            path: p.into(),
            a: Some(json!(1)),
            b: Some(json!(2)),
        };
        let pair = |s: &str, ds: Vec<Difference>| Pair {
            scenario: s.into(),
            container: 0,
            missing: None,
            differences: ds,
        };
        let pairs = vec![
            pair("x", vec![d("/a"), d("/b")]),
            pair("y", vec![d("/a")]),
            pair("z", vec![d("/a"), d("/c")]),
            pair("w", vec![]),
        ];
        let c = common(&pairs);
        assert_eq!(
            c,
            vec![Common {
                difference: d("/a"),
                reports: 3
            }]
        );
        let rest = without(&pairs, &c);
        assert_eq!(rest[0].differences, vec![d("/b")]);
        assert!(rest[1].differences.is_empty());
        assert_eq!(rest[2].differences, vec![d("/c")]);
    }

    #[test]
    fn device_rules_without_a_key_are_compared_as_a_set() {
        let rules = |r: Value| json!({"cgroup": {"devices": {"list": r}}});
        let a = rules(
            json!([{"type": "c", "major": 1, "minor": 3, "access": "rwm"},
                              {"type": "c", "major": 1, "minor": 5, "access": "rwm"}]),
        );
        let b = rules(
            json!([{"type": "c", "major": 1, "minor": 5, "access": "rwm"},
                              {"type": "c", "major": 1, "minor": 3, "access": "rwm"}]),
        );
        let host = HostNamespaces::default();
        let pairs = compare(
            &side("oci-check-t1", "s", a),
            &side("oci-check-u2", "s", b),
            &host,
        );
        assert!(
            pairs[0].differences.is_empty(),
            "{:?}",
            pairs[0].differences
        );
    }

    #[test]
    fn measurements_are_not_differences() {
        let host = HostNamespaces::default();
        let r = |usage: u64, current: &str| {
            json!({"cgroup": {"memory": {"usage": usage, "limit": 5},
                "files": {"/sys/fs/cgroup/memory/x/memory.usage_in_bytes": current,
                          "/sys/fs/cgroup/memory/x/memory.limit_in_bytes": "5"}}})
        };
        let pairs = compare(
            &side("oci-check-t1", "s", r(1, "10")),
            &side("oci-check-u2", "s", r(2, "20")),
            &host,
        );
        assert!(
            pairs[0].differences.is_empty(),
            "{:?}",
            pairs[0].differences
        );
    }
}
