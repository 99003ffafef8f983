//! Rules for `annotations` (config.md, "Annotations"): key naming, the reserved
//! `org.opencontainers` namespace, and the values of the `org.opencontainers.image.*` keys,
//! which must be valid values of the matching OCI image-spec properties.

use super::text::{quoted, suggest};
use crate::rule::{escape, Ctx, Finding, Rule, Scope};
use oci_check_model::Level;

pub static KEYS_REVERSE_DOMAIN: Rule = Rule {
    id: "config.annotations.keys_reverse_domain",
    level: Level::Warning,
    requirements: &["config.annotations.keys_reverse_domain"],
    summary: "annotation keys use reverse domain notation (com.example.myKey): dot-separated, \
              domain labels of letters, digits and hyphens, starting with a top-level domain",
    scope: Scope::Config,
    check: Some(check_reverse_domain),
    doc: None,
};

pub static OCI_NAMESPACE_RESERVED: Rule = Rule {
    id: "config.annotations.oci_namespace_reserved",
    level: Level::Error,
    requirements: &["config.annotations.oci_namespace_reserved"],
    summary: "annotation keys in the org.opencontainers namespace are the ones config.md lists \
              (a key the OCI image spec defines is a warning: image conversion carries them over)",
    scope: Scope::Config,
    check: Some(check_oci_namespace),
    doc: None,
};

pub static IMAGE_OS: Rule = Rule {
    id: "config.annotations.oci.image.os.value",
    level: Level::Error,
    requirements: &["config.annotations.oci.image.os.value"],
    summary: "org.opencontainers.image.os is an operating system name of Go's GOOS list, as the \
              image spec asks for its os property",
    scope: Scope::Config,
    check: Some(check_os),
    doc: None,
};

pub static IMAGE_ARCHITECTURE: Rule = Rule {
    id: "config.annotations.oci.image.architecture.value",
    level: Level::Error,
    requirements: &["config.annotations.oci.image.architecture.value"],
    summary: "org.opencontainers.image.architecture is an architecture name of Go's GOARCH list, \
              as the image spec asks for its architecture property",
    scope: Scope::Config,
    check: Some(check_architecture),
    doc: None,
};

pub static IMAGE_VARIANT: Rule = Rule {
    id: "config.annotations.oci.image.variant.value",
    level: Level::Error,
    requirements: &["config.annotations.oci.image.variant.value"],
    summary: "org.opencontainers.image.variant has the form of the image spec's platform \
              variants for the annotated architecture (arm v5-v8, arm64 v8[.N]/v9[.N], amd64 \
              v1-v4, ppc64le powerN, riscv64 rvaNNu64); other architectures are not checked",
    scope: Scope::Config,
    check: Some(check_variant),
    doc: None,
};

pub static IMAGE_CREATED: Rule = Rule {
    id: "config.annotations.oci.image.created.value",
    level: Level::Error,
    requirements: &["config.annotations.oci.image.created.value"],
    summary: "org.opencontainers.image.created is an RFC 3339 (section 5.6) date-time",
    scope: Scope::Config,
    check: Some(check_created),
    doc: None,
};

pub static IMAGE_STOP_SIGNAL: Rule = Rule {
    id: "config.annotations.oci.image.stopSignal.value",
    level: Level::Error,
    requirements: &["config.annotations.oci.image.stopSignal.value"],
    summary: "org.opencontainers.image.stopSignal is a signal name in the form SIGNAME \
              (SIGTERM, SIGRTMIN+3) or a signal number",
    scope: Scope::Config,
    check: Some(check_stop_signal),
    doc: None,
};

const OS_KEY: &str = "org.opencontainers.image.os";
const ARCH_KEY: &str = "org.opencontainers.image.architecture";
const VARIANT_KEY: &str = "org.opencontainers.image.variant";
const CREATED_KEY: &str = "org.opencontainers.image.created";
const STOP_SIGNAL_KEY: &str = "org.opencontainers.image.stopSignal";

