//! Our schemas for the runtime's documents (`schema/state-schema.json`,
//! `schema/features-schema.json`) and the API over them (`runtime_docs`).
//!
//! 1. Upstream's fixtures (`schema-test/{state,features}/{good,bad}` in `shared/spec`): good ones
//!    validate with ours, bad ones fail, unless a listed divergence decides otherwise (none does
//!    today). Files that are not JSON are skipped with a note.
//! 2. Every divergence listed in schema/README.md's section on these schemas ("S1", "F1", ...)
//!    has a targeted case: upstream's schema (v1.3.0, draft-04) gives one verdict, ours the
//!    other, and where ours rejects, the one problem it reports is at the expected pointer. The
//!    listed IDs and the cases' IDs must be the same. A few cases where both must agree guard
//!    against our schema being looser than upstream's by accident.
//! 3. Hand-written cases, a recorded `runc features` (runc 1.1.5), the full example of
//!    features.md, and the live output of `runc features` when runc is installed.
//!
//! Without `shared/spec` (1, 2) or runc (the live case) the test prints a note and passes,
//! unless `CI` is set.

use oci_check_validator::runtime_docs::{validate_features, validate_state};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Upstream's schemas.

fn spec_dir() -> Option<PathBuf> {
    let spec = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/spec"));
    let schema_dir = spec.join("schema");
    if schema_dir.join("state-schema.json").is_file()
        && schema_dir.join("features-schema.json").is_file()
    {
        return Some(spec);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{} is missing; the runtime-document differential test needs the upstream schemas in CI",
            schema_dir.display()
        );
    }
    eprintln!(
        "note: {} not found; runtime-document differential test skipped (set CI to make this an error)",
        schema_dir.display()
    );
    None
}

const UPSTREAM_BASE: &str = "https://opencontainers.org/schema/bundle/";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    State,
    Features,
}

impl Kind {
    fn file(self) -> &'static str {
        match self {
            Kind::State => "state-schema.json",
            Kind::Features => "features-schema.json",
        }
    }

    fn dir(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Features => "features",
        }
    }

    fn ours(self, doc: &Value) -> Vec<String> {
        match self {
            Kind::State => validate_state(doc),
            Kind::Features => validate_features(doc),
        }
    }
}

/// Upstream's schema for `kind`, compiled (draft-04) with every file of `schema/` registered
/// under `https://opencontainers.org/schema/bundle/<file>`, so that `defs.json#/...` and
/// `features-linux.json#/linux` resolve offline. The `"#definitions/"` typo of defs.json (see
/// schema_differential.rs) is repaired in memory only.
fn upstream(kind: Kind) -> &'static jsonschema::Validator {
    static STATE: OnceLock<jsonschema::Validator> = OnceLock::new();
    static FEATURES: OnceLock<jsonschema::Validator> = OnceLock::new();
    let cell = match kind {
        Kind::State => &STATE,
        Kind::Features => &FEATURES,
    };
    cell.get_or_init(|| {
        let dir = spec_dir().expect("checked by the caller").join("schema");
        let mut resources = Vec::new();
        let mut root = None;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if !name.ends_with(".json") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .unwrap()
                .replace("\"#definitions/", "\"#/definitions/");
            let doc: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if name == kind.file() {
                root = Some(doc.clone());
            }
            resources.push((format!("{UPSTREAM_BASE}{name}"), doc));
        }
        let root = root.expect("upstream root schema");
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft4)
            .extend(resources)
            .expect("resource URIs")
            .prepare()
            .expect("upstream registry");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .with_base_uri(format!("{UPSTREAM_BASE}{}", kind.file()))
            .with_registry(&registry)
            .build(&root)
            .unwrap_or_else(|e| panic!("upstream {} compiles: {e}", kind.file()))
    })
}

