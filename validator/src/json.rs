//! Reading config.json: bytes to a JSON value, with everything the spec and RFC 8259 say about
//! the bytes (UTF-8, no duplicate names), and line:column for any JSON pointer.
//!
//! Parsing is done once by serde_json (fast, strict RFC 8259) through a seed that notes
//! duplicate member names. Positions are only needed when there is something to report, so the
//! jsonc-parser AST that maps pointers to offsets is built lazily.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;

/// A member name given twice in one object. `pointer` names the later member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub pointer: String,
    pub name: String,
}

/// Why the bytes are not a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not UTF-8: the first bad byte.
    Utf8 {
        line: u32,
        column: u32,
        offset: usize,
    },
    /// Valid UTF-8 that starts with U+FEFF, which RFC 8259 forbids senders to add.
    Bom,
    /// Not well-formed JSON.
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
}

/// A parsed document.
#[derive(Debug)]
pub struct Parsed {
    pub value: Value,
    pub duplicates: Vec<Duplicate>,
}

/// Parses strict JSON, noting duplicate names (the later member wins, as in most runtimes).
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.valid_up_to();
            // The valid prefix is UTF-8, so positions can be counted in it.
            let prefix = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
            let (line, column) = LineIndex::new(prefix).position(offset);
            return Err(ParseError::Utf8 {
                line,
                column,
                offset,
            });
        }
    };
    if text.starts_with('\u{feff}') {
        return Err(ParseError::Bom);
    }
    let duplicates = RefCell::new(Vec::new());
    let path = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed {
        dups: &duplicates,
        path: &path,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| ParseError::Syntax {
        line: e.line() as u32,
        column: column_in_chars(text, e.line(), e.column()),
        message: syntax_message(&e),
    })?;
    Ok(Parsed {
        value,
        duplicates: duplicates.into_inner(),
    })
}

/// serde_json's message without its " at line X column Y" tail (we print positions ourselves).
fn syntax_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    }
}

/// serde_json counts columns in bytes; users' editors count characters.
fn column_in_chars(text: &str, line: usize, byte_col: usize) -> u32 {
    let Some(l) = text.split('\n').nth(line.saturating_sub(1)) else {
        return byte_col as u32;
    };
    let end = byte_col.min(l.len());
    let mut end = end;
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    let chars = l[..end].chars().count() as u32;
    // serde_json points at the last byte read (1-based); a column past the line end stays.
    chars.max(1) + (byte_col.saturating_sub(l.len())) as u32
}

/// One step of the path to the value being parsed; kept only to name duplicates.
enum Seg {
    Key(String),
    Index(usize),
}

struct ValueSeed<'a> {
    dups: &'a RefCell<Vec<Duplicate>>,
    path: &'a RefCell<Vec<Seg>>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        loop {
            self.path.borrow_mut().push(Seg::Index(out.len()));
            let next = seq.next_element_seed(ValueSeed {
                dups: self.dups,
                path: self.path,
            });
            self.path.borrow_mut().pop();
            match next? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            self.path.borrow_mut().push(Seg::Key(key));
            let value = map.next_value_seed(ValueSeed {
                dups: self.dups,
                path: self.path,
            });
            let Some(Seg::Key(key)) = self.path.borrow_mut().pop() else {
                unreachable!("the key pushed above is on top of the path")
            };
            let value = value?;
            if out.contains_key(&key) {
                let mut pointer = pointer_of(&self.path.borrow());
                pointer.push('/');
                pointer.push_str(&crate::rule::escape(&key));
                self.dups.borrow_mut().push(Duplicate {
                    pointer,
                    name: key.clone(),
                });
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

fn pointer_of(path: &[Seg]) -> String {
    path.iter()
        .map(|seg| match seg {
            Seg::Key(k) => format!("/{}", crate::rule::escape(k)),
            Seg::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// Maps byte offsets to 1-based line and character column.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub fn position(&self, offset: usize) -> (u32, u32) {
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let end = offset.min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }
}

/// Finds where JSON pointers point in a text: the value of an object member (of the last one,
/// when a name is duplicated), the element for an array item, the document itself for "".
pub struct Locator<'t> {
    ast: Option<jsonc_parser::ast::Value<'t>>,
    index: LineIndex<'t>,
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        let strict = jsonc_parser::ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let ast = jsonc_parser::parse_to_ast(text, &Default::default(), &strict)
            .ok()
            .and_then(|r| r.value);
        Locator {
            ast,
            index: LineIndex::new(text),
        }
    }

    /// Line and column of the deepest node on the way to `pointer` (a pointer to something
    /// missing points at its parent).
    pub fn locate(&self, pointer: &str) -> Option<(u32, u32)> {
        use jsonc_parser::ast::Value as V;
        use jsonc_parser::common::Ranged;
        let mut node = self.ast.as_ref()?;
        let mut at = node.range().start;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            match node {
                V::Object(o) => {
                    match o.properties.iter().rev().find(|p| p.name.as_str() == token) {
                        Some(p) => {
                            at = p.value.range().start;
                            node = &p.value;
                        }
                        None => break,
                    }
                }
                V::Array(a) => match token.parse::<usize>().ok().and_then(|i| a.elements.get(i)) {
                    Some(v) => {
                        at = v.range().start;
                        node = v;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        Some(self.index.position(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_are_found_with_pointer_of_the_later_member() {
        let p = parse(br#"{"process": {"cwd": "/", "cwd": "/x"}, "a": [{"b":1,"b":2}]}"#).unwrap();
        let ptrs: Vec<_> = p.duplicates.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(ptrs, ["/process/cwd", "/a/0/b"]);
        assert_eq!(p.value["process"]["cwd"], "/x");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = parse(b"{\n  \"a\": 1,\n  \"b\": ]\n}").unwrap_err();
        match err {
            ParseError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 8)),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let err = parse("{\"é\": tru}".as_bytes()).unwrap_err();
        match err {
            ParseError::Syntax { line, column, .. } => assert_eq!((line, column), (1, 10)),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn invalid_utf8_is_reported_at_its_byte() {
        let err = parse(b"{\n \"a\": \"\xff\"}").unwrap_err();
        assert_eq!(
            err,
            ParseError::Utf8 {
                line: 2,
                column: 8,
                offset: 9
            }
        );
    }

    #[test]
    fn bom_trailing_comma_and_comments_are_rejected() {
        assert_eq!(parse("\u{feff}{}".as_bytes()).unwrap_err(), ParseError::Bom);
        assert!(parse(b"{\"a\": 1,}").is_err());
        assert!(parse(b"{} // c").is_err());
        assert!(parse(b"{} {}").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(ParseError::Syntax { .. })
        ));
    }

    #[test]
    fn locator_finds_members_items_and_missing_children() {
        let text = "{\n  \"process\": {\n    \"args\": [\"sh\", \"-c\"]\n  }\n}";
        let l = Locator::new(text);
        assert_eq!(l.locate(""), Some((1, 1)));
        assert_eq!(l.locate("/process"), Some((2, 14)));
        assert_eq!(l.locate("/process/args/1"), Some((3, 20)));
        assert_eq!(
            l.locate("/process/cwd"),
            Some((2, 14)),
            "a missing member: its parent"
        );
    }

    #[test]
    fn locator_picks_the_later_duplicate_and_unescapes_tokens() {
        let text = "{\"a/b\": 1, \"x\": 1,\n \"x\": 2}";
        let l = Locator::new(text);
        assert_eq!(l.locate("/x"), Some((2, 7)));
        assert_eq!(l.locate("/a~1b"), Some((1, 9)));
    }
}
