//! The catalogue against the spec's requirement table: every static MUST/SHOULD row is covered
//! by a rule or carries a written reason; every cited ID exists; rule IDs are unique.

use oci_check_validator::requirements;
use oci_check_validator::rules::{catalogue, UNCHECKABLE};
use std::collections::HashSet;

fn static_must_should() -> Vec<&'static requirements::Requirement> {
    requirements::all()
        .iter()
        .filter(|r| r.check == "static" && matches!(r.level, "MUST" | "SHOULD"))
        .collect()
}

#[test]
fn there_are_one_hundred_static_must_should_rows() {
    assert_eq!(static_must_should().len(), 100);
}

#[test]
fn every_static_must_should_row_is_covered_or_explained() {
    let covered: HashSet<&str> = catalogue()
        .iter()
        .flat_map(|r| r.requirements.iter().copied())
        .collect();
    let explained: HashSet<&str> = UNCHECKABLE.iter().map(|(id, _)| *id).collect();
    let missing: Vec<_> = static_must_should()
        .into_iter()
        .filter(|r| !covered.contains(r.id) && !explained.contains(r.id))
        .map(|r| r.id)
        .collect();
    assert!(
        missing.is_empty(),
        "static MUST/SHOULD rows with no rule and no reason: {missing:#?}"
    );
    for (id, why) in UNCHECKABLE {
        assert!(
            !covered.contains(id),
            "{id} is both covered and explained as uncheckable"
        );
        assert!(why.len() > 20, "{id}: the reason must say why");
    }
}

#[test]
fn cited_requirements_exist() {
    for rule in catalogue() {
        for id in rule.requirements {
            assert!(
                requirements::get(id).is_some(),
                "{} cites unknown requirement {id}",
                rule.id
            );
        }
    }
    for (id, _) in UNCHECKABLE {
        assert!(
            requirements::get(id).is_some(),
            "UNCHECKABLE names unknown requirement {id}"
        );
    }
}

#[test]
fn rule_ids_are_unique_and_levels_follow_the_spec_keyword() {
    let mut seen = HashSet::new();
    for rule in catalogue() {
        assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
        if let Some(req) = rule.requirement() {
            // MUST → error, SHOULD → warning; a rule may be milder than its row only when the
            // row binds the runtime at a later step (documented in the rule's summary).
            if req.level == "SHOULD" {
                assert_ne!(
                    rule.level,
                    oci_check_model::Level::Error,
                    "{}: SHOULD row as error",
                    rule.id
                );
            }
        }
        assert!(!rule.summary.is_empty(), "{} has no summary", rule.id);
        assert!(
            rule.id == rule.id.trim() && !rule.id.contains(' '),
            "bad id {:?}",
            rule.id
        );
    }
}
