//! Small helpers shared by the rule modules: spelling suggestions, version claims, JSON value
//! rendering.

use crate::rule::Ctx;
use serde_json::Value;

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The known word closest to `word`, when it is a plausible misspelling: distance 1 for words of
/// up to four characters, 1 or 2 for longer ones. A case-only difference always counts. Ties go
/// to the first candidate in `known` order.
pub fn suggest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let lower = word.to_lowercase();
    let max = if word.chars().count() <= 4 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        if k == word {
            return None;
        }
        let d = if k.to_lowercase() == lower {
            0
        } else {
            edit_distance(word, k)
        };
        if d <= max && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// Whether the config claims at least spec release `major.minor.patch`; a pre-release counts as
/// its release (`1.0.2-dev` claims 1.0.2). An unparseable version claims everything.
pub fn claims_at_least(ctx: &Ctx, release: (u64, u64, u64)) -> bool {
    match &ctx.version {
        Some(v) => (v.major, v.minor, v.patch) >= release,
        None => true,
    }
}

/// Whether the config targets a platform other than Linux: it has a `windows`, `solaris`, `zos`
/// or `freebsd` object and no `linux` object. Linux-only rules skip such configs.
pub fn targets_other_platform(ctx: &Ctx) -> bool {
    ctx.at("/linux").is_none()
        && ["/windows", "/solaris", "/zos", "/freebsd"]
            .iter()
            .any(|p| ctx.at(p).is_some())
}

/// `1.0.2` for a release triple.
pub fn release_name(release: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", release.0, release.1, release.2)
}

/// A JSON value as it appears in the file, shortened for messages.
pub fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// A string value quoted as JSON (escapes newlines and quotes), for messages.
pub fn quoted(s: &str) -> String {
    shown(&Value::String(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_insertions_deletions_substitutions() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("nosuid", "nosuid"), 0);
        assert_eq!(edit_distance("nosiud", "nosuid"), 2);
        assert_eq!(edit_distance("hostnme", "hostname"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggest_picks_the_closest_plausible_word() {
        let known = ["hostname", "domainname", "hooks", "root", "vm"];
        assert_eq!(suggest("hostnme", known), Some("hostname"));
        assert_eq!(suggest("Hostname", known), Some("hostname"));
        assert_eq!(suggest("rot", known), Some("root"));
        // Exact match: nothing to suggest.
        assert_eq!(suggest("root", known), None);
        // Short words allow one edit only.
        assert_eq!(suggest("env", known), None);
        assert_eq!(suggest("something", known), None);
    }
}
