//! Rules and findings: the vocabulary every check of the validator speaks.

use crate::requirements::{self, Requirement};
use oci_check_model::Level;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Where a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Decided by our JSON Schema; the schema module turns schema errors into findings of this
    /// rule (see `schema::rule_for_error`). `check` is `None`.
    Schema,
    /// Decided from config.json alone.
    Config,
    /// Needs the bundle directory (files on disk); skipped by `oci-check config`.
    Bundle,
    /// About the bytes of the file (encoding, syntax, duplicate keys).
    Document,
}

/// A check function: looks at the context, pushes findings (of any rule) into `out`.
pub type CheckFn = fn(&Ctx, &mut Vec<Finding>);

/// One rule of the catalogue.
#[derive(Debug)]
pub struct Rule {
    /// Stable ID. Where the rule checks exactly one spec requirement, it is that requirement's ID
    /// (`config.process.cwd.absolute`); the checks a user expects beyond the table carry IDs under
    /// `lint.` (`lint.process.capabilities.known`).
    pub id: &'static str,
    pub level: Level,
    /// Requirement IDs (rows of requirements.tsv) this rule covers.
    pub requirements: &'static [&'static str],
    /// One line: what the rule checks.
    pub summary: &'static str,
    pub scope: Scope,
    pub check: Option<CheckFn>,
    /// Spec file and section to link to when the rule cites no requirement.
    pub doc: Option<(&'static str, &'static str)>,
}

impl Rule {
    /// Link to the spec text for `version`: the first cited requirement's section, else `doc`.
    pub fn spec_url(&self, version: &str) -> String {
        if let Some(req) = self
            .requirements
            .first()
            .and_then(|id| requirements::get(id))
        {
            return req.url(version);
        }
        let (file, section) = self.doc.unwrap_or(("config.md", "Configuration"));
        requirements::spec_url(version, file, section)
    }

    /// The first cited requirement, for its quoted sentence.
    pub fn requirement(&self) -> Option<&'static Requirement> {
        self.requirements
            .first()
            .and_then(|id| requirements::get(id))
    }

    /// The area the rule belongs to, for grouping in reports: the segment after `config.` /
    /// `lint.` (`process`, `linux`, `mounts`, ...), else the first segment.
    pub fn area(&self) -> &'static str {
        let mut parts = self.id.split('.');
        let first = parts.next().unwrap_or(self.id);
        match first {
            "config" | "lint" => parts.next().unwrap_or(first),
            _ => first,
        }
    }
}

/// One thing wrong (or worth knowing) in a config.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static Rule,
    /// RFC 6901 pointer into config.json ("" = the whole document).
    pub pointer: String,
    /// Says what was expected and what was found.
    pub message: String,
    pub expected: Option<String>,
    pub observed: Option<String>,
    pub hint: Option<String>,
    /// A level other than the rule's, for rules whose level depends on the case (rare).
    pub level: Option<Level>,
    /// A requirement this finding cites besides the rule's own (the generic schema rule cites
    /// the declaration row of the field it found wrong).
    pub cite: Option<&'static str>,
}

impl Finding {
    pub fn new(
        rule: &'static Rule,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            pointer: pointer.into(),
            message: message.into(),
            expected: None,
            observed: None,
            hint: None,
            level: None,
            cite: None,
        }
    }
    pub fn expected(mut self, s: impl Into<String>) -> Self {
        self.expected = Some(s.into());
        self
    }
    pub fn observed(mut self, s: impl Into<String>) -> Self {
        self.observed = Some(s.into());
        self
    }
    pub fn hint(mut self, s: impl Into<String>) -> Self {
        self.hint = Some(s.into());
        self
    }
    pub fn level(&self) -> Level {
        self.level.unwrap_or(self.rule.level)
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// The bundle around a config, for `Scope::Bundle` rules.
#[derive(Debug, Clone)]
pub struct BundleCtx {
    /// The bundle directory as given.
    pub dir: PathBuf,
}

/// Everything a check may look at.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The parsed config (any JSON value: rules must not assume the schema passed).
    pub config: &'a Value,
    /// `ociVersion`, when it is a SemVer string.
    pub version: Option<semver::Version>,
    pub bundle: Option<&'a BundleCtx>,
}

