//! JSON: the stable, documented format (docs/json-format.md). `findings[]` lists what failed
//! (every level), `tests[]` every check with its outcome.

use crate::Options;
use oci_check_model::{Outcome, Run};
use serde_json::{json, Map, Value};

/// Bumped on any incompatible change of the document's shape.
pub const FORMAT: &str = "oci-check/v1";

pub fn render(run: &Run, opts: &Options) -> String {
    let mut out =
        serde_json::to_string_pretty(&document(run, opts)).expect("a JSON value serialises");
    out.push('\n');
    out
}

/// The `oci-check/v1` document of `run` (a matrix embeds one per runtime).
pub(crate) fn document(run: &Run, opts: &Options) -> Value {
    let s = run.summary();
    let findings: Vec<Value> = run
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| {
            let loc = r.location.clone().unwrap_or_default();
            let mut f = Map::new();
            f.insert("rule".into(), json!(r.id));
            f.insert("level".into(), json!(r.level));
            f.insert("file".into(), json!(loc.file));
            f.insert("pointer".into(), json!(loc.pointer));
            f.insert("line".into(), json!(loc.line));
            f.insert("column".into(), json!(loc.column));
            f.insert("message".into(), json!(r.message));
            f.insert("spec".into(), json!(r.spec));
            f.insert("requirements".into(), json!(r.requirements));
            for (k, v) in [
                ("expected", &r.expected),
                ("observed", &r.observed),
                ("hint", &r.hint),
                ("spec_text", &r.spec_text),
            ] {
                if let Some(v) = v {
                    f.insert(k.into(), json!(v));
                }
            }
            Value::Object(f)
        })
        .collect();
    let tests: Vec<Value> = run
        .results
        .iter()
        .map(|r| {
            let mut t = Map::new();
            t.insert("name".into(), json!(crate::display_name(r)));
            t.insert("id".into(), json!(r.id));
            t.insert("outcome".into(), json!(r.outcome));
            t.insert("level".into(), json!(r.level));
            t.insert("fails_run".into(), json!(crate::fails(r, opts)));
            t.insert("requirements".into(), json!(r.requirements));
            t.insert("message".into(), json!(r.message));
            for (k, v) in [
                ("title", &r.title),
                ("expected", &r.expected),
                ("observed", &r.observed),
                ("area", &r.area),
                ("spec", &r.spec),
                ("details", &r.details),
            ] {
                if let Some(v) = v {
                    t.insert(k.into(), json!(v));
                }
            }
            if let Some(d) = r.duration {
                t.insert(
                    "duration_ms".into(),
                    json!((d.as_secs_f64() * 1e6).round() / 1e3),
                );
            }
            Value::Object(t)
        })
        .collect();
    json!({
        "format": FORMAT,
        "tool": {"name": "oci-check", "version": run.tool_version},
        "kind": run.kind,
        "subject": run.subject,
        "spec_version": run.spec_version,
        "strict": opts.strict,
        "passed": !run.failed(opts.strict),
        "facts": run.facts,
        "summary": {
            "errors": s.errors, "warnings": s.warnings, "infos": s.infos,
            "pass": s.pass, "skip": s.skip, "xfail": s.xfail, "xpass": s.xpass,
            "tests": run.results.len(),
        },
        "findings": findings,
        "tests": tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_carry_the_documented_fields() {
        let out = render(&crate::testdata::sample(), &Options::default());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["format"], FORMAT);
        let f = &v["findings"][0];
        for key in [
            "rule", "level", "pointer", "line", "column", "message", "spec",
        ] {
            assert!(
                f.get(key).is_some_and(|x| !x.is_null()),
                "missing {key} in {f}"
            );
        }
        assert_eq!(f["line"], 3);
        assert_eq!(v["findings"].as_array().unwrap().len(), 2);
        assert_eq!(v["tests"].as_array().unwrap().len(), 4);
        assert_eq!(v["passed"], false);
        assert_eq!(v["summary"]["warnings"], 1);
    }
}
