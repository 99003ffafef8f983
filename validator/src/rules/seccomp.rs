//! Rules for `linux.seccomp` (config-linux.md, "Seccomp"). Action, architecture, flag and
//! operator names are enumerated by the schema; these rules check what an enum cannot.

use super::text::{quoted, suggest};
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

pub static DEFAULT_ERRNO_RET: Rule = Rule {
    id: "config.linux.seccomp.defaultErrnoRet.unsupported_error",
    level: Level::Error,
    requirements: &["config.linux.seccomp.defaultErrnoRet.unsupported_error"],
    summary: "linux.seccomp.defaultErrnoRet is set only with a defaultAction that returns an \
              errno (SCMP_ACT_ERRNO, SCMP_ACT_TRACE)",
    scope: Scope::Config,
    check: Some(check_default_errno_ret),
    doc: None,
};

pub static ERRNO_RET: Rule = Rule {
    id: "config.linux.seccomp.syscalls.errnoRet.unsupported_error",
    level: Level::Error,
    requirements: &["config.linux.seccomp.syscalls.errnoRet.unsupported_error"],
    summary: "linux.seccomp.syscalls[].errnoRet is set only with an action that returns an errno \
              (SCMP_ACT_ERRNO, SCMP_ACT_TRACE)",
    scope: Scope::Config,
    check: Some(check_errno_ret),
    doc: None,
};

pub static SYSCALL_NAMES_KNOWN: Rule = Rule {
    id: "lint.linux.seccomp.syscalls.names.known",
    level: Level::Warning,
    requirements: &[],
    summary: "every seccomp syscall name is a Linux system call of some architecture (runtimes \
              skip names they cannot resolve, so a misspelt name silently matches nothing)",
    scope: Scope::Config,
    check: Some(check_syscall_names),
    doc: Some(("config-linux.md", "Seccomp")),
};

pub static DEFAULT_ACTION_WITHOUT_SYSCALLS: Rule = Rule {
    id: "lint.linux.seccomp.default_action_without_syscalls",
    level: Level::Warning,
    requirements: &["config.linux.seccomp.syscalls.empty_hint"],
    summary: "a seccomp filter whose defaultAction kills, traps or fails every syscall has \
              syscalls entries (otherwise the container process cannot run)",
    scope: Scope::Config,
    check: Some(check_default_action_without_syscalls),
    doc: None,
};

const SYSCALLS: &str = "/linux/seccomp/syscalls";

/// The actions of config-linux.md's list that take an errno.
const ERRNO_ACTIONS: &[&str] = &["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"];

/// The actions of config-linux.md's list that take none.
const NO_ERRNO_ACTIONS: &[&str] = &[
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
];

/// "When the action doesn't support an errno, the runtime MUST print and error and fail."
/// Unknown actions are the schema's to report.
fn errno_finding(
    rule: &'static Rule,
    pointer: String,
    field: &str,
    action_field: &str,
    action: &str,
) -> Finding {
    Finding::new(
        rule,
        pointer,
        format!(
            "{field} is set, but {action_field} {action} returns no errno; the runtime must fail"
        ),
    )
    .expected(format!("{field} only with {}", ERRNO_ACTIONS.join(" or ")))
    .observed(format!("{field} with {action}"))
    .hint(format!(
        "remove {field}, or use SCMP_ACT_ERRNO if the syscall should fail with that errno"
    ))
}

fn check_default_errno_ret(ctx: &Ctx, out: &mut Vec<Finding>) {
    if ctx.at("/linux/seccomp/defaultErrnoRet").is_none() {
        return;
    }
    let Some(action) = ctx
        .at("/linux/seccomp/defaultAction")
        .and_then(Value::as_str)
    else {
        return;
    };
    if NO_ERRNO_ACTIONS.contains(&action) {
        out.push(errno_finding(
            &DEFAULT_ERRNO_RET,
            "/linux/seccomp/defaultErrnoRet".into(),
            "defaultErrnoRet",
            "defaultAction",
            action,
        ));
    }
}

