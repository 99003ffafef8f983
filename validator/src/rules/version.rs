//! Rules for `ociVersion` (config.md, "Specification version"): its SemVer form, the range of
//! versions oci-check knows, and fields newer than the version a config claims.

use super::text::{claims_at_least, quoted, release_name};
use crate::rule::{Ctx, Finding, Rule, Scope};
use oci_check_model::Level;
use serde_json::Value;

pub static SEMVER: Rule = Rule {
    id: "config.ociVersion.semver",
    level: Level::Error,
    requirements: &["config.ociVersion.semver"],
    summary:
        "ociVersion is a SemVer 2.0.0 version (MAJOR.MINOR.PATCH, optional -pre-release and +build)",
    scope: Scope::Config,
    check: Some(check_semver),
    doc: None,
};

pub static SUPPORTED: Rule = Rule {
    id: "lint.ociVersion.supported",
    level: Level::Error,
    requirements: &[],
    summary: "ociVersion names a 1.x release from 1.0.0 on (pre-releases of later 1.x releases included); \
              one newer than 1.3.x is a warning, since oci-check checks against 1.3.0",
    scope: Scope::Config,
    check: Some(check_supported),
    doc: Some(("config.md", "Specification version")),
};

pub static NEWER_FIELDS: Rule = Rule {
    id: "lint.ociVersion.newer_fields",
    level: Level::Info,
    requirements: &[],
    summary:
        "the config uses no field that a release later than its ociVersion introduced, and no \
              field that the spec has since replaced",
    scope: Scope::Config,
    check: Some(check_newer_fields),
    doc: Some(("config.md", "Specification version")),
};

/// The newest release oci-check knows (the spec of record).
const NEWEST: (u64, u64) = (1, 3);

fn check_semver(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(text) = ctx.at("/ociVersion").and_then(Value::as_str) else {
        return; // absent or not a string: the schema reports it
    };
    let Err(err) = semver::Version::parse(text) else {
        return;
    };
    let mut f = Finding::new(
        &SEMVER,
        "/ociVersion",
        format!(
            "ociVersion {} is not a SemVer 2.0.0 version: {err}",
            quoted(text)
        ),
    )
    .expected("MAJOR.MINOR.PATCH, e.g. \"1.3.0\" (optionally -pre-release, +build)")
    .observed(quoted(text));
    if let Some(hint) = semver_hint(text) {
        f = f.hint(hint);
    }
    out.push(f);
}

/// A likely repair for a near-SemVer string.
fn semver_hint(text: &str) -> Option<String> {
    let t = text.trim();
    if t != text && semver::Version::parse(t).is_ok() {
        return Some(format!("remove the surrounding white space: \"{t}\""));
    }
    if let Some(rest) = t.strip_prefix(['v', 'V']) {
        if semver::Version::parse(rest).is_ok() {
            return Some(format!("drop the leading \"v\": \"{rest}\""));
        }
    }
    let parts: Vec<&str> = t.split('.').collect();
    if (1..=2).contains(&parts.len()) && parts.iter().all(|p| p.parse::<u64>().is_ok()) {
        let mut full: Vec<&str> = parts.clone();
        full.resize(3, "0");
        return Some(format!("give all three numbers: \"{}\"", full.join(".")));
    }
    None
}

fn check_supported(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(v) = &ctx.version else {
        return; // not SemVer: config.ociVersion.semver reports it
    };
    let shown = v.to_string();
    if v.major != 1 {
        out.push(
            Finding::new(
                &SUPPORTED,
                "/ociVersion",
                format!(
                    "ociVersion {shown} is of major version {}; oci-check knows the 1.x releases \
                     of the runtime spec only, and a runtime implementing 1.x need not accept it",
                    v.major
                ),
            )
            .expected("a 1.x version from 1.0.0 to 1.3.x")
            .observed(shown)
            .hint("use the 1.x release the config was written for, e.g. \"1.3.0\""),
        );
        return;
    }
    if *v < semver::Version::new(1, 0, 0) {
        out.push(
            Finding::new(
                &SUPPORTED,
                "/ociVersion",
                format!(
                    "ociVersion {shown} is a pre-release of 1.0.0; the drafts before 1.0.0 differ \
                     from the released spec and oci-check does not check against them"
                ),
            )
            .expected("1.0.0 or later")
            .observed(shown)
            .hint("update the config to a released version, e.g. \"1.0.0\" or \"1.3.0\""),
        );
        return;
    }
    if (v.major, v.minor) > NEWEST {
        let mut f = Finding::new(
            &SUPPORTED,
            "/ociVersion",
            format!(
                "ociVersion {shown} is newer than oci-check knows (it checks against runtime-spec \
                 {}.{}); fields and values added after that are not checked",
                NEWEST.0, NEWEST.1
            ),
        )
        .expected(format!("a version up to {}.{}.x", NEWEST.0, NEWEST.1))
        .observed(shown);
        f.level = Some(Level::Warning);
        out.push(f);
    }
}

