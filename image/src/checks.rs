//! Semantic rules over one parsed document (index, manifest, image config, descriptor,
//! platform, annotations): what the schema cannot say. Rules must not assume the schema
//! passed: a field of the wrong type is skipped here (the schema reports it).

use crate::digest::{self, Alg};
use crate::rules::{self, Rule};
use crate::schema::excerpt;
use crate::Finding;
use serde_json::{Map, Value};

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
pub const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// The deprecated non-distributable layer types (media-types.md).
pub const NONDISTRIBUTABLE: &[&str] = &[
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
];

/// Every media type media-types.md defines.
pub const KNOWN_MEDIA_TYPES: &[&str] = &[
    "application/vnd.oci.descriptor.v1+json",
    "application/vnd.oci.layout.header.v1+json",
    INDEX,
    MANIFEST,
    IMAGE_CONFIG,
    LAYER_TAR,
    LAYER_GZIP,
    LAYER_ZSTD,
    EMPTY,
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
];

/// GOARCH values Go knows (go/build's list of known architectures).
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

/// GOOS values Go knows (go/build's list of known operating systems).
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

/// Annotation keys image-spec v1.1.1 defines (annotations.md, "Pre-Defined Annotation Keys").
const DEFINED_KEYS: &[&str] = &[
    "created",
    "authors",
    "url",
    "documentation",
    "source",
    "version",
    "revision",
    "vendor",
    "licenses",
    "ref.name",
    "title",
    "description",
    "base.digest",
    "base.name",
];

const NAMESPACE: &str = "org.opencontainers.image.";
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `pointer/token`, the token escaped.
pub fn at(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

fn finding(rule: &'static Rule, file: &str, pointer: &str, msg: String) -> Finding {
    Finding::new(rule, file, pointer, msg)
}

// --- descriptors ----------------------------------------------------------------------------

/// Checks of one descriptor that need no blob: digest form, algorithm, media type, the empty
/// descriptor, embedded data, its annotations.
pub fn descriptor(d: &Value, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    let Some(d) = d.as_object() else { return };
    let digest = d.get("digest").and_then(Value::as_str);
    if let Some((alg, enc)) = digest.and_then(digest::split) {
        match Alg::from_name(alg) {
            Some(a) => {
                if let Some(problem) = digest::registered_form_problem(a, enc) {
                    out.push(
                        finding(&rules::DIGEST_FORMAT, file, &at(pointer, "digest"), problem)
                            .observed(format!("\"{alg}:{enc}\"")),
                    );
                }
            }
            None => out.push(finding(
                &rules::DIGEST_ALGORITHM,
                file,
                &at(pointer, "digest"),
                format!("algorithm \"{alg}\" is not registered (sha256, sha512): the digest passes, but its blob cannot be verified"),
            )),
        }
    }
    if let Some(mt) = d.get("mediaType").and_then(Value::as_str) {
        if !KNOWN_MEDIA_TYPES.contains(&mt) && is_media_type(mt) {
            out.push(
                finding(
                    &rules::MEDIA_TYPE_KNOWN,
                    file,
                    &at(pointer, "mediaType"),
                    format!("media type \"{mt}\" is not one image-spec v1.1.1 defines; its blob is treated as opaque data (not an error)"),
                ),
            );
        }
        if mt == EMPTY {
            empty_descriptor(d, file, pointer, out);
        }
    }
    embedded_data(d, digest, file, pointer, out);
    if d.contains_key("annotations") {
        annotations(d.get("annotations"), file, &at(pointer, "annotations"), out);
    }
}

fn empty_descriptor(d: &Map<String, Value>, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    let digest = d.get("digest").and_then(Value::as_str);
    let size = d.get("size").and_then(Value::as_u64);
    if digest.is_some_and(|g| g != EMPTY_DIGEST) || size.is_some_and(|s| s != 2) {
        out.push(
            finding(
                &rules::DESC_EMPTY,
                file,
                pointer,
                format!("{pointer}: an application/vnd.oci.empty.v1+json descriptor should point to the blob {{}}"),
            )
            .expected(format!("digest {EMPTY_DIGEST}, size 2"))
            .observed(format!(
                "digest {}, size {}",
                digest.unwrap_or("(none)"),
                size.map_or("(none)".into(), |s| s.to_string())
            )),
        );
    }
}

fn embedded_data(
    d: &Map<String, Value>,
    digest: Option<&str>,
    file: &str,
    pointer: &str,
    out: &mut Vec<Finding>,
) {
    let Some(text) = d.get("data").and_then(Value::as_str) else {
        return;
    };
    let Some(bytes) = digest::base64_decode(text) else {
        return; // not base64: the schema's pattern reports it
    };
    let ptr = at(pointer, "data");
    if let Some(size) = d.get("size").and_then(Value::as_u64) {
        if bytes.len() as u64 != size {
            out.push(
                finding(
                    &rules::DESC_DATA,
                    file,
                    &ptr,
                    "data decodes to content of another size than the descriptor's size".into(),
                )
                .expected(format!("{size} bytes"))
                .observed(format!("{} bytes", bytes.len())),
            );
            return;
        }
    }
    let Some((alg, _)) = digest.and_then(digest::split) else {
        return;
    };
    let Some(alg) = Alg::from_name(alg) else {
        return;
    };
    let mut h = alg.hasher();
    h.update(&bytes);
    let got = h.finish();
    if Some(got.as_str()) != digest {
        out.push(
            finding(
                &rules::DESC_DATA,
                file,
                &ptr,
                "data decodes to content whose digest is not the descriptor's digest".into(),
            )
            .expected(digest.unwrap_or_default().to_string())
            .observed(got),
        );
    }
}

/// RFC 6838 section 4.2 names: type "/" subtype, each 1-127 of [A-Za-z0-9!#$&^_.+-], first alnum.
pub fn is_media_type(s: &str) -> bool {
    fn name(n: &str) -> bool {
        let b = n.as_bytes();
        !b.is_empty()
            && b.len() <= 127
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(c))
    }
    matches!(s.split_once('/'), Some((t, st)) if name(t) && name(st))
}

