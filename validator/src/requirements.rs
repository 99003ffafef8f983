//! The spec's normative statements (`requirements.tsv`, runtime-spec v1.3.0), embedded so the
//! binary can cite and count them without `../shared`. A test keeps the copy identical to the
//! shared one.

use oci_check_model::Level;
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
    ROWS.get_or_init(|| {
        TSV.lines()
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
    })
}

pub fn get(id: &str) -> Option<&'static Requirement> {
    all().iter().find(|r| r.id == id)
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
    format!("https://github.com/opencontainers/runtime-spec/blob/v{version}/{file}#{anchor}")
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
    fn release_for_drops_prerelease_and_falls_back() {
        let v = semver::Version::parse("1.0.2-dev").unwrap();
        assert_eq!(release_for(Some(&v)), "1.0.2");
        let v = semver::Version::parse("1.9.0").unwrap();
        assert_eq!(release_for(Some(&v)), SPEC_OF_RECORD);
        assert_eq!(release_for(None), SPEC_OF_RECORD);
    }
}
