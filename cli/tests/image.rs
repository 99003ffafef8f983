//! `oci-check image` as a user meets it: exit codes (0 clean, 1 findings, 2 could not run),
//! the output formats, --strict and the os.features warning, malformed JSON with a position,
//! and layouts that must not hang or be read outside the layout (a FIFO, a symlink out).

use serde_json::{json, Value};
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn run(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_oci-check"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("hung: oci-check {args:?}");
        }
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed by a signal")
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    let d = sha2::Sha256::digest(bytes);
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A one-image layout: an uncompressed tar layer made here, its config and manifest.
struct Layout {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    layer: PathBuf,
    manifest: PathBuf,
}

fn blob(root: &Path, media_type: &str, bytes: &[u8]) -> (Value, PathBuf) {
    let digest = sha256(bytes);
    let path = root.join("blobs/sha256").join(&digest[7..]);
    std::fs::write(&path, bytes).unwrap();
    (
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()}),
        path,
    )
}

fn layout(os_features: bool) -> Layout {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("layout");
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_ustar();
    h.set_size(6);
    h.set_mode(0o644);
    h.set_mtime(0);
    b.append_data(&mut h, "hello.txt", &b"hello\n"[..]).unwrap();
    let tar = b.into_inner().unwrap();
    let (layer_desc, layer) = blob(&root, "application/vnd.oci.image.layer.v1.tar", &tar);
    let mut config = json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256(&tar)]}});
    let mut platform = json!({"architecture": "amd64", "os": "linux"});
    if os_features {
        config["os.features"] = json!(["CONFIG_BPF=y"]);
        platform["os.features"] = json!(["CONFIG_BPF=y"]);
    }
    let (config_desc, _) = blob(
        &root,
        "application/vnd.oci.image.config.v1+json",
        config.to_string().as_bytes(),
    );
    let m = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_desc, "layers": [layer_desc]});
    let (mut entry, manifest) = blob(
        &root,
        "application/vnd.oci.image.manifest.v1+json",
        m.to_string().as_bytes(),
    );
    entry["platform"] = platform;
    let index = json!({"schemaVersion": 2, "manifests": [entry]});
    std::fs::write(
        root.join("index.json"),
        serde_json::to_string_pretty(&index).unwrap(),
    )
    .unwrap();
    std::fs::write(
        root.join("oci-layout"),
        r#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .unwrap();
    Layout {
        _tmp: tmp,
        root,
        layer,
        manifest,
    }
}

impl Layout {
    fn arg(&self) -> &str {
        self.root.to_str().unwrap()
    }
}

#[test]
fn a_valid_layout_passes_with_exit_0() {
    let l = layout(false);
    let o = run(&["image", l.arg()]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let o = run(&["image", "-f", "json", l.arg()]);
    assert_eq!(code(&o), 0);
    let r = json_of(&o);
    assert_eq!(r["passed"], json!(true));
    assert!(rules_of(&r).is_empty(), "{r}");
}

#[test]
fn a_corrupted_layer_fails_with_exit_1_naming_the_blob() {
    let l = layout(false);
    let mut bytes = std::fs::read(&l.layer).unwrap();
    bytes[600] ^= 1; // inside the file's data: same length, other content
    std::fs::write(&l.layer, bytes).unwrap();
    let o = run(&["image", "-f", "json", l.arg()]);
    assert_eq!(code(&o), 1);
    let r = json_of(&o);
    assert_eq!(rules_of(&r), ["image.blob.digest"], "{r}");
    let file = r["findings"][0]["file"].as_str().unwrap();
    assert!(
        file.ends_with(&l.layer.file_name().unwrap().to_string_lossy().to_string()),
        "{file}"
    );
}

#[test]
fn os_features_warns_but_exits_0_unless_strict() {
    let l = layout(true);
    let o = run(&["image", "-f", "json", l.arg()]);
    assert_eq!(code(&o), 0);
    let r = json_of(&o);
    assert_eq!(
        rules_of(&r),
        ["image.platform.os.features", "image.platform.os.features"],
        "{r}"
    );
    assert!(r["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("deprecation"));
    assert_eq!(code(&run(&["image", "--strict", l.arg()])), 1);
}

#[test]
fn malformed_index_json_is_a_finding_with_line_and_column() {
    let l = layout(false);
    std::fs::write(
        l.root.join("index.json"),
        "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n}\n",
    )
    .unwrap();
    let o = run(&["image", "-f", "json", l.arg()]);
    assert_eq!(code(&o), 1);
    let r = json_of(&o);
    assert_eq!(rules_of(&r), ["image.json.syntax"]);
    assert_eq!(
        (
            r["findings"][0]["line"].as_u64(),
            r["findings"][0]["column"].as_u64()
        ),
        (Some(4), Some(1)),
        "{r}"
    );
}

#[test]
fn what_cannot_be_checked_exits_2() {
    assert_eq!(code(&run(&["image", "/nonexistent/layout"])), 2);
    let l = layout(false);
    assert_eq!(
        code(&run(&[
            "image",
            l.root.join("oci-layout").to_str().unwrap()
        ])),
        2
    );
    // A manifest larger than --max-size is not read: the tool could not check it.
    let o = run(&["image", "--max-size", "64", l.arg()]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-size"));
}

#[test]
fn a_fifo_or_a_symlink_out_of_the_layout_is_refused_without_hanging() {
    let l = layout(false);
    let outside = l.root.parent().unwrap().join("secret");
    std::fs::write(&outside, "not yours").unwrap();
    std::fs::remove_file(&l.layer).unwrap();
    std::os::unix::fs::symlink(&outside, &l.layer).unwrap();
    let r = json_of(&run(&["image", "-f", "json", l.arg()]));
    assert_eq!(rules_of(&r), ["image.blob.inside_layout"], "{r}");
    std::fs::remove_file(&l.manifest).unwrap();
    let fifo = std::ffi::CString::new(l.manifest.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc_mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let r = json_of(&run(&["image", "-f", "json", l.arg()]));
    assert!(
        rules_of(&r).contains(&"image.blob.inside_layout".to_string()),
        "{r}"
    );
}

extern "C" {
    #[link_name = "mkfifo"]
    fn libc_mkfifo(path: *const std::ffi::c_char, mode: u32) -> i32;
}

#[test]
fn every_format_renders_a_failing_layout() {
    let l = layout(false);
    std::fs::write(l.root.join("oci-layout"), "{}").unwrap();
    for (format, marker) in [
        ("tap", "not ok"),
        ("junit", "<failure"),
        ("sarif", "image.layout.imageLayoutVersion"),
        ("human", "imageLayoutVersion"),
    ] {
        let o = run(&["image", "-f", format, "--color", "never", l.arg()]);
        assert_eq!(code(&o), 1, "{format}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(marker), "{format}: {out}");
    }
}

#[test]
fn several_layouts_make_one_report() {
    let a = layout(false);
    let b = layout(false);
    std::fs::remove_file(b.root.join("oci-layout")).unwrap();
    let o = run(&["image", "-f", "json", a.arg(), b.arg()]);
    assert_eq!(code(&o), 1);
    assert_eq!(rules_of(&json_of(&o)), ["image.layout.oci-layout"]);
}