/// The keys of config.md's table.
pub const RUNTIME_SPEC_KEYS: &[&str] = &[
    "org.opencontainers.image.os",
    "org.opencontainers.image.os.version",
    "org.opencontainers.image.os.features",
    "org.opencontainers.image.architecture",
    "org.opencontainers.image.variant",
    "org.opencontainers.image.author",
    "org.opencontainers.image.created",
    "org.opencontainers.image.stopSignal",
];

/// Keys the OCI image spec defines (annotations.md, and conversion.md's exposedPorts). Image
/// conversion copies image labels into the runtime config's annotations, so configs made from
/// images carry them, though the runtime spec does not list them.
const IMAGE_SPEC_KEYS: &[&str] = &[
    "org.opencontainers.image.created",
    "org.opencontainers.image.authors",
    "org.opencontainers.image.url",
    "org.opencontainers.image.documentation",
    "org.opencontainers.image.source",
    "org.opencontainers.image.version",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.vendor",
    "org.opencontainers.image.licenses",
    "org.opencontainers.image.ref.name",
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.base.digest",
    "org.opencontainers.image.base.name",
    "org.opencontainers.image.exposedPorts",
];

/// Go's known GOOS values (go/build/syslist.go).
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// Go's known GOARCH values (go/build/syslist.go).
const GOARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Names other tools use for a GOARCH value.
const ARCH_ALIASES: &[(&str, &str)] = &[
    ("x86_64", "amd64"),
    ("x86-64", "amd64"),
    ("x64", "amd64"),
    ("aarch64", "arm64"),
    ("arm64v8", "arm64"),
    ("i386", "386"),
    ("i486", "386"),
    ("i586", "386"),
    ("i686", "386"),
    ("x86", "386"),
    ("armhf", "arm"),
    ("armel", "arm"),
    ("armv5", "arm"),
    ("armv6", "arm"),
    ("armv6l", "arm"),
    ("armv7", "arm"),
    ("armv7l", "arm"),
    ("ppc64el", "ppc64le"),
    ("loongarch64", "loong64"),
];

const OS_ALIASES: &[(&str, &str)] = &[("macos", "darwin"), ("osx", "darwin"), ("win", "windows")];

/// The string value of an annotation, with its pointer; None when absent or not a string.
fn annotation<'a>(ctx: &Ctx<'a>, key: &str) -> Option<(String, &'a str)> {
    let value = ctx.object("/annotations")?.get(key)?.as_str()?;
    Some((member_pointer(key), value))
}

/// `/annotations/KEY`, the key escaped.
fn member_pointer(key: &str) -> String {
    format!("/annotations/{}", escape(key))
}

/// The annotation keys (none when `annotations` is absent or not an object).
fn keys<'a>(ctx: &Ctx<'a>) -> impl Iterator<Item = &'a str> {
    ctx.object("/annotations")
        .into_iter()
        .flat_map(|m| m.keys().map(String::as_str))
}

/// `com.example.myKey`: at least two dot-separated parts; every part before the last a domain
/// label (letters, digits, inner hyphens); the first, a top-level domain, starting with a letter.
pub fn is_reverse_domain(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return false;
    }
    let label = |p: &str| {
        p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !p.starts_with('-')
            && !p.ends_with('-')
    };
    parts[..parts.len() - 1].iter().all(|p| label(p))
        && parts[0].starts_with(|c: char| c.is_ascii_alphabetic())
}

fn check_reverse_domain(ctx: &Ctx, out: &mut Vec<Finding>) {
    for key in keys(ctx) {
        if key.is_empty() || is_reverse_domain(key) {
            continue; // the empty key is config.annotations.keys_nonempty's
        }
        out.push(
            Finding::new(
                &KEYS_REVERSE_DOMAIN,
                member_pointer(key),
                format!(
                    "annotation key {} is not in reverse domain notation, so it may clash with \
                     keys other tools use",
                    quoted(key)
                ),
            )
            .expected(
                "a key like \"com.example.myKey\": a domain you control, reversed, then a name",
            )
            .observed(quoted(key))
            .hint(format!(
                "prefix the key with a reversed domain, e.g. \"com.example.{key}\""
            )),
        );
    }
}

