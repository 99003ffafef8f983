//! Reading config.json: bytes to a JSON value, with everything the spec and RFC 8259 say about
//! the bytes (UTF-8, no duplicate names), and line:column for any JSON pointer.
//!
//! Parsing is done once by serde_json (fast, strict RFC 8259) through a seed that notes
//! duplicate member names. Positions are only needed when there is something to report, so the
//! outline that maps pointers to offsets is built only then.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry as MapEntry;
use serde_json::{Map, Value};
use std::cell::OnceCell;
use std::cell::{Cell, RefCell};
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
    // Most documents have no duplicate names: parse once without keeping the path, and again
    // with it only when a duplicate turns up (to name it).
    let seen = Cell::new(false);
    let fast = parse_with(text, None, &seen)?;
    if !seen.get() {
        return Ok(fast);
    }
    let path = RefCell::new(Vec::new());
    parse_with(text, Some(&path), &seen)
}

fn parse_with(
    text: &str,
    path: Option<&RefCell<Vec<Seg>>>,
    seen: &Cell<bool>,
) -> Result<Parsed, ParseError> {
    let duplicates = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed {
        dups: &duplicates,
        path,
        seen,
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
    /// The path to the value being parsed, when duplicates are to be named.
    path: Option<&'a RefCell<Vec<Seg>>>,
    /// Set when a name is seen twice in one object.
    seen: &'a Cell<bool>,
}

impl<'a> ValueSeed<'a> {
    fn child(&self) -> ValueSeed<'a> {
        ValueSeed {
            dups: self.dups,
            path: self.path,
            seen: self.seen,
        }
    }
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
            let next = match self.path {
                None => seq.next_element_seed(self.child()),
                Some(path) => {
                    path.borrow_mut().push(Seg::Index(out.len()));
                    let next = seq.next_element_seed(self.child());
                    path.borrow_mut().pop();
                    next
                }
            };
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
            let (key, value) = match self.path {
                None => {
                    let value = map.next_value_seed(self.child())?;
                    (key, value)
                }
                Some(path) => {
                    path.borrow_mut().push(Seg::Key(key));
                    let value = map.next_value_seed(self.child());
                    let Some(Seg::Key(key)) = path.borrow_mut().pop() else {
                        unreachable!("the key pushed above is on top of the path")
                    };
                    (key, value?)
                }
            };
            match out.entry(key) {
                MapEntry::Vacant(e) => {
                    e.insert(value);
                }
                MapEntry::Occupied(mut e) => {
                    self.seen.set(true);
                    if let Some(path) = self.path {
                        let mut pointer = pointer_of(&path.borrow());
                        pointer.push('/');
                        pointer.push_str(&crate::rule::escape(e.key()));
                        self.dups.borrow_mut().push(Duplicate {
                            pointer,
                            name: e.key().clone(),
                        });
                    }
                    e.insert(value);
                }
            }
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
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
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
///
/// The text must be JSON that [`parse`] accepted (for other text, positions are unspecified).
/// The first few pointers are found by scanning the text along their path, skipping what is
/// beside it; after that, one pass records an outline of the text (where each value starts and
/// where the next member of its container begins) and each further pointer walks the outline.
/// Either costs a fraction of building a syntax tree, which was most of the time of validating
/// a large config with a single finding.
pub struct Locator<'t> {
    text: &'t str,
    /// The text has no duplicate member names: a scan may stop at the first match.
    unique: bool,
    calls: Cell<usize>,
    outline: OnceCell<Option<Vec<Entry>>>,
    index: OnceCell<LineIndex<'t>>,
}

/// Pointers found by scanning before the outline is built.
const SCANS: usize = 4;

