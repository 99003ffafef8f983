//! A config built from a real one plus generated edits: member names come from the spec, values
//! from a list of the ones rules care about, so that mutations reach the deep rules (seccomp,
//! devices, mounts, idmaps...) rather than dying in the JSON parser as most random bytes do.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Real configs to start from (the bundles the golden tests use), and an empty one.
const BASES: &[&str] = &[
    include_str!("../../bundles/valid/runc-spec/config.json"),
    include_str!("../../bundles/valid/crun-spec/config.json"),
    include_str!("../../bundles/valid/containerd-cri/config.json"),
    include_str!("../../bundles/valid/minimal-v1.0.0/config.json"),
    "{}",
];

/// Member names of config.json (config.md, config-linux.md and the schema).
const KEYS: &[&str] = &[
    "ociVersion",
    "root",
    "path",
    "readonly",
    "process",
    "terminal",
    "consoleSize",
    "height",
    "width",
    "args",
    "commandLine",
    "env",
    "cwd",
    "user",
    "uid",
    "gid",
    "umask",
    "additionalGids",
    "username",
    "capabilities",
    "bounding",
    "effective",
    "inheritable",
    "permitted",
    "ambient",
    "rlimits",
    "type",
    "soft",
    "hard",
    "noNewPrivileges",
    "apparmorProfile",
    "oomScoreAdj",
    "selinuxLabel",
    "ioPriority",
    "class",
    "priority",
    "scheduler",
    "policy",
    "nice",
    "flags",
    "runtime",
    "deadline",
    "execCPUAffinity",
    "initial",
    "final",
    "hostname",
    "domainname",
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
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
    "timeout",
    "annotations",
    "linux",
    "namespaces",
    "devices",
    "major",
    "minor",
    "fileMode",
    "allow",
    "access",
    "resources",
    "memory",
    "limit",
    "reservation",
    "swap",
    "kernel",
    "kernelTCP",
    "swappiness",
    "disableOOMKiller",
    "useHierarchy",
    "checkBeforeUpdate",
    "cpu",
    "shares",
    "quota",
    "burst",
    "period",
    "realtimeRuntime",
    "realtimePeriod",
    "cpus",
    "mems",
    "idle",
    "blockIO",
    "weight",
    "leafWeight",
    "weightDevice",
    "throttleReadBpsDevice",
    "throttleWriteBpsDevice",
    "throttleReadIOPSDevice",
    "throttleWriteIOPSDevice",
    "rate",
    "hugepageLimits",
    "pageSize",
    "network",
    "classID",
    "priorities",
    "name",
    "pids",
    "rdma",
    "hcaHandles",
    "hcaObjects",
    "unified",
    "cgroupsPath",
    "rootfsPropagation",
    "seccomp",
    "defaultAction",
    "defaultErrnoRet",
    "architectures",
    "listenerPath",
    "listenerMetadata",
    "syscalls",
    "names",
    "action",
    "errnoRet",
    "args",
    "index",
    "value",
    "valueTwo",
    "op",
    "sysctl",
    "maskedPaths",
    "readonlyPaths",
    "mountLabel",
    "intelRdt",
    "closID",
    "l3CacheSchema",
    "memBwSchema",
    "schemata",
    "enableMonitoring",
    "personality",
    "domain",
    "timeOffsets",
    "secs",
    "nanosecs",
    "memoryPolicy",
    "mode",
    "nodes",
    "netDevices",
    "vm",
    "hypervisor",
    "image",
    "parameters",
    "format",
    "windows",
    "solaris",
    "zos",
    "org.opencontainers.image.os",
    "org.opencontainers.image.architecture",
    "org.opencontainers.image.created",
    "org.opencontainers.image.stopSignal",
    "",
    "~",
    "/",
];

/// Strings the rules compare against, and some that break paths and pointers.
const STRINGS: &[&str] = &[
    "1.0.0",
    "1.0.2-dev",
    "1.1.0",
    "1.2.0",
    "1.3.0",
    "2.0.0",
    "1.0",
    "x",
    "",
    "/",
    "rootfs",
    "/proc",
    "proc",
    "/dev",
    "/sys",
    "sysfs",
    "tmpfs",
    "bind",
    "rbind",
    "ro",
    "rw",
    "idmap",
    "ridmap",
    "nosuid",
    "b",
    "c",
    "u",
    "p",
    "a",
    "rwm",
    "pid",
    "network",
    "mount",
    "ipc",
    "uts",
    "user",
    "cgroup",
    "time",
    "/proc/1/ns/net",
    "CAP_KILL",
    "CAP_SYS_ADMIN",
    "CAP_FOO",
    "RLIMIT_NOFILE",
    "RLIMIT_CPU",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_NOTIFY",
    "SCMP_ACT_KILL",
    "SCMP_ARCH_X86_64",
    "SCMP_CMP_EQ",
    "SCMP_CMP_MASKED_EQ",
    "read",
    "write",
    "open",
    "L3:0=f",
    "MB:0=10",
    "L3:0=f\nMB:0=1",
    "MPOL_BIND",
    "MPOL_DEFAULT",
    "MPOL_F_STATIC_NODES",
    "IOPRIO_CLASS_RT",
    "SCHED_FIFO",
    "SCHED_DEADLINE",
    "LINUX",
    "LINUX32",
    "PATH=/bin",
    "PATH=",
    "=x",
    "A=b",
    "/bin/sh",
    "sh",
    "../x",
    "a/../..",
    "/dev/null",
    "slave",
    "shared",
    "private",
    "org.opencontainers.x",
    "com.example.k",
    "{}",
    "1",
    "-1",
    "0-3",
    "0,2",
    "max",
    "é",
    "\u{0}",
    "a\nb",
    "\t",
    "\\",
    "\"",
    "~1",
    "/~0",
];

