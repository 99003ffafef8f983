//! SARIF 2.1.0, for code-scanning upload: one run, the rules seen in it as `tool.driver.rules`,
//! one result per finding with its physical (file:line:column) and logical (JSON pointer)
//! location.

use oci_check_model::{Level, Outcome, Run};
use serde_json::{json, Value};

pub fn render(run: &Run) -> String {
    let mut rule_ids: Vec<&str> = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for r in &run.results {
        if rule_ids.contains(&r.id.as_str()) {
            continue;
        }
        rule_ids.push(&r.id);
        let title = r.title.clone().unwrap_or_else(|| r.id.clone());
        // Code scanning shows fullDescription and help with each alert; Microsoft's SARIF
        // validator (rule GH2012) requires both of every rule, so a rule without a quoted spec
        // sentence describes itself by its title.
        let mut rule = json!({
            "id": r.id,
            "shortDescription": {"text": title},
            "fullDescription": {"text": r.spec_text.clone().unwrap_or_else(|| title.clone())},
            "help": {"text": rule_help(r, &title)},
            "defaultConfiguration": {"level": level(r.level)},
            "properties": {"requirements": r.requirements},
        });
        if let Some(spec) = &r.spec {
            rule["helpUri"] = json!(spec);
        }
        rules.push(rule);
    }
    let results: Vec<Value> = run
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| {
            let mut text = r.message.clone();
            if let (Some(e), Some(o)) = (&r.expected, &r.observed) {
                text.push_str(&format!(" (expected {e}; observed {o})"));
            }
            let mut res = json!({
                "ruleId": r.id,
                "ruleIndex": rule_ids.iter().position(|id| *id == r.id),
                "level": level(r.level),
                "message": {"text": text},
            });
            if let Some(l) = &r.location {
                let file = l.file.as_deref().unwrap_or("config.json");
                let mut phys = json!({"artifactLocation": {"uri": artifact_uri(file)}});
                if let (Some(line), Some(col)) = (l.line, l.column) {
                    phys["region"] = json!({"startLine": line, "startColumn": col});
                }
                res["locations"] = json!([{
                    "physicalLocation": phys,
                    "logicalLocations": [{"fullyQualifiedName": l.pointer, "kind": "member"}],
                }]);
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "oci-check",
                "version": run.tool_version,
                "informationUri": "https://github.com/opencontainers/runtime-spec",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    out.push('\n');
    out
}

/// `artifactLocation.uri` is a URI reference (SARIF 2.1.0 §3.4.3): an absolute path becomes a
/// `file://` URI (a relative reference starting with `/` does not combine with a base URI, and
/// the SARIF SDK's validator rejects it, SARIF1004), and bytes a URI cannot hold are
/// percent-encoded (`:` too, which in a relative reference's first segment would read as a
/// scheme).
///
/// A `file://` URI must not hold `.` or `..` segments: behind a symbolic link they mean another
/// place on the reader's machine (SARIF1002). Such a path is resolved here, on the machine whose
/// file it names, when it exists.
fn artifact_uri(path: &str) -> String {
    let resolved;
    let path = if path.starts_with('/') && path.split('/').any(|s| s == "." || s == "..") {
        match std::fs::canonicalize(path) {
            Ok(p) => {
                resolved = p.to_string_lossy().into_owned();
                resolved.as_str()
            }
            Err(_) => path,
        }
    } else {
        path
    };
    let mut uri = String::from(if path.starts_with('/') { "file://" } else { "" });
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// What a reader needs to act on a finding of this rule: the spec sentence, where it is, and
/// the requirement IDs it covers.
fn rule_help(r: &oci_check_model::CheckResult, title: &str) -> String {
    let mut help = match &r.spec_text {
        Some(text) => format!("{title}. The spec says: {text}"),
        None => format!("{title}."),
    };
    if let Some(spec) = &r.spec {
        help.push_str(&format!("\nSee {spec}"));
    }
    if !r.requirements.is_empty() {
        help.push_str(&format!("\nRequirements: {}", r.requirements.join(", ")));
    }
    help
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_are_file_uris_and_odd_bytes_are_encoded() {
        assert_eq!(
            artifact_uri("/b/x y/config.json"),
            "file:///b/x%20y/config.json"
        );
        assert_eq!(artifact_uri("a:b/é.json"), "a%3Ab/%C3%A9.json");
        assert_eq!(
            artifact_uri("bundles/x/config.json"),
            "bundles/x/config.json"
        );
        let dir = env!("CARGO_MANIFEST_DIR");
        assert_eq!(
            artifact_uri(&format!("{dir}/../reports/Cargo.toml")),
            artifact_uri(&format!("{dir}/Cargo.toml")),
            "no .. segment in a file URI"
        );
    }

    #[test]
    fn results_point_at_file_line_column_and_rule() {
        let v: Value = serde_json::from_str(&render(&crate::testdata::sample())).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let res = &v["runs"][0]["results"];
        assert_eq!(res.as_array().unwrap().len(), 2);
        assert_eq!(res[0]["ruleId"], "config.process.cwd.absolute");
        assert_eq!(
            res[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(res[1]["level"], "warning");
        let idx = res[0]["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            res[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "bundles/x/config.json"
        );
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][idx];
        assert_eq!(rule["id"], "config.process.cwd.absolute");
        assert_eq!(
            rule["fullDescription"]["text"],
            "This value MUST be an absolute path."
        );
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(
            help.contains("This value MUST be an absolute path."),
            "{help}"
        );
        assert!(help.contains("config.md#process"), "{help}");
        for rule in v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
            assert!(rule["fullDescription"]["text"].is_string(), "{rule}");
            assert!(rule["help"]["text"].is_string(), "{rule}");
        }
    }
}
