//! Our JSON Schemas for the documents a runtime writes, embedded and compiled once:
//! `schema/state-schema.json` (the state of a container, runtime.md "State") and
//! `schema/features-schema.json` (the Features structure, features.md and features-linux.md).
//!
//! [`validate_state`] and [`validate_features`] return one line per problem, each
//! `"<json pointer>: <what is wrong>"` (the pointer is empty for the document itself; a missing
//! member is reported at the pointer it would have). An empty list means the document is valid.
//!
//! Besides the schema, the Rust side checks what a schema keyword cannot:
//! - state: `ociVersion` is SemVer 2.0.0, and `pid` is written as an integer numeral (draft
//!   2020-12 counts `4422.0` as an integer; a runtime's consumers do not);
//! - features: `ociVersionMin` and `ociVersionMax` are SemVer 2.0.0 (the runtime MUST accept them
//!   as `ociVersion` of config.json, which MUST be SemVer), and `ociVersionMax` is not less than
//!   `ociVersionMin` (`features.ociVersionMax.ge_min`).
//!
//! Non-standard `status` values (runc's `paused`) are valid here; the harness flags them
//! separately.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;
use std::sync::OnceLock;

/// The state schema text, as shipped in `schema/`.
pub const STATE_SCHEMA_TEXT: &str = include_str!("../../schema/state-schema.json");

/// The features schema text, as shipped in `schema/`.
pub const FEATURES_SCHEMA_TEXT: &str = include_str!("../../schema/features-schema.json");

struct Compiled {
    doc: Value,
    validator: jsonschema::Validator,
}

fn compile(text: &str, name: &str) -> Compiled {
    let doc: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("schema/{name} is JSON (tested): {e}"));
    let validator = jsonschema::options()
        .build(&doc)
        .unwrap_or_else(|e| panic!("schema/{name} compiles (tested): {e}"));
    Compiled { doc, validator }
}

fn state() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| compile(STATE_SCHEMA_TEXT, "state-schema.json"))
}

fn features() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| compile(FEATURES_SCHEMA_TEXT, "features-schema.json"))
}

/// The parsed state schema.
pub fn state_schema() -> &'static Value {
    &state().doc
}

/// The parsed features schema.
pub fn features_schema() -> &'static Value {
    &features().doc
}

/// Every problem of a container's state document (`runtime state <id>`); empty when valid.
pub fn validate_state(doc: &Value) -> Vec<String> {
    let mut out = schema_errors(state(), doc);
    if let Some(Value::String(v)) = doc.get("ociVersion") {
        check_semver("/ociVersion", "ociVersion", v, &mut out);
    }
    if let Some(Value::Number(n)) = doc.get("pid") {
        // A fractional value is already a type error of the schema.
        if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0) {
            out.push(format!(
                "/pid: pid is an int, but it is written as {n}, with a fraction or exponent \
                 (write it as an integer numeral)"
            ));
        }
    }
    out
}

/// Every problem of a Features structure (`runtime features`); empty when valid.
pub fn validate_features(doc: &Value) -> Vec<String> {
    let mut out = schema_errors(features(), doc);
    let mut version = |name: &str| match doc.get(name) {
        Some(Value::String(v)) => check_semver(&format!("/{name}"), name, v, &mut out),
        _ => None,
    };
    let min = version("ociVersionMin");
    let max = version("ociVersionMax");
    if let (Some(min), Some(max)) = (min, max) {
        if max.cmp_precedence(&min).is_lt() {
            out.push(format!(
                "/ociVersionMax: \"{max}\" is less than ociVersionMin \"{min}\" \
                 (features.ociVersionMax.ge_min)"
            ));
        }
    }
    out
}

/// The version, or a problem line when `text` is not SemVer 2.0.0.
fn check_semver(
    pointer: &str,
    name: &str,
    text: &str,
    out: &mut Vec<String>,
) -> Option<semver::Version> {
    match semver::Version::parse(text) {
        Ok(v) => Some(v),
        Err(e) => {
            out.push(format!(
                "{pointer}: {name} {} is not a SemVer 2.0.0 version: {e}",
                excerpt(&Value::String(text.to_string()))
            ));
            None
        }
    }
}