#[derive(Debug)]
enum Val {
    Leaf(Value),
    Array(Vec<Val>),
    Object(Vec<(String, Val)>),
}

impl Val {
    fn into_json(self) -> Value {
        match self {
            Val::Leaf(v) => v,
            Val::Array(items) => Value::Array(items.into_iter().map(Val::into_json).collect()),
            Val::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, v.into_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

fn key(u: &mut Unstructured) -> Result<String> {
    Ok(if u.ratio(7, 8)? {
        u.choose(KEYS)?.to_string()
    } else {
        String::arbitrary(u)?
    })
}

fn leaf(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=8)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(i64::arbitrary(u)?),
        3 => Value::from(u64::arbitrary(u)?),
        // Small numbers: counts, ids, majors and minors, indexes.
        4 => Value::from(u.int_in_range(-2i64..=300)?),
        5 => serde_json::Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        6 => Value::String(String::arbitrary(u)?),
        _ => Value::String(u.choose(STRINGS)?.to_string()),
    })
}

/// Depth-limited, so a long input cannot overflow the stack here (the validator's own depth
/// limits are tested by the bytes target).
fn val(u: &mut Unstructured, depth: u32) -> Result<Val> {
    if depth == 0 || u.ratio(2, 3)? {
        return Ok(Val::Leaf(leaf(u)?));
    }
    let n = u.int_in_range(0..=4)?;
    if bool::arbitrary(u)? {
        (0..n)
            .map(|_| val(u, depth - 1))
            .collect::<Result<_>>()
            .map(Val::Array)
    } else {
        (0..n)
            .map(|_| Ok((key(u)?, val(u, depth - 1)?)))
            .collect::<Result<_>>()
            .map(Val::Object)
    }
}

/// One step of the path an edit walks from the top of the config.
#[derive(Debug)]
enum Step {
    Key(String),
    Index(u8),
}

#[derive(Debug)]
enum Op {
    Set(Val),
    Remove,
}

#[derive(Debug)]
struct Edit {
    path: Vec<Step>,
    op: Op,
}

#[derive(Debug)]
struct Input {
    base: usize,
    edits: Vec<Edit>,
    pretty: bool,
    /// Which report format renders this input.
    format: u8,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let base = u.choose_index(BASES.len())?;
        let pretty = bool::arbitrary(u)?;
        let format = u8::arbitrary(u)?;
        let mut edits = Vec::new();
        for _ in 0..u.int_in_range(0..=8)? {
            let mut path = Vec::new();
            for _ in 0..u.int_in_range(0..=5)? {
                path.push(if u.ratio(3, 4)? {
                    Step::Key(key(u)?)
                } else {
                    Step::Index(u8::arbitrary(u)?)
                });
            }
            let op = if u.ratio(1, 6)? {
                Op::Remove
            } else {
                Op::Set(val(u, 4)?)
            };
            edits.push(Edit { path, op });
        }
        Ok(Input {
            base,
            edits,
            pretty,
            format,
        })
    }
}

/// Walks `path`, turning whatever is in the way into the container the step needs, and sets or
/// removes the value at its end.
fn apply(doc: &mut Value, edit: Edit) {
    let Some((last, walk)) = edit.path.split_last() else {
        if let Op::Set(v) = edit.op {
            *doc = v.into_json();
        }
        return;
    };
    let mut here = doc;
    for step in walk {
        here = child(here, step);
    }
    match (edit.op, last) {
        (Op::Set(v), step) => *child(here, step) = v.into_json(),
        (Op::Remove, Step::Key(k)) => {
            if let Some(o) = here.as_object_mut() {
                o.remove(k);
            }
        }
        (Op::Remove, Step::Index(i)) => {
            if let Some(a) = here.as_array_mut() {
                if !a.is_empty() {
                    a.remove(*i as usize % a.len());
                }
            }
        }
    }
}

fn child<'v>(here: &'v mut Value, step: &Step) -> &'v mut Value {
    match step {
        Step::Key(k) => {
            if !here.is_object() {
                *here = Value::Object(Map::new());
            }
            here.as_object_mut()
                .unwrap()
                .entry(k.clone())
                .or_insert(Value::Null)
        }
        Step::Index(i) => {
            if !here.is_array() {
                *here = Value::Array(Vec::new());
            }
            let a = here.as_array_mut().unwrap();
            // An index past the end appends, so arrays grow as well as change.
            let i = *i as usize % (a.len() + 1);
            if i == a.len() {
                a.push(Value::Null);
            }
            &mut a[i]
        }
    }
}

/// The bases, parsed once.
fn bases() -> &'static [Value] {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BASES
            .iter()
            .map(|b| serde_json::from_str(b).expect("bases are valid JSON"))
            .collect()
    })
}

fuzz_target!(|input: Input| {
    let mut doc = bases()[input.base].clone();
    for edit in input.edits {
        apply(&mut doc, edit);
    }
    let bytes = if input.pretty {
        serde_json::to_vec_pretty(&doc)
    } else {
        serde_json::to_vec(&doc)
    }
    .expect("a Value always serializes");
    oci_check_fuzz::validate_and_render_one(&bytes, input.format);
});
