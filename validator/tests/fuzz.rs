//! Property tests over hostile input: arbitrary bytes and arbitrary JSON shaped like a config.
//! The validator must never panic, and every finding must point somewhere real.

use oci_check_validator::validate_bytes;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Names that occur in config.json, so generated objects reach the rules' code paths.
const KEYS: &[&str] = &[
    "ociVersion",
    "root",
    "path",
    "readonly",
    "process",
    "args",
    "env",
    "cwd",
    "user",
    "uid",
    "gid",
    "additionalGids",
    "umask",
    "capabilities",
    "bounding",
    "effective",
    "rlimits",
    "type",
    "soft",
    "hard",
    "mounts",
    "destination",
    "source",
    "options",
    "uidMappings",
    "gidMappings",
    "containerID",
    "hostID",
    "size",
    "hooks",
    "prestart",
    "createRuntime",
    "poststop",
    "timeout",
    "annotations",
    "linux",
    "namespaces",
    "devices",
    "major",
    "minor",
    "resources",
    "memory",
    "limit",
    "kernel",
    "cpu",
    "quota",
    "burst",
    "period",
    "blockIO",
    "weightDevice",
    "weight",
    "leafWeight",
    "rdma",
    "hcaHandles",
    "seccomp",
    "defaultAction",
    "defaultErrnoRet",
    "syscalls",
    "names",
    "action",
    "errnoRet",
    "listenerMetadata",
    "listenerPath",
    "maskedPaths",
    "readonlyPaths",
    "intelRdt",
    "l3CacheSchema",
    "memBwSchema",
    "schemata",
    "cgroupsPath",
    "hugepageLimits",
    "pageSize",
    "ioPriority",
    "class",
    "priority",
    "scheduler",
    "policy",
    "personality",
    "domain",
    "memoryPolicy",
    "mode",
    "org.opencontainers.image.os",
    "",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-z~/.]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(
            &[
                "1.0.0",
                "1.3.0",
                "2.0.0",
                "1.0.2-dev",
                "x",
                "",
                "/",
                "rootfs",
                "SCMP_ACT_ERRNO",
                "SCMP_ACT_ALLOW",
                "idmap",
                "ro",
                "RLIMIT_NOFILE",
                "CAP_KILL",
                "pid",
                "L3:0=f",
                "MB:0=10",
                "a\nb",
                "/proc",
                "proc",
                "b",
                "c",
                "p",
                "org.opencontainers.x",
            ][..]
        )
        .prop_map(|s| Value::String(s.to_string())),
        ".{0,8}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A config-shaped document: the top-level members a config has, each an arbitrary value.
fn config() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop::sample::select(
                &[
                    "ociVersion",
                    "root",
                    "process",
                    "mounts",
                    "hooks",
                    "annotations",
                    "linux",
                    "hostname",
                ][..],
            ),
            value(),
        ),
        0..8,
    )
    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
}

/// A pointer names a node, or a missing member of an object that exists.
fn points_somewhere(doc: &Value, pointer: &str) -> bool {
    if doc.pointer(pointer).is_some() {
        return true;
    }
    match pointer.rfind('/') {
        Some(i) => doc
            .pointer(&pointer[..i])
            .is_some_and(|p| p.is_object() || p.is_array()),
        None => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let report = validate_bytes("config.json", &bytes, None);
        if serde_json::from_slice::<Value>(&bytes).is_err() {
            prop_assert!(report.has_errors(), "unparseable input must be an error");
        }
    }

    #[test]
    fn arbitrary_configs_never_panic_and_findings_point_into_the_document(doc in config()) {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let report = validate_bytes("config.json", text.as_bytes(), None);
        let lines = text.lines().count() as u32;
        for l in &report.findings {
            prop_assert!(points_somewhere(&doc, &l.finding.pointer),
                "{} points at {:?}, which is not in the document", l.finding.rule.id, l.finding.pointer);
            prop_assert!(l.line.is_some_and(|n| n >= 1 && n <= lines.max(1)), "line {:?} of {lines}", l.line);
            prop_assert!(!l.finding.message.is_empty());
        }
    }

    #[test]
    fn json_with_noise_around_it_is_rejected_not_panicking(doc in config(), noise in "[ ,:\\]\\}{\\[a-z/*]{1,3}") {
        let text = format!("{}{noise}", serde_json::to_string(&doc).unwrap());
        let report = validate_bytes("config.json", text.as_bytes(), None);
        if serde_json::from_str::<Value>(&text).is_err() {
            prop_assert!(report.findings.iter().any(|f| f.finding.rule.id == "json.syntax"));
        }
    }
}