// --- platform -------------------------------------------------------------------------------

/// Checks of a platform object (an index entry's `platform`, or the image config itself, whose
/// architecture/os/variant/os.features are at its top level).
pub fn platform(p: &Value, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    let arch = p.get("architecture").and_then(Value::as_str);
    let os = p.get("os").and_then(Value::as_str);
    if let Some(a) = arch.filter(|a| !GOARCH.contains(a)) {
        out.push(
            finding(&rules::PLATFORM_ARCH, file, &at(pointer, "architecture"),
                format!("architecture \"{a}\" is not a GOARCH value; runtimes and pullers selecting by platform will not match it"))
            .expected("a GOARCH value: amd64, arm64, arm, 386, ppc64le, s390x, riscv64, loong64, mips64le, ...")
            .observed(format!("\"{a}\""))
            .hint(arch_hint(a)),
        );
    }
    if let Some(o) = os.filter(|o| !GOOS.contains(o)) {
        out.push(
            finding(&rules::PLATFORM_OS, file, &at(pointer, "os"),
                format!("os \"{o}\" is not a GOOS value; runtimes and pullers selecting by platform will not match it"))
            .expected("a GOOS value: linux, windows, freebsd, darwin, ...")
            .observed(format!("\"{o}\"")),
        );
    }
    if let (Some(a), Some(v)) = (arch, p.get("variant").and_then(Value::as_str)) {
        if !variant_known(a, v) {
            out.push(
                finding(&rules::PLATFORM_VARIANT, file, &at(pointer, "variant"),
                    format!("variant \"{v}\" is not in the Platform Variants table for architecture \"{a}\""))
                .expected(variants_of(a).to_string())
                .observed(format!("\"{v}\"")),
            );
        }
    }
    if let Some(features) = p.get("os.features").and_then(Value::as_array) {
        for (i, f) in features.iter().enumerate() {
            let ptr = format!("{}/{i}", at(pointer, "os.features"));
            out.push(os_feature(f, os, file, &ptr));
        }
    }
    if p.get("features").is_some_and(|f| !f.is_null()) {
        out.push(finding(&rules::PLATFORM_FEATURES, file, &at(pointer, "features"),
            "platform.features is reserved for future versions of the specification; nothing reads it today".into()));
    }
}

