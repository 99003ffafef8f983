//! A quick and conservative reading of our schema, so that a valid config never pays for
//! compiling it with `jsonschema` (meta-schema validation, reference resolution, regexes: about
//! 2.7 ms, more than a whole `oci-check config` run should take).
//!
//! [`Quick::verdict`] answers [`Verdict::Valid`] or [`Verdict::Invalid`] only when it is sure,
//! and [`Verdict::Unknown`] otherwise; `schema.rs` then asks `jsonschema`, which stays the only
//! source of findings. It understands the keywords `schema/config-schema.json` uses (`type`,
//! `enum`, `required`, `properties`, `additionalProperties`, `propertyNames`,
//! `dependentSchemas`, `items`, `minItems`, `minLength`, `minimum`, `maximum`, the patterns of
//! the schema, local `$ref`s, `allOf`, `anyOf`, `not`, `if`/`then`/`else`, boolean schemas).
//! Anything else in a subschema (another keyword, another pattern, a nested `$id`) makes that
//! subschema answer Unknown, and so do the few cases where JSON Schema's number semantics
//! differ from serde_json's (`1.0` is an integer, `1 == 1.0` in `enum`): a new keyword in the
//! schema makes validation slower, never wrong. The tests in `schema.rs` hold every definite
//! verdict to `jsonschema`'s.

use raw::Raw;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// What the quick reading says about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    /// Not decided here; ask `jsonschema`.
    Unknown,
}

use Verdict::{Invalid, Unknown, Valid};

type Id = usize;

/// `type` names as bits.
const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const OBJECT: u8 = 4;
const ARRAY: u8 = 8;
const NUMBER: u8 = 16;
const STRING: u8 = 32;
const INTEGER: u8 = 64;

/// The patterns of the schema, matched by hand (each is tested against `jsonschema`).
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    /// `^literal`: starts with the literal.
    Prefix(String),
    /// `^[^\n]*$`: no line feed.
    NoNewline,
    /// `^[-0-9, ]*$`: only digits, `-`, `,` and spaces.
    CpuList,
    /// `^[1-9][0-9]*[KMG]B$`.
    PageSize,
    /// `^(?:[A-Za-z]:[\\/]|\\\\)`: a drive letter and a separator, or two backslashes.
    WindowsAbsolute,
}

impl Pattern {
    fn from_source(p: &str) -> Option<Pattern> {
        Some(match p {
            r"^[^\n]*$" => Pattern::NoNewline,
            r"^[-0-9, ]*$" => Pattern::CpuList,
            r"^[1-9][0-9]*[KMG]B$" => Pattern::PageSize,
            r"^(?:[A-Za-z]:[\\/]|\\\\)" => Pattern::WindowsAbsolute,
            _ => {
                let lit = p.strip_prefix('^')?;
                // Only characters that stand for themselves in a regex, outside a class.
                let plain = !lit.is_empty()
                    && lit
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/:_- ".contains(&b));
                if !plain {
                    return None;
                }
                Pattern::Prefix(lit.to_string())
            }
        })
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Prefix(lit) => s.starts_with(lit.as_str()),
            Pattern::NoNewline => !s.contains('\n'),
            Pattern::CpuList => s.bytes().all(|b| b.is_ascii_digit() || b"-, ".contains(&b)),
            Pattern::PageSize => {
                let b = s.as_bytes();
                b.len() >= 3
                    && matches!(b[0], b'1'..=b'9')
                    && b[1..b.len() - 2].iter().all(u8::is_ascii_digit)
                    && matches!(b[b.len() - 2], b'K' | b'M' | b'G')
                    && b[b.len() - 1] == b'B'
            }
            Pattern::WindowsAbsolute => {
                let b = s.as_bytes();
                (b.len() >= 3
                    && b[0].is_ascii_alphabetic()
                    && b[1] == b':'
                    && matches!(b[2], b'\\' | b'/'))
                    || s.starts_with(r"\\")
            }
        }
    }
}

/// The values of an `enum`, and its strings sorted.
#[derive(Debug)]
struct Enum {
    values: Vec<Value>,
    strings: Vec<String>,
}

impl Enum {
    /// A string is valid when it is one of the values (strings compare exactly).
    fn has_string(&self, s: &str) -> Verdict {
        match self.strings.binary_search_by(|e| e.as_str().cmp(s)) {
            Ok(_) => Valid,
            Err(_) => Invalid,
        }
    }
}

/// The assertions of one subschema object.
#[derive(Debug, Default)]
struct Keywords {
    types: Option<u8>,
    enumeration: Option<Enum>,
    required: Vec<String>,
    /// Sorted by name, for binary search.
    properties: Vec<(String, Id)>,
    additional: Option<Id>,
    property_names: Option<Id>,
    dependent: Vec<(String, Id)>,
    items: Option<Id>,
    min_items: Option<u64>,
    min_length: Option<u64>,
    minimum: Option<i128>,
    maximum: Option<i128>,
    pattern: Option<Pattern>,
    reference: Option<Id>,
    all_of: Vec<Id>,
    any_of: Vec<Id>,
    not: Option<Id>,
    condition: Option<(Id, Option<Id>, Option<Id>)>,
}

