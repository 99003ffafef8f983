//! The scenarios, one module per area. Each reads like the spec sentence it checks and cites
//! the requirement IDs it covers.

use crate::exec::Call;
use crate::scenario::{mismatch, Check, Footprint, Scenario};

mod errors;
mod features;
mod hooks;
mod intel_rdt;
mod kill;
mod lifecycle;
mod mounts;
mod namespaces;
mod process;
mod resources;
mod state;

/// Every scenario of the suite, in report order.
pub fn all() -> Vec<Scenario> {
    [
        state::scenarios(),
        lifecycle::scenarios(),
        errors::scenarios(),
        kill::scenarios(),
        features::scenarios(),
        hooks::scenarios(),
        process::scenarios(),
        mounts::scenarios(),
        namespaces::scenarios(),
        resources::scenarios(),
        intel_rdt::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Counted requirement rows no check can cover, each with the reason (see
/// `oci-check runtime --coverage`). Areas add theirs here.
pub fn not_checkable() -> Vec<(&'static str, &'static str)> {
    [
        process::NOT_CHECKABLE,
        mounts::NOT_CHECKABLE,
        namespaces::NOT_CHECKABLE,
        resources::NOT_CHECKABLE,
        intel_rdt::NOT_CHECKABLE,
    ]
    .concat()
}

/// "Generate an error": the call ran to its end and exited non-zero (a crash or a hang is not
/// an error the caller can act on).
fn must_error(call: &Call, what: &str) -> Check {
    if call.errored() {
        Ok(())
    } else {
        Err(mismatch(
            format!("{what} must generate an error"),
            "a non-zero exit status",
            call.exit.to_string(),
        ))
    }
}

/// create must fail cleanly, and nothing of the container may exist afterwards.
fn create_is_refused(
    ctx: &mut crate::scenario::Ctx,
    c: &crate::scenario::Container,
    what: &str,
) -> Check {
    let call = ctx.create(c);
    must_error(&call, what)?;
    let call = ctx.call(&["state", &c.id]);
    must_error(&call, "state of a container whose create failed")?;
    footprint_empty("the failed create", &ctx.footprint(c))
}

/// The environment must be as if the failed operation had not been attempted.
fn footprint_unchanged(what: &str, before: &Footprint, after: &Footprint) -> Check {
    if before == after {
        return Ok(());
    }
    let (b, a) = (format!("{before:#?}"), format!("{after:#?}"));
    let diff = similar::TextDiff::from_lines(&b, &a)
        .unified_diff()
        .header("before", "after")
        .to_string();
    Err(mismatch(
        format!("{what} changed the environment:\n{diff}"),
        b,
        a,
    ))
}

/// Nothing of the container on the host: no state, cgroup, process or mount.
fn footprint_empty(what: &str, f: &Footprint) -> Check {
    footprint_unchanged(
        what,
        &Footprint {
            state_entries: vec![],
            cgroup_dirs: vec![],
            processes: vec![],
            mounts: vec![],
        },
        f,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_check_validator::requirements;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_area_prefixed() {
        let all = all();
        let mut seen = BTreeSet::new();
        for s in &all {
            assert!(seen.insert(s.name), "duplicate {}", s.name);
            assert!(s.name.contains("::"), "{} has no area", s.name);
            assert!(!s.title.is_empty());
        }
    }

    #[test]
    fn every_cited_requirement_exists_and_is_dynamic() {
        for s in all() {
            for id in s.requirements {
                let r = requirements::get(id)
                    .unwrap_or_else(|| panic!("{}: no requirement {id}", s.name));
                assert!(
                    r.check == "dynamic" || r.binds != "config",
                    "{}: {id} is a static config rule",
                    s.name
                );
            }
        }
    }
}
