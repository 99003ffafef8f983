//! Rules for `linux` (config-linux.md): namespaces, devices, the cgroups path, resources and
//! Intel RDT.

use super::text::quoted;
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;
use std::collections::HashMap;

pub static NAMESPACES_DUPLICATE: Rule = Rule {
    id: "config.linux.namespaces.error_duplicate",
    level: Level::Error,
    requirements: &["config.linux.namespaces.error_duplicate"],
    summary: "no two linux.namespaces entries have the same type",
    scope: Scope::Config,
    check: Some(check_namespaces_duplicate),
    doc: None,
};

pub static DEVICES_UNIQUE: Rule = Rule {
    id: "config.linux.devices.unique_type_major_minor",
    level: Level::Warning,
    requirements: &["config.linux.devices.unique_type_major_minor"],
    summary: "no two linux.devices entries have the same type, major and minor",
    scope: Scope::Config,
    check: Some(check_devices_unique),
    doc: None,
};

pub static CGROUPS_PATH: Rule = Rule {
    id: "config.linux.cgroupsPath.abs_or_rel",
    level: Level::Error,
    requirements: &["config.linux.cgroupsPath.abs_or_rel"],
    summary: "linux.cgroupsPath is a path: not empty (a path has at least one character) and \
              without NUL characters (a path cannot hold one)",
    scope: Scope::Config,
    check: Some(check_cgroups_path),
    doc: None,
};

pub static MEMORY_KERNEL: Rule = Rule {
    id: "config.linux.resources.memory.kernel.not_recommended",
    level: Level::Warning,
    requirements: &["config.linux.resources.memory.kernel.not_recommended"],
    summary: "linux.resources.memory.kernel is not set (NOT RECOMMENDED)",
    scope: Scope::Config,
    check: Some(check_memory_kernel),
    doc: None,
};

pub static MEMORY_KERNEL_TCP: Rule = Rule {
    id: "config.linux.resources.memory.kernelTCP.not_recommended",
    level: Level::Warning,
    requirements: &["config.linux.resources.memory.kernelTCP.not_recommended"],
    summary: "linux.resources.memory.kernelTCP is not set (NOT RECOMMENDED)",
    scope: Scope::Config,
    check: Some(check_memory_kernel_tcp),
    doc: None,
};

pub static CPU_QUOTA_BURST: Rule = Rule {
    id: "config.linux.resources.cpu.quota.ge_burst",
    level: Level::Error,
    requirements: &[
        "config.linux.resources.cpu.quota.ge_burst",
        "config.linux.resources.cpu.burst.le_quota",
    ],
    summary: "linux.resources.cpu.burst is no larger than a positive cpu.quota",
    scope: Scope::Config,
    check: Some(check_cpu_quota_burst),
    doc: None,
};

pub static L3_PREFIX: Rule = Rule {
    id: "config.linux.intelRdt.l3CacheSchema.prefix",
    level: Level::Warning,
    requirements: &["config.linux.intelRdt.l3CacheSchema.prefix"],
    summary: "linux.intelRdt.l3CacheSchema starts with \"L3:\"",
    scope: Scope::Config,
    check: Some(check_l3_prefix),
    doc: None,
};

pub static L3_NO_NEWLINES: Rule = Rule {
    id: "config.linux.intelRdt.l3CacheSchema.no_newlines",
    level: Level::Warning,
    requirements: &["config.linux.intelRdt.l3CacheSchema.no_newlines"],
    summary: "linux.intelRdt.l3CacheSchema contains no newline",
    scope: Scope::Config,
    check: Some(check_l3_no_newlines),
    doc: None,
};

/// "If a namespaces field contains duplicated namespaces with same type, the runtime MUST
/// generate an error."
fn check_namespaces_duplicate(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, ns) in ctx.array("/linux/namespaces").iter().enumerate() {
        let Some(kind) = ns.get("type").and_then(Value::as_str) else {
            continue;
        };
        if let Some(earlier) = first.get(kind) {
            out.push(
                Finding::new(
                    &NAMESPACES_DUPLICATE,
                    format!("/linux/namespaces/{i}/type"),
                    format!(
                        "namespace {} is given again; it was first given at \
                         /linux/namespaces/{earlier}, and the runtime must fail",
                        quoted(kind)
                    ),
                )
                .expected(format!("one entry of type {}", quoted(kind)))
                .observed("a second entry")
                .hint("remove one of the two entries"),
            );
        } else {
            first.insert(kind, i);
        }
    }
}

