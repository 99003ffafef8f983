//! Rules must not assume the schema passed: every member of the index, the manifest and the
//! image config, replaced by a value of each JSON type, gives a report (never a panic, never
//! exit 2), and every finding in a JSON document is located (line and column).

mod support;

use oci_check_image::{validate_layout, Options};
use serde_json::{json, Value};
use support::*;

/// Every pointer to a member or item of `v` (not the root).
fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(c, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(c, &p, out);
            }
        }
        _ => {}
    }
}

fn replacements() -> Vec<Value> {
    vec![
        json!(null),
        json!(-1),
        json!(1.5e300),
        json!("x"),
        json!([]),
        json!({}),
        json!(true),
        json!([{}]),
    ]
}

/// Builds the standard image with `which` ("config", "manifest" or "index") changed at `ptr`.
fn build(which: &str, ptr: &str, value: &Value) -> Layout {
    let mut l = Layout::new();
    let tar = tar(LAYER_FILES);
    let layer = l.blob("layer0", TAR, &tar);
    let mut config = config_json("amd64", &sha256(&tar));
    if which == "config" {
        *config.pointer_mut(ptr).unwrap() = value.clone();
    }
    let config_desc = l.blob("config", CONFIG, &pretty(&config));
    let mut manifest = json!({"schemaVersion": 2, "mediaType": MANIFEST, "config": config_desc, "layers": [layer],
        "annotations": {"org.opencontainers.image.created": "2024-01-02T03:04:05Z"}});
    if which == "manifest" {
        *manifest.pointer_mut(ptr).unwrap() = value.clone();
    }
    let mut entry = l.blob("manifest", MANIFEST, &pretty(&manifest));
    entry["platform"] = json!({"architecture": "amd64", "os": "linux"});
    let mut index = json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": [entry]});
    if which == "index" {
        *index.pointer_mut(ptr).unwrap() = value.clone();
    }
    l.write("index.json", &pretty(&index));
    l.write("oci-layout", b"{\"imageLayoutVersion\": \"1.0.0\"}");
    l
}

#[test]
fn any_member_of_any_type_gives_a_located_report() {
    let base = build("none", "", &json!(null));
    let read = |rel: &str| -> Value {
        serde_json::from_slice(&std::fs::read(base.root.join(rel)).unwrap()).unwrap()
    };
    let docs = [
        (
            "config",
            read(
                &base
                    .roles
                    .iter()
                    .find(|(_, r)| *r == "config")
                    .unwrap()
                    .0
                    .clone(),
            ),
        ),
        (
            "manifest",
            read(
                &base
                    .roles
                    .iter()
                    .find(|(_, r)| *r == "manifest")
                    .unwrap()
                    .0
                    .clone(),
            ),
        ),
        ("index", read("index.json")),
    ];
    let mut runs = 0;
    for (which, doc) in &docs {
        let mut ptrs = Vec::new();
        pointers(doc, "", &mut ptrs);
        for ptr in &ptrs {
            for value in replacements() {
                let l = build(which, ptr, &value);
                let report = validate_layout(l.path(), &Options::default())
                    .unwrap_or_else(|e| panic!("{which} {ptr} = {value}: could not run: {e}"));
                for f in &report.findings {
                    if report.documents.contains_key(&f.file) {
                        assert!(
                            f.line.is_some(),
                            "{which} {ptr} = {value}: {} at {} {} has no line",
                            f.rule.id,
                            f.file,
                            f.pointer
                        );
                    }
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 300, "{runs}");
}