#[derive(Debug)]
enum Node {
    Bool(bool),
    /// A subschema this reading does not understand.
    Unknown,
    Schema(Box<Keywords>),
}

/// Keywords that assert nothing.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "$comment",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "x-rule",
    "$defs",
];

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema, compiled for [`Quick::verdict`].
#[derive(Debug)]
pub struct Quick {
    nodes: Vec<Node>,
}

/// An instance: a JSON value, or an object member's name (for `propertyNames`).
#[derive(Clone, Copy)]
enum Inst<'a> {
    Value(&'a Value),
    Name(&'a str),
}

impl<'a> Inst<'a> {
    fn as_value(self) -> Option<&'a Value> {
        match self {
            Inst::Value(v) => Some(v),
            Inst::Name(_) => None,
        }
    }
}

struct Compiler<'s, 't> {
    root: &'s Raw<'t>,
    nodes: Vec<Node>,
    refs: HashMap<&'s str, Id>,
}

impl<'s, 't> Compiler<'s, 't> {
    fn compile(&mut self, schema: &'s Raw<'t>, is_root: bool) -> Id {
        let id = self.nodes.len();
        self.nodes.push(Node::Unknown);
        let node = match schema {
            Raw::Bool(b) => Node::Bool(*b),
            Raw::Object(m) => match self.keywords(m, is_root) {
                Some(k) => Node::Schema(Box::new(k)),
                None => Node::Unknown,
            },
            _ => Node::Unknown,
        };
        self.nodes[id] = node;
        id
    }

    fn sub(&mut self, schema: &'s Raw<'t>) -> Id {
        self.compile(schema, false)
    }

    fn list(&mut self, v: &'s Raw<'t>) -> Option<Vec<Id>> {
        let a = v.as_array().filter(|a| !a.is_empty())?;
        Some(a.iter().map(|s| self.sub(s)).collect())
    }

    fn reference(&mut self, r: &'s str) -> Option<Id> {
        if let Some(&id) = self.refs.get(r) {
            return Some(id);
        }
        // Only JSON-pointer fragments of this document, without percent-encoding.
        let pointer = r.strip_prefix('#')?;
        if pointer.contains('%') || !(pointer.is_empty() || pointer.starts_with('/')) {
            return None;
        }
        let target = self.root.pointer(pointer)?;
        // Reserve the id first, so that a cycle refers to the node being compiled.
        let id = self.nodes.len();
        self.refs.insert(r, id);
        let compiled = self.compile(target, pointer.is_empty());
        debug_assert_eq!(compiled, id);
        Some(id)
    }

    /// The keywords of one subschema object, or None when one of them is not understood.
    fn keywords(&mut self, m: &'s [(Cow<'t, str>, Raw<'t>)], is_root: bool) -> Option<Keywords> {
        let get = |key: &str| m.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        // The dialect must be said, and be the one this reading knows.
        if is_root && get("$schema").is_none() {
            return None;
        }
        let mut k = Keywords::default();
        for (i, (name, v)) in m.iter().enumerate() {
            // A name given twice: left to jsonschema.
            if m[..i].iter().any(|(n, _)| n == name) {
                return None;
            }
            match name.as_ref() {
                n if ANNOTATIONS.contains(&n) => {}
                "$schema" if is_root && v.as_str() == Some(DRAFT_2020_12) => {}
                "$id" if is_root => {}
                "type" => {
                    let names: Vec<&str> = match v {
                        Raw::String(s) => vec![s.as_ref()],
                        Raw::Array(a) => a.iter().map(Raw::as_str).collect::<Option<_>>()?,
                        _ => return None,
                    };
                    let mut bits = 0;
                    for t in names {
                        bits |= match t {
                            "null" => NULL,
                            "boolean" => BOOLEAN,
                            "object" => OBJECT,
                            "array" => ARRAY,
                            "number" => NUMBER,
                            "string" => STRING,
                            "integer" => INTEGER,
                            _ => return None,
                        };
                    }
                    k.types = Some(bits);
                }
                "enum" => {
                    let values: Vec<Value> = v.as_array()?.iter().map(Raw::to_value).collect();
                    let mut strings: Vec<String> = values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    strings.sort();
                    k.enumeration = Some(Enum { values, strings });
                }
                "required" => {
                    for r in v.as_array()? {
                        k.required.push(r.as_str()?.to_string());
                    }
                }
                "properties" => {
                    for (p, s) in v.as_object()? {
                        let id = self.sub(s);
                        k.properties.push((p.to_string(), id));
                    }
                    k.properties.sort_by(|a, b| a.0.cmp(&b.0));
                    if k.properties.windows(2).any(|w| w[0].0 == w[1].0) {
                        return None;
                    }
                }
                "additionalProperties" => k.additional = Some(self.sub(v)),
                "propertyNames" => k.property_names = Some(self.sub(v)),
                "dependentSchemas" => {
                    for (p, s) in v.as_object()? {
                        let id = self.sub(s);
                        k.dependent.push((p.to_string(), id));
                    }
                }
                "items" if matches!(v, Raw::Object(_) | Raw::Bool(_)) => {
                    k.items = Some(self.sub(v))
                }
                "minItems" => k.min_items = Some(v.as_u64()?),
                "minLength" => k.min_length = Some(v.as_u64()?),
                "minimum" => k.minimum = Some(v.as_i128()?),
                "maximum" => k.maximum = Some(v.as_i128()?),
                "pattern" => k.pattern = Some(Pattern::from_source(v.as_str()?)?),
                "$ref" => k.reference = Some(self.reference(v.as_str()?)?),
                "allOf" => k.all_of = self.list(v)?,
                "anyOf" => k.any_of = self.list(v)?,
                "not" => k.not = Some(self.sub(v)),
                "if" => {
                    let cond = self.sub(v);
                    let then = get("then").map(|s| self.sub(s));
                    let otherwise = get("else").map(|s| self.sub(s));
                    k.condition = Some((cond, then, otherwise));
                }
                "then" | "else" if get("if").is_some() => {}
                _ => return None,
            }
        }
        Some(k)
    }
}

