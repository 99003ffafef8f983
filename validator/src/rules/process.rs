//! Rules for `process` (config.md, "Process" and "POSIX process").

use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use std::collections::HashMap;

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
    let mut first: HashMap<&str, String> = HashMap::new();
    for (ptr, rlimit) in ctx.items("/process/rlimits") {
        let Some(kind) = rlimit.get("type").and_then(|t| t.as_str()) else {
            continue;
        };
        if let Some(earlier) = first.get(kind) {
            out.push(
                Finding::new(
                    &RLIMITS_DUPLICATE,
                    format!("{ptr}/type"),
                    format!("rlimit {kind} is given again; it was first given at {earlier}"),
                )
                .expected(format!("one entry of type {kind}"))
                .observed("a second entry")
                .hint("remove one of the two entries"),
            );
        } else {
            first.insert(kind, ptr);
        }
    }
}

pub static RULES: &[&Rule] = &[&RLIMITS_DUPLICATE];