/// One value of the text, in document order.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Byte offset of the value's first character.
    start: usize,
    /// Index of the entry after this value and everything inside it.
    next: usize,
    /// For an object member: the byte range of its name, between the quotes, as written.
    name: Option<(usize, usize)>,
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        Locator {
            text,
            unique: false,
            calls: Cell::new(0),
            outline: OnceCell::new(),
            index: OnceCell::new(),
        }
    }

    /// A locator for a text known to give no member name twice in one object (`parse` found
    /// no duplicates): the member a pointer names is then the first of its name, and a scan
    /// stops there instead of reading the rest of the object.
    pub fn without_duplicates(text: &'t str) -> Self {
        Locator {
            unique: true,
            ..Locator::new(text)
        }
    }

    /// Line and column of the deepest node on the way to `pointer` (a pointer to something
    /// missing points at its parent).
    pub fn locate(&self, pointer: &str) -> Option<(u32, u32)> {
        let n = self.calls.get();
        self.calls.set(n + 1);
        if n < SCANS {
            let offset = self.scan(pointer)?;
            Some(position_of(self.text, offset))
        } else {
            let offset = self.walk(pointer)?;
            Some(
                self.index
                    .get_or_init(|| LineIndex::new(self.text))
                    .position(offset),
            )
        }
    }

    /// The offset `pointer` leads to, by scanning the text.
    fn scan(&self, pointer: &str) -> Option<usize> {
        let b = self.text.as_bytes();
        let mut at = skip_ws(b, 0);
        b.get(at)?;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let found = match b[at] {
                b'{' => {
                    let mut last = None;
                    let mut i = skip_ws(b, at + 1);
                    if b.get(i) != Some(&b'}') {
                        loop {
                            let (span, value) = member_name(b, i)?;
                            if self.name_is(Some(span), &token) {
                                last = Some(value);
                                if self.unique {
                                    break;
                                }
                            }
                            i = skip_ws(b, skip_value(b, value)?);
                            match b.get(i) {
                                Some(b',') => i = skip_ws(b, i + 1),
                                Some(b'}') => break,
                                _ => return None,
                            }
                        }
                    }
                    last
                }
                b'[' => match token.parse::<usize>() {
                    Ok(want) => {
                        let mut i = skip_ws(b, at + 1);
                        let mut found = None;
                        if b.get(i) != Some(&b']') {
                            let mut n = 0;
                            loop {
                                if n == want {
                                    found = Some(i);
                                    break;
                                }
                                i = skip_ws(b, skip_value(b, i)?);
                                match b.get(i) {
                                    Some(b',') => i = skip_ws(b, i + 1),
                                    _ => break,
                                }
                                n += 1;
                            }
                        }
                        found
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            match found {
                Some(v) => at = v,
                None => break,
            }
        }
        Some(at)
    }

    /// The offset `pointer` leads to, along the outline.
    fn walk(&self, pointer: &str) -> Option<usize> {
        let entries = self
            .outline
            .get_or_init(|| outline(self.text.as_bytes()))
            .as_deref()?;
        let bytes = self.text.as_bytes();
        let mut node = 0;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let e = entries[node];
            let mut child = node + 1;
            let found = match bytes[e.start] {
                b'{' => {
                    let mut last = None;
                    while child < e.next {
                        if self.name_is(entries[child].name, &token) {
                            last = Some(child);
                        }
                        child = entries[child].next;
                    }
                    last
                }
                b'[' => match token.parse::<usize>() {
                    Ok(i) => {
                        let mut n = 0;
                        while child < e.next && n < i {
                            child = entries[child].next;
                            n += 1;
                        }
                        (child < e.next).then_some(child)
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            match found {
                Some(c) => node = c,
                None => break,
            }
        }
        Some(entries[node].start)
    }

    /// Whether the member name written at `span` reads as `token`.
    fn name_is(&self, span: Option<(usize, usize)>, token: &str) -> bool {
        let Some((start, end)) = span else {
            return false;
        };
        let raw = &self.text[start..end];
        if !raw.contains('\\') {
            return raw == token;
        }
        serde_json::from_str::<String>(&self.text[start - 1..end + 1]).is_ok_and(|n| n == token)
    }
}

/// `LineIndex::position` without the index: lines counted up to the offset.
fn position_of(text: &str, offset: usize) -> (u32, u32) {
    let end = offset.min(text.len());
    let before = &text.as_bytes()[..end];
    let line = memchr::memchr_iter(b'\n', before).count();
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let col = text
        .get(start..end)
        .map_or(end - start, |s| s.chars().count());
    (line as u32 + 1, col as u32 + 1)
}

/// `b[i]` starts a value: the index after it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            // One byte at a time, strings included: most strings here are short names, for
            // which a `memchr` call costs more than it saves.
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j += 1;
                        while j < b.len() && b[j] != b'"' {
                            j += if b[j] == b'\\' { 2 } else { 1 };
                        }
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let end = scalar_end(b, i);
            (end > i).then_some(end)
        }
    }
}

