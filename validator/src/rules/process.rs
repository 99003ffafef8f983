//! Rules for `process` (config.md, "Process", "POSIX process" and "Linux Process").

use super::text::{quoted, suggest, targets_other_platform};
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

pub static RLIMITS_DUPLICATE: Rule = Rule {
    id: "config.process.rlimits.error_duplicate",
    level: Level::Error,
    requirements: &["config.process.rlimits.error_duplicate"],
    summary: "no two process.rlimits entries have the same type",
    scope: Scope::Config,
    check: Some(rlimits_unique),
    doc: None,
};

/// "If rlimits contains duplicated entries with same type, the runtime MUST generate an error."
fn rlimits_unique(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, rlimit) in ctx.array("/process/rlimits").iter().enumerate() {
        let Some(kind) = rlimit.get("type").and_then(|t| t.as_str()) else {
            continue;
        };
        if let Some(earlier) = first.get(kind) {
            out.push(
                Finding::new(
                    &RLIMITS_DUPLICATE,
                    format!("/process/rlimits/{i}/type"),
                    format!(
                        "rlimit {kind} is given again; it was first given at \
                         /process/rlimits/{earlier}"
                    ),
                )
                .expected(format!("one entry of type {kind}"))
                .observed("a second entry")
                .hint("remove one of the two entries"),
            );
        } else {
            first.insert(kind, i);
        }
    }
}

pub static REQUIRED_FOR_START: Rule = Rule {
    id: "config.process.required_for_start",
    level: Level::Warning,
    requirements: &["config.process.required_for_start"],
    summary:
        "the config has a process (a warning, not an error: the requirement applies when start \
              is called, and a config without process can still be created)",
    scope: Scope::Config,
    check: Some(check_required_for_start),
    doc: None,
};

pub static CAPABILITIES_KNOWN: Rule = Rule {
    id: "lint.process.capabilities.known",
    level: Level::Error,
    requirements: &["config.process.capabilities.warn_unmappable"],
    summary: "every entry of the five process.capabilities sets names a Linux capability (CAP_...)",
    scope: Scope::Config,
    check: Some(check_capabilities_known),
    doc: None,
};

pub static RLIMIT_TYPES_KNOWN: Rule = Rule {
    id: "lint.process.rlimits.type.known",
    level: Level::Error,
    requirements: &["config.process.rlimits.type.error_unmappable"],
    summary: "every process.rlimits type is a Linux resource limit (RLIMIT_...)",
    scope: Scope::Config,
    check: Some(check_rlimit_types_known),
    doc: None,
};

pub static IOPRIORITY_RANGE: Rule = Rule {
    id: "config.process.ioPriority.priority.range",
    level: Level::Warning,
    requirements: &["config.process.ioPriority.priority.range"],
    summary: "process.ioPriority.priority is from 0 (highest) to 7 (lowest)",
    scope: Scope::Config,
    check: Some(check_iopriority_range),
    doc: None,
};

/// "This property is REQUIRED when start is called." A config without `process` can be
/// created, so this is a warning about the later `start`, not an error of the config.
fn check_required_for_start(ctx: &Ctx, out: &mut Vec<Finding>) {
    if !ctx.config.is_object() || ctx.at("/process").is_some() {
        return;
    }
    out.push(
        Finding::new(
            &REQUIRED_FOR_START,
            "/process",
            "the config has no process: a runtime can create the container but cannot start it, \
             since process is required when start is called",
        )
        .expected("a process object (args, cwd, user)")
        .observed("no process member")
        .hint("add a process with at least cwd, args and user, unless the container is only ever created"),
    );
}

/// The five capability sets of `process.capabilities`.
const CAPABILITY_SETS: &[&str] = &[
    "bounding",
    "effective",
    "inheritable",
    "permitted",
    "ambient",
];

/// Every capability name the `caps` crate knows, sorted.
fn capability_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<String> = caps::all().iter().map(|c| c.to_string()).collect();
        v.sort();
        v
    })
}

