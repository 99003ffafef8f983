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
        let mut rule = json!({
            "id": r.id,
            "shortDescription": {"text": r.title.clone().unwrap_or_else(|| r.id.clone())},
            "defaultConfiguration": {"level": level(r.level)},
            "properties": {"requirements": r.requirements},
        });
        if let Some(spec) = &r.spec {
            rule["helpUri"] = json!(spec);
        }
        if let Some(text) = &r.spec_text {
            rule["fullDescription"] = json!({"text": text});
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
                let mut phys = json!({"artifactLocation": {"uri": l.file.clone().unwrap_or_else(|| "config.json".into())}});
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
            v["runs"][0]["tool"]["driver"]["rules"][idx]["id"],
            "config.process.cwd.absolute"
        );
    }
}