/// "The same type, major and minor SHOULD NOT be used for multiple devices." Entries without
/// integer major and minor (type `p`, or broken entries) are not compared.
fn check_devices_unique(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut first: HashMap<(&str, i64, i64), String> = HashMap::new();
    for (ptr, dev) in ctx.items("/linux/devices") {
        let (Some(kind), Some(major), Some(minor)) = (
            dev.get("type").and_then(Value::as_str),
            dev.get("major").and_then(Value::as_i64),
            dev.get("minor").and_then(Value::as_i64),
        ) else {
            continue;
        };
        let path = dev
            .get("path")
            .and_then(Value::as_str)
            .map(quoted)
            .unwrap_or_else(|| "this entry".into());
        if let Some(earlier) = first.get(&(kind, major, minor)) {
            out.push(
                Finding::new(
                    &DEVICES_UNIQUE,
                    ptr.clone(),
                    format!(
                        "device {path} has type {kind} and number {major}:{minor}, like the \
                         device at {earlier}"
                    ),
                )
                .expected(format!("one device of type {kind} with number {major}:{minor}"))
                .observed("a second device with the same type and number")
                .hint("remove the duplicate, or bind-mount or symlink the one device to the other path"),
            );
        } else {
            first.insert((kind, major, minor), ptr);
        }
    }
}

/// "The value of cgroupsPath MUST be either an absolute path or a relative path." Every
/// non-empty string without NUL is one or the other (relative: not starting with `/`); the empty
/// string names no path, and a NUL cannot be part of one.
fn check_cgroups_path(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(path) = ctx.at("/linux/cgroupsPath").and_then(Value::as_str) else {
        return;
    };
    let why = if path.is_empty() {
        "is empty, which is neither an absolute nor a relative path"
    } else if path.contains('\0') {
        "contains a NUL character, which no path can hold"
    } else {
        return;
    };
    let mut f = Finding::new(
        &CGROUPS_PATH,
        "/linux/cgroupsPath",
        format!("linux.cgroupsPath {} {why}", quoted(path)),
    )
    .expected("an absolute path (\"/mycontainer\") or a relative path (\"mycontainer\")")
    .observed(quoted(path));
    f = if path.is_empty() {
        f.hint("remove cgroupsPath to let the runtime choose, or give a path")
    } else {
        f.hint("remove the NUL character")
    };
    out.push(f);
}

fn check_not_recommended(ctx: &Ctx, out: &mut Vec<Finding>, rule: &'static Rule, field: &str) {
    let pointer = format!("/linux/resources/memory/{field}");
    let Some(v) = ctx.at(&pointer) else {
        return;
    };
    if v.is_null() {
        return;
    }
    let what = if field == "kernel" {
        "kernel memory"
    } else {
        "kernel TCP buffer memory"
    };
    out.push(
        Finding::new(
            rule,
            pointer,
            format!(
                "memory.{field} (a hard limit for {what}) is NOT RECOMMENDED: the kernel \
                 deprecated kernel memory limits in cgroup v1 and cgroup v2 has none, so \
                 runtimes may ignore it"
            ),
        )
        .expected(format!("no memory.{field}"))
        .observed(format!("memory.{field} = {v}"))
        .hint(format!(
            "remove memory.{field}; memory.limit also accounts for kernel memory on cgroup v2"
        )),
    );
}

fn check_memory_kernel(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_not_recommended(ctx, out, &MEMORY_KERNEL, "kernel");
}

fn check_memory_kernel_tcp(ctx: &Ctx, out: &mut Vec<Finding>) {
    check_not_recommended(ctx, out, &MEMORY_KERNEL_TCP, "kernelTCP");
}

/// quota: "If specified with any (valid) positive value, it MUST be no smaller than burst";
/// burst: "If specified, this value MUST be no larger than any positive quota".
fn check_cpu_quota_burst(ctx: &Ctx, out: &mut Vec<Finding>) {
    let (Some(quota), Some(burst)) = (
        ctx.at("/linux/resources/cpu/quota").and_then(Value::as_i64),
        ctx.at("/linux/resources/cpu/burst").and_then(Value::as_u64),
    ) else {
        return;
    };
    if quota <= 0 || burst <= quota as u64 {
        return;
    }
    out.push(
        Finding::new(
            &CPU_QUOTA_BURST,
            "/linux/resources/cpu/burst",
            format!(
                "cpu.burst ({burst} µs) is larger than the positive cpu.quota ({quota} µs); \
                 burst must be no larger than quota"
            ),
        )
        .expected(format!("burst ≤ quota ({quota})"))
        .observed(format!("burst = {burst}"))
        .hint(format!("lower burst to at most {quota}, or raise quota")),
    );
}

fn l3_schema<'a>(ctx: &Ctx<'a>) -> Option<&'a str> {
    ctx.at("/linux/intelRdt/l3CacheSchema")
        .and_then(Value::as_str)
}