/// The end of a number or literal starting at `i`.
fn scalar_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !matches!(b[i], b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// `b[i]` is an opening quote: the index after the closing one.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', &b[i..])?;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        i += 2; // a backslash and the character it escapes
        if i > b.len() {
            return None;
        }
    }
}

/// A member name at `i` (an opening quote), then the colon: the name's span and where its
/// value starts.
fn member_name(b: &[u8], i: usize) -> Option<((usize, usize), usize)> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let end = skip_string(b, i)?;
    let colon = skip_ws(b, end);
    if b.get(colon) != Some(&b':') {
        return None;
    }
    Some(((i + 1, end - 1), skip_ws(b, colon + 1)))
}

/// The outline of a JSON text: every value in document order, without recursion.
fn outline(b: &[u8]) -> Option<Vec<Entry>> {
    let mut entries: Vec<Entry> = Vec::new();
    // Open containers: (entry index, closing byte).
    let mut open: Vec<(usize, u8)> = Vec::new();
    let mut i = skip_ws(b, 0);
    let mut name = None;
    loop {
        // A value starts at i.
        let first = *b.get(i)?;
        let idx = entries.len();
        entries.push(Entry {
            start: i,
            next: idx + 1,
            name: name.take(),
        });
        match first {
            b'{' | b'[' => {
                let close = if first == b'{' { b'}' } else { b']' };
                i = skip_ws(b, i + 1);
                if b.get(i) == Some(&close) {
                    i += 1;
                } else {
                    open.push((idx, close));
                    if close == b'}' {
                        let (span, value) = member_name(b, i)?;
                        name = Some(span);
                        i = value;
                    }
                    continue;
                }
            }
            b'"' => i = skip_string(b, i)?,
            _ => {
                let start = i;
                i = scalar_end(b, i);
                if i == start {
                    return None;
                }
            }
        }
        // After a value: close containers, or move to the next member or element.
        loop {
            i = skip_ws(b, i);
            let Some(&(top, close)) = open.last() else {
                return (i == b.len()).then_some(entries);
            };
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if close == b'}' {
                        let (span, value) = member_name(b, i)?;
                        name = Some(span);
                        i = value;
                    }
                    break;
                }
                Some(&c) if c == close => {
                    entries[top].next = entries.len();
                    open.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
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
    fn the_parse_without_path_agrees_with_the_parse_with_path() {
        for text in [
            r#"{}"#,
            r#"{"a": [1, {"b": 2, "c": [3]}], "d": {"e": null}}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"[{"x": [{"y": 1, "y": {"z": 1, "z": 2}}]}, {"x": 1, "x": 1}]"#,
            r#"{"a/b~": {"q": 1, "q": 2}, "a/b~": 3}"#,
        ] {
            let seen = Cell::new(false);
            let fast = parse_with(text, None, &seen).unwrap();
            let path = RefCell::new(Vec::new());
            let tracked = parse_with(text, Some(&path), &Cell::new(false)).unwrap();
            assert_eq!(fast.value, tracked.value, "{text}");
            assert!(fast.duplicates.is_empty());
            assert_eq!(seen.get(), !tracked.duplicates.is_empty(), "{text}");
            let both = parse(text.as_bytes()).unwrap();
            assert_eq!(
                (both.value, both.duplicates),
                (tracked.value, tracked.duplicates)
            );
        }
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

    /// The locator as it was: a jsonc-parser syntax tree. The outline must place every pointer
    /// where the tree did.
    fn tree(text: &str) -> Option<jsonc_parser::ast::Value<'_>> {
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
        jsonc_parser::parse_to_ast(text, &Default::default(), &strict)
            .ok()
            .and_then(|r| r.value)
    }

    fn locate_with_tree(
        text: &str,
        ast: Option<&jsonc_parser::ast::Value>,
        pointer: &str,
    ) -> Option<(u32, u32)> {
        use jsonc_parser::ast::Value as V;
        use jsonc_parser::common::Ranged;
        let mut node = ast?;
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
        Some(LineIndex::new(text).position(at))
    }

    /// Every pointer into `v` (as serde_json sees it), and some that point nowhere.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        out.push(format!("{at}/missing"));
        out.push(format!("{at}/0"));
        out.push(format!("{at}/+0"));
        out.push(format!("{at}/01"));
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    pointers(c, format!("{at}/{}", crate::rule::escape(k)), out);
                }
            }
            Value::Array(a) => {
                out.push(format!("{at}/{}", a.len()));
                for (i, c) in a.iter().enumerate() {
                    pointers(c, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    fn same_places(text: &str) {
        let Ok(parsed) = parse(text.as_bytes()) else {
            return;
        };
        let ast = tree(text);
        let mut all = Vec::new();
        pointers(&parsed.value, String::new(), &mut all);
        for d in &parsed.duplicates {
            all.push(d.pointer.clone());
        }
        // Each pointer by a fresh locator (which scans), and all by one (which soon walks its
        // outline); when there are no duplicates, also by locators that know it.
        let l = Locator::new(text);
        let unique = Locator::without_duplicates(text);
        for p in &all {
            let want = locate_with_tree(text, ast.as_ref(), p);
            assert_eq!(
                Locator::new(text).locate(p),
                want,
                "scan: pointer {p:?} in {text:?}"
            );
            assert_eq!(l.locate(p), want, "pointer {p:?} in {text:?}");
            if parsed.duplicates.is_empty() {
                let fresh = Locator::without_duplicates(text).locate(p);
                assert_eq!(fresh, want, "unique scan: pointer {p:?} in {text:?}");
                assert_eq!(unique.locate(p), want, "unique: pointer {p:?} in {text:?}");
            }
        }
        assert!(all.len() > SCANS, "the outline is used too");
    }

    #[test]
    fn outline_places_pointers_where_the_syntax_tree_did() {
        for text in [
            "{}",
            "[]",
            "  \n\t{ }\r\n",
            "1",
            " \"s\" ",
            "{\"a\": {\"b\": [1, 2, {\"c\": null}]}, \"a\": {\"b\": [true]}}",
            "{\"a\\/b\": 1, \"a/b\": 2, \"~\": {\"~1\": [ ]}, \"\": {\"\": 3}}",
            "{\"\\u00e9t\\u00e9\": \"\\\"}\\\\\", \"\u{e9}\": [\"]\", \"[\", \"{\"]}",
            "[[[[]]], [[{}]], -1.5e3, \"x\", false]",
            "{\n  \"process\": {\n    \"args\": [\"sh\", \"-c\"]\n  }\n}",
        ] {
            same_places(text);
        }
        for dir in ["valid", "invalid"] {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../bundles")
                .join(dir);
            for entry in std::fs::read_dir(root).unwrap() {
                if let Ok(text) = std::fs::read_to_string(entry.unwrap().path().join("config.json"))
                {
                    same_places(&text);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
        #[test]
        fn outline_agrees_with_the_tree_on_generated_documents(
            v in json_value(),
            pretty in proptest::prelude::any::<bool>(),
            dup in proptest::prelude::any::<bool>(),
        ) {
            let mut text = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            // A duplicated member at the top: `{"k": 1, ...rest}`.
            if dup && text.starts_with('{') && text.len() > 2 {
                text = format!("{{\"k\": 0, \"k\" : [1] ,{}", &text[1..]);
            }
            same_places(&text);
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z\"\\\\/~é\\n\\t\\u{1F600}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z~/\"\\\\é]{0,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
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