fn os_feature(f: &Value, os: Option<&str>, file: &str, ptr: &str) -> Finding {
    let shown = excerpt(f);
    let defined = os == Some("windows") && f.as_str() == Some("win32k");
    let what = if defined {
        format!(
            "os.features entry {shown} is the one value image-spec defines (win32k, for windows)"
        )
    } else {
        format!("os.features entry {shown} is not a value image-spec defines (it defines only win32k, for windows)")
    };
    finding(&rules::PLATFORM_OS_FEATURES, file, ptr, format!(
        "{what}; OCI runtimes never read it (a runtime bundle has no such field) and do not use it to select images, \
         so nothing enforces what it says; its deprecation has been proposed upstream"))
    .hint("do not use os.features to carry kernel options or host requirements: nothing will enforce them. \
           Put such information in an annotation of your own namespace (com.example.kernel-config) and drop os.features")
}

fn arch_hint(a: &str) -> String {
    let guess = match a {
        "x86_64" | "x86-64" | "x64" => Some("amd64"),
        "aarch64" | "armv8" => Some("arm64"),
        "i386" | "i686" | "x86" => Some("386"),
        "armhf" | "armv7" | "armv7l" | "armel" | "armv6" => Some("arm (with a variant such as v7)"),
        "powerpc64le" | "ppc64el" => Some("ppc64le"),
        _ => None,
    };
    match guess {
        Some(g) => format!("this is the kernel's or a distribution's name; the GOARCH name is {g}"),
        None => "use the GOARCH name of the architecture".into(),
    }
}

fn variants_of(arch: &str) -> &'static str {
    match arch {
        "arm" => "v6, v7 or v8",
        "arm64" => "v8, v8.1, …, v9, v9.1, …",
        "ppc64le" => "power8, power9, power10, …",
        "riscv64" => "rva20u64, rva22u64, …",
        "amd64" => "v1, v2, v3, v4",
        _ => "no variant: the table lists none for this architecture",
    }
}