/// "The value SHOULD start with L3:"
fn check_l3_prefix(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(schema) = l3_schema(ctx) else {
        return;
    };
    if schema.starts_with("L3:") {
        return;
    }
    let mut f = Finding::new(
        &L3_PREFIX,
        "/linux/intelRdt/l3CacheSchema",
        format!(
            "intelRdt.l3CacheSchema {} does not start with \"L3:\"; it is written as a line of \
             the resctrl schemata file, where the resource name comes first",
            quoted(schema)
        ),
    )
    .expected("a value starting with \"L3:\", e.g. \"L3:0=7f0;1=1f\"")
    .observed(quoted(schema));
    if schema.contains('=') && !schema.contains(':') {
        f = f.hint(format!("write \"L3:{schema}\""));
    } else if schema.starts_with("L3CODE:") || schema.starts_with("L3DATA:") {
        f = f.hint(
            "code/data prioritization lines belong in intelRdt.schemata (runtime-spec 1.3.0)",
        );
    }
    out.push(f);
}

/// "The value ... SHOULD NOT contain newlines."
fn check_l3_no_newlines(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(schema) = l3_schema(ctx) else {
        return;
    };
    if !schema.contains('\n') {
        return;
    }
    out.push(
        Finding::new(
            &L3_NO_NEWLINES,
            "/linux/intelRdt/l3CacheSchema",
            format!(
                "intelRdt.l3CacheSchema {} contains a newline; it should be a single line of \
                 the schemata file",
                quoted(schema)
            ),
        )
        .expected("one line, without newline characters")
        .observed(format!("{} lines", schema.lines().count().max(1)))
        .hint("put the L3 line here, a memory bandwidth line in memBwSchema, and other lines in schemata (1.3.0)"),
    );
}

pub static RULES: &[&Rule] = &[
    &NAMESPACES_DUPLICATE,
    &DEVICES_UNIQUE,
    &CGROUPS_PATH,
    &MEMORY_KERNEL,
    &MEMORY_KERNEL_TCP,
    &CPU_QUOTA_BURST,
    &L3_PREFIX,
    &L3_NO_NEWLINES,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(rule: &Rule, linux: Value) -> Vec<String> {
        let config = json!({ "linux": linux });
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out.iter().map(|f| f.pointer.clone()).collect()
    }

    #[test]
    fn duplicate_namespaces() {
        let l = json!({"namespaces": [{"type": "pid"}, {"type": "net"}, {"type": 3}, {"type": "pid", "path": "/proc/1/ns/pid"}]});
        assert_eq!(run(&NAMESPACES_DUPLICATE, l), ["/linux/namespaces/3/type"]);
    }

    #[test]
    fn duplicate_devices() {
        let l = json!({"devices": [
            {"path": "/dev/a", "type": "c", "major": 1, "minor": 3},
            {"path": "/dev/b", "type": "u", "major": 1, "minor": 3},
            {"path": "/dev/c", "type": "p"},
            {"path": "/dev/d", "type": "p"},
            {"path": "/dev/e", "type": "c", "major": 1, "minor": 3}
        ]});
        assert_eq!(run(&DEVICES_UNIQUE, l), ["/linux/devices/4"]);
    }

    #[test]
    fn cgroups_path() {
        for ok in ["/a/b", "a/b", "system.slice:docker:abc", "."] {
            assert!(
                run(&CGROUPS_PATH, json!({"cgroupsPath": ok})).is_empty(),
                "{ok}"
            );
        }
        assert_eq!(run(&CGROUPS_PATH, json!({"cgroupsPath": ""})).len(), 1);
        assert_eq!(
            run(&CGROUPS_PATH, json!({"cgroupsPath": "a\u{0}b"})).len(),
            1
        );
        assert!(run(&CGROUPS_PATH, json!({"cgroupsPath": 5})).is_empty());
    }

    #[test]
    fn quota_and_burst() {
        let cpu = |q: Value, b: Value| json!({"resources": {"cpu": {"quota": q, "burst": b}}});
        assert!(run(&CPU_QUOTA_BURST, cpu(json!(100), json!(100))).is_empty());
        assert!(run(&CPU_QUOTA_BURST, cpu(json!(-1), json!(500))).is_empty());
        assert!(run(&CPU_QUOTA_BURST, cpu(json!(0), json!(500))).is_empty());
        assert_eq!(
            run(&CPU_QUOTA_BURST, cpu(json!(100), json!(101))),
            ["/linux/resources/cpu/burst"]
        );
        assert!(run(&CPU_QUOTA_BURST, cpu(json!(100), json!(-5))).is_empty());
    }

    #[test]
    fn l3_schema_checks() {
        let rdt = |s: &str| json!({"intelRdt": {"l3CacheSchema": s}});
        assert!(run(&L3_PREFIX, rdt("L3:0=7f0;1=1f")).is_empty());
        assert_eq!(run(&L3_PREFIX, rdt("0=7f0")).len(), 1);
        assert!(run(&L3_NO_NEWLINES, rdt("L3:0=7f0")).is_empty());
        assert_eq!(run(&L3_NO_NEWLINES, rdt("L3:0=7f0\nMB:0=20")).len(), 1);
    }
}