/// A known name that `name` probably means: the same name upper-cased and/or with the missing
/// prefix, else a near spelling, else the only known name it is the beginning of.
fn repair<'k>(name: &str, prefix: &str, known: &'k [&'k str]) -> Option<&'k str> {
    let upper = name.to_uppercase();
    let full = if upper.starts_with(prefix) {
        upper
    } else {
        format!("{prefix}{upper}")
    };
    if let Some(k) = known.iter().find(|k| **k == full) {
        return Some(k);
    }
    if let Some(k) = suggest(&full, known.iter().copied()) {
        return Some(k);
    }
    // A truncated name: the one known name it begins (CAP_NET_BIND → CAP_NET_BIND_SERVICE).
    let mut longer = known.iter().filter(|k| k.starts_with(&full));
    match (longer.next(), longer.next()) {
        (Some(k), None) if full.len() > prefix.len() + 2 => Some(k),
        _ => None,
    }
}

/// Linux knows a fixed set of capabilities; a name outside it cannot be mapped (the runtime
/// warns and goes on without it, so the container silently lacks what was asked for).
fn check_capabilities_known(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(sets) = ctx.object("/process/capabilities") else {
        return;
    };
    for set in CAPABILITY_SETS {
        let Some(Value::Array(items)) = sets.get(*set) else {
            continue;
        };
        for (j, cap) in items.iter().enumerate() {
            let Some(cap) = cap.as_str() else {
                continue; // the schema's business
            };
            if caps::Capability::from_str(cap).is_ok() {
                continue;
            }
            let names: Vec<&str> = capability_names().iter().map(String::as_str).collect();
            let mut f = Finding::new(
                &CAPABILITIES_KNOWN,
                format!("/process/capabilities/{set}/{j}"),
                format!(
                    "{} in the {set} set is not a Linux capability; a runtime cannot map it and \
                     only logs a warning, so the process runs without it",
                    quoted(cap)
                ),
            )
            .expected("a Linux capability name such as \"CAP_NET_BIND_SERVICE\"")
            .observed(quoted(cap));
            if let Some(s) = repair(cap, "CAP_", &names) {
                f = f.hint(format!("did you mean \"{s}\"?"));
            }
            out.push(f);
        }
    }
}

/// The resource limits of Linux getrlimit(2).
pub const RLIMITS: &[&str] = &[
    "RLIMIT_AS",
    "RLIMIT_CORE",
    "RLIMIT_CPU",
    "RLIMIT_DATA",
    "RLIMIT_FSIZE",
    "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_NOFILE",
    "RLIMIT_NPROC",
    "RLIMIT_RSS",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
    "RLIMIT_SIGPENDING",
    "RLIMIT_STACK",
];

/// "The runtime MUST generate an error for any values which cannot be mapped to a relevant
/// kernel interface."
fn check_rlimit_types_known(ctx: &Ctx, out: &mut Vec<Finding>) {
    if targets_other_platform(ctx) {
        return; // the names are Linux's (getrlimit(2)); other platforms have their own
    }
    for (i, rlimit) in ctx.array("/process/rlimits").iter().enumerate() {
        let Some(kind) = rlimit.get("type").and_then(Value::as_str) else {
            continue;
        };
        if RLIMITS.contains(&kind) {
            continue;
        }
        let mut f = Finding::new(
            &RLIMIT_TYPES_KNOWN,
            format!("/process/rlimits/{i}/type"),
            format!(
                "rlimit type {} is not a Linux resource limit; the runtime must fail to create \
                 the container",
                quoted(kind)
            ),
        )
        .expected("one of RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK")
        .observed(quoted(kind));
        if let Some(s) = repair(kind, "RLIMIT_", RLIMITS) {
            f = f.hint(format!("did you mean \"{s}\"?"));
        }
        out.push(f);
    }
}

/// "The value should be an integer ranging from 0 (highest) to 7 (lowest)."
fn check_iopriority_range(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(n) = ctx
        .at("/process/ioPriority/priority")
        .and_then(Value::as_i64)
    else {
        return; // absent or not an integer: the schema's business
    };
    if (0..=7).contains(&n) {
        return;
    }
    out.push(
        Finding::new(
            &IOPRIORITY_RANGE,
            "/process/ioPriority/priority",
            format!(
                "ioPriority.priority is {n}; I/O priorities range from 0 (highest) to 7 (lowest)"
            ),
        )
        .expected("an integer from 0 to 7")
        .observed(n.to_string())
        .hint(if n < 0 {
            "use 0 for the highest priority"
        } else {
            "use 7 for the lowest priority"
        }),
    );
}

pub static RULES: &[&Rule] = &[
    &REQUIRED_FOR_START,
    &RLIMITS_DUPLICATE,
    &RLIMIT_TYPES_KNOWN,
    &CAPABILITIES_KNOWN,
    &IOPRIORITY_RANGE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(rule: &Rule, config: Value) -> Vec<Finding> {
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out
    }

    #[test]
    fn capabilities_known_and_repaired() {
        let out = run(
            &CAPABILITIES_KNOWN,
            json!({"process": {"capabilities": {
                "bounding": ["CAP_CHOWN", "cap_chown", "CAP_NET_BIND", 3, "CAP_SYS_ADMN"],
                "ambient": ["CAP_CHECKPOINT_RESTORE", "SYS_ADMIN", "CAP_FROBNICATE"]
            }}}),
        );
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|f| (f.pointer.as_str(), f.hint.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/process/capabilities/bounding/1",
                    Some("did you mean \"CAP_CHOWN\"?")
                ),
                (
                    "/process/capabilities/bounding/2",
                    Some("did you mean \"CAP_NET_BIND_SERVICE\"?")
                ),
                (
                    "/process/capabilities/bounding/4",
                    Some("did you mean \"CAP_SYS_ADMIN\"?"),
                ),
                (
                    "/process/capabilities/ambient/1",
                    Some("did you mean \"CAP_SYS_ADMIN\"?")
                ),
                ("/process/capabilities/ambient/2", None),
            ]
        );
    }

    #[test]
    fn rlimit_types() {
        let out = run(
            &RLIMIT_TYPES_KNOWN,
            json!({"process": {"rlimits": [
                {"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1},
                {"type": "RLIMIT_NOFILES", "soft": 1, "hard": 1},
                {"type": "nproc", "soft": 1, "hard": 1},
                {"type": 7}
            ]}}),
        );
        let got: Vec<(&str, Option<&str>)> = out
            .iter()
            .map(|f| (f.pointer.as_str(), f.hint.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "/process/rlimits/1/type",
                    Some("did you mean \"RLIMIT_NOFILE\"?")
                ),
                (
                    "/process/rlimits/2/type",
                    Some("did you mean \"RLIMIT_NPROC\"?")
                ),
            ]
        );
    }

    #[test]
    fn iopriority_bounds() {
        let p = |n: Value| json!({"process": {"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": n}}});
        for ok in [json!(0), json!(7), json!("x"), json!(1.5)] {
            assert!(run(&IOPRIORITY_RANGE, p(ok.clone())).is_empty(), "{ok}");
        }
        for bad in [json!(-1), json!(8), json!(100)] {
            assert_eq!(run(&IOPRIORITY_RANGE, p(bad.clone())).len(), 1, "{bad}");
        }
    }

    #[test]
    fn process_needed_for_start() {
        assert_eq!(
            run(&REQUIRED_FOR_START, json!({"ociVersion": "1.3.0"})).len(),
            1
        );
        assert!(run(&REQUIRED_FOR_START, json!({"process": {}})).is_empty());
        assert!(run(&REQUIRED_FOR_START, json!([])).is_empty());
    }
}