impl Quick {
    /// Compiles the schema text. Never fails: what it cannot read answers Unknown.
    pub fn new(schema_text: &str) -> Quick {
        let Ok(doc) = serde_json::from_str::<Raw>(schema_text) else {
            return Quick {
                nodes: vec![Node::Unknown],
            };
        };
        let mut c = Compiler {
            root: &doc,
            nodes: Vec::new(),
            refs: HashMap::new(),
        };
        c.refs.insert("#", 0);
        c.compile(&doc, true);
        Quick { nodes: c.nodes }
    }

    /// Valid or Invalid when sure, Unknown otherwise.
    pub fn verdict(&self, instance: &Value) -> Verdict {
        self.eval(0, Inst::Value(instance))
    }

    fn eval(&self, id: Id, inst: Inst) -> Verdict {
        let k = match &self.nodes[id] {
            Node::Bool(true) => return Valid,
            Node::Bool(false) => return Invalid,
            Node::Unknown => return Unknown,
            Node::Schema(k) => k,
        };
        let mut unknown = false;
        macro_rules! all {
            ($v:expr) => {
                match $v {
                    Invalid => return Invalid,
                    Unknown => unknown = true,
                    Valid => {}
                }
            };
        }
        if let Some(bits) = k.types {
            all!(type_verdict(bits, inst));
        }
        if let Some(values) = &k.enumeration {
            all!(enum_verdict(values, inst));
        }
        if let Some(r) = k.reference {
            all!(self.eval(r, inst));
        }
        match inst {
            Inst::Name(s) => all!(self.string(k, s)),
            Inst::Value(Value::String(s)) => all!(self.string(k, s)),
            Inst::Value(Value::Number(n)) => {
                for (bound, below) in [(k.minimum, true), (k.maximum, false)] {
                    let Some(bound) = bound else { continue };
                    let Some(x) = n
                        .as_i64()
                        .map(i128::from)
                        .or_else(|| n.as_u64().map(i128::from))
                    else {
                        // A float: compared by jsonschema.
                        unknown = true;
                        continue;
                    };
                    if (below && x < bound) || (!below && x > bound) {
                        return Invalid;
                    }
                }
            }
            Inst::Value(v @ Value::Object(m)) => all!(self.object(k, v, m)),
            Inst::Value(Value::Array(a)) => {
                if k.min_items.is_some_and(|min| (a.len() as u64) < min) {
                    return Invalid;
                }
                if let Some(items) = k.items {
                    for item in a {
                        all!(self.eval(items, Inst::Value(item)));
                    }
                }
            }
            Inst::Value(Value::Null | Value::Bool(_)) => {}
        }
        for &s in &k.all_of {
            all!(self.eval(s, inst));
        }
        if !k.any_of.is_empty() {
            let mut any = Invalid;
            for &s in &k.any_of {
                match self.eval(s, inst) {
                    Valid => {
                        any = Valid;
                        break;
                    }
                    Unknown => any = Unknown,
                    Invalid => {}
                }
            }
            all!(any);
        }
        if let Some(n) = k.not {
            all!(match self.eval(n, inst) {
                Valid => Invalid,
                Invalid => Valid,
                Unknown => Unknown,
            });
        }
        if let Some((cond, then, otherwise)) = k.condition {
            let branch = |b: Option<Id>| b.map_or(Valid, |b| self.eval(b, inst));
            all!(match self.eval(cond, inst) {
                Valid => branch(then),
                Invalid => branch(otherwise),
                Unknown => match (branch(then), branch(otherwise)) {
                    (a, b) if a == b => a,
                    _ => Unknown,
                },
            });
        }
        if unknown {
            Unknown
        } else {
            Valid
        }
    }

    fn string(&self, k: &Keywords, s: &str) -> Verdict {
        if let Some(min) = k.min_length {
            // JSON Schema counts code points.
            if (s.chars().count() as u64) < min {
                return Invalid;
            }
        }
        if let Some(p) = &k.pattern {
            if !p.matches(s) {
                return Invalid;
            }
        }
        Valid
    }