fn check_oci_namespace(ctx: &Ctx, out: &mut Vec<Finding>) {
    for key in keys(ctx) {
        if key != "org.opencontainers" && !key.starts_with("org.opencontainers.") {
            continue;
        }
        let ptr = member_pointer(key);
        if RUNTIME_SPEC_KEYS.contains(&key) {
            continue;
        }
        let expected = "a key of config.md's table (org.opencontainers.image.os, .os.version, \
                        .os.features, .architecture, .variant, .author, .created, .stopSignal), \
                        or a key outside org.opencontainers";
        if IMAGE_SPEC_KEYS.contains(&key) {
            let mut f = Finding::new(
                &OCI_NAMESPACE_RESERVED,
                ptr,
                format!(
                    "annotation key {} is defined by the OCI image spec, not by the runtime \
                     spec, which reserves the org.opencontainers namespace for the keys it \
                     lists; image conversion copies such image labels into configs",
                    quoted(key)
                ),
            )
            .expected(expected)
            .observed(quoted(key))
            .hint("keep it if the config was converted from an image; otherwise drop it");
            f.level = Some(Level::Warning);
            out.push(f);
            continue;
        }
        let mut f = Finding::new(
            &OCI_NAMESPACE_RESERVED,
            ptr,
            format!(
                "annotation key {} is in the org.opencontainers namespace, which the runtime \
                 spec reserves, but is none of the keys it defines",
                quoted(key)
            ),
        )
        .expected(expected)
        .observed(quoted(key));
        f = match suggest(key, RUNTIME_SPEC_KEYS.iter().copied()) {
            Some(s) => f.hint(format!("did you mean \"{s}\"?")),
            None => f.hint("use a key under a domain you control, e.g. \"com.example.myKey\""),
        };
        out.push(f);
    }
}

/// The known value `value` probably means: an alias, the lower-case spelling, or a near one.
fn repair_name(
    value: &str,
    known: &'static [&'static str],
    aliases: &[(&str, &'static str)],
) -> Option<&'static str> {
    let lower = value.to_lowercase();
    if let Some((_, k)) = aliases.iter().find(|(a, _)| *a == lower) {
        return Some(k);
    }
    if let Some(k) = known.iter().find(|k| **k == lower) {
        return Some(k);
    }
    suggest(value, known.iter().copied())
}

fn check_os(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((ptr, value)) = annotation(ctx, OS_KEY) else {
        return;
    };
    if GOOS.contains(&value) {
        return;
    }
    let mut f = Finding::new(
        &IMAGE_OS,
        ptr,
        format!(
            "{OS_KEY} is {}, which is not an operating system name of Go's GOOS list, the values \
             the image spec's os property uses",
            quoted(value)
        ),
    )
    .expected("a GOOS value such as \"linux\", \"windows\", \"freebsd\"")
    .observed(quoted(value));
    if let Some(s) = repair_name(value, GOOS, OS_ALIASES) {
        f = f.hint(format!("did you mean \"{s}\"?"));
    }
    out.push(f);
}

fn check_architecture(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((ptr, value)) = annotation(ctx, ARCH_KEY) else {
        return;
    };
    if GOARCH.contains(&value) {
        return;
    }
    let mut f = Finding::new(
        &IMAGE_ARCHITECTURE,
        ptr,
        format!(
            "{ARCH_KEY} is {}, which is not an architecture name of Go's GOARCH list, the values \
             the image spec's architecture property uses",
            quoted(value)
        ),
    )
    .expected("a GOARCH value such as \"amd64\", \"arm64\", \"arm\", \"ppc64le\", \"s390x\"")
    .observed(quoted(value));
    if let Some(s) = repair_name(value, GOARCH, ARCH_ALIASES) {
        f = f.hint(format!("did you mean \"{s}\"?"));
    }
    out.push(f);
}