fn upstream_errors(kind: Kind, doc: &Value) -> Vec<String> {
    upstream(kind)
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Upstream's fixtures.

/// Fixtures whose upstream verdict we deliberately do not share: (kind dir, group, file name,
/// divergence ID of schema/README.md). None in runtime-spec v1.3.0.
const FIXTURE_EXCEPTIONS: &[(&str, &str, &str, &str)] = &[];

#[test]
fn upstream_fixtures_get_upstreams_verdict_from_ours() {
    let Some(spec) = spec_dir() else { return };
    let listed = readme_divergence_ids();
    let (mut checked, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for kind in [Kind::State, Kind::Features] {
        for (group, want) in [("good", true), ("bad", false)] {
            let dir = spec.join("schema-test").join(kind.dir()).join(group);
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                let Ok(doc) = serde_json::from_str::<Value>(&text) else {
                    eprintln!(
                        "note: {}/{group}/{name} is not JSON; skipped (no schema ever sees it)",
                        kind.dir()
                    );
                    skipped += 1;
                    continue;
                };
                checked += 1;
                let up = upstream(kind).is_valid(&doc);
                assert_eq!(
                    up,
                    want,
                    "{}/{group}/{name}: upstream's schema disagrees with its own fixture layout: {:?}",
                    kind.dir(),
                    upstream_errors(kind, &doc)
                );
                let exception = FIXTURE_EXCEPTIONS
                    .iter()
                    .find(|(k, g, n, _)| (*k, *g, *n) == (kind.dir(), group, name.as_str()));
                let want = match exception {
                    Some((_, _, _, id)) => {
                        assert!(listed.contains(*id), "{id} is not in schema/README.md");
                        !want
                    }
                    None => want,
                };
                let errs = kind.ours(&doc);
                if errs.is_empty() != want {
                    failures.push(format!(
                        "{}/{group}/{name}: want ours valid={want}, got {errs:?}",
                        kind.dir()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        (checked, skipped),
        (4, 1),
        "v1.3.0 has 1 good state fixture, 2 good and 1 bad features fixtures, and one state \
         fixture that is not JSON"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. The listed divergences.

struct Case {
    id: &'static str,
    kind: Kind,
    doc: Value,
    /// Upstream's verdict; ours is the opposite.
    upstream_accepts: bool,
    /// When ours rejects: the pointer of the one problem we must report.
    pointer: Option<&'static str>,
}

fn rejects(id: &'static str, kind: Kind, doc: Value, pointer: &'static str) -> Case {
    Case {
        id,
        kind,
        doc,
        upstream_accepts: true,
        pointer: Some(pointer),
    }
}

fn accepts(id: &'static str, kind: Kind, doc: Value) -> Case {
    Case {
        id,
        kind,
        doc,
        upstream_accepts: false,
        pointer: None,
    }
}

/// A valid state (runc's shape for a running container) with `patch` merged in; a `null` in the
/// patch removes the member.
fn state(patch: Value) -> Value {
    let mut v = json!({
        "ociVersion": "1.0.2-dev",
        "id": "c1",
        "status": "running",
        "pid": 4422,
        "bundle": "/run/bundles/c1"
    });
    merge(&mut v, patch);
    v
}

/// A valid Features structure with `patch` merged in (a `null` removes the member; use
/// [`features_with`] to set a `null` value).
fn features(patch: Value) -> Value {
    let mut v = json!({"ociVersionMin": "1.0.0", "ociVersionMax": "1.3.0"});
    merge(&mut v, patch);
    v
}

/// A valid Features structure with `value` at the JSON pointer `at` (parents created).
fn features_with(at: &str, value: Value) -> Value {
    let mut v = features(json!({}));
    let tokens: Vec<&str> = at.split('/').skip(1).collect();
    let (last, parents) = tokens.split_last().unwrap();
    let mut node = &mut v;
    for t in parents {
        node = node
            .as_object_mut()
            .unwrap()
            .entry(t.to_string())
            .or_insert_with(|| json!({}));
    }
    node.as_object_mut()
        .unwrap()
        .insert(last.to_string(), value);
    v
}

fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(&k);
                } else {
                    merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn divergences() -> Vec<Case> {
    use Kind::{Features as F, State as S};
    let mut cases = vec![
        accepts("S1", S, state(json!({"status": "paused"}))),
        accepts("S1", S, state(json!({"status": "checkpointed"}))),
        rejects("S2", S, state(json!({"pid": null})), "/pid"),
        rejects(
            "S2",
            S,
            state(json!({"status": "created", "pid": null})),
            "/pid",
        ),
        rejects("S3", S, state(json!({"pid": 0})), "/pid"),
        rejects(
            "S3",
            S,
            state(json!({"status": "created", "pid": 0})),
            "/pid",
        ),
        rejects(
            "S4",
            S,
            state(json!({"bundle": "containers/redis"})),
            "/bundle",
        ),
        rejects("S4", S, state(json!({"bundle": ""})), "/bundle"),
        rejects("S5", S, state(json!({"ociVersion": "1.0"})), "/ociVersion"),
        rejects(
            "S5",
            S,
            state(json!({"ociVersion": "v1.0.2"})),
            "/ociVersion",
        ),
        rejects(
            "S6",
            S,
            state(json!({"annotations": {"": "x"}})),
            "/annotations/",
        ),
        rejects(
            "S6",
            S,
            state(json!({"annotations": {"\n": 1}})),
            "/annotations/\n",
        ),
        rejects(
            "F2",
            F,
            features(json!({"runtimeName": "x"})),
            "/runtimeName",
        ),
        rejects(
            "F2",
            F,
            features_with("/linux/rootless", json!(true)),
            "/linux/rootless",
        ),
        rejects(
            "F3",
            F,
            features_with("/linux/memoryPolicy/modes", json!("MPOL_BIND")),
            "/linux/memoryPolicy/modes",
        ),
        rejects(
            "F3",
            F,
            features_with("/linux/memoryPolicy/flags", json!(["MPOL_F_BOGUS"])),
            "/linux/memoryPolicy/flags/0",
        ),
        rejects(
            "F3",
            F,
            features_with("/linux/intelRdt/schemata", json!("yes")),
            "/linux/intelRdt/schemata",
        ),
        rejects(
            "F3",
            F,
            features_with("/linux/intelRdt/monitoring", json!(1)),
            "/linux/intelRdt/monitoring",
        ),
        rejects(
            "F4",
            F,
            features(json!({"annotations": {"": "x"}})),
            "/annotations/",
        ),
        rejects(
            "F4",
            F,
            features(json!({"annotations": {"\n": false}})),
            "/annotations/\n",
        ),
        rejects(
            "F5",
            F,
            features(json!({"ociVersionMin": "1.0"})),
            "/ociVersionMin",
        ),
        rejects(
            "F5",
            F,
            features(json!({"ociVersionMax": "latest"})),
            "/ociVersionMax",
        ),
        rejects(
            "F6",
            F,
            features(json!({"ociVersionMin": "1.1.0", "ociVersionMax": "1.0.2"})),
            "/ociVersionMax",
        ),
    ];
    // F1: `null` is accepted for every property but the two versions, at every level.
    for at in [
        "/hooks",
        "/mountOptions",
        "/annotations",
        "/potentiallyUnsafeConfigAnnotations",
        "/linux",
        "/linux/namespaces",
        "/linux/capabilities",
        "/linux/cgroup",
        "/linux/cgroup/v1",
        "/linux/cgroup/v2",
        "/linux/cgroup/systemd",
        "/linux/cgroup/systemdUser",
        "/linux/cgroup/rdma",
        "/linux/seccomp",
        "/linux/seccomp/enabled",
        "/linux/seccomp/actions",
        "/linux/seccomp/operators",
        "/linux/seccomp/archs",
        "/linux/seccomp/knownFlags",
        "/linux/seccomp/supportedFlags",
        "/linux/apparmor",
        "/linux/apparmor/enabled",
        "/linux/selinux",
        "/linux/selinux/enabled",
        "/linux/intelRdt/enabled",
        "/linux/mountExtensions",
        "/linux/mountExtensions/idmap",
        "/linux/mountExtensions/idmap/enabled",
        "/linux/netDevices",
        "/linux/netDevices/enabled",
    ] {
        cases.push(accepts("F1", F, features_with(at, Value::Null)));
    }
    // F2: one undefined property in each object the spec defines.
    for (at, pointer) in [
        ("/linux/cgroup/v3", "/linux/cgroup/v3"),
        ("/linux/seccomp/listener", "/linux/seccomp/listener"),
        ("/linux/apparmor/profiles", "/linux/apparmor/profiles"),
        ("/linux/selinux/labels", "/linux/selinux/labels"),
        ("/linux/intelRdt/l3", "/linux/intelRdt/l3"),
        (
            "/linux/mountExtensions/overlay",
            "/linux/mountExtensions/overlay",
        ),
        (
            "/linux/mountExtensions/idmap/recursive",
            "/linux/mountExtensions/idmap/recursive",
        ),
        ("/linux/netDevices/names", "/linux/netDevices/names"),
    ] {
        cases.push(rejects("F2", F, features_with(at, json!(true)), pointer));
    }
    cases
}

/// Cases where upstream's schema and ours must agree (ours is never looser by accident).
fn agreements() -> Vec<(Kind, Value, bool)> {
    use Kind::{Features as F, State as S};
    vec![
        (S, state(json!({"status": "stopped", "pid": 0})), true),
        (S, state(json!({"status": "stopped", "pid": null})), true),
        (S, state(json!({"status": "creating", "pid": null})), true),
        (S, state(json!({"annotations": {}})), true),
        (
            S,
            state(json!({"rootfs": "/x", "created": "2024-01-01T00:00:00Z"})),
            true,
        ),
        (S, state(json!({"status": ""})), false),
        (S, state(json!({"status": 1})), false),
        (S, state(json!({"pid": -1})), false),
        (S, state(json!({"pid": 4422.5})), false),
        (S, state(json!({"pid": 4422.0})), false),
        (S, state(json!({"pid": "4422"})), false),
        (S, state(json!({"id": null})), false),
        (S, state(json!({"bundle": null})), false),
        (S, state(json!({"ociVersion": null})), false),
        (S, state(json!({"annotations": {"k": 1}})), false),
        (S, state(json!({"annotations": []})), false),
        (S, json!([]), false),
        (F, features(json!({"ociVersionMin": null})), false),
        (F, features_with("/ociVersionMax", Value::Null), false),
        (F, features(json!({"hooks": "prestart"})), false),
        (F, features(json!({"hooks": [1]})), false),
        (F, features(json!({"mountOptions": [null]})), false),
        (F, features(json!({"annotations": {"k": 1}})), false),
        (F, features_with("/linux/namespaces", json!(["net"])), false),
        (F, features_with("/linux/namespaces", json!(["time"])), true),
        (
            F,
            features_with("/linux/capabilities", json!(["chown"])),
            false,
        ),
        (F, features_with("/linux/cgroup/v2", json!("true")), false),
        (
            F,
            features_with("/linux/seccomp/actions", json!(["SCMP_ACT_FOO"])),
            false,
        ),
        (
            F,
            features_with("/linux/seccomp/operators", json!(["SCMP_CMP_XX"])),
            false,
        ),
        (
            F,
            features_with("/linux/seccomp/archs", json!(["SCMP_ARCH_RISCV64"])),
            true,
        ),
        (
            F,
            features_with("/linux/seccomp/archs", json!(["x86_64"])),
            false,
        ),
        (
            F,
            features_with(
                "/linux/seccomp/knownFlags",
                json!(["SECCOMP_FILTER_FLAG_TSYNC"]),
            ),
            true,
        ),
        (
            F,
            features_with("/linux/seccomp/supportedFlags", json!(["TSYNC"])),
            false,
        ),
        (
            F,
            features_with("/linux/mountExtensions/idmap/enabled", json!(1)),
            false,
        ),
        (F, features_with("/linux/netDevices", json!(true)), false),
        (F, json!("1.0.0"), false),
    ]
}

/// The IDs of the divergence table in schema/README.md's section on the runtime's documents
/// (rows starting `| S<n> |` or `| F<n> |`).
fn readme_divergence_ids() -> BTreeSet<String> {
    let text = include_str!("../../schema/README.md");
    text.lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|rest| {
            let prefix = rest.chars().next().filter(|c| matches!(c, 'S' | 'F'))?;
            let n: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
            (!n.is_empty() && rest[1 + n.len()..].starts_with(" |")).then(|| format!("{prefix}{n}"))
        })
        .collect()
}

#[test]
fn every_listed_divergence_is_proven_and_every_proven_one_is_listed() {
    let Some(_) = spec_dir() else { return };
    let cases = divergences();
    let proven: BTreeSet<String> = cases.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(
        proven,
        readme_divergence_ids(),
        "divergence cases here and the S/F table in schema/README.md must name the same IDs"
    );
    let mut failures = Vec::new();
    for c in &cases {
        let up = upstream(c.kind).is_valid(&c.doc);
        let errs = c.kind.ours(&c.doc);
        let us = errs.is_empty();
        if up != c.upstream_accepts || us == c.upstream_accepts {
            failures.push(format!(
                "{}: want upstream={} ours={}, got upstream={up} ours={us}\n  doc: {}\n  upstream: {:?}\n  ours: {errs:?}",
                c.id,
                c.upstream_accepts,
                !c.upstream_accepts,
                c.doc,
                upstream_errors(c.kind, &c.doc),
            ));
            continue;
        }
        if let Some(pointer) = c.pointer {
            let ok = errs.len() == 1 && errs[0].starts_with(&format!("{pointer}: "));
            if !ok {
                failures.push(format!(
                    "{}: want exactly one problem at {pointer:?}, got {errs:?}",
                    c.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn outside_the_listed_divergences_both_schemas_agree() {
    let Some(_) = spec_dir() else { return };
    let mut failures = Vec::new();
    for (kind, doc, want) in agreements() {
        let up = upstream(kind).is_valid(&doc);
        let errs = kind.ours(&doc);
        if up != want || errs.is_empty() != want {
            failures.push(format!(
                "{kind:?} {doc}: want {want}, upstream {up} {:?}, ours {errs:?}",
                upstream_errors(kind, &doc)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 3. Hand-written cases and real-world documents.

fn assert_valid(what: &str, errs: Vec<String>) {
    assert!(errs.is_empty(), "{what}: want valid, got {errs:#?}");
}

/// The problems must be exactly one, at `pointer`.
fn assert_one_problem_at(what: &str, errs: Vec<String>, pointer: &str) {
    assert!(
        errs.len() == 1 && errs[0].starts_with(&format!("{pointer}: ")),
        "{what}: want one problem at {pointer:?}, got {errs:#?}"
    );
}

#[test]
fn runc_1_1_5_state_of_a_created_container_passes() {
    // `runc state` for a created container (runc 1.1.5 adds rootfs, created and owner).
    let doc = json!({
        "ociVersion": "1.0.2-dev",
        "id": "oci-check-1",
        "pid": 31547,
        "status": "created",
        "bundle": "/tmp/oci-check/bundle",
        "rootfs": "/tmp/oci-check/bundle/rootfs",
        "created": "2024-05-02T09:14:07.123456789Z",
        "owner": ""
    });
    assert_valid("runc created state", validate_state(&doc));
    let mut with_annotations = doc.clone();
    with_annotations["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    assert_valid("with annotations", validate_state(&with_annotations));
}

#[test]
fn state_missing_pid_when_running_fails() {
    let errs = validate_state(&state(json!({"pid": null})));
    assert_one_problem_at("running without pid", errs.clone(), "/pid");
    assert!(errs[0].contains("REQUIRED"), "{errs:?}");
}

#[test]
fn state_relative_bundle_fails() {
    let errs = validate_state(&state(json!({"bundle": "bundles/c1"})));
    assert_one_problem_at("relative bundle", errs.clone(), "/bundle");
    assert!(errs[0].contains("absolute"), "{errs:?}");
}

#[test]
fn state_status_paused_passes() {
    assert_valid(
        "paused",
        validate_state(&state(json!({"status": "paused"}))),
    );
}

#[test]
fn state_that_is_not_an_object_fails() {
    let errs = validate_state(&json!("running"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with(": expected object"), "{errs:?}");
}

#[test]
fn features_hooks_null_passes() {
    assert_valid(
        "hooks null",
        validate_features(&features_with("/hooks", Value::Null)),
    );
}

#[test]
fn features_unknown_top_level_property_fails() {
    let errs = validate_features(&features(json!({"checkpoint": true})));
    assert_one_problem_at("unknown top-level property", errs.clone(), "/checkpoint");
    assert!(
        errs[0].contains("features.no_undefined_properties"),
        "{errs:?}"
    );
}

#[test]
fn features_unknown_property_in_linux_seccomp_fails() {
    let errs = validate_features(&features_with("/linux/seccomp/notify", json!(true)));
    assert_one_problem_at("unknown seccomp property", errs, "/linux/seccomp/notify");
}

#[test]
fn features_missing_oci_version_max_fails() {
    let errs = validate_features(&json!({"ociVersionMin": "1.1.0"}));
    assert_one_problem_at("no ociVersionMax", errs, "/ociVersionMax");
}

/// `runc features` of runc 1.1.5 (Debian 12's `runc 1.1.5+ds1-1+deb12u1`), as printed.
const RUNC_1_1_5_FEATURES: &str = r#"{
    "ociVersionMin": "1.0.0",
    "ociVersionMax": "1.0.2-dev",
    "hooks": [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
        "poststop"
    ],
    "mountOptions": [
        "acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
        "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime",
        "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime",
        "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime",
        "remount", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime",
        "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro",
        "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw",
        "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup",
        "unbindable"
    ],
    "linux": {
        "namespaces": [
            "cgroup", "ipc", "mount", "network", "pid", "user", "uts"
        ],
        "capabilities": [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"
        ],
        "cgroup": {
            "v1": true,
            "v2": true,
            "systemd": true,
            "systemdUser": true
        },
        "seccomp": {
            "enabled": true,
            "actions": [
                "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                "SCMP_ACT_TRAP"
            ],
            "operators": [
                "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"
            ],
            "archs": [
                "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
                "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
                "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32",
                "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"
            ]
        },
        "apparmor": {
            "enabled": true
        },
        "selinux": {
            "enabled": true
        }
    },
    "annotations": {
        "io.github.seccomp.libseccomp.version": "2.5.4",
        "org.opencontainers.runc.checkpoint.enabled": "true",
        "org.opencontainers.runc.commit": "1.1.5+ds1-1+deb12u1",
        "org.opencontainers.runc.version": "1.1.5+ds1"
    }
}"#;

/// The full example of features.md at runtime-spec v1.3.0.
const SPEC_FEATURES_EXAMPLE: &str = r#"{
    "ociVersionMin": "1.0.0",
    "ociVersionMax": "1.1.0-rc.2",
    "hooks": [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart",
        "poststop"
    ],
    "mountOptions": [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
        "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
        "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
        "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec",
        "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime",
        "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared",
        "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared",
        "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup",
        "unbindable"
    ],
    "linux": {
        "namespaces": [
            "cgroup", "ipc", "mount", "network", "pid", "user", "uts"
        ],
        "capabilities": [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"
        ],
        "cgroup": {
            "v1": true,
            "v2": true,
            "systemd": true,
            "systemdUser": true,
            "rdma": true
        },
        "seccomp": {
            "enabled": true,
            "actions": [
                "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                "SCMP_ACT_TRAP"
            ],
            "operators": [
                "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"
            ],
            "archs": [
                "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
                "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
                "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
                "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"
            ],
            "knownFlags": [
                "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                "SECCOMP_FILTER_FLAG_LOG"
            ],
            "supportedFlags": [
                "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                "SECCOMP_FILTER_FLAG_LOG"
            ]
        },
        "apparmor": {
            "enabled": true
        },
        "selinux": {
            "enabled": true
        },
        "memoryPolicy": {
            "modes": [
                "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"
            ],
            "flags": [
                "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"
            ]
        },
        "intelRdt": {
            "enabled": true,
            "schemata": true,
            "monitoring": true
        }
    },
    "annotations": {
        "io.github.seccomp.libseccomp.version": "2.5.4",
        "org.opencontainers.runc.checkpoint.enabled": "true",
        "org.opencontainers.runc.commit": "v1.1.0-534-g26851168",
        "org.opencontainers.runc.version": "1.1.0+dev"
    }
}"#;

#[test]
fn recorded_runc_features_and_the_spec_example_pass() {
    for (what, text) in [
        ("runc 1.1.5 features", RUNC_1_1_5_FEATURES),
        ("features.md example", SPEC_FEATURES_EXAMPLE),
    ] {
        let doc: Value = serde_json::from_str(text).unwrap();
        assert_valid(what, validate_features(&doc));
    }
}

fn runc() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("runc"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"].map(PathBuf::from))
        .find(|p| p.is_file())
}

#[test]
fn live_runc_features_passes() {
    let Some(runc) = runc() else {
        if std::env::var_os("CI").is_some() {
            panic!("runc is not installed; CI installs it (.ci/run)");
        }
        eprintln!("note: runc not found; live `runc features` check skipped (set CI to make this an error)");
        return;
    };
    let out = std::process::Command::new(&runc)
        .arg("features")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", runc.display()));
    assert!(
        out.status.success(),
        "{} features: {}\n{}",
        runc.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{} features printed no JSON ({e}): {}",
            runc.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_valid(
        &format!("{} features", display(&runc)),
        validate_features(&doc),
    );
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