    fn object(&self, k: &Keywords, v: &Value, m: &Map<String, Value>) -> Verdict {
        if k.required.iter().any(|r| !m.contains_key(r)) {
            return Invalid;
        }
        let mut unknown = false;
        let mut step = |v: Verdict| match v {
            Invalid => Err(()),
            Unknown => {
                unknown = true;
                Ok(())
            }
            Valid => Ok(()),
        };
        let members = !k.properties.is_empty() || k.additional.is_some();
        if members || k.property_names.is_some() {
            for (name, value) in m {
                if let Some(p) = k.property_names {
                    if step(self.eval(p, Inst::Name(name))).is_err() {
                        return Invalid;
                    }
                }
                if !members {
                    continue;
                }
                let schema = match k.properties.binary_search_by(|(p, _)| p.as_str().cmp(name)) {
                    Ok(i) => Some(k.properties[i].1),
                    Err(_) => k.additional,
                };
                if let Some(s) = schema {
                    if step(self.eval(s, Inst::Value(value))).is_err() {
                        return Invalid;
                    }
                }
            }
        }
        for (name, s) in &k.dependent {
            if m.contains_key(name) && step(self.eval(*s, Inst::Value(v))).is_err() {
                return Invalid;
            }
        }
        if unknown {
            Unknown
        } else {
            Valid
        }
    }
}

fn type_verdict(bits: u8, inst: Inst) -> Verdict {
    let Some(v) = inst.as_value() else {
        return if bits & STRING != 0 { Valid } else { Invalid };
    };
    let bit = match v {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        Value::Object(_) => OBJECT,
        Value::Array(_) => ARRAY,
        Value::String(_) => STRING,
        Value::Number(n) => {
            if bits & NUMBER != 0 {
                return Valid;
            }
            if bits & INTEGER == 0 {
                return Invalid;
            }
            if n.is_i64() || n.is_u64() {
                return Valid;
            }
            // JSON Schema counts 1.0 as an integer; leave such floats to jsonschema.
            return match n.as_f64() {
                Some(f) if f.fract() != 0.0 => Invalid,
                _ => Unknown,
            };
        }
    };
    if bits & bit != 0 {
        Valid
    } else {
        Invalid
    }
}

/// `enum`: equal to one of the values. serde_json's equality implies JSON Schema's; the reverse
/// fails only for numbers (`1` and `1.0`), so a number, or a container that may hold one, that
/// serde_json finds in no value is left to jsonschema.
fn enum_verdict(e: &Enum, inst: Inst) -> Verdict {
    let values = &e.values;
    let v = match inst {
        Inst::Name(s) => return e.has_string(s),
        Inst::Value(Value::String(s)) => return e.has_string(s),
        Inst::Value(v) => v,
    };
    if values.contains(v) {
        return Valid;
    }
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => Invalid,
        Value::Number(_) if !values.iter().any(Value::is_number) => Invalid,
        Value::Array(_) if !values.iter().any(Value::is_array) => Invalid,
        Value::Object(_) if !values.iter().any(Value::is_object) => Invalid,
        _ => Unknown,
    }
}

/// A JSON document as the schema compiler reads it: strings borrowed from the text, members in
/// order. The schema is read at the start of every run that validates, and this costs a fraction
/// of building a `serde_json::Value` (no map nodes, no copied strings).
mod raw {
    use serde::de::{
        self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
    };
    use serde_json::{Number, Value};
    use std::borrow::Cow;
    use std::fmt;

    #[derive(Debug, Clone, PartialEq)]
    pub enum Raw<'t> {
        Null,
        Bool(bool),
        Number(Number),
        String(Cow<'t, str>),
        Array(Vec<Raw<'t>>),
        Object(Vec<(Cow<'t, str>, Raw<'t>)>),
    }

    impl<'t> Raw<'t> {
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Raw::String(s) => Some(s),
                _ => None,
            }
        }

        pub fn as_array(&self) -> Option<&[Raw<'t>]> {
            match self {
                Raw::Array(a) => Some(a),
                _ => None,
            }
        }

        pub fn as_object(&self) -> Option<&[(Cow<'t, str>, Raw<'t>)]> {
            match self {
                Raw::Object(m) => Some(m),
                _ => None,
            }
        }

        pub fn as_u64(&self) -> Option<u64> {
            match self {
                Raw::Number(n) => n.as_u64(),
                _ => None,
            }
        }

