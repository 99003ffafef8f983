//! Our JSON Schema of the image documents (`schema/image/image-schema.json`, embedded), written
//! from the image-spec text. Each document kind is a member of `$defs`; a document is validated
//! against `{"$ref": "#/$defs/KIND"}` with the whole schema around it. An `x-rule` member maps a
//! keyword of its subschema to the rule that reports its errors (the deepest one wins); other
//! errors go to the document kind's generic schema rule.

use crate::rules::{self, Rule};
use crate::Finding;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const SCHEMA_TEXT: &str = include_str!("../../schema/image/image-schema.json");

/// The kinds of document the schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Layout,
    Index,
    Manifest,
    Config,
}

impl Kind {
    fn def(self) -> &'static str {
        match self {
            Kind::Layout => "layout",
            Kind::Index => "index",
            Kind::Manifest => "manifest",
            Kind::Config => "config",
        }
    }

    fn generic_rule(self) -> &'static Rule {
        match self {
            Kind::Layout => &rules::LAYOUT_VERSION,
            Kind::Index => &rules::INDEX_SCHEMA,
            Kind::Manifest => &rules::MANIFEST_SCHEMA,
            Kind::Config => &rules::CONFIG_SCHEMA,
        }
    }
}

pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).expect("image schema is JSON (tested)"))
}

fn validator(kind: Kind) -> &'static jsonschema::Validator {
    static V: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    let all = V.get_or_init(|| {
        [Kind::Layout, Kind::Index, Kind::Manifest, Kind::Config]
            .into_iter()
            .map(|k| {
                let mut doc = document().clone();
                doc["$ref"] = Value::String(format!("#/$defs/{}", k.def()));
                let v = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&doc)
                    .expect("image schema compiles (tested)");
                (k.def(), v)
            })
            .collect()
    });
    &all[kind.def()]
}

/// Every schema error of `value` as a finding in `file`.
pub fn check(kind: Kind, value: &Value, file: &str, out: &mut Vec<Finding>) {
    let v = validator(kind);
    if v.is_valid(value) {
        return;
    }
    for err in v.iter_errors(value) {
        let pointer = err.instance_path().as_str().to_string();
        let rule = annotated_rule(err.schema_path().as_str()).unwrap_or(kind.generic_rule());
        let (pointer, message) = describe(&pointer, err.kind(), err.instance(), &err.to_string());
        let mut f = Finding::new(rule, file, pointer, message);
        if let ValidationErrorKind::Type { kind } = err.kind() {
            f = f.expected(format!("{kind:?}").to_lowercase());
        }
        out.push(f);
    }
}

fn describe(
    pointer: &str,
    kind: &ValidationErrorKind,
    instance: &Value,
    text: &str,
) -> (String, String) {
    let field = if pointer.is_empty() {
        "the document"
    } else {
        pointer
    };
    match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            (
                format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1")),
                format!("{field}: required member \"{name}\" is missing"),
            )
        }
        _ => (
            pointer.to_string(),
            format!("{field}: {} ({})", text, excerpt(instance)),
        ),
    }
}

/// A value as JSON, cut to a readable length.
pub fn excerpt(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

/// The deepest `x-rule` annotation on the way down the schema path, following local `$ref`s.
fn annotated_rule(schema_path: &str) -> Option<&'static Rule> {
    let root = document();
    let mut node = root;
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
        node = if token == "$ref" {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) => root.pointer(r.strip_prefix('#')?)?,
                None => return found,
            }
        } else {
            match node {
                Value::Object(m) => match m.get(&token) {
                    Some(n) => n,
                    None => return found,
                },
                Value::Array(a) => match token.parse::<usize>().ok().and_then(|i| a.get(i)) {
                    Some(n) => n,
                    None => return found,
                },
                _ => return found,
            }
        };
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(kind: Kind, v: Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        check(kind, &v, "f", &mut out);
        out.into_iter()
            .map(|f| (f.rule.id.to_string(), f.pointer))
            .collect()
    }

    #[test]
    fn every_x_rule_names_a_rule_and_a_keyword() {
        fn walk(v: &Value, at: &str, bad: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Object(xr)) = m.get("x-rule") {
                        for (kw, id) in xr {
                            if id.as_str().and_then(rules::by_id).is_none() || !m.contains_key(kw) {
                                bad.push(format!("{at}: {kw} -> {id}"));
                            }
                        }
                    }
                    m.iter()
                        .for_each(|(k, c)| walk(c, &format!("{at}/{k}"), bad));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, at, bad)),
                _ => {}
            }
        }
        let mut bad = Vec::new();
        walk(document(), "", &mut bad);
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn errors_behind_refs_find_their_rules() {
        let m = json!({"schemaVersion": 2, "config": {"mediaType": "bad type", "digest": "sha256:x", "size": 1},
                       "layers": [{"mediaType": "a/b", "size": 1}]});
        let got = ids(Kind::Manifest, m);
        assert!(
            got.contains(&(
                "image.descriptor.mediaType.rfc6838".into(),
                "/config/mediaType".into()
            )),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                "image.descriptor.required".into(),
                "/layers/0/digest".into()
            )),
            "{got:?}"
        );
        let c = json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "tar", "diff_ids": []},
                       "config": {"Labels": {"a": 1}}});
        let got = ids(Kind::Config, c);
        assert!(
            got.contains(&("image.config.rootfs.type".into(), "/rootfs/type".into())),
            "{got:?}"
        );
        assert!(
            got.iter().any(|(r, _)| r == "image.annotations.map"),
            "{got:?}"
        );
    }
}
