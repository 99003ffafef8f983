//! Bundles for scenarios: a private directory holding `config.json`, a rootfs with nothing but
//! the static probe and the directories the config mounts on, and `out/`, the one host
//! directory a container may write to (bind-mounted at `/out`).
//!
//! The base config is built with oci-spec's builders from a minimal Linux config; scenarios then
//! change it as JSON ([`Config::set`]), which also lets them write the invalid configs that
//! oci-spec's types would not allow.

use oci_spec::runtime::{
    LinuxBuilder, LinuxNamespaceBuilder, LinuxNamespaceType, MountBuilder, ProcessBuilder,
    RootBuilder, SpecBuilder, UserBuilder,
};
use serde_json::{json, Value};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where the probe sits in every rootfs.
pub const PROBE: &str = "/oci-probe";
/// The container's view of the bundle's `out/` directory.
pub const OUT: &str = "/out";
/// Directories the base config mounts on, created in every rootfs.
const MOUNT_POINTS: [&str; 5] = ["proc", "sys", "dev", "out", "tmp"];

/// runc's default capability set: what a container gets unless a scenario asks otherwise,
/// less anything this host's bounding set lacks (it could not be granted).
const DEFAULT_CAPS: [&str; 14] = [
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_MKNOD",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];

/// What the base config depends on.
#[derive(Debug, Clone)]
pub struct Base {
    /// `ociVersion` to claim: the newest the runtime says it accepts, at most the spec of record.
    pub oci_version: String,
    pub bounding_caps: std::collections::BTreeSet<String>,
    /// Namespace kinds this host has, by their /proc/self/ns names (`mnt`, `net`, ...): the
    /// base config asks only for these.
    pub host_namespaces: std::collections::BTreeSet<String>,
}

/// The /proc/self/ns name of a config namespace type.
pub fn proc_ns_name(config_type: &str) -> &str {
    match config_type {
        "network" => "net",
        "mount" => "mnt",
        other => other,
    }
}

/// A config.json under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Config(pub Value);

impl Config {
    /// A minimal Linux config: the probe waiting for signals (recording them in
    /// `/out/signals.jsonl`), read-only root, new pid/mount/ipc/uts/network namespaces, the
    /// default filesystems, `cgroupsPath` set to `cgroups_path`.
    pub fn base(base: &Base, cgroups_path: &str) -> Config {
        let spec = build_base(base, cgroups_path).expect("the base config is valid");
        let mut v = serde_json::to_value(spec).expect("a Spec serializes");
        // Capabilities as sorted lists (oci-spec keeps them in a HashSet, whose order changes
        // from run to run): the same scenario writes the same bytes every time.
        let caps: Vec<&str> = DEFAULT_CAPS
            .iter()
            .copied()
            .filter(|c| base.bounding_caps.contains(*c))
            .collect();
        v["process"]["capabilities"] = json!({
            "bounding": caps, "effective": caps, "permitted": caps, "ambient": [],
        });
        Config(v)
    }

    /// Sets the value at a JSON pointer, creating objects on the way.
    pub fn set(&mut self, pointer: &str, value: Value) -> &mut Self {
        let mut at = &mut self.0;
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            at = match at {
                Value::Array(a) => {
                    let i: usize = token.parse().expect("an array index");
                    &mut a[i]
                }
                other => {
                    if !other.is_object() {
                        *other = json!({});
                    }
                    other
                        .as_object_mut()
                        .expect("an object")
                        .entry(token)
                        .or_insert(Value::Null)
                }
            };
        }
        *at = value;
        self
    }

    /// Removes the member a JSON pointer names, if it is there.
    pub fn remove(&mut self, pointer: &str) -> &mut Self {
        if let Some((parent, last)) = pointer.rsplit_once('/') {
            if let Some(Value::Object(o)) = self.0.pointer_mut(parent) {
                o.remove(last);
            }
        }
        self
    }

    /// Appends to the array at a pointer.
    pub fn push(&mut self, pointer: &str, value: Value) -> &mut Self {
        if let Some(Value::Array(a)) = self.0.pointer_mut(pointer) {
            a.push(value);
        } else {
            self.set(pointer, json!([value]));
        }
        self
    }

    /// `process.args`, the probe and its arguments.
    pub fn probe_args(&mut self, args: &[&str]) -> &mut Self {
        let mut all = vec![PROBE];
        all.extend_from_slice(args);
        self.set("/process/args", json!(all))
    }

    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.0.pointer(pointer)
    }
}

