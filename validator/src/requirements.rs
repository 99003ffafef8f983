//! The spec's normative statements (`requirements.tsv`, runtime-spec v1.3.0), embedded so the
//! binary can cite and count them without `../shared`. A test keeps the copy identical to the
//! shared one.

use oci_check_model::Level;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

const TSV: &str = include_str!("../data/requirements.tsv");

/// The spec release the requirement table was taken from.
pub const SPEC_OF_RECORD: &str = "1.3.0";

/// One row of the requirement table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub id: &'static str,
    /// `MUST`, `SHOULD`, `MAY`, or the informal `must`/`should`.
    pub level: &'static str,
    /// `config`, `runtime` or `both`.
    pub binds: &'static str,
    /// `static`, `dynamic` or `none`.
    pub check: &'static str,
    pub file: &'static str,
    pub section: &'static str,
    pub text: &'static str,
}

impl Requirement {
    /// The finding level a breach of this requirement gets.
    pub fn finding_level(&self) -> Level {
        match self.level {
            "MUST" | "must" => Level::Error,
            "SHOULD" | "should" => Level::Warning,
            _ => Level::Info,
        }
    }

    /// Link to the section of the spec that holds the requirement.
    pub fn url(&self, version: &str) -> String {
        spec_url(version, self.file, self.section)
    }
}

/// All rows, in file order.
pub fn all() -> &'static [Requirement] {
    static ROWS: OnceLock<Vec<Requirement>> = OnceLock::new();
    ROWS.get_or_init(|| table().rows.iter().map(|r| r.get().clone()).collect())
}

/// The row with this ID.
pub fn get(id: &str) -> Option<&'static Requirement> {
    let t = table();
    t.index.get(id).map(|&i| t.rows[i].get())
}

/// The table as `get` reads it: each row split into columns when first asked for. A run that
/// reports asks for the hundred-odd rows its rules cite, and splitting all 581 took longer than
/// validating a config.
struct Table {
    rows: Vec<Row>,
    /// ID to row; of two rows with one ID (there are none; a test says so), the first.
    index: HashMap<&'static str, usize, BuildHasherDefault<WordHasher>>,
}

/// A multiply-rotate hash over 8-byte words (the one rustc uses for its own tables). The keys
/// are our own requirement IDs, so no flooding to defend against; SipHash took a third of the
/// time of building the index.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ rest.len() as u64);
    }
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

struct Row {
    line: &'static str,
    parsed: OnceLock<Requirement>,
}

impl Row {
    fn get(&self) -> &Requirement {
        self.parsed.get_or_init(|| parse_line(self.line))
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut rows = Vec::with_capacity(1 + memchr::memchr_iter(b'\n', TSV.as_bytes()).count());
        rows.extend(lines(TSV).map(|line| Row {
            line,
            parsed: OnceLock::new(),
        }));
        let mut index = HashMap::with_capacity_and_hasher(rows.len(), Default::default());
        for (i, r) in rows.iter().enumerate().rev() {
            let id = memchr::memchr(b'\t', r.line.as_bytes()).map_or(r.line, |end| &r.line[..end]);
            index.insert(id, i);
        }
        Table { rows, index }
    })
}

/// The rows of a table, as `str::lines` gives them (LF or CR LF endings): every line after
/// the header that is not empty.
fn lines(tsv: &'static str) -> impl Iterator<Item = &'static str> {
    let bytes = tsv.as_bytes();
    let mut start = 0;
    memchr::memchr_iter(b'\n', bytes)
        .chain((!tsv.is_empty() && !tsv.ends_with('\n')).then_some(bytes.len()))
        .map(move |end| {
            let line = &tsv[start..end];
            start = end + 1;
            match end < bytes.len() {
                true => line.strip_suffix('\r').unwrap_or(line),
                false => line, // a last line without LF keeps a CR
            }
        })
        .skip(1)
        .filter(|l| !l.is_empty())
}

/// One row split at tabs into the seven columns (missing ones empty, extra ones dropped).
fn parse_line(line: &'static str) -> Requirement {
    let mut rest = Some(line);
    let mut next = || match rest {
        None => "",
        Some(r) => match memchr::memchr(b'\t', r.as_bytes()) {
            Some(end) => {
                rest = Some(&r[end + 1..]);
                &r[..end]
            }
            None => {
                rest = None;
                r
            }
        },
    };
    Requirement {
        id: next(),
        level: next(),
        binds: next(),
        check: next(),
        file: next(),
        section: next(),
        text: next(),
    }
}

/// The spec versions whose text we link to. A config claiming another 1.x version is linked to
/// the spec of record.
pub const KNOWN_RELEASES: &[&str] = &[
    "1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.2.0", "1.2.1", "1.3.0",
];

/// The release whose text applies to a config claiming `version` (pre-release and build parts
/// dropped); the spec of record when the version is unknown.
pub fn release_for(version: Option<&semver::Version>) -> &'static str {
    if let Some(v) = version {
        let plain = format!("{}.{}.{}", v.major, v.minor, v.patch);
        if let Some(r) = KNOWN_RELEASES.iter().find(|r| **r == plain) {
            return r;
        }
    }
    SPEC_OF_RECORD
}

