//! `oci-check fuzz`: generated configs within a safe subset ([`gen`]), each run on the runtime
//! with the probe as its program; the probe's report must match the config ([`compare`]), or
//! the runtime must reject the config with a non-zero exit and leave nothing behind. A mismatch
//! is shrunk to a small config that still shows it ([`shrink`]) and written out as a bundle that
//! reproduces it.

pub mod compare;
pub mod gen;
pub mod shrink;

use crate::bundle::{Bundle, Config, OUT};
use crate::scenario::{Ctx, Footprint, Stop, Suite};
use compare::{HostView, Mismatch};
use gen::{Case, FuzzMount};
use serde::Serialize;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What became of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Every property the case sets is what the probe saw.
    Pass {
        skipped: Vec<(String, String)>,
    },
    /// `create` (or `start`) exited non-zero; `leftovers` is what it left (must be nothing).
    Rejected {
        stage: String,
        exit: String,
        /// What the runtime said on stderr (its last line, clipped).
        said: String,
        leftovers: Vec<String>,
    },
    Mismatch {
        mismatches: Vec<Mismatch>,
    },
    /// The runtime ran the container but the probe's report never came.
    NoReport {
        why: String,
    },
    /// The harness could not run the case (writing the bundle failed, ...).
    Error {
        why: String,
    },
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "PASS",
            Verdict::Rejected { leftovers, .. } if leftovers.is_empty() => "REJECTED",
            Verdict::Rejected { .. } => "REJECTED-LEFTOVERS",
            Verdict::Mismatch { .. } => "MISMATCH",
            Verdict::NoReport { .. } => "NO-REPORT",
            Verdict::Error { .. } => "ERROR",
        }
    }

    /// Whether the case shows the runtime breaking a promise (or the run could not tell).
    pub fn failed(&self) -> bool {
        !matches!(self.name(), "PASS" | "REJECTED")
    }

    /// The mismatching properties.
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Verdict::Mismatch { mismatches } => {
                mismatches.iter().map(|m| m.property.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The probe's report file, as the container sees it.
const REPORT: &str = "report.json";

/// Writes the case into the base config `cfg` of a bundle at `bundle`.
pub fn apply(case: &Case, cfg: &mut Config, bundle: &Path) {
    cfg.set("/process/args", json!(probe_args(case)));
    if let Some(h) = &case.hostname {
        cfg.set("/hostname", json!(h));
    }
    if !case.env.is_empty() {
        let mut env = vec!["PATH=/usr/sbin:/usr/bin:/sbin:/bin".to_string()];
        env.extend(case.env.iter().map(|(k, v)| format!("{k}={v}")));
        cfg.set("/process/env", json!(env));
    }
    if let Some(cwd) = &case.cwd {
        cfg.set("/process/cwd", json!(cwd));
    }
    if let Some(u) = &case.user {
        cfg.set(
            "/process/user",
            json!({"uid": u.uid, "gid": u.gid, "additionalGids": u.additional_gids}),
        );
    }
    if !case.rlimits.is_empty() {
        let list: Vec<Value> = case
            .rlimits
            .iter()
            .map(|(n, (soft, hard))| json!({"type": n, "soft": soft, "hard": hard}))
            .collect();
        cfg.set("/process/rlimits", json!(list));
    }
    if let Some(c) = &case.caps {
        cfg.set(
            "/process/capabilities",
            json!({"bounding": c.bounding, "effective": c.kept, "permitted": c.kept,
                   "inheritable": c.inheritable, "ambient": c.kept}),
        );
    }
    if let Some(kinds) = &case.namespaces {
        let list: Vec<Value> = kinds.iter().map(|k| json!({"type": k})).collect();
        cfg.set("/linux/namespaces", json!(list));
        if !kinds.contains("uts") {
            // The base config's hostname needs a UTS namespace of its own.
            cfg.remove("/hostname");
        }
    }
    for m in &case.mounts {
        cfg.push("/mounts", mount_json(m, bundle));
    }
    if !case.masked.is_empty() {
        cfg.set("/linux/maskedPaths", json!(case.masked));
    }
    if !case.readonly.is_empty() {
        cfg.set("/linux/readonlyPaths", json!(case.readonly));
    }
    for (name, value) in &case.sysctls {
        cfg.set(&format!("/linux/sysctl/{name}"), json!(value));
    }
    apply_resources(case, cfg);
}

fn apply_resources(case: &Case, cfg: &mut Config) {
    if let Some(bytes) = case.memory {
        cfg.set("/linux/resources/memory/limit", json!(bytes));
    }
    if let Some(n) = case.pids {
        cfg.set("/linux/resources/pids/limit", json!(n));
    }
    if let Some(s) = case.cpu_shares {
        cfg.set("/linux/resources/cpu/shares", json!(s));
    }
    if let Some((quota, period)) = case.cpu_quota {
        cfg.set("/linux/resources/cpu/quota", json!(quota));
        cfg.set("/linux/resources/cpu/period", json!(period));
    }
    let limits = [
        case.memory,
        case.pids,
        case.cpu_shares,
        case.cpu_quota.map(|q| q.0),
    ];
    if limits.iter().any(Option::is_some) {
        // The probe reads limits from its own cgroup: the cgroup filesystem, read-only.
        cfg.push(
            "/mounts",
            json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                   "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}),
        );
    }
}

/// `oci-probe report --out /out/report.json` with the paths and sysctls the case looks at.
pub fn probe_args(case: &Case) -> Vec<String> {
    let mut a: Vec<String> = [crate::bundle::PROBE, "report", "--out"]
        .map(String::from)
        .into();
    a.push(format!("{OUT}/{REPORT}"));
    let paths: Vec<&String> = case
        .masked
        .iter()
        .chain(&case.readonly)
        .chain(&case.args)
        .collect();
    if !paths.is_empty() {
        a.push("--check-paths".into());
        a.extend(paths.into_iter().cloned());
    }
    if !case.sysctls.is_empty() {
        a.push("--sysctl".into());
        a.extend(case.sysctls.keys().cloned());
    }
    a
}

fn mount_json(m: &FuzzMount, bundle: &Path) -> Value {
    match m {
        FuzzMount::Tmpfs {
            flags,
            mode,
            size_k,
            ..
        } => {
            let mut options = flags.clone();
            options.push(format!("mode={mode:o}"));
            options.push(format!("size={size_k}k"));
            json!({"destination": m.destination(), "type": "tmpfs", "source": "tmpfs",
                   "options": options})
        }
        FuzzMount::Bind {
            name,
            recursive,
            flags,
        } => {
            let mut options = vec![if *recursive { "rbind" } else { "bind" }.to_string()];
            options.extend(flags.iter().cloned());
            json!({"destination": m.destination(), "type": "bind",
                   "source": bind_source(bundle, name), "options": options})
        }
    }
}

/// Where a bind mount of the case comes from: inside the case's own bundle, never elsewhere.
pub fn bind_source(bundle: &Path, name: &str) -> PathBuf {
    bundle.join("fuzz-src").join(name)
}

/// Makes what the case's config names in the bundle: mount points in the rootfs, bind sources,
/// and `out/` writable by any user (the case may run the probe as one).
pub fn prepare_bundle(case: &Case, bundle: &Path) -> std::io::Result<()> {
    for m in &case.mounts {
        std::fs::create_dir_all(bundle.join("rootfs/fuzz").join(m.name()))?;
        if let FuzzMount::Bind { name, .. } = m {
            std::fs::create_dir_all(bind_source(bundle, name))?;
        }
    }
    std::fs::set_permissions(bundle.join("out"), std::fs::Permissions::from_mode(0o777))
}

/// Runs one case in its own container and judges it; everything it made is removed before it
/// returns (what could not be is a leftover, and the verdict says so).
pub fn run_case(suite: &Suite, case: &Case) -> Verdict {
    let mut ctx = Ctx::new(suite, "fuzz");
    let verdict = run_in(&mut ctx, case);
    let left = ctx.clean_up();
    if left.is_empty() {
        return verdict;
    }
    match verdict {
        Verdict::Rejected {
            stage,
            exit,
            said,
            mut leftovers,
        } => {
            leftovers.extend(left);
            Verdict::Rejected {
                stage,
                exit,
                said,
                leftovers,
            }
        }
        _ => Verdict::Error {
            why: format!("could not remove: {}", left.join("; ")),
        },
    }
}

fn run_in(ctx: &mut Ctx, case: &Case) -> Verdict {
    let error = |why: String| Verdict::Error { why };
    let c = match ctx.container_at(|cfg, dir| apply(case, cfg, dir)) {
        Ok(c) => c,
        Err(stop) => return error(stop_text(stop)),
    };
    if let Err(e) = prepare_bundle(case, &c.bundle.dir) {
        return error(format!(
            "harness: preparing {}: {e}",
            c.bundle.dir.display()
        ));
    }
    let call = ctx.create(&c);
    if !call.succeeded() {
        // A rejected config leaves nothing: no state, cgroup, process or mount of the ID.
        return Verdict::Rejected {
            stage: "create".into(),
            exit: call.exit.to_string(),
            said: last_words(&call.stderr),
            leftovers: describe(&ctx.footprint(&c), false),
        };
    }
    let call = ctx.start(&c);
    if !call.succeeded() {
        // After a created container, its state may stay; none of its processes may run on.
        return Verdict::Rejected {
            stage: "start".into(),
            exit: call.exit.to_string(),
            said: last_words(&call.stderr),
            leftovers: describe(&ctx.footprint(&c), true),
        };
    }
    let report = match ctx.read_report(&c) {
        Ok(r) => r,
        Err(stop) => {
            return Verdict::NoReport {
                why: stop_text(stop),
            }
        }
    };
    let args: Vec<String> = probe_args(case);
    let cmp = compare::compare(case, &args, &report, &HostView::of(ctx.host()));
    if cmp.mismatches.is_empty() {
        Verdict::Pass {
            skipped: cmp.skipped,
        }
    } else {
        Verdict::Mismatch {
            mismatches: cmp.mismatches,
        }
    }
}

/// The last line a runtime wrote on stderr, clipped.
fn last_words(stderr: &str) -> String {
    let line = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    crate::exec::clip(line.trim(), 300)
}

fn stop_text(stop: Stop) -> String {
    match stop {
        Stop::Skip(s) => s,
        Stop::Fail(f) => match (f.expected, f.observed) {
            (Some(e), Some(o)) => format!("{} (expected {e}, observed {o})", f.message),
            _ => f.message,
        },
    }
}

/// What a footprint holds, as lines; `created` leaves the state entry out (a container that
/// was created may be kept until deleted).
fn describe(f: &Footprint, created: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !created {
        out.extend(f.state_entries.iter().map(|e| format!("state entry {e}")));
        out.extend(
            f.cgroup_dirs
                .iter()
                .map(|d| format!("cgroup {}", d.display())),
        );
        out.extend(f.mounts.iter().map(|m| format!("mount {}", m.display())));
    }
    out.extend(f.processes.iter().map(|p| format!("process {p}")));
    out
}

/// Writes `case` as a bundle in the new directory `dir` that reproduces it with
/// `RUNTIME run --bundle DIR ID`: config.json (no cgroupsPath: the runtime picks one), a rootfs
/// with the probe, the bind sources, and a README saying what to look for.
pub fn write_bundle(
    suite: &Suite,
    case: &Case,
    dir: &Path,
    readme: &str,
) -> Result<PathBuf, String> {
    let dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| e.to_string())?
            .join(dir)
    };
    if dir.exists() {
        crate::janitor::remove_tree_on_one_device(&dir)
            .map_err(|e| format!("replacing {}: {e}", dir.display()))?;
    }
    let mut config = Config::base(&suite.base, "/");
    config.remove("/linux/cgroupsPath");
    apply(case, &mut config, &dir);
    let what = |e: std::io::Error| format!("writing the bundle {}: {e}", dir.display());
    Bundle::create(&dir, &suite.probe, &config).map_err(what)?;
    prepare_bundle(case, &dir).map_err(what)?;
    std::fs::write(dir.join("README"), readme).map_err(what)?;
    std::fs::write(
        dir.join("case.json"),
        serde_json::to_string_pretty(case).expect("a case serializes"),
    )
    .map_err(what)?;
    Ok(dir)
}
