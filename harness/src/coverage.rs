//! Spec coverage of the runtime checks: which `dynamic` MUST/SHOULD rows of the requirement
//! table a check covers. `.optional` rows (permissions only a field's type can break) are left
//! out of the denominator, as the table's README says.

use crate::scenario::Scenario;
use oci_check_validator::requirements::{self, Requirement};
use std::collections::BTreeMap;

/// One counted row: who covers it, or why nothing can.
pub struct Row {
    pub requirement: &'static Requirement,
    pub checks: Vec<&'static str>,
    pub not_checkable: Option<&'static str>,
}

/// The rows counted: dynamic, MUST or SHOULD, not a bare `.optional` declaration.
pub fn counted(r: &Requirement) -> bool {
    r.check == "dynamic" && matches!(r.level, "MUST" | "SHOULD") && !r.id.ends_with(".optional")
}

/// Every counted row with the checks that cite it. `not_checkable` gives reasons for rows no
/// check can cover.
pub fn rows(all: &[Scenario], not_checkable: &[(&'static str, &'static str)]) -> Vec<Row> {
    let mut by: BTreeMap<&str, Vec<&'static str>> = BTreeMap::new();
    for s in all {
        for id in s.requirements {
            by.entry(id).or_default().push(s.name);
        }
    }
    requirements::all()
        .iter()
        .filter(|r| counted(r))
        .map(|r| Row {
            requirement: r,
            checks: by.get(r.id).cloned().unwrap_or_default(),
            not_checkable: not_checkable
                .iter()
                .find(|(id, _)| *id == r.id)
                .map(|(_, why)| *why),
        })
        .collect()
}

/// The report `oci-check runtime --coverage` prints.
pub fn render(rows: &[Row]) -> String {
    let mut out = format!(
        "Dynamic requirements of runtime-spec v{} covered by runtime checks\n",
        requirements::SPEC_OF_RECORD
    );
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    for level in ["MUST", "SHOULD"] {
        let of: Vec<&Row> = rows
            .iter()
            .filter(|r| r.requirement.level == level)
            .collect();
        let c = of.iter().filter(|r| !r.checks.is_empty()).count();
        out += &format!(
            "  {level:<7} {c:>3}/{:<3} {:5.1}%\n",
            of.len(),
            pct(c, of.len())
        );
    }
    let c = rows.iter().filter(|r| !r.checks.is_empty()).count();
    out += &format!(
        "  total   {c:>3}/{:<3} {:5.1}%\nBy file:\n",
        rows.len(),
        pct(c, rows.len())
    );
    let mut files: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in rows {
        let e = files.entry(r.requirement.file).or_default();
        e.1 += 1;
        if !r.checks.is_empty() {
            e.0 += 1;
        }
    }
    for (f, (c, n)) in files {
        out += &format!("  {f:<18} {c:>3}/{n:<3}\n");
    }
    let missing: Vec<&Row> = rows.iter().filter(|r| r.checks.is_empty()).collect();
    if !missing.is_empty() {
        out += "Not covered:\n";
        for r in missing {
            let why = r.not_checkable.unwrap_or("no check yet");
            out += &format!("  {} ({}): {why}\n", r.requirement.id, r.requirement.level);
        }
    }
    out
}

/// Each check with the requirement IDs it covers (`--coverage --verbose`).
pub fn render_checks(all: &[Scenario]) -> String {
    let mut out = String::from("Checks and the requirements each covers:\n");
    for s in all {
        let ids = if s.requirements.is_empty() {
            "(no requirement row: an OCI command-line convention)".to_string()
        } else {
            s.requirements.join(", ")
        };
        out += &format!("  {}: {ids}\n", s.name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_dynamic_must_and_should_without_optional() {
        let n = requirements::all().iter().filter(|r| counted(r)).count();
        // The table's README: 248 dynamic MUST/SHOULD rows once `.optional` ones are left out.
        assert_eq!(n, 248);
    }

    #[test]
    fn the_check_list_names_each_check_with_its_ids() {
        let s = [Scenario {
            name: "x::y",
            title: "t",
            requirements: &["runtime.ops.kill.sends_signal", "runtime.ops.support"],
            run: |_| Ok(()),
        }];
        assert_eq!(
            render_checks(&s),
            "Checks and the requirements each covers:\n  x::y: runtime.ops.kill.sends_signal, runtime.ops.support\n"
        );
    }

    #[test]
    fn a_cited_row_is_covered() {
        let s = [Scenario {
            name: "x::y",
            title: "t",
            requirements: &["runtime.ops.kill.sends_signal"],
            run: |_| Ok(()),
        }];
        let rows = rows(&s, &[]);
        let r = rows
            .iter()
            .find(|r| r.requirement.id == "runtime.ops.kill.sends_signal")
            .unwrap();
        assert_eq!(r.checks, ["x::y"]);
        assert!(render(&rows).contains("  total     1/248"));
    }
}