        /// An integer written as one (a bound written as a float is left to jsonschema).
        pub fn as_i128(&self) -> Option<i128> {
            match self {
                Raw::Number(n) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from)),
                _ => None,
            }
        }

        /// RFC 6901, read as `serde_json::Value::pointer` reads it.
        pub fn pointer(&self, pointer: &str) -> Option<&Raw<'t>> {
            if pointer.is_empty() {
                return Some(self);
            }
            let mut node = self;
            for token in pointer.strip_prefix('/')?.split('/') {
                let token: Cow<str> = match token.contains('~') {
                    true => token.replace("~1", "/").replace("~0", "~").into(),
                    false => token.into(),
                };
                node = match node {
                    Raw::Object(m) => {
                        // Names are unique where the compiler looks (it gives up on others).
                        let mut found = m.iter().filter(|(k, _)| *k == token);
                        let first = found.next()?;
                        if found.next().is_some() {
                            return None;
                        }
                        &first.1
                    }
                    Raw::Array(a) => {
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

        pub fn to_value(&self) -> Value {
            match self {
                Raw::Null => Value::Null,
                Raw::Bool(b) => Value::Bool(*b),
                Raw::Number(n) => Value::Number(n.clone()),
                Raw::String(s) => Value::String(s.to_string()),
                Raw::Array(a) => Value::Array(a.iter().map(Raw::to_value).collect()),
                Raw::Object(m) => Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.to_string(), v.to_value()))
                        .collect(),
                ),
            }
        }
    }

    impl<'de> Deserialize<'de> for Raw<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(RawVisitor)
        }
    }

    struct RawVisitor;

    impl<'de> Visitor<'de> for RawVisitor {
        type Value = Raw<'de>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
            Ok(Raw::Null)
        }
        fn visit_bool<E>(self, v: bool) -> Result<Raw<'de>, E> {
            Ok(Raw::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Raw<'de>, E> {
            Ok(Raw::Number(v.into()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Raw<'de>, E> {
            Ok(Raw::Number(v.into()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw<'de>, E> {
            Number::from_f64(v)
                .map(Raw::Number)
                .ok_or_else(|| E::custom("not a JSON number"))
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Raw<'de>, E> {
            Ok(Raw::String(Cow::Borrowed(v)))
        }
        fn visit_str<E>(self, v: &str) -> Result<Raw<'de>, E> {
            Ok(Raw::String(Cow::Owned(v.to_string())))
        }
        fn visit_string<E>(self, v: String) -> Result<Raw<'de>, E> {
            Ok(Raw::String(Cow::Owned(v)))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element()? {
                out.push(v);
            }
            Ok(Raw::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
            let mut out = Vec::new();
            while let Some(k) = map.next_key_seed(Key)? {
                out.push((k, map.next_value()?));
            }
            Ok(Raw::Object(out))
        }
    }

    /// A member name, borrowed from the text when it holds no escape.
    struct Key;

    impl<'de> DeserializeSeed<'de> for Key {
        type Value = Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for Key {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a member name")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
            Ok(Cow::Owned(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
            Ok(Cow::Owned(v))
        }
    }
}

#[cfg(test)]
mod tests {
    //! Every definite verdict of the quick reading must be `jsonschema`'s verdict. Checked on
    //! each keyword alone, on the patterns of the schema, on every config under `bundles/`, and
    //! on many thousands of configs made from those by random mutations.

    use super::*;
    use serde_json::json;
    use std::path::Path;

    fn jsonschema_valid(schema: &Value, v: &Value) -> bool {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .expect("test schema compiles")
            .is_valid(v)
    }

    /// Asserts that the quick verdict, when definite, is jsonschema's; returns it.
    fn agree(schema: &Value, v: &Value) -> Verdict {
        let q = Quick::new(&schema.to_string()).verdict(v);
        if q != Unknown {
            assert_eq!(
                q == Valid,
                jsonschema_valid(schema, v),
                "schema {schema}\ninstance {v}\nquick says {q:?}"
            );
        }
        q
    }

    fn with_dialect(mut s: Value) -> Value {
        if let Value::Object(m) = &mut s {
            m.insert("$schema".into(), json!(DRAFT_2020_12));
        }
        s
    }

    #[test]
    fn each_keyword_agrees_with_jsonschema() {
        let cases: Vec<(Value, Vec<Value>)> = vec![
            (
                json!({"type": "integer"}),
                vec![
                    json!(1),
                    json!(-1),
                    json!(1.5),
                    json!(1.0),
                    json!("1"),
                    json!(null),
                    json!(u64::MAX),
                ],
            ),
            (
                json!({"type": ["string", "null"]}),
                vec![json!("a"), json!(null), json!(0), json!([])],
            ),
            (
                json!({"type": "number"}),
                vec![json!(1), json!(1.5), json!(true)],
            ),
            (
                json!({"enum": ["a", "b"]}),
                vec![json!("a"), json!("c"), json!(1), json!(null), json!(["a"])],
            ),
            (
                json!({"enum": [1, "a"]}),
                vec![json!(1), json!(1.0), json!(2), json!("a")],
            ),
            (
                json!({"required": ["a"]}),
                vec![json!({"a": 1}), json!({}), json!([]), json!("a")],
            ),
            (
                json!({"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}),
                vec![
                    json!({"a": "x", "b": 1}),
                    json!({"a": 1}),
                    json!({"b": "x"}),
                    json!(5),
                ],
            ),
            (
                json!({"properties": {"a": false}}),
                vec![json!({}), json!({"a": 1}), json!({"b": 1})],
            ),
            (
                json!({"propertyNames": {"minLength": 1}}),
                vec![json!({"": 1}), json!({"a": 1}), json!({"é": 1})],
            ),
            (
                json!({"dependentSchemas": {"a": {"required": ["b"]}}}),
                vec![json!({"a": 1}), json!({"a": 1, "b": 2}), json!({"b": 1})],
            ),
            (
                json!({"items": {"type": "string"}, "minItems": 1}),
                vec![json!([]), json!(["a"]), json!(["a", 1]), json!({})],
            ),
            (
                json!({"minLength": 2}),
                vec![json!("é"), json!("éé"), json!(""), json!(3)],
            ),
            (
                json!({"minimum": 0, "maximum": 4294967295u64}),
                vec![
                    json!(0),
                    json!(-1),
                    json!(4294967295u64),
                    json!(4294967296u64),
                    json!(0.5),
                    json!(-0.5),
                    json!("x"),
                ],
            ),
            (
                json!({"minimum": -9223372036854775808i64, "maximum": 18446744073709551615u64}),
                vec![
                    json!(i64::MIN),
                    json!(u64::MAX),
                    json!(1e300),
                    json!(-1e300),
                ],
            ),
            (
                json!({"allOf": [{"required": ["a"]}, {"required": ["b"]}]}),
                vec![json!({"a": 1, "b": 1}), json!({"a": 1})],
            ),
            (
                json!({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}),
                vec![json!({"a": 1}), json!({"c": 1}), json!(1)],
            ),
            (
                json!({"anyOf": [{"type": "integer"}, {"required": ["b"]}]}),
                vec![json!(1.0), json!({"b": 1}), json!({})],
            ),
            (
                json!({"not": {"required": ["a"]}}),
                vec![json!({"a": 1}), json!({})],
            ),
            (
                json!({"not": {"type": "integer"}}),
                vec![json!(1.0), json!(1.5), json!(1)],
            ),
            (
                json!({"if": {"required": ["w"]}, "then": {"required": ["a"]}, "else": {"required": ["b"]}}),
                vec![
                    json!({"w": 1, "a": 1}),
                    json!({"w": 1, "b": 1}),
                    json!({"b": 1}),
                    json!({}),
                    json!(3),
                ],
            ),
            (
                json!({"if": {"type": "integer"}, "then": {"minimum": 0}, "else": {"minimum": 0}}),
                vec![json!(1.0), json!(-1)],
            ),
            (
                json!({"$defs": {"u": {"type": "integer", "minimum": 0}}, "properties": {"a": {"$ref": "#/$defs/u"}}}),
                vec![json!({"a": 1}), json!({"a": -1}), json!({"a": "x"})],
            ),
            (
                json!({"$defs": {"n": {"properties": {"next": {"$ref": "#/$defs/n"}}, "required": ["v"]}}, "$ref": "#/$defs/n"}),
                vec![
                    json!({"v": 1, "next": {"v": 2}}),
                    json!({"v": 1, "next": {"x": 2}}),
                ],
            ),
            (
                json!({"pattern": "^/", "x-rule": {"pattern": "r"}, "description": "d"}),
                vec![json!("/a"), json!("a/"), json!(1)],
            ),
        ];
        for (schema, instances) in cases {
            let schema = with_dialect(schema);
            for v in &instances {
                agree(&schema, v);
            }
        }
    }

    #[test]
    fn what_is_not_understood_is_unknown() {
        for schema in [
            json!({"maxLength": 1}),
            json!({"pattern": "^a+$"}),
            json!({"format": "uri"}),
            json!({"patternProperties": {"a": true}}),
            json!({"properties": {"a": {"$id": "x", "type": "string"}}}),
            json!({"$ref": "other.json#/x"}),
            json!({"then": {"required": ["a"]}}),
            json!({"minimum": 0.5}),
        ] {
            let q = Quick::new(&with_dialect(schema.clone()).to_string());
            assert_eq!(q.verdict(&json!({"a": "aa"})), Unknown, "{schema}");
        }
        // Another dialect, or none: nothing is read.
        let q = Quick::new(
            &json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "string"})
                .to_string(),
        );
        assert_eq!(q.verdict(&json!(1)), Unknown);
        assert_eq!(
            Quick::new(&json!({"type": "string"}).to_string()).verdict(&json!(1)),
            Unknown
        );
        // Not JSON, or a name given twice in a subschema: nothing is read there.
        assert_eq!(Quick::new("{").verdict(&json!(1)), Unknown);
        let twice =
            format!(r#"{{"$schema": "{DRAFT_2020_12}", "type": "string", "type": "integer"}}"#);
        assert_eq!(Quick::new(&twice).verdict(&json!(1)), Unknown);
    }

    /// Every `pattern` of our schema.
    fn schema_patterns() -> Vec<String> {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(p)) = m.get("pattern") {
                        out.push(p.clone());
                    }
                    m.iter()
                        .filter(|(k, _)| *k != "x-rule")
                        .for_each(|(_, c)| walk(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(crate::schema::document(), &mut out);
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn the_schema_patterns_are_understood_and_match_like_jsonschema() {
        let patterns = schema_patterns();
        assert!(patterns.len() >= 6, "{patterns:?}");
        // Strings around every pattern's edges, then all short strings over their alphabet.
        let mut strings: Vec<String> = [
            "",
            "/",
            "//",
            "a/",
            " /",
            "/\n",
            "\n/",
            "MB:",
            "MB:0=20;1=70",
            "MB",
            "mb:",
            " MB:",
            "MB:\n",
            "MB:1\r",
            "a\nb",
            "a\r\nb",
            "\n",
            "\r",
            "ab\u{2028}",
            "0-3,7",
            "0 - 3",
            "1,",
            "0-3\n",
            "x",
            "é",
            "64KB",
            "2MB",
            "1GB",
            "0KB",
            "01KB",
            "1KB\n",
            "1kB",
            "1TB",
            "KB",
            "1B",
            "12345MB",
            "1K B",
            "C:\\",
            "c:/",
            "C:",
            "C:x",
            "\\\\server\\share",
            "\\\\",
            "\\",
            "1:\\",
            "é:\\",
            "\\\\?\\C:",
            "/C:\\",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let alphabet = [
            '/', '\\', ':', '\n', 'M', 'B', 'K', '1', '0', '-', ',', ' ', 'C', 'é',
        ];
        let mut frontier = vec![String::new()];
        for _ in 0..3 {
            let mut next = Vec::new();
            for s in &frontier {
                for c in alphabet {
                    next.push(format!("{s}{c}"));
                }
            }
            strings.extend(next.iter().cloned());
            frontier = next;
        }
        for p in &patterns {
            assert!(
                Pattern::from_source(p).is_some(),
                "pattern {p:?} of the schema is not understood by the quick reading; add it to Pattern"
            );
            let schema = with_dialect(json!({"pattern": p}));
            let v = jsonschema::options().build(&schema).unwrap();
            let ours = Pattern::from_source(p).unwrap();
            for s in &strings {
                assert_eq!(
                    ours.matches(s),
                    v.is_valid(&json!(s)),
                    "pattern {p:?} on {s:?}"
                );
            }
        }
    }

    fn bundle_configs() -> Vec<(String, Value)> {
        fn walk(dir: &Path, out: &mut Vec<(String, Value)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for p in entries {
                if p.is_dir() {
                    walk(&p, out);
                } else if p.file_name().is_some_and(|n| n == "config.json") {
                    let Ok(bytes) = std::fs::read(&p) else {
                        continue;
                    };
                    if let Ok(parsed) = crate::json::parse(&bytes) {
                        out.push((p.display().to_string(), parsed.value));
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../bundles"),
            &mut out,
        );
        out
    }

    fn ours() -> Quick {
        Quick::new(crate::schema::SCHEMA_TEXT)
    }

    fn ours_agree(q: &Quick, v: &Value, what: &str) -> Verdict {
        let verdict = q.verdict(v);
        if verdict != Unknown {
            assert_eq!(
                verdict == Valid,
                crate::schema::validator().is_valid(v),
                "{what}: quick says {verdict:?} of {v}"
            );
        }
        verdict
    }

    #[test]
    fn bundles_get_jsonschemas_verdict_and_valid_ones_take_the_quick_path() {
        let q = ours();
        let configs = bundle_configs();
        assert!(configs.len() > 100);
        let mut definite = 0;
        for (path, v) in &configs {
            let verdict = ours_agree(&q, v, path);
            definite += usize::from(verdict != Unknown);
            if path.contains("/bundles/valid/") {
                assert_eq!(
                    verdict, Valid,
                    "{path}: a valid config must not need jsonschema"
                );
            }
        }
        assert_eq!(
            definite,
            configs.len(),
            "every bundle config decided quickly"
        );
    }

    /// A small deterministic generator (xorshift), so that a failure is reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Every member name the schema mentions, and every enum string.
    fn vocabulary() -> (Vec<String>, Vec<String>) {
        fn walk(v: &Value, names: &mut Vec<String>, words: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for key in ["properties", "dependentSchemas"] {
                        if let Some(Value::Object(p)) = m.get(key) {
                            names.extend(p.keys().cloned());
                        }
                    }
                    if let Some(Value::Array(r)) = m.get("required") {
                        names.extend(r.iter().filter_map(Value::as_str).map(str::to_string));
                    }
                    if let Some(Value::Array(e)) = m.get("enum") {
                        words.extend(e.iter().filter_map(Value::as_str).map(str::to_string));
                    }
                    m.values().for_each(|c| walk(c, names, words));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, names, words)),
                _ => {}
            }
        }
        let (mut names, mut words) = (Vec::new(), Vec::new());
        walk(crate::schema::document(), &mut names, &mut words);
        names.sort();
        names.dedup();
        words.sort();
        words.dedup();
        (names, words)
    }

    fn paths(v: &Value, at: &mut Vec<Vec<Value>>, prefix: Vec<Value>) {
        at.push(prefix.clone());
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    let mut p = prefix.clone();
                    p.push(json!(k));
                    paths(c, at, p);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    let mut p = prefix.clone();
                    p.push(json!(i));
                    paths(c, at, p);
                }
            }
            _ => {}
        }
    }

    fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
        path.iter().fold(v, |node, step| match step {
            Value::String(k) => &mut node[k.as_str()],
            Value::Number(i) => &mut node[i.as_u64().unwrap() as usize],
            _ => unreachable!(),
        })
    }

    fn random_value(rng: &mut Rng, names: &[String], words: &[String], depth: usize) -> Value {
        let strings = [
            "", "/", "rel", "a\nb", "MB:50", "MB:1\n", "64KB", "0KB", "C:\\x", "\\\\s\\x", "0-3,7",
            "x y",
        ];
        match rng.below(if depth > 2 { 8 } else { 11 }) {
            0 => json!(rng.pick(&strings)),
            1 => json!(rng.pick(words)),
            2 => json!(*rng.pick(&[
                0i64,
                1,
                -1,
                255,
                256,
                65535,
                65536,
                2147483647,
                2147483648,
                -2147483648,
                -2147483649,
                4294967295,
                4294967296,
                i64::MAX,
                i64::MIN
            ])),
            3 => json!(*rng.pick(&[u64::MAX, 9223372036854775808u64])),
            4 => json!(*rng.pick(&[1.0f64, 0.5, -0.0, 1e300, 4294967295.0, -1.5])),
            5 => json!(rng.below(2) == 0),
            6 => Value::Null,
            7 => json!([]),
            8 => {
                let n = rng.below(3);
                Value::Array(
                    (0..n)
                        .map(|_| random_value(rng, names, words, depth + 1))
                        .collect(),
                )
            }
            9 => json!({}),
            _ => {
                let mut m = Map::new();
                for _ in 0..rng.below(4) {
                    m.insert(
                        rng.pick(names).clone(),
                        random_value(rng, names, words, depth + 1),
                    );
                }
                Value::Object(m)
            }
        }
    }

    fn mutate(
        rng: &mut Rng,
        doc: &mut Value,
        donors: &[(String, Value)],
        names: &[String],
        words: &[String],
    ) {
        let mut all = Vec::new();
        paths(doc, &mut all, Vec::new());
        let path = rng.pick(&all).clone();
        let node = at_mut(doc, &path);
        match rng.below(5) {
            // Graft what another config has at some path of its own, where this one has it too.
            0 => {
                let donor = &rng.pick(donors).1;
                let mut theirs = Vec::new();
                paths(donor, &mut theirs, Vec::new());
                let graft = rng.pick(&theirs);
                let Some((last, parent)) = graft.split_last() else {
                    return;
                };
                let value = graft.iter().fold(donor, |n, step| match step {
                    Value::String(k) => &n[k.as_str()],
                    _ => &n[step.as_u64().unwrap() as usize],
                });
                let mut ours = Vec::new();
                paths(doc, &mut ours, Vec::new());
                if !ours.iter().any(|p| p.as_slice() == parent) {
                    return;
                }
                match (at_mut(doc, parent), last) {
                    (Value::Object(m), Value::String(k)) => {
                        m.insert(k.clone(), value.clone());
                    }
                    (Value::Array(a), _) => a.push(value.clone()),
                    _ => {}
                }
            }
            // Replace the value.
            1 if !path.is_empty() => *node = random_value(rng, names, words, 0),
            // Add or overwrite a member (on an object) or an element (on an array).
            1 | 2 => {
                let v = random_value(rng, names, words, 0);
                match node {
                    Value::Object(m) => {
                        m.insert(rng.pick(names).clone(), v);
                    }
                    Value::Array(a) => a.push(v),
                    _ => {}
                }
            }
            // Remove a member or an element.
            _ => match node {
                Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth(rng.below(m.len())).unwrap().clone();
                    m.remove(&k);
                }
                Value::Array(a) if !a.is_empty() => {
                    a.remove(rng.below(a.len()));
                }
                _ => {}
            },
        }
    }

    #[test]
    fn mutated_bundle_configs_get_jsonschemas_verdict() {
        let q = ours();
        let (names, words) = vocabulary();
        let bases = bundle_configs();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut valid, mut invalid, mut unknown) = (0, 0, 0);
        for case in 0..10_000 {
            let (path, base) = rng.pick(&bases);
            let mut doc = base.clone();
            for _ in 0..=rng.below(3) {
                mutate(&mut rng, &mut doc, &bases, &names, &words);
            }
            match ours_agree(&q, &doc, &format!("case {case}, from {path}")) {
                Valid => valid += 1,
                Invalid => invalid += 1,
                Unknown => unknown += 1,
            }
        }
        eprintln!("DIST valid {valid}, invalid {invalid}, unknown {unknown}");
        // The generator must reach both verdicts often, and the quick reading must decide most.
        assert!(
            valid > 1500 && invalid > 1500,
            "valid {valid}, invalid {invalid}, unknown {unknown}"
        );
        assert!(
            unknown < 500,
            "valid {valid}, invalid {invalid}, unknown {unknown}"
        );
    }
}
