//! Lints over the shape of the config that no requirement covers: unknown members that look like
//! misspellings of known ones. Unknown members are allowed (config.md, "Extensibility": runtimes
//! must ignore them), so a misspelt member is silently ignored; hence an info.

use super::text::suggest;
use crate::rule::{escape, Ctx, Finding, Rule, Scope};
use oci_check_model::Level;

pub static MEMBER_TYPO: Rule = Rule {
    id: "lint.members.did_you_mean",
    level: Level::Info,
    requirements: &[],
    summary: "no unknown member of the top level, process or linux is a near misspelling of a \
              known one (runtimes ignore unknown members)",
    scope: Scope::Config,
    check: Some(check_member_typos),
    doc: Some(("config.md", "Extensibility")),
};

const TOP_LEVEL: &[&str] = &[
    "ociVersion",
    "root",
    "mounts",
    "process",
    "hostname",
    "domainname",
    "hooks",
    "annotations",
    "linux",
    "windows",
    "solaris",
    "vm",
    "zos",
    "freebsd",
];

const PROCESS: &[&str] = &[
    "terminal",
    "consoleSize",
    "cwd",
    "env",
    "args",
    "commandLine",
    "rlimits",
    "apparmorProfile",
    "capabilities",
    "noNewPrivileges",
    "oomScoreAdj",
    "scheduler",
    "selinuxLabel",
    "ioPriority",
    "execCPUAffinity",
    "user",
];

const LINUX: &[&str] = &[
    "namespaces",
    "uidMappings",
    "gidMappings",
    "timeOffsets",
    "devices",
    "netDevices",
    "cgroupsPath",
    "resources",
    "intelRdt",
    "memoryPolicy",
    "sysctl",
    "seccomp",
    "rootfsPropagation",
    "maskedPaths",
    "readonlyPaths",
    "mountLabel",
    "personality",
];

fn check_member_typos(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pointer, known, what) in [
        ("", TOP_LEVEL, "the top level"),
        ("/process", PROCESS, "process"),
        ("/linux", LINUX, "linux"),
    ] {
        let Some(members) = ctx.object(pointer) else {
            continue;
        };
        for key in members.keys() {
            let key = key.as_str();
            if known.contains(&key) {
                continue;
            }
            let Some(s) = suggest(key, known.iter().copied()) else {
                continue;
            };
            out.push(
                Finding::new(
                    &MEMBER_TYPO,
                    format!("{pointer}/{}", escape(key)),
                    format!(
                        "unknown member \"{key}\" of {what}; did you mean \"{s}\"? Runtimes \
                         ignore unknown members, so this one has no effect"
                    ),
                )
                .expected(format!("\"{s}\" (a member the spec defines)"))
                .observed(format!("\"{key}\""))
                .hint(format!("rename \"{key}\" to \"{s}\"")),
            );
        }
    }
}

pub static RULES: &[&Rule] = &[&MEMBER_TYPO];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(config: Value) -> Vec<String> {
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        check_member_typos(&ctx, &mut out);
        // Sorted: compared as a set, the order of members is not the rule's business.
        let mut ptrs: Vec<String> = out.iter().map(|f| f.pointer.clone()).collect();
        ptrs.sort();
        ptrs
    }

    #[test]
    fn typos_of_known_members() {
        let config = json!({
            "ociVersion": "1.3.0",
            "hostnme": "x",
            "Mounts": [],
            "com.example.extension": {},
            "process": {"cwd": "/", "arg": ["sh"], "noNewPrivilege": true, "environment": []},
            "linux": {"namespace": [], "seccomp": {}}
        });
        assert_eq!(
            run(config),
            [
                "/Mounts",
                "/hostnme",
                "/linux/namespace",
                "/process/arg",
                "/process/noNewPrivilege",
            ]
        );
        assert!(run(json!([1, 2])).is_empty());
        assert!(run(json!({"process": "x"})).is_empty());
    }
}