fn variant_known(arch: &str, v: &str) -> bool {
    let numbered = |prefix: &str, v: &str| {
        v.strip_prefix(prefix).is_some_and(|rest| {
            let mut parts = rest.splitn(2, '.');
            let major_ok = parts
                .next()
                .is_some_and(|m| m.is_empty() || m.bytes().all(|b| b.is_ascii_digit()));
            major_ok
                && parts
                    .next()
                    .is_none_or(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    match arch {
        "arm" => matches!(v, "v6" | "v7" | "v8"),
        "arm64" => numbered("v8", v) || numbered("v9", v),
        "amd64" => matches!(v, "v1" | "v2" | "v3" | "v4"),
        "ppc64le" => v
            .strip_prefix("power")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        "riscv64" => v
            .strip_prefix("rva")
            .and_then(|r| r.strip_suffix("u64"))
            .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    }
}

// --- annotations ----------------------------------------------------------------------------

/// The annotation rules for the map at `pointer` (or a config's Labels). ref.name placement is
/// checked by the caller, which knows whether the map is on an index.json descriptor.
pub fn annotations(map: Option<&Value>, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    let Some(map) = map.and_then(Value::as_object) else {
        return;
    };
    for (key, value) in map {
        let ptr = at(pointer, key);
        if let Some(name) = key.strip_prefix(NAMESPACE) {
            if !DEFINED_KEYS.contains(&name) {
                out.push(
                    finding(&rules::ANNOTATIONS_RESERVED, file, &ptr,
                        format!("key \"{key}\" is in the org.opencontainers.image namespace, which only image-spec may define, and image-spec v1.1.1 does not define it"))
                    .expected(format!("one of org.opencontainers.image.{{{}}}, or a key in your own namespace", DEFINED_KEYS.join(",")))
                    .observed(format!("\"{key}\"")),
                );
            } else if let Some(v) = value.as_str() {
                if let Some(problem) = predefined_value_problem(name, v) {
                    out.push(
                        finding(
                            &rules::ANNOTATIONS_VALUES,
                            file,
                            &ptr,
                            format!("{key}: {problem}"),
                        )
                        .observed(format!("\"{v}\"")),
                    );
                }
            }
        } else if !is_reverse_domain(key) {
            out.push(
                finding(
                    &rules::ANNOTATIONS_REVERSE_DOMAIN,
                    file,
                    &ptr,
                    format!("key \"{key}\" is not in reverse domain notation"),
                )
                .expected("a key such as com.example.myKey")
                .observed(format!("\"{key}\"")),
            );
        }
    }
}

/// `com.example.key`: at least two dot-separated parts, the first a DNS label.
fn is_reverse_domain(key: &str) -> bool {
    let mut parts = key.split('.');
    let first = parts.next().unwrap_or_default();
    let label = !first.is_empty()
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !first.starts_with('-');
    label && parts.next().is_some_and(|p| !p.is_empty())
}

fn predefined_value_problem(name: &str, v: &str) -> Option<String> {
    match name {
        "created" => (!is_rfc3339(v)).then(|| "not an RFC 3339 date-time (e.g. 2024-01-02T03:04:05Z)".into()),
        "url" | "documentation" | "source" => {
            (!is_url(v)).then(|| "not a URL (scheme:..., e.g. https://example.com/...)".into())
        }
        "base.digest" => digest::split(v).is_none().then(|| "not a digest (algorithm:encoded)".into()),
        "ref.name" => (!is_ref_name(v)).then(|| {
            "not a reference by the grammar ref ::= component (\"/\" component)*, component ::= alphanum (separator alphanum)*, separator ::= [-._:@+] | \"--\"".into()
        }),
        _ => None,
    }
}

fn is_url(v: &str) -> bool {
    match v.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && scheme
                    .as_bytes()
                    .first()
                    .is_some_and(u8::is_ascii_alphabetic)
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
                && !v.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// annotations.md: ref ::= component ("/" component)*; component ::= alphanum (separator
/// alphanum)*; alphanum ::= [A-Za-z0-9]+; separator ::= [-._:@+] | "--".
pub fn is_ref_name(v: &str) -> bool {
    v.split('/').all(|component| {
        let b = component.as_bytes();
        if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric()
        {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            // A separator: one of [-._:@+], or "--"; it must be followed by an alphanumeric.
            let len = if b[i] == b'-' && b.get(i + 1) == Some(&b'-') {
                2
            } else {
                1
            };
            if !b"-._:@+".contains(&b[i]) || !b.get(i + len).is_some_and(u8::is_ascii_alphanumeric)
            {
                return false;
            }
            i += len;
        }
        true
    })
}

/// RFC 3339 section 5.6 date-time: full-date "T" full-time, time-offset Z or ±hh:mm.
pub fn is_rfc3339(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| v[r].parse::<u32>().unwrap_or(99);
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let (month, day, hour, min, sec) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z'] | [b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && num(i + 1..i + 3) <= 23
                && num(i + 4..i + 6) <= 59
        }
        _ => false,
    }
}

// --- index ----------------------------------------------------------------------------------

/// Semantic checks of an image index. `layout_index` is true for index.json itself (where
/// ref.name annotations on descriptors belong).
pub fn index(v: &Value, file: &str, layout_index: bool, out: &mut Vec<Finding>) {
    annotations(v.get("annotations"), file, "/annotations", out);
    ref_name_placement(v.get("annotations"), file, "/annotations", out);
    if let Some(items) = v.get("manifests").and_then(Value::as_array) {
        for (i, d) in items.iter().enumerate() {
            let ptr = format!("/manifests/{i}");
            descriptor(d, file, &ptr, out);
            if !layout_index {
                ref_name_placement(d.get("annotations"), file, &at(&ptr, "annotations"), out);
            }
            if let Some(p) = d.get("platform").filter(|p| p.is_object()) {
                platform(p, file, &at(&ptr, "platform"), out);
            }
        }
    }
    if let Some(s) = v.get("subject") {
        descriptor(s, file, "/subject", out);
        subject_type(s, file, "/subject", out);
    }
}

fn ref_name_placement(map: Option<&Value>, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    if map.and_then(|m| m.get(REF_NAME)).is_some() {
        out.push(finding(&rules::REF_NAME_PLACEMENT, file, &at(pointer, REF_NAME),
            format!("{REF_NAME} is only valid on the descriptors of index.json (naming an entry of the layout); here it names nothing")));
    }
}

fn subject_type(s: &Value, file: &str, pointer: &str, out: &mut Vec<Finding>) {
    if let Some(mt) = s.get("mediaType").and_then(Value::as_str) {
        if !KNOWN_MEDIA_TYPES.contains(&mt) {
            return; // an unknown type may be a manifest format of the future
        }
        if mt != MANIFEST && mt != INDEX {
            out.push(
                finding(
                    &rules::MANIFEST_SUBJECT,
                    file,
                    &at(pointer, "mediaType"),
                    format!("subject points to a {mt}, not to another manifest"),
                )
                .expected(format!("{MANIFEST} or {INDEX}"))
                .observed(format!("\"{mt}\"")),
            );
        }
    }
}

// --- manifest -------------------------------------------------------------------------------

/// Semantic checks of an image manifest that need no other document.
pub fn manifest(v: &Value, file: &str, out: &mut Vec<Finding>) {
    annotations(v.get("annotations"), file, "/annotations", out);
    ref_name_placement(v.get("annotations"), file, "/annotations", out);
    let config_type = v.pointer("/config/mediaType").and_then(Value::as_str);
    if let Some(c) = v.get("config") {
        descriptor(c, file, "/config", out);
    }
    if config_type == Some(EMPTY) && v.get("artifactType").is_none() {
        out.push(
            finding(&rules::MANIFEST_ARTIFACT_TYPE, file, "/config/mediaType",
                "config is the empty descriptor (application/vnd.oci.empty.v1+json), so artifactType must say what the artifact is, and it is absent".into())
            .expected("an artifactType member, e.g. \"application/vnd.example.sbom.v1\"")
            .observed("no artifactType"),
        );
    }
    let layers = v.get("layers").and_then(Value::as_array);
    if layers.is_none_or(|l| l.is_empty()) && v.get("layers").is_none_or(|l| l.is_array()) {
        out.push(finding(&rules::LAYERS_NONEMPTY, file, "/layers",
            "the manifest has no layer; for portability it should have at least one (an artifact without content uses the empty descriptor)".into()));
    }
    for (i, l) in layers.into_iter().flatten().enumerate() {
        let ptr = format!("/layers/{i}");
        descriptor(l, file, &ptr, out);
        let Some(mt) = l.get("mediaType").and_then(Value::as_str) else {
            continue;
        };
        if NONDISTRIBUTABLE.contains(&mt) {
            out.push(finding(&rules::LAYERS_NONDISTRIBUTABLE, file, &at(&ptr, "mediaType"),
                format!("{mt} is deprecated and not recommended for future use"))
                .hint("use the distributable type (application/vnd.oci.image.layer.v1.tar…); restrict distribution by other means"));
        } else if config_type == Some(IMAGE_CONFIG)
            && ![LAYER_TAR, LAYER_GZIP, LAYER_ZSTD].contains(&mt)
        {
            out.push(
                finding(&rules::LAYERS_MEDIA_TYPE, file, &at(&ptr, "mediaType"),
                    format!("layer {i} of a container image has media type \"{mt}\", which runtimes need not know how to apply"))
                .expected(format!("{LAYER_TAR}, {LAYER_GZIP} or {LAYER_ZSTD}"))
                .observed(format!("\"{mt}\"")),
            );
        }
    }
    if let Some(s) = v.get("subject") {
        descriptor(s, file, "/subject", out);
        subject_type(s, file, "/subject", out);
    }
}

// --- image config ---------------------------------------------------------------------------

/// Semantic checks of an image config. `layers` is the number of layers of the manifest that
/// points to it.
pub fn config(v: &Value, file: &str, layers: Option<usize>, out: &mut Vec<Finding>) {
    platform(v, file, "", out);
    let diff_ids = v.pointer("/rootfs/diff_ids").and_then(Value::as_array);
    if let (Some(d), Some(n)) = (diff_ids, layers) {
        if d.len() != n {
            out.push(
                finding(
                    &rules::DIFF_IDS_COUNT,
                    file,
                    "/rootfs/diff_ids",
                    format!(
                        "rootfs.diff_ids has {} entries, but the manifest has {n} layers",
                        d.len()
                    ),
                )
                .expected(format!("{n} entries, one per layer, in layer order"))
                .observed(format!("{} entries", d.len())),
            );
        }
    }
    if let (Some(h), Some(d)) = (v.get("history").and_then(Value::as_array), diff_ids) {
        let real = h
            .iter()
            .filter(|e| e.get("empty_layer").and_then(Value::as_bool) != Some(true))
            .count();
        if real != d.len() {
            out.push(
                finding(&rules::HISTORY_COUNT, file, "/history",
                    format!("history has {real} entries that are not empty_layer: true, but rootfs.diff_ids has {} layers", d.len()))
                .expected(format!("{} history entries without empty_layer: true", d.len()))
                .observed(format!("{real}")),
            );
        }
    }
    let Some(c) = v.get("config").filter(|c| c.is_object()) else {
        return;
    };
    for (i, e) in c
        .get("Env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(s) = e
            .as_str()
            .filter(|s| s.split_once('=').is_none_or(|(k, _)| k.is_empty()))
        {
            out.push(
                finding(
                    &rules::ENV_FORMAT,
                    file,
                    &format!("/config/Env/{i}"),
                    format!("Env entry \"{s}\" is not VARNAME=VARVALUE"),
                )
                .expected("VARNAME=VARVALUE")
                .observed(format!("\"{s}\"")),
            );
        }
    }
    for key in c
        .get("ExposedPorts")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if !is_port(key) {
            out.push(
                finding(
                    &rules::EXPOSED_PORTS,
                    file,
                    &at("/config/ExposedPorts", key),
                    format!("ExposedPorts key \"{key}\" is not port/tcp, port/udp or port"),
                )
                .expected("e.g. \"8080/tcp\", \"53/udp\" or \"80\"")
                .observed(format!("\"{key}\"")),
            );
        }
    }
    if c.get("ArgsEscaped").is_some_and(|a| !a.is_null()) {
        out.push(finding(&rules::ARGS_ESCAPED, file, "/config/ArgsEscaped",
            "ArgsEscaped is deprecated: present only for legacy compatibility with Docker, and should not be used by new image builders".into()));
    }
    annotations(c.get("Labels"), file, "/config/Labels", out);
}

fn is_port(key: &str) -> bool {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    matches!(proto, "tcp" | "udp") && port.parse::<u16>().is_ok_and(|p| p > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names() {
        for ok in [
            "v1.0",
            "stable-release",
            "2.0.0-debug",
            "a--b",
            "a/b:c",
            "v1.0.0-vendor.0",
            "x@y+z",
        ] {
            assert!(is_ref_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a..b", "a/", "a b", "a---b", "a_"] {
            assert!(!is_ref_name(bad), "{bad}");
        }
    }

    #[test]
    fn rfc3339() {
        for ok in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123+01:00",
            "1985-04-12T23:20:50.52Z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2024-01-02",
            "2024-13-02T03:04:05Z",
            "2024-01-02T03:04:05",
            "yesterday",
            "2024-01-02T03:04:05+0100",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn variants() {
        assert!(variant_known("arm", "v7"));
        assert!(variant_known("arm64", "v8"));
        assert!(variant_known("arm64", "v8.2"));
        assert!(variant_known("amd64", "v3"));
        assert!(variant_known("ppc64le", "power9"));
        assert!(variant_known("riscv64", "rva22u64"));
        assert!(!variant_known("arm", "v7l"));
        assert!(!variant_known("amd64", "v5"));
        assert!(!variant_known("s390x", "z15"));
    }

    #[test]
    fn media_types() {
        assert!(is_media_type("application/vnd.oci.image.layer.v1.tar+gzip"));
        assert!(!is_media_type("application"));
        assert!(!is_media_type("application/ vnd"));
        assert!(!is_media_type("+a/b"));
    }
}