/// Whether `variant` has the form of the image spec's "Platform Variants" table for `arch`
/// (with Go's GOARM/GOARM64/GOAMD64/GOPPC64/GORISCV64 values), or None when the table has no
/// row for `arch` (values are then implementation-defined).
pub fn variant_fits(arch: &str, variant: &str) -> Option<bool> {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let fits = match arch {
        "arm" => matches!(variant, "v5" | "v6" | "v7" | "v8"),
        "arm64" => {
            let rest = variant
                .strip_prefix("v8")
                .or_else(|| variant.strip_prefix("v9"));
            match rest {
                Some("") => true,
                Some(r) => r.strip_prefix('.').is_some_and(digits),
                None => false,
            }
        }
        "amd64" => matches!(variant, "v1" | "v2" | "v3" | "v4"),
        "ppc64le" => variant.strip_prefix("power").is_some_and(digits),
        "riscv64" => variant
            .strip_prefix("rva")
            .and_then(|r| r.strip_suffix("u64"))
            .is_some_and(|y| y.len() == 2 && digits(y)),
        _ => return None,
    };
    Some(fits)
}

fn check_variant(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((ptr, variant)) = annotation(ctx, VARIANT_KEY) else {
        return;
    };
    let Some((_, arch)) = annotation(ctx, ARCH_KEY) else {
        return; // no architecture to judge the variant against
    };
    if variant_fits(arch, variant) != Some(false) {
        return;
    }
    let form = match arch {
        "arm" => "\"v6\", \"v7\" or \"v8\"",
        "arm64" => "\"v8\", \"v8.1\", ..., \"v9\"",
        "amd64" => "\"v1\", \"v2\", \"v3\" or \"v4\"",
        "ppc64le" => "\"power8\", \"power9\", ...",
        _ => "\"rva20u64\", \"rva22u64\", ...",
    };
    let mut f = Finding::new(
        &IMAGE_VARIANT,
        ptr,
        format!(
            "{VARIANT_KEY} is {} for architecture {}; the image spec's platform variants for \
             {arch} are {form}",
            quoted(variant),
            quoted(arch)
        ),
    )
    .expected(format!("a variant of {arch}: {form}"))
    .observed(quoted(variant));
    let lower = variant.to_lowercase();
    let digits_only: String = lower
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let candidate = match arch {
        "arm" | "arm64" | "amd64" => format!("v{}", digits_only.trim_start_matches('.')),
        "ppc64le" => format!("power{digits_only}"),
        _ => lower.clone(),
    };
    if variant_fits(arch, &candidate) == Some(true) {
        f = f.hint(format!("did you mean \"{candidate}\"?"));
    }
    out.push(f);
}