/// Fields by the release that introduced them. `*` stands for every item of an array. Only
/// fields whose first release was checked against the spec's history are listed.
const INTRODUCED: &[(&str, (u64, u64, u64))] = &[
    ("/hooks/createRuntime", (1, 0, 2)),
    ("/hooks/createContainer", (1, 0, 2)),
    ("/hooks/startContainer", (1, 0, 2)),
    ("/process/user/umask", (1, 0, 2)),
    ("/linux/personality", (1, 0, 2)),
    ("/linux/intelRdt/closID", (1, 0, 2)),
    ("/linux/intelRdt/memBwSchema", (1, 0, 2)),
    ("/linux/resources/memory/useHierarchy", (1, 0, 2)),
    ("/linux/resources/rdma", (1, 0, 2)),
    ("/linux/seccomp/flags", (1, 0, 2)),
    ("/domainname", (1, 1, 0)),
    ("/process/ioPriority", (1, 1, 0)),
    ("/process/scheduler", (1, 1, 0)),
    ("/mounts/*/uidMappings", (1, 1, 0)),
    ("/mounts/*/gidMappings", (1, 1, 0)),
    ("/linux/timeOffsets", (1, 1, 0)),
    ("/linux/resources/unified", (1, 1, 0)),
    ("/linux/resources/cpu/burst", (1, 1, 0)),
    ("/linux/resources/cpu/idle", (1, 1, 0)),
    ("/linux/resources/memory/checkBeforeUpdate", (1, 1, 0)),
    ("/linux/seccomp/defaultErrnoRet", (1, 1, 0)),
    ("/linux/seccomp/listenerPath", (1, 1, 0)),
    ("/linux/seccomp/listenerMetadata", (1, 1, 0)),
    ("/linux/seccomp/syscalls/*/errnoRet", (1, 1, 0)),
    ("/linux/intelRdt/enableCMT", (1, 1, 0)),
    ("/linux/intelRdt/enableMBM", (1, 1, 0)),
    ("/process/execCPUAffinity", (1, 2, 1)),
    ("/linux/netDevices", (1, 3, 0)),
    ("/linux/memoryPolicy", (1, 3, 0)),
    ("/linux/intelRdt/schemata", (1, 3, 0)),
    ("/linux/intelRdt/enableMonitoring", (1, 3, 0)),
];

/// Fields a later release replaced: (field, release that replaced it, replacement).
const REPLACED: &[(&str, (u64, u64, u64), &str)] = &[
    (
        "/linux/intelRdt/enableCMT",
        (1, 3, 0),
        "linux.intelRdt.enableMonitoring",
    ),
    (
        "/linux/intelRdt/enableMBM",
        (1, 3, 0),
        "linux.intelRdt.enableMonitoring",
    ),
];

/// The pointers that a pattern with `*` items matches in the config.
fn expand(ctx: &Ctx, pattern: &str) -> Vec<String> {
    // Walks the values with one path buffer, so a config without the field costs a map
    // look-up or two and no allocation: this runs for every pattern on every validation.
    let mut out = Vec::new();
    walk(ctx.config, pattern, &mut String::new(), &mut out);
    out
}

