//! Safety of what the harness writes: bundles live in private 0700 directories (and so do their
//! parents up to the work dir; user-namespace scenarios add only the search bit, 0711), and no host path is bind-mounted writable into a container
//! except the per-scenario results directory (`/out`, the bundle's own `out/`).
//!
//! Every config the suite writes is seen: the run goes through `tests/chaos/record-configs`,
//! which is runc plus a copy of each bundle's config.json and directory modes at create.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::*;

fn recorder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chaos/record-configs")
}

/// Mount options say read-only: "ro" or "rro" present and no later "rw" / "rrw".
fn read_only(options: &[&str]) -> bool {
    let mut ro = false;
    for o in options {
        match *o {
            "ro" | "rro" => ro = true,
            "rw" | "rrw" => ro = false,
            _ => {}
        }
    }
    ro
}

/// The bind mounts of `config` (bundle at `dir`) whose source is outside the bundle and which
/// are writable: each is a host path a container could change.
fn writable_host_binds(config: &Value, dir: &Path) -> Vec<String> {
    let mounts = config["mounts"].as_array().cloned().unwrap_or_default();
    mounts
        .iter()
        .filter_map(|m| {
            let options: Vec<&str> = m["options"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let bind = m["type"] == "bind" || options.iter().any(|o| *o == "bind" || *o == "rbind");
            let source = Path::new(m["source"].as_str()?);
            let source = if source.is_relative() {
                dir.join(source)
            } else {
                source.to_path_buf()
            };
            // Outside the bundle, lexically ("..": outside unless proven otherwise).
            let inside = source.starts_with(dir)
                && !source
                    .components()
                    .any(|c| c == std::path::Component::ParentDir);
            (bind && !inside && !read_only(&options)).then(|| m.to_string())
        })
        .collect()
}

#[test]
fn read_only_is_the_last_word_of_the_options() {
    assert!(read_only(&["rbind", "ro"]));
    assert!(!read_only(&["ro", "rw"]));
    assert!(!read_only(&["rbind"]));
}

#[test]
fn a_writable_bind_from_outside_the_bundle_is_found() {
    let dir = Path::new("/tmp/oci-check-x/bundles/b");
    let config = serde_json::json!({"mounts": [
        {"destination": "/out", "type": "bind", "source": "out", "options": ["rbind", "rw"]},
        {"destination": "/h", "type": "bind", "source": "/etc", "options": ["rbind", "ro"]},
        {"destination": "/w", "type": "none", "source": "/var", "options": ["bind"]},
        {"destination": "/e", "type": "bind", "source": "../x", "options": ["rbind"]},
    ]});
    let found = writable_host_binds(&config, dir);
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn every_bundle_is_private_and_binds_only_its_results_dir_writable() {
    let Some((_, probe)) = prerequisites() else {
        return;
    };
    let record = tempfile::tempdir().unwrap();
    // The only test of this binary that runs a suite: no other thread reads the environment.
    std::env::set_var("OCI_CHECK_RECORD_DIR", record.path());
    let run = run(&options(&recorder(), &[], &probe, &[]), None);
    std::env::remove_var("OCI_CHECK_RECORD_DIR");
    let mut problems = Vec::new();
    let mut seen = 0;
    for e in std::fs::read_dir(record.path()).unwrap().flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        seen += 1;
        let config: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let dir = PathBuf::from(
            std::fs::read_to_string(p.with_extension("dir"))
                .unwrap()
                .trim(),
        );
        for m in writable_host_binds(&config, &dir) {
            problems.push(format!("{}: writable host bind {m}", dir.display()));
        }
        for line in std::fs::read_to_string(p.with_extension("modes"))
            .unwrap()
            .lines()
        {
            // Nobody but root may list or change them. The search bit for group and others
            // is allowed: user-namespace scenarios add it (namespaces.rs,
            // open_bundle_to_mapped_root) so the container's mapped root can reach its rootfs;
            // it reveals no name and permits no change.
            let mode = u32::from_str_radix(line.split(' ').next().unwrap(), 8).unwrap();
            if mode & 0o766 != 0o700 {
                problems.push(format!(
                    "{}: not private (0700 or 0711): {line}",
                    dir.display()
                ));
            }
        }
    }
    assert!(
        seen > 0,
        "no config was recorded: {:?}",
        run.results.first()
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