/// An RFC 3339 section 5.6 `date-time`: `YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm)`, with a
/// real calendar date and a second of 00-60 (60 for a leap second). `T` and `Z` may be lower
/// case (ABNF strings are case-insensitive). Returns what is wrong.
pub fn check_date_time(s: &str) -> Result<(), String> {
    fn num(s: &str, range: std::ops::Range<usize>, what: &str) -> Result<u32, String> {
        let part = s
            .get(range)
            .ok_or_else(|| format!("too short for the {what}"))?;
        if part.len() < 2 || !part.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("the {what} {part:?} is not all digits"));
        }
        Ok(part.parse().expect("digits"))
    }
    fn lit(s: &str, at: usize, expected: &[char], what: &str) -> Result<(), String> {
        match s[at..].chars().next() {
            Some(c) if expected.contains(&c) => Ok(()),
            Some(c) => Err(format!(
                "expected {what} at position {}, found {c:?}",
                at + 1
            )),
            None => Err(format!("ends where {what} was expected")),
        }
    }
    if !s.is_ascii() {
        return Err("contains non-ASCII characters".into());
    }
    let year = num(s, 0..4, "year")?;
    lit(s, 4, &['-'], "'-'")?;
    let month = num(s, 5..7, "month")?;
    lit(s, 7, &['-'], "'-'")?;
    let day = num(s, 8..10, "day")?;
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} is not 01-12"));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day < 1 || day > days {
        return Err(format!("{year:04}-{month:02} has no day {day:02}"));
    }
    if s.len() == 10 {
        return Err("a date without a time; the image spec asks for a date-time".into());
    }
    lit(s, 10, &['T', 't'], "'T' between date and time")?;
    let hour = num(s, 11..13, "hour")?;
    lit(s, 13, &[':'], "':'")?;
    let minute = num(s, 14..16, "minute")?;
    lit(s, 16, &[':'], "':'")?;
    let second = num(s, 17..19, "second")?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    let mut at = 19;
    if s[at..].starts_with('.') {
        let frac = s[at + 1..].chars().take_while(char::is_ascii_digit).count();
        if frac == 0 {
            return Err("a '.' without fraction digits".into());
        }
        at += 1 + frac;
    }
    match s[at..].chars().next() {
        Some('Z' | 'z') if s.len() == at + 1 => Ok(()),
        Some('+' | '-') if s.len() == at + 6 => {
            let oh = num(s, at + 1..at + 3, "offset hour")?;
            lit(s, at + 3, &[':'], "':' in the offset")?;
            let om = num(s, at + 4..at + 6, "offset minute")?;
            if oh > 23 || om > 59 {
                return Err(format!("offset {oh:02}:{om:02} is out of range"));
            }
            Ok(())
        }
        None => Err("no time zone offset (Z or +hh:mm)".into()),
        Some(_) => Err(format!(
            "{:?} after the time is not a time zone offset (Z or +hh:mm)",
            &s[at..]
        )),
    }
}

fn check_created(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((ptr, value)) = annotation(ctx, CREATED_KEY) else {
        return;
    };
    let Err(why) = check_date_time(value) else {
        return;
    };
    let mut f = Finding::new(
        &IMAGE_CREATED,
        ptr,
        format!(
            "{CREATED_KEY} is {}, which is not an RFC 3339 date-time: {why}",
            quoted(value)
        ),
    )
    .expected("an RFC 3339 date-time such as \"2024-01-15T10:30:00Z\"")
    .observed(quoted(value));
    if value.len() > 10 && value.as_bytes()[10] == b' ' {
        let fixed = format!("{}T{}", &value[..10], &value[11..]);
        if check_date_time(&fixed).is_ok() {
            f = f.hint(format!("separate date and time with 'T': \"{fixed}\""));
        }
    }
    out.push(f);
}

/// Signal names of Linux (signal(7)) and the few other POSIX systems use.
const SIGNALS: &[&str] = &[
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGIOT",
    "SIGBUS",
    "SIGEMT",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPOLL",
    "SIGPWR",
    "SIGINFO",
    "SIGLOST",
    "SIGSYS",
    "SIGUNUSED",
    "SIGTHR",
    "SIGRTMIN",
    "SIGRTMAX",
];

/// Real-time signals glibc offers: SIGRTMIN (34) to SIGRTMAX (64).
const RT_SPAN: u32 = 30;

/// Whether `s` is a stop signal the image spec's `config.StopSignal` admits: a name of the form
/// SIGNAME (`SIGTERM`, `SIGRTMIN+3`, `SIGRTMAX-2`) or a signal number 1-64.
pub fn is_signal(s: &str) -> bool {
    if SIGNALS.contains(&s) {
        return true;
    }
    let offset = |rest: &str| {
        !rest.is_empty()
            && rest.chars().all(|c| c.is_ascii_digit())
            && rest.parse::<u32>().is_ok_and(|n| n <= RT_SPAN)
    };
    if let Some(rest) = s.strip_prefix("SIGRTMIN+") {
        return offset(rest);
    }
    if let Some(rest) = s.strip_prefix("SIGRTMAX-") {
        return offset(rest);
    }
    !s.starts_with('0')
        && s.chars().all(|c| c.is_ascii_digit())
        && s.parse::<u32>().is_ok_and(|n| (1..=64).contains(&n))
}