fn check_errno_ret(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (i, rule) in ctx.array(SYSCALLS).iter().enumerate() {
        if rule.get("errnoRet").is_none() {
            continue;
        }
        let Some(action) = rule.get("action").and_then(Value::as_str) else {
            continue;
        };
        if NO_ERRNO_ACTIONS.contains(&action) {
            out.push(errno_finding(
                &ERRNO_RET,
                format!("{SYSCALLS}/{i}/errnoRet"),
                "errnoRet",
                "action",
                action,
            ));
        }
    }
}

/// Names libseccomp resolves that the `syscalls` crate's tables lack: private syscalls of ARM
/// and m68k, architectures the crate does not cover, and the newest calls.
const EXTRA_SYSCALLS: &[&str] = &[
    "break",
    "breakpoint",
    "set_tls",
    "get_tls",
    "usr26",
    "usr32",
    "atomic_barrier",
    "atomic_cmpxchg_32",
    "file_setattr",
    "listns",
    "rseq_slice_yield",
];

/// Every syscall name of every architecture the `syscalls` crate knows, plus the extras.
pub fn syscall_names() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut s: HashSet<&'static str> = EXTRA_SYSCALLS.iter().copied().collect();
        macro_rules! arch {
            ($($a:ident),*) => {
                // The crate spells `break` as the raw identifier `r#break`.
                $( s.extend(syscalls::$a::Sysno::iter().map(|n| n.name().trim_start_matches("r#"))); )*
            };
        }
        arch!(
            aarch64,
            arm,
            loongarch64,
            mips,
            mips64,
            powerpc,
            powerpc64,
            riscv32,
            riscv64,
            s390x,
            sparc,
            sparc64,
            x86,
            x86_64
        );
        s
    })
}

fn check_syscall_names(ctx: &Ctx, out: &mut Vec<Finding>) {
    let rules = ctx.array(SYSCALLS);
    if rules.is_empty() {
        // Building the name table costs more than validating a whole config: only when needed.
        return;
    }
    let known = syscall_names();
    for (i, rule) in rules.iter().enumerate() {
        // The string items of `names` (other items are the schema's business).
        let Some(Value::Array(names)) = rule.get("names") else {
            continue;
        };
        for (j, name) in names.iter().enumerate() {
            let Some(name) = name.as_str() else {
                continue;
            };
            if known.contains(name) || name.is_empty() {
                continue;
            }
            let mut f = Finding::new(
                &SYSCALL_NAMES_KNOWN,
                format!("{SYSCALLS}/{i}/names/{j}"),
                format!(
                    "{} is not a system call on any Linux architecture; runtimes skip names \
                     they cannot resolve, so this entry matches nothing",
                    quoted(name)
                ),
            )
            .expected("a system call name such as \"mount\" or \"clone3\"")
            .observed(quoted(name));
            let lower = name.to_lowercase();
            let hint = if known.contains(lower.as_str()) {
                Some(lower)
            } else {
                let mut sorted: Vec<&str> = known.iter().copied().collect();
                sorted.sort_unstable();
                suggest(name, sorted).map(str::to_string)
            };
            if let Some(h) = hint {
                f = f.hint(format!("did you mean \"{h}\"?"));
            }
            out.push(f);
        }
    }
}

/// Default actions under which the process cannot make its first syscall (killed, trapped, or
/// failed with an errno; TRACE without a tracer fails with ENOSYS).
const BLOCKING_DEFAULTS: &[&str] = &[
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
];

/// "While this property is OPTIONAL, some values of defaultAction are not useful without
/// syscalls entries."
fn check_default_action_without_syscalls(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(action) = ctx
        .at("/linux/seccomp/defaultAction")
        .and_then(Value::as_str)
    else {
        return;
    };
    if !BLOCKING_DEFAULTS.contains(&action) {
        return;
    }
    let syscalls = ctx.at("/linux/seccomp/syscalls");
    match syscalls {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(_) => return,
    }
    out.push(
        Finding::new(
            &DEFAULT_ACTION_WITHOUT_SYSCALLS,
            "/linux/seccomp/defaultAction",
            format!(
                "defaultAction is {action} and no syscalls entry allows anything, so the \
                 container process cannot make a single syscall (not even execve)"
            ),
        )
        .expected(format!("syscalls entries that allow what the process needs under defaultAction {action}"))
        .observed(match syscalls {
            None => "no syscalls".to_string(),
            _ => "syscalls is empty".to_string(),
        })
        .hint("add syscalls entries with action SCMP_ACT_ALLOW, or use SCMP_ACT_ALLOW as defaultAction and list what to block"),
    );
}

