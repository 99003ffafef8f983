//! Our JSON Schema for config.json (`schema/config-schema.json`), embedded; read quickly for every
//! config, and compiled by `jsonschema` once, for the first config the quick reading does not find
//! valid (see `schema/quick.rs`).
//!
//! Each schema error becomes a finding of one rule:
//! 1. an `x-rule` annotation in the schema: an object in a subschema that maps one of its
//!    keywords to a rule ID (`"x-rule": {"pattern": "config.process.cwd.absolute"}`); the
//!    deepest annotation on the error's keyword path wins;
//! 2. a missing property `P` of the object at `/a/0/b` → rule `config.a.b.P.required`, when the
//!    catalogue has it;
//! 3. otherwise the generic [`SCHEMA`] rule, citing the field's own declaration row.

use crate::requirements;
use crate::rule::{Finding, Rule, Scope};
use crate::rules;
use jsonschema::error::ValidationErrorKind;
use oci_check_model::Level;
use serde_json::Value;
use std::sync::OnceLock;

/// The schema text, as shipped in `schema/`.
pub const SCHEMA_TEXT: &str = include_str!("../../schema/config-schema.json");

pub static SCHEMA: Rule = Rule {
    id: "schema",
    level: Level::Error,
    requirements: &[],
    summary: "every field has the type and values config.md and config-linux.md give it",
    scope: Scope::Schema,
    check: None,
    doc: Some(("config.md", "Configuration")),
};

mod quick;

pub(crate) use quick::Verdict;

/// The parsed schema document.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::from_str(SCHEMA_TEXT).expect("schema/config-schema.json is JSON (tested)")
    })
}

/// The schema compiled by `jsonschema`: the source of every schema finding. Compiling it costs
/// more than a whole `oci-check config` run of a valid config should take, so it is built only
/// for a config that [`quick_verdict`] does not find valid.
fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::options()
            .should_validate_formats(true)
            .build(document())
            .expect("schema/config-schema.json compiles (tested)")
    })
}

/// The quick reading of the schema (see `schema/quick.rs`): Valid or Invalid only when sure.
pub(crate) fn quick_verdict(config: &Value) -> Verdict {
    static Q: OnceLock<quick::Quick> = OnceLock::new();
    Q.get_or_init(|| quick::Quick::new(SCHEMA_TEXT))
        .verdict(config)
}

/// Fast path: true when the config matches the schema.
pub fn is_valid(config: &Value) -> bool {
    match quick_verdict(config) {
        Verdict::Valid => true,
        Verdict::Invalid => false,
        Verdict::Unknown => validator().is_valid(config),
    }
}

/// Every schema error as a finding.
pub fn check(config: &Value, out: &mut Vec<Finding>) {
    if quick_verdict(config) == Verdict::Valid {
        return;
    }
    let validator = validator();
    if validator.is_valid(config) {
        return;
    }
    for err in validator.iter_errors(config) {
        let pointer = err.instance_path().as_str().to_string();
        let schema_path = err.schema_path().as_str().to_string();
        let rule = annotated_rule(document(), &schema_path)
            .or_else(|| required_rule(&pointer, err.kind()))
            .unwrap_or(&SCHEMA);
        let (pointer, message) =
            describe(&pointer, err.kind(), rule, err.instance(), &err.to_string());
        let mut f = Finding::new(rule, pointer.clone(), message);
        match err.kind() {
            ValidationErrorKind::Type { kind } => {
                f = f
                    .expected(type_names(kind))
                    .observed(json_type(err.instance()));
            }
            ValidationErrorKind::Required { .. } => {}
            _ if !std::ptr::eq(rule, &SCHEMA) => {
                f = f.expected(rule.summary).observed(excerpt(err.instance()));
            }
            _ => {}
        }
        if std::ptr::eq(rule, &SCHEMA) {
            f.cite = declaration_row(&pointer);
        }
        out.push(f);
    }
}

