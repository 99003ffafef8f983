//! Golden tests over `images/`: each case below builds a small layout (its tar layer made here),
//! `oci-check image` validates it, and its findings must equal, as a set, the ones
//! `images/<group>/<case>/expected.json` lists — written by hand from the image-spec text,
//! never copied from the tool's output. Blobs are named by role ("config", "manifest",
//! "layer0"), not digest. Every rule of the catalogue must fire in at least one case, and no
//! `valid/` case may have an error.
//!
//! `expected.json`: `{ "why": "...", "findings": [ { "rule": "...", "level": "error",
//! "file": "index.json" | "oci-layout" | ROLE | "blobs/…", "pointer": "/…", "line": 4 } ] }`
//! (`line` optional, compared when given).
//!
//! `OCI_CHECK_DUMP_IMAGES=DIR` also copies every built layout to DIR/<group>/<case>, to try
//! them with the command line.

mod support;

use oci_check_image::{rules, validate_layout, Options};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use support::*;

type Case = (&'static str, fn() -> Layout);

fn cases() -> Vec<Case> {
    vec![
        // --- valid ---------------------------------------------------------------------
        ("valid/basic", || standard(Edits::default())),
        ("valid/uncompressed-layer", || {
            standard(Edits {
                uncompressed: true,
                ..Default::default()
            })
        }),
        ("valid/nested-index", nested_index),
        ("valid/artifact-with-subject", artifact_with_subject),
        ("valid/sha512-layer", sha512_layer),
        ("valid/sha512-uncompressed-layer", sha512_uncompressed_layer),
        ("valid/os-features", || {
            standard(Edits {
                config: Some(|c| c["os.features"] = json!(["CONFIG_SECCOMP=y"])),
                entry: Some(|e| e["platform"]["os.features"] = json!(["CONFIG_SECCOMP=y"])),
                ..Default::default()
            })
        }),
        // --- the layout ----------------------------------------------------------------
        ("invalid/image.layout.oci-layout", || {
            standard(Edits {
                after: Some(|l| std::fs::remove_file(l.root.join("oci-layout")).unwrap()),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.oci-layout.not-object", || {
            standard(Edits {
                oci_layout: Some("[\"1.0.0\"]\n"),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.imageLayoutVersion", || {
            standard(Edits {
                oci_layout: Some("{\"version\": \"1.0.0\"}\n"),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.imageLayoutVersion.known", || {
            standard(Edits {
                oci_layout: Some("{\"imageLayoutVersion\": \"2.0.0\"}\n"),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.blobs", || {
            standard(Edits {
                after: Some(|l| std::fs::remove_dir_all(l.root.join("blobs")).unwrap()),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.blobs.names", || {
            standard(Edits {
                after: Some(|l| {
                    l.write("blobs/sha256/0123abcd", b"x");
                    l.write("blobs/SHA256/00", b"x");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.layout.index", || {
            standard(Edits {
                after: Some(|l| std::fs::remove_file(l.root.join("index.json")).unwrap()),
                ..Default::default()
            })
        }),
        ("invalid/image.json.syntax", || {
            standard(Edits {
                index_text: Some(|t| {
                    t.replacen("\"schemaVersion\": 2\n}", "\"schemaVersion\": 2,\n}", 1)
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.json.syntax.blob", || {
            standard(Edits {
                manifest_text: Some(|t| t.replacen("{\n", "{\n  // built by hand\n", 1)),
                ..Default::default()
            })
        }),
        ("invalid/image.json.duplicate_names", || {
            standard(Edits {
                manifest_text: Some(|t| {
                    t.replacen(
                        "\"schemaVersion\": 2",
                        "\"schemaVersion\": 2,\n  \"schemaVersion\": 2",
                        1,
                    )
                }),
                ..Default::default()
            })
        }),
        // --- blobs and descriptors -----------------------------------------------------
        ("invalid/image.blob.present", || {
            standard(Edits {
                after: Some(|l| std::fs::remove_file(l.path_of("config")).unwrap()),
                ..Default::default()
            })
        }),
        ("invalid/image.blob.inside_layout", || {
            standard(Edits {
                after: Some(|l| {
                    let layer = l.path_of("layer0");
                    let outside = l.tmp.path().join("outside-layer");
                    std::fs::rename(&layer, &outside).unwrap();
                    std::os::unix::fs::symlink(&outside, &layer).unwrap();
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.blob.digest", || {
            standard(Edits {
                after: Some(|l| {
                    let p = l.path_of("config");
                    let text = std::fs::read_to_string(&p)
                        .unwrap()
                        .replace("amd64", "amd65");
                    std::fs::write(p, text).unwrap();
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.blob.digest.layer", || {
            standard(Edits {
                after: Some(|l| {
                    let p = l.path_of("layer0");
                    let mut bytes = std::fs::read(&p).unwrap();
                    let last = bytes.len() - 1;
                    bytes[last] ^= 0xff; // the gzip trailer's size: same length, other content
                    std::fs::write(p, bytes).unwrap();
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.size", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["layers"][0]["size"] = json!(m["layers"][0]["size"].as_u64().unwrap() + 1)
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.required", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["layers"][0].as_object_mut().unwrap().remove("size");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.mediaType.rfc6838", || {
            standard(Edits {
                entry: Some(|e| e["artifactType"] = json!("sbom document")),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.digest.format", || {
            standard(Edits {
                entry: Some(|e| {
                    let d = e["digest"]
                        .as_str()
                        .unwrap()
                        .to_uppercase()
                        .replace("SHA256", "sha256");
                    e["digest"] = json!(d);
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.digest.grammar", || {
            standard(Edits {
                entry: Some(|e| {
                    let d = e["digest"].as_str().unwrap().replace(':', "-");
                    e["digest"] = json!(d);
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.digest.algorithm", || {
            standard(Edits {
                index: Some(|i| {
                    i["manifests"].as_array_mut().unwrap().push(json!(
                {"mediaType": TAR, "digest": "blake3:abcd", "size": 4}))
                }),
                after: Some(|l| l.write("blobs/blake3/abcd", b"abcd")),
                ..Default::default()
            })
        }),
        (
            "invalid/image.descriptor.mediaType.known",
            unknown_media_type,
        ),
        ("invalid/image.descriptor.mediaType.matches", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["mediaType"] = json!("application/vnd.docker.distribution.manifest.v2+json")
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.data", || {
            standard(Edits {
                manifest: Some(|m| m["layers"][0]["data"] = json!("e30=")),
                ..Default::default()
            })
        }),
        ("invalid/image.descriptor.urls.rfc3986", || {
            standard(Edits {
                manifest: Some(|m| m["layers"][0]["urls"] = json!(["not a uri"])),
                ..Default::default()
            })
        }),
        (
            "invalid/image.descriptor.empty",
            empty_descriptor_wrong_blob,
        ),
        // --- layer contents ----------------------------------------------------------------
        ("invalid/image.layer.tar", || {
            standard(Edits {
                layer_tar: Some(|| vec![b'x'; 1024]),
                ..Default::default()
            })
        }),
        ("invalid/image.layer.duplicates", || {
            standard(Edits {
                layer_tar: Some(|| {
                    tar(&[
                        ("etc/", b""),
                        ("etc/hello.txt", b"hello\n"),
                        ("./etc/hello.txt", b"bye\n"),
                    ])
                }),
                ..Default::default()
            })
        }),
        // --- index -----------------------------------------------------------------------
        ("invalid/image.index.schema", || {
            standard(Edits {
                index: Some(|i| i["subject"] = json!("sha256:abc")),
                ..Default::default()
            })
        }),
        ("invalid/image.index.required", || {
            standard(Edits {
                index: Some(|i| {
                    i.as_object_mut().unwrap().remove("schemaVersion");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.index.schemaVersion", || {
            standard(Edits {
                index: Some(|i| i["schemaVersion"] = json!(1)),
                ..Default::default()
            })
        }),
        ("invalid/image.index.mediaType", || {
            standard(Edits {
                index: Some(|i| {
                    i["mediaType"] =
                        json!("application/vnd.docker.distribution.manifest.list.v2+json")
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.index.manifests.platform", || {
            standard(Edits {
                entry: Some(|e| {
                    e.as_object_mut().unwrap().remove("platform");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.index.manifests.platform.second-tag", || {
            standard(Edits {
                index: Some(|i| {
                    let mut second = i["manifests"][0].clone();
                    second.as_object_mut().unwrap().remove("platform");
                    second["annotations"]["org.opencontainers.image.ref.name"] = json!("latest");
                    i["manifests"].as_array_mut().unwrap().push(second);
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.index.manifests.platform.config", || {
            standard(Edits {
                entry: Some(|e| e["platform"]["architecture"] = json!("arm64")),
                ..Default::default()
            })
        }),
        // --- platform ----------------------------------------------------------------------
        ("invalid/image.platform.required", || {
            standard(Edits {
                entry: Some(|e| {
                    e["platform"].as_object_mut().unwrap().remove("os");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.platform.architecture", || {
            standard(Edits {
                config: Some(|c| c["architecture"] = json!("x86_64")),
                entry: Some(|e| e["platform"]["architecture"] = json!("x86_64")),
                ..Default::default()
            })
        }),
        ("invalid/image.platform.os", || {
            standard(Edits {
                config: Some(|c| c["os"] = json!("Linux")),
                entry: Some(|e| e["platform"]["os"] = json!("Linux")),
                ..Default::default()
            })
        }),
        ("invalid/image.platform.variant", || {
            standard(Edits {
                config: Some(|c| c["variant"] = json!("v5")),
                entry: Some(|e| e["platform"]["variant"] = json!("v5")),
                ..Default::default()
            })
        }),
        ("invalid/image.platform.features", || {
            standard(Edits {
                entry: Some(|e| e["platform"]["features"] = json!(["sse4"])),
                ..Default::default()
            })
        }),
        // --- manifest ----------------------------------------------------------------------
        ("invalid/image.manifest.schema", || {
            standard(Edits {
                manifest: Some(|m| m["layers"] = json!({})),
                ..Default::default()
            })
        }),
        ("invalid/image.manifest.required", || {
            standard(Edits {
                manifest: Some(|m| {
                    m.as_object_mut().unwrap().remove("config");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.manifest.schemaVersion", || {
            standard(Edits {
                manifest: Some(|m| m["schemaVersion"] = json!(1)),
                ..Default::default()
            })
        }),
        (
            "invalid/image.manifest.artifactType.required",
            empty_config_without_artifact_type,
        ),
        ("invalid/image.manifest.layers.nonempty", || {
            standard(Edits {
                config: Some(|c| {
                    c["rootfs"]["diff_ids"] = json!([]);
                    c["history"] = json!([{"created_by": "ENV A=b", "empty_layer": true}]);
                }),
                manifest: Some(|m| m["layers"] = json!([])),
                ..Default::default()
            })
        }),
        ("invalid/image.manifest.layers.mediaType", || {
            standard(Edits {
                layer_media_type: Some("application/vnd.docker.image.rootfs.diff.tar.gzip"),
                ..Default::default()
            })
        }),
        ("invalid/image.manifest.layers.nondistributable", || {
            standard(Edits {
                layer_media_type: Some(
                    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                ),
                ..Default::default()
            })
        }),
        ("invalid/image.manifest.subject", || {
            standard(Edits {
                manifest: Some(|m| m["subject"] = m["config"].clone()),
                ..Default::default()
            })
        }),
        // --- image config --------------------------------------------------------------------
        ("invalid/image.config.schema", || {
            standard(Edits {
                config: Some(|c| c["author"] = json!(5)),
                ..Default::default()
            })
        }),
        ("invalid/image.config.required", || {
            standard(Edits {
                config: Some(|c| {
                    c.as_object_mut().unwrap().remove("rootfs");
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.config.rootfs.type", || {
            standard(Edits {
                config: Some(|c| c["rootfs"]["type"] = json!("tar")),
                ..Default::default()
            })
        }),
        ("invalid/image.config.created.rfc3339", || {
            standard(Edits {
                config: Some(|c| c["created"] = json!("2024-01-02")),
                ..Default::default()
            })
        }),
        ("invalid/image.config.rootfs.diff_ids.count", || {
            standard(Edits {
                config: Some(|c| {
                    let extra = sha256(b"another layer");
                    c["rootfs"]["diff_ids"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!(extra));
                    c["history"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!({"created_by": "ADD more /"}));
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.config.rootfs.diff_ids.match", || {
            standard(Edits {
                config: Some(|c| c["rootfs"]["diff_ids"][0] = json!(sha256(b"not the layer"))),
                ..Default::default()
            })
        }),
        ("invalid/image.config.history.count", || {
            standard(Edits {
                config: Some(|c| {
                    c["history"].as_array_mut().unwrap().remove(0);
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.config.config.Env.format", || {
            standard(Edits {
                config: Some(|c| c["config"]["Env"] = json!(["DEBUG"])),
                ..Default::default()
            })
        }),
        ("invalid/image.config.config.ExposedPorts.format", || {
            standard(Edits {
                config: Some(|c| c["config"]["ExposedPorts"] = json!({"http": {}})),
                ..Default::default()
            })
        }),
        ("invalid/image.config.config.ArgsEscaped", || {
            standard(Edits {
                config: Some(|c| c["config"]["ArgsEscaped"] = json!(true)),
                ..Default::default()
            })
        }),
        // --- annotations ---------------------------------------------------------------------
        ("invalid/image.annotations.map", || {
            standard(Edits {
                manifest: Some(|m| m["annotations"]["com.example.build"] = json!(42)),
                ..Default::default()
            })
        }),
        ("invalid/image.annotations.reserved", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["annotations"]["org.opencontainers.image.color"] = json!("blue")
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.annotations.reverse_domain", || {
            standard(Edits {
                config: Some(|c| c["config"]["Labels"]["team"] = json!("core")),
                ..Default::default()
            })
        }),
        ("invalid/image.annotations.values", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["annotations"]["org.opencontainers.image.created"] = json!("yesterday")
                }),
                ..Default::default()
            })
        }),
        ("invalid/image.annotations.ref_name.placement", || {
            standard(Edits {
                manifest: Some(|m| {
                    m["annotations"]["org.opencontainers.image.ref.name"] = json!("v1.0")
                }),
                ..Default::default()
            })
        }),
    ]
}

/// index.json → an index blob → linux/amd64 and linux/arm64/v8 manifests.
fn nested_index() -> Layout {
    let mut l = Layout::new();
    let e = Edits::default();
    let amd = image(&mut l, &e, "amd64", "");
    let mut arm = image(
        &mut l,
        &Edits {
            config: Some(|c| c["variant"] = json!("v8")),
            ..Default::default()
        },
        "arm64",
        "-arm64",
    );
    arm["platform"]["variant"] = json!("v8");
    let nested = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [amd, arm]});
    let mut entry = l.blob("index1", INDEX, &pretty(&nested));
    entry["annotations"] = json!({"org.opencontainers.image.ref.name": "v1.0"});
    finish(l, &e, vec![entry])
}

/// An SBOM artifact (empty config, one layer of its own type) whose subject is the image.
fn artifact_with_subject() -> Layout {
    let mut l = Layout::new();
    let e = Edits::default();
    let mut img = image(&mut l, &e, "amd64", "");
    img["annotations"] = json!({"org.opencontainers.image.ref.name": "v1.0"});
    let empty = l.blob("empty", EMPTY, b"{}");
    let sbom = l.blob(
        "sbom",
        "application/spdx+json",
        b"{\"spdxVersion\": \"SPDX-2.3\"}",
    );
    let subject = json!({"mediaType": MANIFEST, "digest": img["digest"], "size": img["size"]});
    let artifact = json!({
        "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": "application/spdx+json",
        "config": empty, "layers": [sbom], "subject": subject
    });
    let mut entry = l.blob("artifact", MANIFEST, &pretty(&artifact));
    entry["artifactType"] = json!("application/spdx+json");
    finish(l, &e, vec![img, entry])
}

/// The layer stored under its sha512 (its DiffID stays sha256).
fn sha512_layer() -> Layout {
    let mut l = Layout::new();
    let tar = tar(LAYER_FILES);
    let gz = gzip(&tar);
    let layer = l.blob_with("layer0", TAR_GZIP, &gz, sha512(&gz));
    let config = l.blob(
        "config",
        CONFIG,
        &pretty(&config_json("amd64", &sha256(&tar))),
    );
    let manifest =
        json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer]});
    let mut entry = l.blob("manifest", MANIFEST, &pretty(&manifest));
    entry["platform"] = json!({"architecture": "amd64", "os": "linux"});
    finish(l, &Edits::default(), vec![entry])
}

/// An uncompressed layer named by its sha512 digest: its sha256 DiffID is a second hash of the
/// same bytes.
fn sha512_uncompressed_layer() -> Layout {
    let mut l = Layout::new();
    let tar = tar(LAYER_FILES);
    let layer = l.blob_with("layer0", TAR, &tar, sha512(&tar));
    let config = l.blob(
        "config",
        CONFIG,
        &pretty(&config_json("amd64", &sha256(&tar))),
    );
    let manifest =
        json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer]});
    let mut entry = l.blob("manifest", MANIFEST, &pretty(&manifest));
    entry["platform"] = json!({"architecture": "amd64", "os": "linux"});
    finish(l, &Edits::default(), vec![entry])
}

fn unknown_media_type() -> Layout {
    let mut l = Layout::new();
    let e = Edits::default();
    let img = image(&mut l, &e, "amd64", "");
    let other = l.blob(
        "appstream",
        "application/vnd.example.appstream+xml",
        b"<component/>",
    );
    finish(l, &e, vec![img, other])
}

fn empty_descriptor_wrong_blob() -> Layout {
    let mut l = Layout::new();
    let e = Edits::default();
    let wrong = l.blob("not-empty", EMPTY, b"{ }");
    let layer = l.blob("payload", "application/vnd.example.payload", b"payload");
    let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "artifactType": "application/vnd.example.thing",
                   "config": wrong, "layers": [layer]});
    let entry = l.blob("manifest", MANIFEST, &pretty(&m));
    finish(l, &e, vec![entry])
}

fn empty_config_without_artifact_type() -> Layout {
    let mut l = Layout::new();
    let e = Edits::default();
    let empty = l.blob("empty", EMPTY, b"{}");
    let layer = l.blob("payload", "application/vnd.example.payload", b"payload");
    let m = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": empty, "layers": [layer]});
    let entry = l.blob("manifest", MANIFEST, &pretty(&m));
    finish(l, &e, vec![entry])
}

fn images_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../images")
}

type Key = (String, String, String, String, Option<u64>);

fn expected_of(case: &str) -> Result<BTreeSet<Key>, String> {
    let path = images_dir().join(case).join("expected.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Ok(v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: findings[] missing", path.display()))
        .iter()
        .map(|f| {
            let s = |k: &str| {
                f[k].as_str()
                    .unwrap_or_else(|| panic!("{case}: {k} missing in {f}"))
                    .to_string()
            };
            (
                s("rule"),
                s("level"),
                s("file"),
                s("pointer"),
                f["line"].as_u64(),
            )
        })
        .collect::<BTreeSet<Key>>())
}

fn show(set: &BTreeSet<Key>) -> String {
    set.iter()
        .map(|(r, l, f, p, line)| {
            format!(
                "{l} {r} {f} {p}{}\n",
                line.map_or(String::new(), |n| format!(" line {n}"))
            )
        })
        .collect()
}

fn dump(layout: &Layout, case: &str) {
    let Some(out) = std::env::var_os("OCI_CHECK_DUMP_IMAGES") else {
        return;
    };
    let dest = Path::new(&out).join(case);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let status = std::process::Command::new("cp")
        .args(["-a", "--"])
        .arg(layout.path())
        .arg(&dest)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn every_case_finds_what_its_golden_file_says() {
    let mut failures = Vec::new();
    let mut fired = HashSet::new();
    let mut listed = HashSet::new();
    for (case, build) in cases() {
        let layout = build();
        dump(&layout, case);
        let report = validate_layout(layout.path(), &Options::default())
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let want = match expected_of(case) {
            Ok(w) => w,
            Err(e) => {
                failures.push(e);
                BTreeSet::new()
            }
        };
        let got: BTreeSet<Key> = report
            .findings
            .iter()
            .map(|f| {
                let key = (
                    f.rule.id.to_string(),
                    f.rule.level.to_string(),
                    layout.name(&f.file),
                    f.pointer.clone(),
                );
                // Compare the line only where the golden file gives one.
                let line = want
                    .iter()
                    .find(|w| (&w.0, &w.1, &w.2, &w.3) == (&key.0, &key.1, &key.2, &key.3))
                    .and_then(|w| w.4)
                    .and(f.line.map(u64::from));
                (key.0, key.1, key.2, key.3, line)
            })
            .collect();
        fired.extend(report.findings.iter().map(|f| f.rule.id));
        listed.extend(want.iter().map(|w| w.0.clone()));
        if case.starts_with("valid/") {
            assert!(
                !report.has_errors(),
                "{case}: a valid layout has errors:\n{}",
                show(&got)
            );
        }
        if got != want {
            let diff = similar::TextDiff::from_lines(&show(&want)[..], &show(&got)[..])
                .unified_diff()
                .header("expected.json", "oci-check")
                .to_string();
            failures.push(format!("{case}:\n{diff}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ from their golden files:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let never: Vec<&str> = rules::CATALOGUE
        .iter()
        .map(|r| r.id)
        .filter(|id| !fired.contains(id) || !listed.contains(*id))
        .collect();
    assert!(never.is_empty(), "rules no fixture shows firing: {never:?}");
}

#[test]
fn every_golden_file_has_a_case() {
    let known: HashSet<&str> = cases().iter().map(|c| c.0).collect();
    for group in ["valid", "invalid"] {
        for e in std::fs::read_dir(images_dir().join(group))
            .unwrap()
            .flatten()
        {
            let case = format!("{group}/{}", e.file_name().to_string_lossy());
            assert!(
                known.contains(case.as_str()),
                "{case}: expected.json without a case in golden.rs"
            );
        }
    }
}
