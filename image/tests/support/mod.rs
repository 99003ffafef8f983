//! Builds small OCI image layouts for tests: tar layers made here (fixed times and owners, so
//! every build gives the same bytes), gzip, blobs named by their sha256, and a map from each
//! blob's path to a role name ("config", "manifest", "layer0", ...) so golden files can name
//! blobs without spelling their digests.
#![allow(dead_code)]

use serde_json::{json, Value};
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const EMPTY: &str = "application/vnd.oci.empty.v1+json";

pub struct Layout {
    /// Holds the layout at `root` and room beside it (for symlink targets outside the layout).
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
    /// Blob path relative to the layout → role name.
    pub roles: BTreeMap<String, String>,
}

pub fn sha256(bytes: &[u8]) -> String {
    let d = sha2::Sha256::digest(bytes);
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

pub fn sha512(bytes: &[u8]) -> String {
    let d = sha2::Sha512::digest(bytes);
    format!(
        "sha512:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A tar archive of regular files (and the directories named with a trailing slash).
pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_mtime(1_700_000_000);
        h.set_uid(0);
        h.set_gid(0);
        if name.ends_with('/') {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            b.append_data(&mut h, name, std::io::empty()).unwrap();
        } else {
            h.set_mode(0o644);
            h.set_size(data.len() as u64);
            b.append_data(&mut h, name, *data).unwrap();
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s.into_bytes()
}

impl Layout {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("layout");
        std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
        Layout {
            tmp,
            root,
            roles: BTreeMap::new(),
        }
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// Stores a blob under its sha256 and returns its descriptor.
    pub fn blob(&mut self, role: &str, media_type: &str, bytes: &[u8]) -> Value {
        self.blob_with(role, media_type, bytes, sha256(bytes))
    }

    pub fn blob_with(
        &mut self,
        role: &str,
        media_type: &str,
        bytes: &[u8],
        digest: String,
    ) -> Value {
        let (alg, hex) = digest.split_once(':').unwrap();
        let rel = format!("blobs/{alg}/{hex}");
        self.write(&rel, bytes);
        self.roles.insert(rel, role.to_string());
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    pub fn path_of(&self, role: &str) -> PathBuf {
        let rel = self
            .roles
            .iter()
            .find(|(_, r)| *r == role)
            .map(|(p, _)| p)
            .unwrap();
        self.root.join(rel)
    }

    /// The role of a path relative to the layout, else the path.
    pub fn name(&self, rel: &str) -> String {
        self.roles
            .get(rel)
            .cloned()
            .unwrap_or_else(|| rel.to_string())
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

/// Changes to the standard image, applied while it is built.
#[derive(Default)]
pub struct Edits {
    pub layer_media_type: Option<&'static str>,
    /// The layer's uncompressed bytes (default: a tar of `LAYER_FILES`).
    pub layer_tar: Option<fn() -> Vec<u8>>,
    /// Store the layer uncompressed (media type tar).
    pub uncompressed: bool,
    pub config: Option<fn(&mut Value)>,
    pub manifest: Option<fn(&mut Value)>,
    /// The manifest's text, after serialisation.
    pub manifest_text: Option<fn(String) -> String>,
    pub entry: Option<fn(&mut Value)>,
    pub index: Option<fn(&mut Value)>,
    pub index_text: Option<fn(String) -> String>,
    pub oci_layout: Option<&'static str>,
    /// Run on the finished layout (remove, corrupt, add files).
    pub after: Option<fn(&mut Layout)>,
}

pub const LAYER_FILES: &[(&str, &[u8])] = &[("etc/", b""), ("etc/hello.txt", b"hello\n")];

/// The standard image config for one layer with this DiffID.
pub fn config_json(arch: &str, diff_id: &str) -> Value {
    json!({
        "created": "2024-01-02T03:04:05Z",
        "architecture": arch,
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin:/bin"],
            "Cmd": ["/bin/sh"],
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {"com.example.team": "core"}
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [
            {"created": "2024-01-02T03:04:05Z", "created_by": "ADD hello.txt /etc/"},
            {"created_by": "ENV PATH=/usr/bin:/bin", "empty_layer": true}
        ]
    })
}

/// One image (layer, config, manifest) in the layout; returns its index entry. `suffix` tells
/// the roles of a second image apart ("" for the first).
pub fn image(l: &mut Layout, e: &Edits, arch: &str, suffix: &str) -> Value {
    let tar = e.layer_tar.map_or_else(|| tar(LAYER_FILES), |f| f());
    let diff_id = sha256(&tar);
    let (bytes, default_mt) = if e.uncompressed {
        (tar.clone(), TAR)
    } else {
        (gzip(&tar), TAR_GZIP)
    };
    let layer = l.blob(
        &format!("layer0{suffix}"),
        e.layer_media_type.unwrap_or(default_mt),
        &bytes,
    );
    let mut config = config_json(arch, &diff_id);
    if let Some(f) = e.config {
        f(&mut config);
    }
    let config_desc = l.blob(&format!("config{suffix}"), CONFIG, &pretty(&config));
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": config_desc,
        "layers": [layer],
        "annotations": {
            "org.opencontainers.image.created": "2024-01-02T03:04:05Z",
            "org.opencontainers.image.source": "https://example.com/src"
        }
    });
    if let Some(f) = e.manifest {
        f(&mut manifest);
    }
    let mut text = String::from_utf8(pretty(&manifest)).unwrap();
    if let Some(f) = e.manifest_text {
        text = f(text);
    }
    let mut entry = l.blob(&format!("manifest{suffix}"), MANIFEST, text.as_bytes());
    entry["platform"] = json!({"architecture": arch, "os": "linux"});
    entry
}

/// Writes index.json (with the edits) and oci-layout, then runs `after`.
pub fn finish(mut l: Layout, e: &Edits, entries: Vec<Value>) -> Layout {
    let mut index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries});
    if let Some(f) = e.index {
        f(&mut index);
    }
    let mut text = String::from_utf8(pretty(&index)).unwrap();
    if let Some(f) = e.index_text {
        text = f(text);
    }
    l.write("index.json", text.as_bytes());
    l.write(
        "oci-layout",
        e.oci_layout
            .unwrap_or("{\"imageLayoutVersion\": \"1.0.0\"}\n")
            .as_bytes(),
    );
    if let Some(f) = e.after {
        f(&mut l);
    }
    l
}

/// The standard layout: one linux/amd64 image tagged v1.0, with the edits.
pub fn standard(e: Edits) -> Layout {
    let mut l = Layout::new();
    let mut entry = image(&mut l, &e, "amd64", "");
    entry["annotations"] = json!({"org.opencontainers.image.ref.name": "v1.0"});
    if let Some(f) = e.entry {
        f(&mut entry);
    }
    finish(l, &e, vec![entry])
}