fn schema_errors(c: &Compiled, doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if c.validator.is_valid(doc) {
        return out;
    }
    for err in c.validator.iter_errors(doc) {
        let pointer = err.instance_path().as_str();
        let kind = err.kind();
        let custom = x_message(&c.doc, err.schema_path().as_str(), kind.keyword());
        let instance = err.instance();
        match kind {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let at = format!("{pointer}/{}", crate::rule::escape(name));
                match custom {
                    Some(m) => out.push(format!("{at}: {m}")),
                    None => out.push(format!("{at}: required member \"{name}\" is missing")),
                }
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let m = custom.unwrap_or("property not allowed here");
                for name in unexpected {
                    out.push(format!("{pointer}/{}: {m}", crate::rule::escape(name)));
                }
            }
            ValidationErrorKind::Type { kind } => {
                let found = format!("found {} {}", json_type(instance), excerpt(instance));
                match custom {
                    Some(m) => out.push(format!("{pointer}: {m}, {found}")),
                    None => out.push(format!("{pointer}: expected {}, {found}", type_names(kind))),
                }
            }
            ValidationErrorKind::PropertyNames { error } => {
                // The failing key is the instance of the inner error.
                let key = error.instance().as_str().unwrap_or_default().to_string();
                let inner = x_message(&c.doc, error.schema_path().as_str(), error.kind().keyword());
                let at = format!("{pointer}/{}", crate::rule::escape(&key));
                out.push(format!(
                    "{at}: {}",
                    inner.map_or_else(|| error.to_string(), String::from)
                ));
            }
            _ => match custom {
                Some(m) => out.push(format!("{pointer}: {m}, found {}", excerpt(instance))),
                None => out.push(format!("{pointer}: {err}")),
            },
        }
    }
    out
}

/// The `x-message` text for `keyword` in the subschema at `schema_path`, the error's canonical
/// keyword location (`/$defs/linux/properties/seccomp/additionalProperties`: `$ref`s already
/// resolved), less its last token, the keyword itself.
fn x_message<'a>(doc: &'a Value, schema_path: &str, keyword: &str) -> Option<&'a str> {
    let parent = &schema_path[..schema_path.rfind('/')?];
    doc.pointer(parent)?
        .get("x-message")?
        .get(keyword)?
        .as_str()
}

fn type_names(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => {
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

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_compile() {
        assert!(state_schema().is_object());
        assert!(features_schema().is_object());
    }

    #[test]
    fn every_x_message_names_a_keyword_of_its_subschema() {
        fn walk(v: &Value, at: &str, bad: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Object(xm)) = m.get("x-message") {
                        for (kw, text) in xm {
                            if !m.contains_key(kw) || !text.is_string() {
                                bad.push(format!("{at}: x-message {kw}"));
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
        walk(state_schema(), "state", &mut bad);
        walk(features_schema(), "features", &mut bad);
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn messages_carry_the_pointer_and_the_schema_text() {
        let errs = validate_state(&json!({
            "ociVersion": "1.0", "id": "c", "status": "running", "bundle": "b"
        }));
        assert!(
            errs.iter().any(|e| e.starts_with("/pid: pid is REQUIRED")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("/bundle: bundle must be an absolute")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("/ociVersion: ociVersion \"1.0\" is not a SemVer")),
            "{errs:?}"
        );
        assert_eq!(errs.len(), 3, "{errs:?}");

        let errs = validate_features(&json!({
            "ociVersionMin": "1.0.0", "ociVersionMax": "1.1.0",
            "linux": {"apparmor": {"enabled": true, "profiles": []}},
            "annotations": {"": "x", "k": 1}
        }));
        let want = [
            "/linux/apparmor/profiles: property not defined by the runtime-spec (features.no_undefined_properties)",
            "/annotations/: annotation keys must not be empty",
            "/annotations/k: annotation values must be strings, found integer 1",
        ];
        for w in want {
            assert!(errs.iter().any(|e| e == w), "missing {w:?} in {errs:?}");
        }
        assert_eq!(errs.len(), 3, "{errs:?}");
    }

    #[test]
    fn features_versions_are_semver_and_ordered() {
        let errs = validate_features(&json!({"ociVersionMin": "1.1.0", "ociVersionMax": "1.0.0"}));
        assert_eq!(
            errs,
            ["/ociVersionMax: \"1.0.0\" is less than ociVersionMin \"1.1.0\" (features.ociVersionMax.ge_min)"]
        );
        let errs = validate_features(&json!({"ociVersionMin": "v1", "ociVersionMax": "1.0.0"}));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("/ociVersionMin: ociVersionMin \"v1\" is not a SemVer"));
        // Pre-release precedence: 1.0.2-dev > 1.0.0 (runc 1.1.x).
        assert!(validate_features(
            &json!({"ociVersionMin": "1.0.0", "ociVersionMax": "1.0.2-dev"})
        )
        .is_empty());
    }

    #[test]
    fn pid_spelled_with_a_fraction_is_reported() {
        let errs = validate_state(&json!({
            "ociVersion": "1.0.2", "id": "c", "status": "running", "pid": 4422.0, "bundle": "/b"
        }));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].starts_with("/pid: pid is an int"), "{errs:?}");
    }
}