/// `https://github.com/opencontainers/runtime-spec/blob/vX/FILE#anchor`, with the anchor made
/// the way GitHub makes heading anchors. Example subsections (`Parent / Example`) link to the
/// parent heading.
pub fn spec_url(version: &str, file: &str, section: &str) -> String {
    const BASE: &str = "https://github.com/opencontainers/runtime-spec/blob/v";
    let heading = section.split(" / ").next().unwrap_or(section);
    let mut url =
        String::with_capacity(BASE.len() + version.len() + file.len() + heading.len() + 2);
    url.push_str(BASE);
    url.push_str(version);
    url.push('/');
    url.push_str(file);
    url.push('#');
    // `str::to_lowercase` (a final sigma lower-cases by context); ASCII headings without the copy.
    let lower;
    let heading = if heading.is_ascii() {
        heading
    } else {
        lower = heading.to_lowercase();
        &lower
    };
    for c in heading.chars().map(|c| c.to_ascii_lowercase()) {
        match c {
            ' ' => url.push('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => url.push(c),
            _ => {}
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_every_row_with_seven_columns() {
        for line in TSV.lines().skip(1) {
            assert_eq!(line.split('\t').count(), 7, "{line}");
        }
        assert_eq!(all().len(), TSV.lines().count() - 1);
        assert!(get("config.process.cwd.absolute").is_some());
    }

    /// The plain reading the fast parser replaces: lines, then tabs.
    fn parse_plainly(tsv: &'static str) -> Vec<Requirement> {
        tsv.lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let mut f = line.split('\t');
                let mut next = || f.next().unwrap_or("");
                Requirement {
                    id: next(),
                    level: next(),
                    binds: next(),
                    check: next(),
                    file: next(),
                    section: next(),
                    text: next(),
                }
            })
            .collect()
    }

    #[test]
    fn rows_read_like_lines_and_split() {
        let parse = |tsv: &'static str| lines(tsv).map(parse_line).collect::<Vec<_>>();
        assert_eq!(all(), parse_plainly(TSV));
        for tsv in [
            "",
            "h",
            "h\n",
            "h\na\tb",
            "h\r\na\tb\r\n\r\nc\n",
            "h\n\na\tb\tc\td\te\tf\tg\th\ti\n",
            "h\na\t\t\n\t\n",
            "h\na\r\r\n",
            "h\na\tb\r",
            "h\na\r\nb\r",
            "\nx\n\n\n",
        ] {
            assert_eq!(parse(tsv), parse_plainly(tsv), "{tsv:?}");
        }
    }

    #[test]
    fn get_finds_every_row_and_nothing_else() {
        for r in all() {
            assert_eq!(get(r.id), Some(r));
        }
        for id in [
            "",
            "config",
            "config.process.cwd.absolut",
            "zzz",
            "config.process.cwd.absolute.",
        ] {
            assert_eq!(get(id), all().iter().find(|r| r.id == id), "{id}");
        }
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = all().iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn embedded_copy_matches_shared_spec() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/spec/requirements.tsv"
        );
        match std::fs::read_to_string(shared) {
            Ok(text) => assert!(
                text == TSV,
                "validator/data/requirements.tsv differs from {shared}"
            ),
            // The copy exists so the shipped binary needs no ../shared; outside this workplace
            // there is nothing to compare with.
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("note: {shared} not readable ({e}); copy not compared")
            }
            Err(e) => panic!("CI must have ../shared beside the clone: {shared}: {e}"),
        }
    }

    #[test]
    fn anchors_follow_github_slugs() {
        assert_eq!(
            spec_url("1.3.0", "config.md", "POSIX process"),
            "https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md#posix-process"
        );
        assert_eq!(
            spec_url("1.0.0", "config-linux.md", "Control groups / Example"),
            "https://github.com/opencontainers/runtime-spec/blob/v1.0.0/config-linux.md#control-groups"
        );
    }

    #[test]
    fn anchors_are_made_as_before() {
        // The plain way: lower-case the heading, then keep what a GitHub slug keeps.
        let plain = |version: &str, file: &str, section: &str| {
            let heading = section.split(" / ").next().unwrap_or(section);
            let anchor: String = heading
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect();
            format!(
                "https://github.com/opencontainers/runtime-spec/blob/v{version}/{file}#{anchor}"
            )
        };
        let mut sections: Vec<(&str, &str)> = all().iter().map(|r| (r.file, r.section)).collect();
        sections.extend([
            ("x.md", "İstanbul Σ Straße / x"),
            ("x.md", "ΟΔΟΣ"),
            ("x.md", "A_b-C (d), e.f: ǅ"),
            ("x.md", ""),
        ]);
        for (file, section) in sections {
            assert_eq!(
                spec_url("1.3.0", file, section),
                plain("1.3.0", file, section)
            );
        }
    }

    #[test]
    fn release_for_drops_prerelease_and_falls_back() {
        let v = semver::Version::parse("1.0.2-dev").unwrap();
        assert_eq!(release_for(Some(&v)), "1.0.2");
        let v = semver::Version::parse("1.9.0").unwrap();
        assert_eq!(release_for(Some(&v)), SPEC_OF_RECORD);
        assert_eq!(release_for(None), SPEC_OF_RECORD);
    }
}