fn build_base(base: &Base, cgroups_path: &str) -> Result<oci_spec::runtime::Spec, String> {
    let e = |e: oci_spec::OciSpecError| e.to_string();
    let mount = |dest: &str, typ: &str, source: &str, options: &[&str]| {
        MountBuilder::default()
            .destination(dest)
            .typ(typ)
            .source(source)
            .options(options.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .build()
    };
    let bind_out = MountBuilder::default()
        .destination(OUT)
        .typ("bind")
        // Relative to the bundle: runtimes resolve a relative bind source against it.
        .source("out")
        .options(vec!["rbind".to_string(), "rw".to_string()])
        .build()
        .map_err(e)?;
    let namespaces = [
        (LinuxNamespaceType::Pid, "pid"),
        (LinuxNamespaceType::Mount, "mnt"),
        (LinuxNamespaceType::Ipc, "ipc"),
        (LinuxNamespaceType::Uts, "uts"),
        (LinuxNamespaceType::Network, "net"),
    ]
    .into_iter()
    .filter(|(_, proc_name)| base.host_namespaces.contains(*proc_name))
    .map(|(t, _)| LinuxNamespaceBuilder::default().typ(t).build())
    .collect::<Result<Vec<_>, _>>()
    .map_err(e)?;
    let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    SpecBuilder::default()
        .version(base.oci_version.clone())
        .root(
            RootBuilder::default()
                .path("rootfs")
                .readonly(true)
                .build()
                .map_err(e)?,
        )
        .process(
            ProcessBuilder::default()
                .terminal(false)
                .user(
                    UserBuilder::default()
                        .uid(0u32)
                        .gid(0u32)
                        .build()
                        .map_err(e)?,
                )
                .args(strings(&[
                    PROBE,
                    "wait-signals",
                    "--out",
                    "/out/signals.jsonl",
                ]))
                .env(strings(&["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]))
                .cwd("/")
                .no_new_privileges(true)
                .build()
                .map_err(e)?,
        )
        .hostname("oci-check")
        .mounts(vec![
            mount("/proc", "proc", "proc", &[]).map_err(e)?,
            mount(
                "/dev",
                "tmpfs",
                "tmpfs",
                &["nosuid", "strictatime", "mode=755", "size=65536k"],
            )
            .map_err(e)?,
            mount(
                "/dev/pts",
                "devpts",
                "devpts",
                &[
                    "nosuid",
                    "noexec",
                    "newinstance",
                    "ptmxmode=0666",
                    "mode=0620",
                ],
            )
            .map_err(e)?,
            mount(
                "/dev/shm",
                "tmpfs",
                "shm",
                &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            )
            .map_err(e)?,
            mount(
                "/sys",
                "sysfs",
                "sysfs",
                &["nosuid", "noexec", "nodev", "ro"],
            )
            .map_err(e)?,
            bind_out,
        ])
        .linux(
            LinuxBuilder::default()
                .namespaces(namespaces)
                .cgroups_path(PathBuf::from(cgroups_path))
                .masked_paths(strings(&[
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/timer_list",
                    "/sys/firmware",
                ]))
                .readonly_paths(strings(&[
                    "/proc/bus",
                    "/proc/fs",
                    "/proc/irq",
                    "/proc/sys",
                    "/proc/sysrq-trigger",
                ]))
                .build()
                .map_err(e)?,
        )
        .build()
        .map_err(e)
}

/// A bundle on disk.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
}

impl Bundle {
    /// Makes `dir` (mode 0700) with `rootfs/` holding the probe and the base mount points,
    /// `out/` for the container's results, and `config.json`.
    pub fn create(dir: &Path, probe: &Path, config: &Config) -> io::Result<Bundle> {
        std::fs::DirBuilder::new().mode(0o700).create(dir)?;
        let rootfs = dir.join("rootfs");
        for d in MOUNT_POINTS {
            std::fs::DirBuilder::new()
                .mode(0o755)
                .recursive(true)
                .create(rootfs.join(d))?;
        }
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(dir.join("out"))?;
        let target = rootfs.join(PROBE.trim_start_matches('/'));
        // A hard link to the run's copy costs nothing; the rootfs is read-only in the base
        // config, so no container can change the shared file.
        if std::fs::hard_link(probe, &target).is_err() {
            std::fs::copy(probe, &target)?;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
        }
        let b = Bundle {
            dir: dir.to_path_buf(),
        };
        b.write_config(config)?;
        Ok(b)
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("config.json")
    }

    pub fn write_config(&self, config: &Config) -> io::Result<()> {
        let mut doc = config.0.clone();
        // The base config names `out` relative to the bundle, and that is what the spec
        // allows; but a runtime that mis-resolves relative bind sources would then fail every
        // scenario at once. The file gets the absolute path, and one scenario
        // (`mounts::relative_bind_source_is_relative_to_the_bundle`) checks relative sources.
        if let Some(mounts) = doc
            .get_mut("mounts")
            .and_then(serde_json::Value::as_array_mut)
        {
            for m in mounts {
                if m["destination"] == OUT && m["source"] == "out" {
                    m["source"] = serde_json::json!(self.dir.join("out"));
                }
            }
        }
        let bytes = serde_json::to_vec_pretty(&doc).map_err(io::Error::other)?;
        std::fs::write(self.config_path(), bytes)
    }

    /// The host path of a file the container writes at `/out/NAME`.
    pub fn out(&self, name: &str) -> PathBuf {
        self.dir.join("out").join(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Base {
        Base {
            oci_version: "1.0.2".into(),
            bounding_caps: ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"]
                .map(String::from)
                .into(),
            host_namespaces: ["pid", "mnt", "ipc", "uts"].map(String::from).into(),
        }
    }

    #[test]
    fn base_config_is_minimal_linux_and_valid_for_our_validator() {
        let c = Config::base(&base(), "/oci-check-x-1");
        assert_eq!(c.0["ociVersion"], "1.0.2");
        assert_eq!(c.0["root"], json!({"path": "rootfs", "readonly": true}));
        assert_eq!(c.0["linux"]["cgroupsPath"], "/oci-check-x-1");
        // Only namespaces the host has (this one has no network namespaces).
        let types: Vec<&str> = c.0["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["pid", "mount", "ipc", "uts"]);
        // Only default capabilities the host has.
        assert_eq!(
            c.0["process"]["capabilities"]["bounding"],
            json!(["CAP_CHOWN", "CAP_KILL"])
        );
        let text = serde_json::to_string_pretty(&c.0).unwrap();
        let report = oci_check_validator::validate_bytes("config.json", text.as_bytes(), None);
        let run = report.to_run("config.json");
        let errors: Vec<_> = run
            .results
            .iter()
            .filter(|r| r.is_failure(false))
            .map(|r| format!("{}: {}", r.id, r.message))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn set_creates_objects_and_replaces_values() {
        let mut c = Config(json!({"process": {"args": ["a"]}}));
        c.set("/annotations/org.example~1x", json!("v"));
        c.set("/process/args/0", json!("b"));
        c.push("/process/env", json!("A=1"));
        c.push("/process/env", json!("B=2"));
        c.remove("/process/args");
        assert_eq!(
            c.0,
            json!({"process": {"env": ["A=1", "B=2"]}, "annotations": {"org.example/x": "v"}})
        );
    }

    #[test]
    fn bundle_is_private_and_holds_the_probe() {
        let t = tempfile::tempdir().unwrap();
        let probe = t.path().join("probe-bin");
        std::fs::write(&probe, "#!").unwrap();
        let b = Bundle::create(&t.path().join("b"), &probe, &Config(json!({}))).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(std::fs::metadata(&b.dir).unwrap().mode() & 0o777, 0o700);
        assert!(b.dir.join("rootfs/oci-probe").is_file());
        assert!(b.dir.join("rootfs/proc").is_dir());
        assert!(b.dir.join("out").is_dir());
        assert_eq!(std::fs::read_to_string(b.config_path()).unwrap(), "{}");
    }
}