impl<'a> Ctx<'a> {
    pub fn new(config: &'a Value, bundle: Option<&'a BundleCtx>) -> Self {
        let version = config
            .get("ociVersion")
            .and_then(Value::as_str)
            .and_then(|v| semver::Version::parse(v).ok());
        Ctx {
            config,
            version,
            bundle,
        }
    }

    /// The value at an RFC 6901 pointer. Rules call this many times per validation, so unlike
    /// `Value::pointer` it allocates nothing unless a token holds an escape (`~0`, `~1`).
    pub fn at(&self, pointer: &str) -> Option<&'a Value> {
        if pointer.is_empty() {
            return Some(self.config);
        }
        let mut node = self.config;
        for token in pointer.strip_prefix('/')?.split('/') {
            node = match node {
                Value::Object(m) if token.contains('~') => {
                    m.get(&token.replace("~1", "/").replace("~0", "~"))?
                }
                Value::Object(m) => m.get(token)?,
                Value::Array(a) => {
                    // RFC 6901: an index is 0 or digits without a leading zero.
                    if token.is_empty()
                        || (token.len() > 1 && token.starts_with('0'))
                        || !token.bytes().all(|b| b.is_ascii_digit())
                    {
                        return None;
                    }
                    a.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// Items of the array at `pointer`, with each item's pointer. Empty when absent or not an
    /// array (the schema reports the type).
    pub fn items(&self, pointer: &str) -> Vec<(String, &'a Value)> {
        match self.at(pointer) {
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (child(pointer, i), v))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The items of the array at `pointer`, without their pointers (build one with [`child`]
    /// for a finding). Empty when absent or not an array.
    pub fn array(&self, pointer: &str) -> &'a [Value] {
        match self.at(pointer) {
            Some(Value::Array(a)) => a,
            _ => &[],
        }
    }

    /// The object at `pointer`, when there is one.
    pub fn object(&self, pointer: &str) -> Option<&'a serde_json::Map<String, Value>> {
        self.at(pointer).and_then(Value::as_object)
    }

    /// Entries of the object at `pointer`, with each member's pointer (keys escaped).
    pub fn members(&self, pointer: &str) -> Vec<(String, &'a str, &'a Value)> {
        match self.at(pointer) {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| (format!("{pointer}/{}", escape(k)), k.as_str(), v))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the config claims at least spec version `major.minor` (unknown version: yes).
    pub fn claims_at_least(&self, major: u64, minor: u64) -> bool {
        match &self.version {
            Some(v) => (v.major, v.minor) >= (major, minor),
            None => true,
        }
    }

    pub fn bundle_dir(&self) -> Option<&Path> {
        self.bundle.map(|b| b.dir.as_path())
    }
}

/// `pointer/i`, built without the formatting machinery.
pub fn child(pointer: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(pointer.len() + 1 + digits.len() - at);
    s.push_str(pointer);
    s.push('/');
    s.extend(digits[at..].iter().map(|&b| b as char));
    s
}

/// Escapes one reference token for a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn child_pointers() {
        assert_eq!(child("/a", 0), "/a/0");
        assert_eq!(child("", 1234567), "/1234567");
    }

    #[test]
    fn at_agrees_with_serde_json_pointer() {
        let doc = json!({"a/b": {"~x": [1, {"c": 2}]}, "n": [0, 1], "": {"": 3}});
        let ctx = Ctx::new(&doc, None);
        for p in [
            "",
            "/a~1b",
            "/a~1b/~0x/1/c",
            "/n/1",
            "/n/01",
            "/n/-",
            "/n/+1",
            "/x",
            "/n/1/z",
            "/",
            "//",
            "nope",
        ] {
            assert_eq!(ctx.at(p), doc.pointer(p), "pointer {p:?}");
        }
    }
}
