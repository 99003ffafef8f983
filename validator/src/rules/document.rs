//! Rules about the bytes of config.json. The loader (`crate::json`) emits their findings; they
//! have no check function of their own.

use crate::rule::{Rule, Scope};
use oci_check_model::Level;

pub static JSON_SYNTAX: Rule = Rule {
    id: "json.syntax",
    level: Level::Error,
    requirements: &[],
    summary: "config.json is well-formed JSON (RFC 8259): no comments, trailing commas or byte order mark",
    scope: Scope::Document,
    check: None,
    doc: Some(("glossary.md", "JSON")),
};

pub static UTF8: Rule = Rule {
    id: "glossary.json.utf8",
    level: Level::Error,
    requirements: &["glossary.json.utf8"],
    summary: "config.json is encoded in UTF-8",
    scope: Scope::Document,
    check: None,
    doc: None,
};

pub static NO_DUPLICATE_NAMES: Rule = Rule {
    id: "glossary.json.no_duplicate_names",
    level: Level::Error,
    requirements: &["glossary.json.no_duplicate_names"],
    summary: "no JSON object has two members with the same name",
    scope: Scope::Document,
    check: None,
    doc: None,
};

pub static RULES: &[&Rule] = &[&JSON_SYNTAX, &UTF8, &NO_DUPLICATE_NAMES];