/// Pointer and message for an error. A missing member is reported at the pointer it would
/// have; a broken prose rule is described by the rule's own summary, not the schema keyword.
fn describe(
    pointer: &str,
    kind: &ValidationErrorKind,
    rule: &Rule,
    instance: &Value,
    text: &str,
) -> (String, String) {
    let field = if pointer.is_empty() {
        "config"
    } else {
        pointer
    };
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            (
                format!("{pointer}/{}", crate::rule::escape(name)),
                format!("{field}: required member \"{name}\" is missing"),
            )
        }
        ValidationErrorKind::Type { kind } => (
            pointer.to_string(),
            format!(
                "{field}: expected {}, found {} {}",
                type_names(kind),
                json_type(instance),
                excerpt(instance)
            ),
        ),
        _ if !std::ptr::eq(rule, &SCHEMA) => (
            pointer.to_string(),
            format!(
                "{field} is {}, but the spec requires: {}",
                excerpt(instance),
                rule.summary
            ),
        ),
        _ => (pointer.to_string(), format!("{field}: {text}")),
    }
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => t.to_string(),
        jsonschema::error::TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}

/// A value as JSON, cut to a readable length.
fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

fn json_type(v: &Value) -> String {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
    .to_string()
}

/// The deepest `x-rule` annotation on the way down `schema_path`.
fn annotated_rule(doc: &Value, schema_path: &str) -> Option<&'static Rule> {
    let mut node = doc;
    let mut found = None;
    for token in schema_path.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if let Some(id) = node
            .get("x-rule")
            .and_then(|m| m.get(&token))
            .and_then(Value::as_str)
        {
            found = rules::by_id(id).or(found);
        }
        node = match node {
            Value::Object(m) => m.get(&token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return found,
        };
    }
    found
}

/// `/process/rlimits/0` + `type` → the rule `config.process.rlimits.type.required`.
fn required_rule(pointer: &str, kind: &ValidationErrorKind) -> Option<&'static Rule> {
    let ValidationErrorKind::Required { property } = kind else {
        return None;
    };
    let id = format!("{}.{}.required", dotted(pointer), property.as_str()?);
    rules::by_id(&id)
}

/// `/process/rlimits/0/type` → `config.process.rlimits.type` (array indices dropped).
pub fn dotted(pointer: &str) -> String {
    let mut id = String::from("config");
    for token in pointer.split('/').skip(1) {
        if token.parse::<usize>().is_err() {
            id.push('.');
            id.push_str(token);
        }
    }
    id
}

/// The `.required` or `.optional` row that declares the field at `pointer`, or its nearest
/// declared ancestor.
fn declaration_row(pointer: &str) -> Option<&'static str> {
    let mut id = dotted(pointer);
    loop {
        for suffix in [".required", ".optional"] {
            if let Some(r) = requirements::get(&format!("{id}{suffix}")) {
                return Some(r.id);
            }
        }
        match id.rfind('.') {
            Some(i) if i > "config".len() - 1 => id.truncate(i),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_compiles() {
        assert!(document().is_object());
        assert!(is_valid(
            &serde_json::json!({"ociVersion": "1.0.0", "root": {"path": "rootfs"}})
        ));
    }

    #[test]
    fn dotted_drops_indices() {
        assert_eq!(
            dotted("/process/rlimits/0/type"),
            "config.process.rlimits.type"
        );
        assert_eq!(dotted(""), "config");
    }

    #[test]
    fn declaration_row_walks_up_to_a_declared_field() {
        assert_eq!(
            declaration_row("/process/terminal"),
            Some("config.process.terminal.optional")
        );
        assert_eq!(
            declaration_row("/process/cwd"),
            Some("config.process.cwd.required")
        );
    }

    #[test]
    fn every_x_rule_annotation_names_a_catalogued_rule() {
        fn walk(v: &Value, at: &str, bad: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Object(xr)) = m.get("x-rule") {
                        for (kw, id) in xr {
                            let known = id.as_str().and_then(rules::by_id).is_some();
                            if !known || !m.contains_key(kw) {
                                bad.push(format!("{at}: x-rule {kw} -> {id}"));
                            }
                        }
                    }
                    for (k, c) in m {
                        walk(c, &format!("{at}/{k}"), bad);
                    }
                }
                Value::Array(a) => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, c)| walk(c, &format!("{at}/{i}"), bad)),
                _ => {}
            }
        }
        let mut bad = Vec::new();
        walk(document(), "", &mut bad);
        assert!(
            bad.is_empty(),
            "annotations naming no rule or no keyword of their subschema: {bad:#?}"
        );
    }
}
