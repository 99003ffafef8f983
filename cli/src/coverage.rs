//! `oci-check rules`: the catalogue, and how much of the spec's static requirements it covers.

use oci_check_validator::requirements::{self, Requirement};
use oci_check_validator::rules::{self, UNCHECKABLE};
use oci_check_validator::{schema, Rule, Scope};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;

fn all_rules() -> Vec<&'static Rule> {
    std::iter::once(&schema::SCHEMA).chain(rules::catalogue().iter().copied()).collect()
}

fn scope(r: &Rule) -> &'static str {
    match r.scope {
        Scope::Schema => "schema",
        Scope::Config => "config",
        Scope::Bundle => "bundle",
        Scope::Document => "document",
    }
}

pub fn print_rules(format: &str) -> ExitCode {
    let rules = all_rules();
    match format {
        "json" => {
            let v: Vec<_> = rules
                .iter()
                .map(|r| {
                    json!({"id": r.id, "level": r.level, "scope": scope(r), "requirements": r.requirements,
                           "summary": r.summary, "spec": r.spec_url(requirements::SPEC_OF_RECORD)})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).expect("serialises"));
        }
        "human" => {
            for r in &rules {
                println!("{:<62} {:<7} {:<8} {}", r.id, r.level.as_str(), scope(r), r.summary);
                for id in r.requirements.iter().filter(|id| **id != r.id) {
                    println!("{:<62} {:<7} {:<8}   covers {id}", "", "", "");
                }
            }
            println!("{} rules", rules.len());
        }
        other => return bad_format(other),
    }
    ExitCode::SUCCESS
}

fn bad_format(f: &str) -> ExitCode {
    eprintln!("oci-check: error: unknown format {f:?} for rules (human, json)");
    ExitCode::from(2)
}

/// The rows the validator is answerable for: static rows at MUST and SHOULD level.
fn static_rows() -> Vec<&'static Requirement> {
    requirements::all().iter().filter(|r| r.check == "static" && matches!(r.level, "MUST" | "SHOULD")).collect()
}

pub fn print_coverage(format: &str) -> ExitCode {
    let covered: HashSet<&str> = all_rules().iter().flat_map(|r| r.requirements.iter().copied()).collect();
    let rows = static_rows();
    let mut by_level: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &rows {
        let hit = covered.contains(r.id) as usize;
        let e = by_level.entry(r.level).or_default();
        e.0 += hit;
        e.1 += 1;
        let e = by_file.entry(r.file).or_default();
        e.0 += hit;
        e.1 += 1;
    }
    let uncovered: Vec<_> = rows.iter().filter(|r| !covered.contains(r.id)).collect();
    let total_hit = rows.len() - uncovered.len();
    match format {
        "json" => {
            let level: BTreeMap<_, _> =
                by_level.iter().map(|(k, (c, t))| (*k, json!({"covered": c, "total": t}))).collect();
            let file: BTreeMap<_, _> =
                by_file.iter().map(|(k, (c, t))| (*k, json!({"covered": c, "total": t}))).collect();
            let unc: Vec<_> = uncovered
                .iter()
                .map(|r| json!({"id": r.id, "reason": reason(r.id)}))
                .collect();
            let doc = json!({"spec_version": requirements::SPEC_OF_RECORD, "scope": "static MUST/SHOULD rows",
                "covered": total_hit, "total": rows.len(), "by_level": level, "by_file": file, "uncovered": unc});
            println!("{}", serde_json::to_string_pretty(&doc).expect("serialises"));
        }
        "human" => {
            println!("Static requirements of runtime-spec v{} covered by validator rules", requirements::SPEC_OF_RECORD);
            for (level, (c, t)) in &by_level {
                println!("  {level:<7} {c:>3}/{t:<3} {:>5.1}%", pct(*c, *t));
            }
            println!("  {:<7} {total_hit:>3}/{:<3} {:>5.1}%", "total", rows.len(), pct(total_hit, rows.len()));
            println!("By file:");
            for (file, (c, t)) in &by_file {
                println!("  {file:<16} {c:>3}/{t:<3}");
            }
            if !uncovered.is_empty() {
                println!("Not covered:");
                for r in &uncovered {
                    println!("  {} ({}): {}", r.id, r.level, reason(r.id));
                }
            }
        }
        other => return bad_format(other),
    }
    ExitCode::SUCCESS
}

fn reason(id: &str) -> &'static str {
    UNCHECKABLE.iter().find(|(i, _)| *i == id).map_or("no rule yet and no reason given", |(_, why)| why)
}

fn pct(c: usize, t: usize) -> f64 {
    if t == 0 {
        100.0
    } else {
        c as f64 * 100.0 / t as f64
    }
}