pub static RULES: &[&Rule] = &[
    &DEFAULT_ERRNO_RET,
    &ERRNO_RET,
    &SYSCALL_NAMES_KNOWN,
    &DEFAULT_ACTION_WITHOUT_SYSCALLS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(rule: &Rule, seccomp: Value) -> Vec<Finding> {
        let config = json!({ "linux": { "seccomp": seccomp } });
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out
    }

    #[test]
    fn action_lists_cover_the_spec_actions() {
        let mut all: Vec<&str> = ERRNO_ACTIONS
            .iter()
            .chain(NO_ERRNO_ACTIONS)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all.len(), 9);
        all.dedup();
        assert_eq!(all.len(), 9);
    }

    #[test]
    fn errno_with_actions() {
        let s = |a: &str| json!({"defaultAction": a, "defaultErrnoRet": 1});
        assert!(run(&DEFAULT_ERRNO_RET, s("SCMP_ACT_ERRNO")).is_empty());
        assert!(run(&DEFAULT_ERRNO_RET, s("SCMP_ACT_TRACE")).is_empty());
        assert!(run(&DEFAULT_ERRNO_RET, s("SCMP_ACT_BOGUS")).is_empty());
        assert_eq!(run(&DEFAULT_ERRNO_RET, s("SCMP_ACT_ALLOW")).len(), 1);
        let out = run(
            &ERRNO_RET,
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["b"], "action": "SCMP_ACT_KILL", "errnoRet": 1},
                {"names": ["c"], "action": "SCMP_ACT_KILL"}
            ]}),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].pointer, "/linux/seccomp/syscalls/1/errnoRet");
    }

    #[test]
    fn syscall_name_table() {
        let names = syscall_names();
        for n in [
            "read",
            "clone3",
            "mount_setattr",
            "socketcall",
            "_llseek",
            "arm_fadvise64_64",
            "s390_pci_mmio_read",
            "riscv_flush_icache",
            "set_tls",
            "break",
            "clock_gettime64",
        ] {
            assert!(names.contains(n), "{n}");
        }
        assert!(!names.contains("mount_setattrs"));
        assert!(!names.contains("r#break"));
    }

    #[test]
    fn unknown_syscall_names() {
        let out = run(
            &SYSCALL_NAMES_KNOWN,
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["mount", "mount_setattrs", "MOUNT", 5], "action": "SCMP_ACT_ERRNO"}
            ]}),
        );
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|f| (f.pointer.as_str(), f.hint.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/linux/seccomp/syscalls/0/names/1",
                    Some("did you mean \"mount_setattr\"?")
                ),
                (
                    "/linux/seccomp/syscalls/0/names/2",
                    Some("did you mean \"mount\"?")
                ),
            ]
        );
    }

    #[test]
    fn blocking_default_without_syscalls() {
        assert_eq!(
            run(
                &DEFAULT_ACTION_WITHOUT_SYSCALLS,
                json!({"defaultAction": "SCMP_ACT_KILL"})
            )
            .len(),
            1
        );
        assert_eq!(
            run(
                &DEFAULT_ACTION_WITHOUT_SYSCALLS,
                json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []})
            )
            .len(),
            1
        );
        assert!(run(
            &DEFAULT_ACTION_WITHOUT_SYSCALLS,
            json!({"defaultAction": "SCMP_ACT_ALLOW"})
        )
        .is_empty());
        assert!(run(
            &DEFAULT_ACTION_WITHOUT_SYSCALLS,
            json!({"defaultAction": "SCMP_ACT_LOG"})
        )
        .is_empty());
        assert!(run(
            &DEFAULT_ACTION_WITHOUT_SYSCALLS,
            json!({"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})
        )
        .is_empty());
    }
}