/// Follows `rest` (`/a/*/b`) from `v`, pushing the pointer of every match onto `out`.
fn walk(v: &Value, rest: &str, path: &mut String, out: &mut Vec<String>) {
    let Some(rest) = rest.strip_prefix('/') else {
        out.push(path.clone());
        return;
    };
    let (token, rest) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let len = path.len();
    match (token, v) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                path.push('/');
                path.push_str(itoa(i, &mut [0; 20]));
                walk(item, rest, path, out);
                path.truncate(len);
            }
        }
        (_, Value::Object(m)) => {
            if let Some(child) = m.get(token) {
                path.push('/');
                path.push_str(token);
                walk(child, rest, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[at..]).expect("ASCII digits")
}

/// `/mounts/*/uidMappings` → `mounts[].uidMappings`.
fn dotted(pattern: &str) -> String {
    pattern
        .trim_start_matches('/')
        .replace("/*", "[]")
        .replace('/', ".")
}

fn check_newer_fields(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(v) = &ctx.version else {
        return;
    };
    if v.major != 1 || *v < semver::Version::new(1, 0, 0) {
        return; // a version outside 1.x is lint.ociVersion.supported's finding
    }
    let claimed = v.to_string();
    for (pattern, since) in INTRODUCED {
        if claims_at_least(ctx, *since) {
            continue;
        }
        let pointers = expand(ctx, pattern);
        if pointers.is_empty() {
            continue;
        }
        let field = dotted(pattern);
        let since = release_name(*since);
        for pointer in pointers {
            out.push(
                Finding::new(
                    &NEWER_FIELDS,
                    pointer,
                    format!(
                        "{field} was introduced in runtime-spec {since}, but the config claims \
                         {claimed}; a runtime that implements only {claimed} may ignore it"
                    ),
                )
                .expected(format!(
                    "fields of runtime-spec {claimed}, or ociVersion {since} or later"
                ))
                .observed(format!("{field} (since {since})"))
                .hint(format!(
                    "if the config relies on {field}, set ociVersion to {since} or later"
                )),
            );
        }
    }
    for (pattern, replaced_in, by) in REPLACED {
        if !claims_at_least(ctx, *replaced_in) {
            continue;
        }
        let pointers = expand(ctx, pattern);
        if pointers.is_empty() {
            continue;
        }
        let field = dotted(pattern);
        let release = release_name(*replaced_in);
        for pointer in pointers {
            out.push(
                Finding::new(
                    &NEWER_FIELDS,
                    pointer,
                    format!(
                        "{field} was replaced by {by} in runtime-spec {release}, and the config \
                         claims {claimed}; a runtime following {release} ignores it"
                    ),
                )
                .expected(format!("{by} (runtime-spec {release} and later)"))
                .observed(field.clone())
                .hint(format!("use {by} instead")),
            );
        }
    }
}

pub static RULES: &[&Rule] = &[&SEMVER, &SUPPORTED, &NEWER_FIELDS];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(rule: &Rule, config: Value) -> Vec<(String, Level)> {
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out.iter().map(|f| (f.pointer.clone(), f.level())).collect()
    }

    #[test]
    fn semver_accepts_full_versions_only() {
        for ok in [
            "1.0.0",
            "1.3.0",
            "1.0.2-dev",
            "1.1.0-rc.1",
            "1.0.0+build.01",
            "2.0.0",
        ] {
            assert!(run(&SEMVER, json!({"ociVersion": ok})).is_empty(), "{ok}");
        }
        for bad in [
            "1.0", "v1.0.0", "1.0.0 ", "01.0.0", "1.0.0-", "1.0.0-01", "", "latest",
        ] {
            assert_eq!(
                run(&SEMVER, json!({"ociVersion": bad})),
                vec![("/ociVersion".to_string(), Level::Error)],
                "{bad}"
            );
        }
        // Wrong type: the schema's business.
        assert!(run(&SEMVER, json!({"ociVersion": 1})).is_empty());
        assert!(run(&SEMVER, json!({})).is_empty());
    }

    #[test]
    fn semver_hints() {
        assert_eq!(
            semver_hint("v1.0.0").as_deref(),
            Some("drop the leading \"v\": \"1.0.0\"")
        );
        assert_eq!(
            semver_hint("1.0").as_deref(),
            Some("give all three numbers: \"1.0.0\"")
        );
        assert!(semver_hint("latest").is_none());
    }

    #[test]
    fn supported_range() {
        for ok in [
            "1.0.0",
            "1.0.2-dev",
            "1.2.1",
            "1.3.0",
            "1.3.7",
            "1.3.1-rc.1",
        ] {
            assert!(
                run(&SUPPORTED, json!({"ociVersion": ok})).is_empty(),
                "{ok}"
            );
        }
        for (v, level) in [
            ("1.4.0", Level::Warning),
            ("1.4.0-dev", Level::Warning),
            ("1.10.0", Level::Warning),
            ("1.0.0-rc5", Level::Error),
            ("0.5.0", Level::Error),
            ("2.0.0", Level::Error),
        ] {
            assert_eq!(
                run(&SUPPORTED, json!({"ociVersion": v})),
                vec![("/ociVersion".to_string(), level)],
                "{v}"
            );
        }
        assert!(run(&SUPPORTED, json!({"ociVersion": "1.0"})).is_empty());
    }

    #[test]
    fn newer_fields_by_claimed_version() {
        let config = |v: &str| {
            json!({
                "ociVersion": v,
                "domainname": "example.com",
                "mounts": [
                    {"destination": "/a"},
                    {"destination": "/b", "uidMappings": [], "gidMappings": []}
                ],
                "linux": {"memoryPolicy": {"mode": "MPOL_DEFAULT"}, "intelRdt": {"enableCMT": true}}
            })
        };
        let got = run(&NEWER_FIELDS, config("1.0.2"));
        let pointers: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/domainname",
                "/mounts/1/uidMappings",
                "/mounts/1/gidMappings",
                "/linux/intelRdt/enableCMT",
                "/linux/memoryPolicy"
            ]
        );
        assert!(got.iter().all(|(_, l)| *l == Level::Info));
        // 1.3.0: memoryPolicy is fine, enableCMT was replaced.
        let got = run(&NEWER_FIELDS, config("1.3.0-dev"));
        assert_eq!(
            got,
            vec![("/linux/intelRdt/enableCMT".to_string(), Level::Info)]
        );
        assert!(run(&NEWER_FIELDS, config("0.5.0-dev")).is_empty());
        assert!(run(&NEWER_FIELDS, config("2.0.0")).is_empty());
        let got = run(&NEWER_FIELDS, config("1.2.0"));
        assert_eq!(got, vec![("/linux/memoryPolicy".to_string(), Level::Info)]);
    }

    #[test]
    fn dotted_names() {
        assert_eq!(dotted("/mounts/*/uidMappings"), "mounts[].uidMappings");
        assert_eq!(dotted("/linux/memoryPolicy"), "linux.memoryPolicy");
    }
}