fn check_stop_signal(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some((ptr, value)) = annotation(ctx, STOP_SIGNAL_KEY) else {
        return;
    };
    if is_signal(value) {
        return;
    }
    let mut f = Finding::new(
        &IMAGE_STOP_SIGNAL,
        ptr,
        format!(
            "{STOP_SIGNAL_KEY} is {}, which is not a signal: the image spec's StopSignal is a \
             name in the format SIGNAME, such as SIGKILL or SIGRTMIN+3",
            quoted(value)
        ),
    )
    .expected("a signal name like \"SIGTERM\" or \"SIGRTMIN+3\", or a signal number 1-64")
    .observed(quoted(value));
    let upper = value.to_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    if is_signal(&full) {
        f = f.hint(format!("did you mean \"{full}\"?"));
    } else if let Some(s) = suggest(&full, SIGNALS.iter().copied()) {
        f = f.hint(format!("did you mean \"{s}\"?"));
    }
    out.push(f);
}

pub static RULES: &[&Rule] = &[
    &KEYS_REVERSE_DOMAIN,
    &OCI_NAMESPACE_RESERVED,
    &IMAGE_OS,
    &IMAGE_ARCHITECTURE,
    &IMAGE_VARIANT,
    &IMAGE_CREATED,
    &IMAGE_STOP_SIGNAL,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(rule: &Rule, annotations: Value) -> Vec<Finding> {
        let config = json!({ "annotations": annotations });
        let ctx = Ctx::new(&config, None);
        let mut out = Vec::new();
        (rule.check.unwrap())(&ctx, &mut out);
        out
    }

    #[test]
    fn reverse_domain_keys() {
        for ok in [
            "com.example.myKey",
            "io.kubernetes.cri-o.Volumes",
            "run.oci.keep_original_groups",
            "org.opencontainers.image.os",
            "a.b",
            "com.example.key/with/slashes",
        ] {
            assert!(is_reverse_domain(ok), "{ok}");
        }
        for bad in [
            "mykey",
            "my key.x",
            ".com.example",
            "com.example.",
            "com..example",
            "1com.example",
            "com.-example.x",
            "my_domain.key",
        ] {
            assert!(!is_reverse_domain(bad), "{bad}");
        }
    }

    #[test]
    fn oci_namespace_levels() {
        let out = run(
            &OCI_NAMESPACE_RESERVED,
            json!({
                "org.opencontainers.image.os": "linux",
                "org.opencontainers.image.title": "demo",
                "org.opencontainers.image.stopsignal": "SIGTERM",
                "org.opencontainers.runtime.foo": "x",
                "org.opencontainersx": "not in the namespace",
                "com.example.x": "y"
            }),
        );
        // Compared as sets: the order of members is not the rule's business.
        let mut got: Vec<(&str, Level, Option<&str>)> = out
            .iter()
            .map(|f| (f.pointer.as_str(), f.level(), f.hint.as_deref()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                (
                    "/annotations/org.opencontainers.image.stopsignal",
                    Level::Error,
                    Some("did you mean \"org.opencontainers.image.stopSignal\"?")
                ),
                (
                    "/annotations/org.opencontainers.image.title",
                    Level::Warning,
                    Some("keep it if the config was converted from an image; otherwise drop it")
                ),
                (
                    "/annotations/org.opencontainers.runtime.foo",
                    Level::Error,
                    Some("use a key under a domain you control, e.g. \"com.example.myKey\"")
                ),
            ]
        );
    }

    #[test]
    fn os_and_architecture() {
        assert!(run(&IMAGE_OS, json!({OS_KEY: "linux"})).is_empty());
        let out = run(&IMAGE_OS, json!({OS_KEY: "Linux"}));
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"linux\"?"));
        assert!(run(&IMAGE_OS, json!({OS_KEY: 3})).is_empty());
        assert!(run(&IMAGE_ARCHITECTURE, json!({ARCH_KEY: "arm64"})).is_empty());
        let out = run(&IMAGE_ARCHITECTURE, json!({ARCH_KEY: "x86_64"}));
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"amd64\"?"));
        assert_eq!(
            out[0].pointer,
            "/annotations/org.opencontainers.image.architecture"
        );
    }

    #[test]
    fn variants() {
        assert_eq!(variant_fits("arm", "v7"), Some(true));
        assert_eq!(variant_fits("arm", "armv7"), Some(false));
        assert_eq!(variant_fits("arm64", "v8"), Some(true));
        assert_eq!(variant_fits("arm64", "v8.2"), Some(true));
        assert_eq!(variant_fits("arm64", "v9"), Some(true));
        assert_eq!(variant_fits("arm64", "v8."), Some(false));
        assert_eq!(variant_fits("arm64", "v7"), Some(false));
        assert_eq!(variant_fits("amd64", "v3"), Some(true));
        assert_eq!(variant_fits("amd64", "v5"), Some(false));
        assert_eq!(variant_fits("ppc64le", "power9"), Some(true));
        assert_eq!(variant_fits("ppc64le", "POWER9"), Some(false));
        assert_eq!(variant_fits("riscv64", "rva22u64"), Some(true));
        assert_eq!(variant_fits("riscv64", "rv64gc"), Some(false));
        assert_eq!(variant_fits("mips64", "anything"), None);
        let out = run(
            &IMAGE_VARIANT,
            json!({ARCH_KEY: "arm", VARIANT_KEY: "armv7"}),
        );
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"v7\"?"));
        let out = run(
            &IMAGE_VARIANT,
            json!({ARCH_KEY: "ppc64le", VARIANT_KEY: "POWER9"}),
        );
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"power9\"?"));
        assert!(run(&IMAGE_VARIANT, json!({VARIANT_KEY: "armv7"})).is_empty());
    }

    #[test]
    fn rfc3339_date_times() {
        for ok in [
            "2024-01-15T10:30:00Z",
            "2024-01-15t10:30:00z",
            "2024-02-29T23:59:60.123456789+08:00",
            "2000-02-29T00:00:00-00:00",
            "1985-04-12T23:20:50.52Z",
        ] {
            assert_eq!(check_date_time(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2024-02-30T10:00:00Z",
            "2023-02-29T10:00:00Z",
            "1900-02-29T10:00:00Z",
            "2024-13-01T10:00:00Z",
            "2024-01-15 10:30:00Z",
            "2024-01-15T10:30:00",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:30Z",
            "2024-01-15T10:30:00.Z",
            "2024-01-15T10:30:00+0800",
            "2024-01-15T10:30:00+24:00",
            "2024-01-15",
            "24-01-15T10:30:00Z",
            "2024-1-15T10:30:00Z",
            "yesterday",
            "",
            "2024-01-15T10:30:00Zjunk",
            "２０２４-01-15T10:30:00Z",
        ] {
            assert!(check_date_time(bad).is_err(), "{bad}");
        }
        let out = run(&IMAGE_CREATED, json!({CREATED_KEY: "2024-01-15 10:30:00Z"}));
        assert_eq!(
            out[0].hint.as_deref(),
            Some("separate date and time with 'T': \"2024-01-15T10:30:00Z\"")
        );
    }

    #[test]
    fn signals() {
        for ok in [
            "SIGTERM",
            "SIGKILL",
            "SIGRTMIN",
            "SIGRTMIN+3",
            "SIGRTMAX-30",
            "SIGPWR",
            "9",
            "64",
        ] {
            assert!(is_signal(ok), "{ok}");
        }
        for bad in [
            "TERM",
            "sigterm",
            "SIGTERMINATE",
            "SIGRTMIN+31",
            "SIGRTMIN+",
            "0",
            "65",
            "09",
            "-1",
            "",
        ] {
            assert!(!is_signal(bad), "{bad}");
        }
        let out = run(&IMAGE_STOP_SIGNAL, json!({STOP_SIGNAL_KEY: "term"}));
        assert_eq!(out[0].hint.as_deref(), Some("did you mean \"SIGTERM\"?"));
        let out = run(&IMAGE_STOP_SIGNAL, json!({STOP_SIGNAL_KEY: "SIGTERMINATE"}));
        assert_eq!(out.len(), 1);
    }
}
