//! Runs the suite: selection as libtest does it (`--list`, substring filters, `--exact`,
//! `--skip`), scenarios in parallel and isolated (a panic is that scenario's FAIL), the
//! known-deviation baseline (`--expect-fail`), and clean-up of everything at the end.

use crate::bundle::Base;
use crate::exec::Call;
use crate::host::Host;
use crate::janitor::{self, Janitor};
use crate::runtime::{self, Runtime};
use crate::scenario::{Ctx, Scenario, Stop, Suite};
use oci_check_model::{CheckResult, Level, Outcome, Run, RunKind};
use oci_check_validator::requirements;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The spec release the harness's expectations come from.
pub const SPEC_OF_RECORD: &str = requirements::SPEC_OF_RECORD;

/// Which scenarios to run, as libtest selects tests.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Substrings (or, with `exact`, whole names); none means all.
    pub filters: Vec<String>,
    pub exact: bool,
    /// Substrings of names to leave out.
    pub skip: Vec<String>,
    /// `--partition hash:K/N`: only this shard's scenarios.
    pub partition: Option<Partition>,
}

/// One of N shards of the suite, chosen by a hash of each scenario's name (as cargo-nextest's
/// `--partition hash:K/N`): a scenario is in exactly one shard, whatever the other options, and
/// stays in it when scenarios are added or removed, so CI machines can split the suite and the
/// union of their reports is one full run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// 1-based.
    pub shard: u64,
    pub of: u64,
}

impl Partition {
    /// `hash:K/N` with 1 <= K <= N.
    pub fn parse(text: &str) -> Result<Partition, String> {
        let bad =
            || format!("--partition {text:?}: expected hash:K/N with 1 <= K <= N, e.g. hash:1/3");
        let spec = text.strip_prefix("hash:").ok_or_else(bad)?;
        let (k, n) = spec.split_once('/').ok_or_else(bad)?;
        let (shard, of) = (
            k.parse::<u64>().map_err(|_| bad())?,
            n.parse::<u64>().map_err(|_| bad())?,
        );
        if shard == 0 || of == 0 || shard > of {
            return Err(bad());
        }
        Ok(Partition { shard, of })
    }

    pub fn contains(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.of == self.shard - 1
    }
}

/// FNV-1a, 64 bits: fixed by its definition, so shards are the same on every machine and
/// toolchain (std's hasher makes no such promise).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Selection {
    pub fn matches(&self, name: &str) -> bool {
        if self.partition.is_some_and(|p| !p.contains(name)) {
            return false;
        }
        let selected = self.filters.is_empty()
            || self.filters.iter().any(|f| {
                if self.exact {
                    name == f
                } else {
                    name.contains(f.as_str())
                }
            });
        selected && !self.skip.iter().any(|s| name.contains(s.as_str()))
    }

    pub fn select<'a>(&self, all: &'a [Scenario]) -> Vec<&'a Scenario> {
        all.iter().filter(|s| self.matches(s.name)).collect()
    }
}

/// `--expect-fail FILE`: check names the runtime is known to fail, each with its reason.
#[derive(Debug, Clone, Default)]
pub struct ExpectFail {
    pub entries: BTreeMap<String, String>,
}

impl ExpectFail {
    /// One entry a line: `NAME  REASON`; `#` starts a comment line. Every entry needs a reason
    /// and must name a check of the suite, so the list cannot rot silently.
    pub fn parse(text: &str, known: &[Scenario]) -> Result<ExpectFail, String> {
        let mut entries = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, reason) = line
                .split_once(char::is_whitespace)
                .map(|(a, b)| (a, b.trim()))
                .unwrap_or((line, ""));
            if reason.is_empty() {
                return Err(format!("line {}: {name} has no reason", n + 1));
            }
            if !known.iter().any(|s| s.name == name) {
                return Err(format!("line {}: no check named {name}", n + 1));
            }
            if entries
                .insert(name.to_string(), reason.to_string())
                .is_some()
            {
                return Err(format!("line {}: {name} listed twice", n + 1));
            }
        }
        Ok(ExpectFail { entries })
    }
}

/// How to run.
pub struct Options {
    pub runtime: String,
    pub runtime_args: Vec<String>,
    /// The static `oci-probe`.
    pub probe: PathBuf,
    pub jobs: usize,
    /// Deadline of each runtime call, and of each wait.
    pub timeout: Duration,
    pub selection: Selection,
    pub expect_fail: ExpectFail,
}

/// Progress, as scenarios finish.
pub trait Progress: Sync {
    fn started(&self, _total: usize) {}
    fn finished(&self, _result: &CheckResult) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// The prepared run: checked inputs, private directories, the runtime's features.
pub struct Prepared {
    pub suite: Suite,
    pub janitor: Arc<Janitor>,
    pub version: String,
    pub features_call: Call,
    /// What the preflight changed, when it did (for the report's facts).
    pub preflight: Option<String>,
}

/// Checks the inputs, prepares the run and makes sure the runtime can run anything at all (the
/// [`preflight`]). An `Err` means the tool cannot run (exit 2).
pub fn prepare(opts: &Options) -> Result<Prepared, String> {
    prepare_with_version(opts, None)
}

/// As [`prepare`], with configs claiming `oci_version` (the user's choice) instead of the
/// version [`config_version`] picks.
pub fn prepare_with_version(opts: &Options, oci_version: Option<&str>) -> Result<Prepared, String> {
    let mut prepared = prepare_unchecked(opts, oci_version)?;
    let chosen_by_user = oci_version.is_some();
    match preflight(&prepared.suite, chosen_by_user) {
        Ok(Preflight::Ran) => {}
        Ok(Preflight::RefusedForAnUnknownReason(said)) => {
            prepared.preflight = Some(format!(
                "the runtime refused the simplest container ({said}); every check that creates a container may fail for that"
            ));
        }
        Ok(Preflight::RanWithVersion { refused, accepted }) => {
            prepared.preflight = Some(format!(
                "the runtime refused ociVersion {refused}, its own ociVersionMax, and accepted {accepted}: configs claim {accepted}"
            ));
            prepared.suite.base.oci_version = accepted;
        }
        Err(diagnosis) => {
            let left = prepared.janitor.finish();
            return Err(with_leftovers(diagnosis, &left));
        }
    }
    Ok(prepared)
}

/// As [`prepare_with_version`] without the preflight: for writing the base bundle, which is
/// also how one looks into a runtime that cannot run it.
pub fn prepare_unchecked(opts: &Options, oci_version: Option<&str>) -> Result<Prepared, String> {
    let host = Host::detect();
    if host.euid != 0 {
        return Err(
            "oci-check runtime needs root: runtimes create namespaces, mounts and cgroups".into(),
        );
    }
    let path = runtime::resolve(&opts.runtime)?;
    check_static(&opts.probe)?;
    // Private (0700), like the bundles below it: no other user may read or change what a
    // container is about to run.
    let work = tempfile::Builder::new()
        .prefix("oci-check-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| format!("creating the work directory: {e}"))?
        .keep();
    let janitor = Arc::new(Janitor::new(work.clone()));
    let fail = |e: String| {
        janitor.finish();
        e
    };
    let probe = work.join("oci-probe");
    std::fs::copy(&opts.probe, &probe)
        .map_err(|e| fail(format!("copying the probe {}: {e}", opts.probe.display())))?;
    let root = work.join("state");
    std::fs::create_dir(&root).map_err(|e| fail(format!("{}: {e}", root.display())))?;
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
        .create(work.join("bundles"))
        .map_err(|e| fail(format!("{}: {e}", work.display())))?;
    let rt = Runtime {
        path,
        extra_args: opts.runtime_args.clone(),
        root,
        timeout: opts.timeout,
        janitor: janitor.clone(),
    };
    let version_call = rt.version();
    if !version_call.succeeded() {
        return Err(fail(format!(
            "{} does not run as an OCI runtime: `--version` failed\n{}",
            rt.path.display(),
            version_call.transcript()
        )));
    }
    let version = version_call
        .stdout
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let features_call = rt.call(&["features"]);
    let features = serde_json::from_str::<Value>(&features_call.stdout)
        .ok()
        .filter(|v| features_call.succeeded() && v.is_object());
    let base = Base {
        oci_version: oci_version
            .map(str::to_string)
            .unwrap_or_else(|| config_version(features.as_ref())),
        bounding_caps: host.bounding_caps.clone(),
        host_namespaces: host.namespaces.clone(),
    };
    let tag = work
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("oci-check")
        .to_string();
    Ok(Prepared {
        suite: Suite::new(rt, host, features, base, probe, tag),
        janitor,
        version,
        features_call,
        preflight: None,
    })
}

/// An `ociVersion` the user gives (`--oci-version`): a version as runtime-spec numbers its
/// releases (`1.0.0`, `1.0.2-dev`).
pub fn parse_oci_version(text: &str) -> Result<String, String> {
    semver::Version::parse(text)
        .map(|_| text.to_string())
        .map_err(|e| format!("{text:?} is not a version such as 1.0.2 ({e})"))
}

/// What the preflight found when the runtime could run the simplest container.
#[derive(Debug, PartialEq)]
pub enum Preflight {
    Ran,
    /// The runtime refused the ociVersion its own features document claims (`ociVersionMax`)
    /// and accepted `accepted`: the run goes on with that, and
    /// `features::oci_version_max_is_accepted` reports the refusal.
    RanWithVersion {
        refused: String,
        accepted: String,
    },
    /// The runtime refused the simplest container for a reason not recognised as the host's or
    /// the setup's (its stderr's first line): the run goes on, and each check says what it
    /// asked and got. (A runtime that breaks a part of every config, as the test wrappers that
    /// show checks failing do, must reach the checks it breaks.)
    RefusedForAnUnknownReason(String),
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// The versions tried when the runtime refuses the configs' `ociVersion`, newest first: the
/// 1.0 releases every runtime in the field accepts.
const FALLBACK_VERSIONS: [&str; 3] = ["1.0.2", "1.0.1", "1.0.0"];

/// Before the suite: creates, starts and deletes the simplest container ([`simplest`]). A
/// runtime that refuses to create it (or to start it, leaving it `created`) because of the host
/// or the setup (its cgroup layout, a permission, the configs' `ociVersion`: causes every
/// container meets) would fail every check for that one reason: the `Err` is one diagnosis
/// instead, with what was run, the runtime's output and the cause. A refusal for another reason
/// goes on (see [`Preflight::RefusedForAnUnknownReason`]); a call that hangs or crashes is no
/// refusal: the checks report it, each with its evidence.
pub fn preflight(suite: &Suite, version_chosen_by_user: bool) -> Result<Preflight, String> {
    let mut ctx = Ctx::new(suite, "preflight");
    let refusal = run_simplest(&mut ctx, None);
    let left = ctx.clean_up();
    if !left.is_empty() {
        return Err(format!(
            "preflight: could not remove the simplest container:\n{}",
            left.join("\n")
        ));
    }
    let Some(refused) = refusal else {
        return Ok(Preflight::Ran);
    };
    let tried = &suite.base.oci_version;
    let mut left = Vec::new();
    let accepted = accepted_version(&mut ctx, tried, &mut left);
    if !left.is_empty() {
        return Err(format!(
            "preflight: could not remove a container made retrying with another ociVersion:\n{}",
            left.join("\n")
        ));
    }
    let claimed_max = suite
        .features
        .as_ref()
        .and_then(|f| f["ociVersionMax"].as_str())
        .is_some_and(|max| max == tried);
    match accepted {
        Some(v) if claimed_max && !version_chosen_by_user => Ok(Preflight::RanWithVersion {
            refused: tried.clone(),
            accepted: v,
        }),
        None if cause_in(&refused.stderr, &suite.host).is_none() => Ok(
            Preflight::RefusedForAnUnknownReason(first_line(&refused.stderr)),
        ),
        accepted => Err(diagnosis(suite, &refused, accepted.as_deref())),
    }
}

/// Creates and starts the simplest container, `oci_version` in its config when given. Returns
/// the call the runtime refused (exited non-zero) when it did not get that far.
fn run_simplest(ctx: &mut Ctx, oci_version: Option<&str>) -> Option<crate::exec::Call> {
    let c = ctx
        .container(|cfg| {
            simplest(cfg);
            if let Some(v) = oci_version {
                cfg.set("/ociVersion", Value::from(v));
            }
        })
        .ok()?;
    let create = ctx.create(&c);
    if create.errored() {
        return Some(create);
    }
    if !create.succeeded() {
        return None;
    }
    let start = ctx.start(&c);
    // A start refused with the container still `created`: it can be made, never run. (Refused
    // after the program ran, e.g. by a runtime that runs it at create, is for the checks.)
    let still_created = || {
        ctx.rt()
            .call(&["state", &c.id])
            .stdout
            .contains("\"created\"")
    };
    (start.errored() && still_created()).then_some(start)
}

/// The simplest container: the probe exiting 0, in the base config's namespaces and cgroup,
/// without the hostname, the mounts but /proc, the masked and read-only paths and the rlimits
/// that checks vary (and that some runtimes refuse one by one: that is for those checks to
/// report, not a reason to stop).
fn simplest(cfg: &mut crate::bundle::Config) {
    cfg.probe_args(&["exit", "0"]);
    // /proc alone: runtimes need it to start the process (runc reads /proc/self/fd).
    let proc_only: Vec<Value> = cfg
        .get("/mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m["destination"] == "/proc")
        .cloned()
        .collect();
    cfg.set("/mounts", Value::Array(proc_only));
    cfg.remove("/hostname");
    cfg.remove("/linux/maskedPaths");
    cfg.remove("/linux/readonlyPaths");
    cfg.remove("/process/rlimits");
}

/// The newest of [`FALLBACK_VERSIONS`] other than `refused` with which the runtime creates the
/// simplest container, if any; what could not be removed goes to `left`.
fn accepted_version(ctx: &mut Ctx, refused: &str, left: &mut Vec<String>) -> Option<String> {
    let accepted = FALLBACK_VERSIONS
        .into_iter()
        .filter(|v| *v != refused)
        .find(|v| {
            let refusal = run_simplest(ctx, Some(v));
            left.extend(ctx.clean_up());
            refusal.is_none()
        });
    accepted.map(str::to_string)
}

/// The preflight's report: what ran, what the runtime said, and why, when that is known.
fn diagnosis(suite: &Suite, refused: &crate::exec::Call, accepted: Option<&str>) -> String {
    let version = &suite.base.oci_version;
    let transcript = refused.transcript().replace('\n', "\n  ");
    let cause = match accepted {
        Some(v) => format!(
            "the runtime refuses ociVersion {version} in config.json and accepts {v} (the same config otherwise){}: run again with --oci-version {v}",
            if suite.features.is_none() {
                " (it has no features document saying which versions it takes)"
            } else {
                ""
            }
        ),
        None => format!(
            "{}\nretried with ociVersion {}: refused too, so it is not the version",
            cause_in(&refused.stderr, &suite.host)
                .unwrap_or_else(|| "not recognised: the runtime's stderr above says why".into()),
            FALLBACK_VERSIONS
                .iter()
                .filter(|v| *v != version)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "preflight: {} cannot run the simplest container (the probe exiting 0 in the base config's namespaces and cgroup, /proc mounted, ociVersion {version}), so every check would fail for this one reason; no check was run.\n  {transcript}\ncause: {cause}",
        suite.runtime.path.display()
    )
}

/// The cause a refusal's stderr names, when it is one of the host or setup causes that refuse
/// every container.
fn cause_in(stderr: &str, host: &Host) -> Option<String> {
    let said = stderr.to_lowercase();
    let cause = if said.contains("hybrid") {
        format!(
            "the runtime refuses this host's cgroup layout, {} (cgroup v1 controllers {}; cgroup2 offering {}): it needs pure v1 or pure v2. Run it where the cgroup2 root offers no controller (for crun 1.8.1 on a hybrid host: this repository's `ci/runtimes/crun-v1 --hold oci-check runtime --runtime ci/runtimes/crun-v1 ...`)",
            host.cgroup_version,
            join_or_none(&host.cgroup_v1_controllers),
            join_or_none(&host.cgroup_v2_controllers),
        )
    } else if said.contains("permission denied") || said.contains("operation not permitted") {
        "the runtime lacks a permission (EACCES/EPERM): is something (an LSM profile, a seccomp filter, a user namespace, a nosuid or noexec $TMPDIR holding the bundles) in the way?".to_string()
    } else if said.contains("cgroup") {
        format!(
            "the runtime could not set up the container's cgroups on this host (cgroup {})",
            host.cgroup_version
        )
    } else {
        return None;
    };
    Some(cause)
}

fn join_or_none(set: &std::collections::BTreeSet<String>) -> String {
    if set.is_empty() {
        "none".into()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(" ")
    }
}

/// A diagnosis, with what could not be removed after it.
fn with_leftovers(diagnosis: String, left: &[String]) -> String {
    if left.is_empty() {
        diagnosis
    } else {
        format!("{diagnosis}\ncould not remove:\n{}", left.join("\n"))
    }
}

/// The `ociVersion` configs claim: the runtime's `ociVersionMax` when it names a release no
/// newer than the spec of record, else the spec of record if it has no features, else 1.0.2
/// (the last release every runtime in the field accepts).
pub fn config_version(features: Option<&Value>) -> String {
    let max = features
        .and_then(|f| f["ociVersionMax"].as_str())
        .and_then(|s| semver::Version::parse(s).ok().map(|v| (s.to_string(), v)));
    let record = semver::Version::parse(SPEC_OF_RECORD).expect("a version");
    match max {
        Some((s, v)) if v <= record => s,
        Some(_) => SPEC_OF_RECORD.to_string(),
        None => "1.0.2".to_string(),
    }
}

/// The probe must be static: the rootfs holds nothing else, no loader, no libc.
pub fn check_static(probe: &Path) -> Result<(), String> {
    let elf = std::fs::read(probe).map_err(|e| format!("probe {}: {e}", probe.display()))?;
    let static_hint = "build it with: RUSTFLAGS=\"-C target-feature=+crt-static\" cargo build --release -p oci-probe --target x86_64-unknown-linux-gnu";
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 {
        return Err(format!(
            "probe {} is not a 64-bit ELF binary; {static_hint}",
            probe.display()
        ));
    }
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    const PT_INTERP: u32 = 3;
    for i in 0..count {
        let off = phoff + i * size;
        let Some(p_type) = elf.get(off..off + 4) else {
            return Err(format!("probe {}: truncated ELF", probe.display()));
        };
        if u32::from_le_bytes(p_type.try_into().expect("4 bytes")) == PT_INTERP {
            return Err(format!(
                "probe {} is dynamically linked, and a rootfs has no loader; {static_hint}",
                probe.display()
            ));
        }
    }
    Ok(())
}

/// Runs the selected scenarios of `all` and returns the run. Clean-up is complete when it
/// returns; what could not be removed is a failing `harness::leftovers` result.
pub fn run(prepared: &Prepared, all: &[Scenario], opts: &Options, progress: &dyn Progress) -> Run {
    let started = Instant::now();
    let suite = &prepared.suite;
    let selected = opts.selection.select(all);
    progress.started(selected.len());
    let results: Vec<Mutex<Option<CheckResult>>> =
        selected.iter().map(|_| Mutex::new(None)).collect();
    let leftovers = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    install_quiet_panic_hook();
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(s) = selected.get(i) else { break };
                if suite.runtime.janitor.stopping() {
                    break;
                }
                let (mut result, left) = run_one(suite, s);
                apply_expectation(&mut result, opts.expect_fail.entries.get(s.name));
                progress.finished(&result);
                *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                leftovers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(left);
            });
        }
    });
    let mut left = leftovers.into_inner().unwrap_or_default();
    left.extend(prepared.janitor.finish());
    let mut run = Run::new(RunKind::Runtime, opts.runtime.clone(), SPEC_OF_RECORD);
    run.results = results
        .into_iter()
        .filter_map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect();
    if !left.is_empty() {
        let mut r = CheckResult::new("harness::leftovers", Outcome::Fail, Level::Error);
        r.title = Some("everything the harness made is removed".into());
        r.message = format!(
            "could not remove {} thing(s) the run made:\n{}",
            left.len(),
            left.join("\n")
        );
        r.area = Some("harness".into());
        run.results.push(r);
    }
    run.facts = facts(prepared, opts);
    run.duration = Some(started.elapsed());
    run
}

fn facts(p: &Prepared, opts: &Options) -> BTreeMap<String, String> {
    let mut f = p.suite.host.facts();
    f.insert("runtime".into(), opts.runtime.clone());
    f.insert(
        "runtime.path".into(),
        p.suite.runtime.path.display().to_string(),
    );
    f.insert("runtime.version".into(), p.version.clone());
    if !opts.runtime_args.is_empty() {
        f.insert("runtime.args".into(), opts.runtime_args.join(" "));
    }
    let features = match &p.suite.features {
        Some(v) => format!(
            "ociVersionMin {}, ociVersionMax {}",
            v["ociVersionMin"], v["ociVersionMax"]
        ),
        None => format!("none ({})", p.features_call.exit),
    };
    f.insert("runtime.features".into(), features);
    f.insert("config.ociVersion".into(), p.suite.base.oci_version.clone());
    if let Some(note) = &p.preflight {
        f.insert("preflight".into(), note.clone());
    }
    f.insert("runtime.claims".into(), p.suite.claimed.1.clone());
    f.insert(
        "work_dir".into(),
        p.janitor.work_dir().display().to_string(),
    );
    f.insert("jobs".into(), opts.jobs.to_string());
    f.insert(
        "timeout_s".into(),
        format!("{}", opts.timeout.as_secs_f64()),
    );
    f
}

std::thread_local! {
    static IN_SCENARIO: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// A panic inside a scenario is recorded as its failure instead of being printed over the
/// progress bar; panics elsewhere go to the usual hook.
fn install_quiet_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_SCENARIO.with(|f| f.get()) {
                PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs one scenario, then removes its containers whatever happened.
fn run_one(suite: &Suite, s: &Scenario) -> (CheckResult, Vec<String>) {
    if let Some(since) = crate::since::introduced(s.requirements) {
        if !crate::since::holds(&suite.claimed.0, &since) {
            let mut r = result_of(s);
            r.outcome = Outcome::Skip;
            r.message = format!(
                "the requirement dates from runtime-spec v{since}; the runtime claims an older release ({})",
                suite.claimed.1
            );
            return (r, Vec::new());
        }
    }
    let start = Instant::now();
    let mut ctx = Ctx::new(suite, s.name);
    IN_SCENARIO.with(|f| f.set(true));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (s.run)(&mut ctx)));
    IN_SCENARIO.with(|f| f.set(false));
    let left = ctx.clean_up();
    let mut r = result_of(s);
    match outcome {
        Ok(Ok(())) => r.message = s.title.to_string(),
        Ok(Err(Stop::Skip(reason))) => {
            r.outcome = Outcome::Skip;
            r.message = reason;
        }
        Ok(Err(Stop::Fail(f))) => {
            r.outcome = Outcome::Fail;
            // Every FAIL says what was expected and what was observed: where the check gave
            // only a message, the expectation is the spec's promise it checks (its title) and
            // the observation is the message.
            r.expected = f.expected;
            r.observed = f.observed;
            r.message = f.message;
        }
        Err(_) => {
            r.outcome = Outcome::Fail;
            let msg = PANIC
                .with(|p| p.borrow_mut().take())
                .unwrap_or_else(|| "panicked".into());
            r.message = format!("the check panicked (a harness bug): {msg}");
        }
    }
    if r.outcome == Outcome::Fail && r.expected.is_none() {
        // Every FAIL says what was expected and what was observed: where the check gave only
        // a message, the expectation is the spec's promise it checks (its title) and the
        // observation is the message.
        r.expected = Some(s.title.to_string());
        r.observed = Some(r.message.clone());
    }
    if r.outcome == Outcome::Fail && !ctx.calls.is_empty() {
        let calls: Vec<String> = ctx.calls.iter().map(Call::transcript).collect();
        r.details = Some(format!("runtime calls:\n{}", calls.join("\n")));
    }
    if !ctx.notes.is_empty() {
        r.message = format!("{} ({})", r.message, ctx.notes.join("; "));
    }
    r.duration = Some(start.elapsed());
    (r, left)
}

/// A passing result for `s`, with what it checks and the spec text it cites.
fn result_of(s: &Scenario) -> CheckResult {
    let mut r = CheckResult::new(s.name, Outcome::Pass, level(s));
    r.title = Some(s.title.to_string());
    r.requirements = s.requirements.iter().map(|x| x.to_string()).collect();
    r.area = Some(s.area().to_string());
    if let Some(req) = s.requirements.first().and_then(|id| requirements::get(id)) {
        r.spec = Some(req.url(SPEC_OF_RECORD));
        r.spec_text = Some(req.text.to_string());
    }
    r
}

/// A scenario's level: that of the strongest requirement it covers (MUST: error).
fn level(s: &Scenario) -> Level {
    s.requirements
        .iter()
        .filter_map(|id| requirements::get(id))
        .map(|r| r.finding_level())
        .min()
        // No requirement: a command-line convention, not the spec; worth a warning.
        .unwrap_or(Level::Warning)
}

/// `--expect-fail`: a listed check that fails is `xfail`; one that passes is `xpass`, which
/// fails the run. A skip stays a skip.
fn apply_expectation(r: &mut CheckResult, reason: Option<&String>) {
    let Some(reason) = reason else { return };
    match r.outcome {
        Outcome::Fail => {
            r.outcome = Outcome::Xfail;
            r.message = format!("known deviation ({reason}): {}", r.message);
        }
        Outcome::Pass => {
            r.outcome = Outcome::Xpass;
            r.message = format!(
                "listed as a known deviation ({reason}) but passed: remove it from the --expect-fail list"
            );
        }
        _ => {}
    }
}

/// Writes the base bundle of this run's scenarios into `dir` (a new directory), with the probe
/// exiting 0 as the program and no cgroups path (the runtime picks one, as for a user's own).
pub fn write_base_bundle(prepared: &Prepared, dir: &Path) -> Result<(), String> {
    let mut config = crate::bundle::Config::base(&prepared.suite.base, "/");
    config.remove("/linux/cgroupsPath");
    config.probe_args(&["exit", "0"]);
    crate::bundle::Bundle::create(dir, &prepared.suite.probe, &config)
        .map(drop)
        .map_err(|e| format!("writing the bundle {}: {e}", dir.display()))
}

/// Whether every result is gone: for tests and the leak checks.
pub fn leftovers_of(run: &Run) -> Option<&str> {
    run.results
        .iter()
        .find(|r| r.id == "harness::leftovers")
        .map(|r| r.message.as_str())
}

/// Removes everything still registered and the work directory (after a failed prepare, or
/// from a signal handler).
pub fn abandon(prepared: &Prepared) -> Vec<String> {
    prepared.janitor.shutdown()
}

/// Kept for callers that want to look for this run's leftovers on the host.
pub fn cgroup_leftovers(tag: &str) -> Vec<PathBuf> {
    janitor::cgroup_mounts()
        .into_iter()
        .flat_map(|m| std::fs::read_dir(m).into_iter().flatten())
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(tag))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Check;

    fn noop(_: &mut Ctx) -> Check {
        Ok(())
    }

    fn scenarios() -> Vec<Scenario> {
        ["lifecycle::a", "lifecycle::ab", "kill::a"]
            .map(|name| Scenario {
                name,
                title: "t",
                requirements: &[],
                run: noop,
            })
            .into()
    }

    #[test]
    fn selection_works_like_libtest() {
        let all = scenarios();
        let names =
            |sel: Selection| -> Vec<&str> { sel.select(&all).iter().map(|s| s.name).collect() };
        assert_eq!(names(Selection::default()).len(), 3);
        let f = |f: &[&str], exact: bool, skip: &[&str]| Selection {
            partition: None,
            filters: f.iter().map(|s| s.to_string()).collect(),
            exact,
            skip: skip.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            names(f(&["lifecycle::"], false, &[])),
            ["lifecycle::a", "lifecycle::ab"]
        );
        assert_eq!(names(f(&["lifecycle::a"], true, &[])), ["lifecycle::a"]);
        assert_eq!(names(f(&[], false, &["::a"])), Vec::<&str>::new());
        assert_eq!(
            names(f(&["a"], false, &["kill"])),
            ["lifecycle::a", "lifecycle::ab"]
        );
    }

    #[test]
    fn partitions_split_the_whole_suite_into_disjoint_shards() {
        let all = crate::scenarios::all();
        for n in [1u64, 2, 3, 7] {
            let mut seen = std::collections::BTreeMap::new();
            for k in 1..=n {
                let sel = Selection {
                    partition: Some(Partition::parse(&format!("hash:{k}/{n}")).unwrap()),
                    ..Selection::default()
                };
                let chosen = sel.select(&all);
                if n > 1 {
                    // Every shard gets a share: a hash that sent all to one shard is no split.
                    assert!(chosen.len() < all.len(), "hash:{k}/{n} has every scenario");
                    assert!(!chosen.is_empty(), "hash:{k}/{n} is empty");
                }
                for s in chosen {
                    assert_eq!(seen.insert(s.name, k), None, "{} in two shards", s.name);
                }
            }
            assert_eq!(seen.len(), all.len(), "the shards of {n} miss scenarios");
        }
    }

    #[test]
    fn partition_specs_are_checked() {
        assert_eq!(
            Partition::parse("hash:2/3"),
            Ok(Partition { shard: 2, of: 3 })
        );
        for bad in [
            "hash:0/3",
            "hash:4/3",
            "hash:1/0",
            "count:1/2",
            "hash:1",
            "hash:a/b",
            "",
        ] {
            assert!(Partition::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn the_shard_of_a_name_is_fixed() {
        // FNV-1a of "lifecycle::a" is fixed by definition: shards must not move between
        // machines or toolchains.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn expect_fail_needs_reasons_and_known_names() {
        let all = scenarios();
        let ok = ExpectFail::parse("# c\n\nkill::a  runc does X (issue 1)\n", &all).unwrap();
        assert_eq!(ok.entries["kill::a"], "runc does X (issue 1)");
        assert!(ExpectFail::parse("kill::a\n", &all)
            .unwrap_err()
            .contains("no reason"));
        assert!(ExpectFail::parse("kill::zz why\n", &all)
            .unwrap_err()
            .contains("no check named"));
        assert!(ExpectFail::parse("kill::a x\nkill::a y\n", &all)
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn expectations_turn_fail_into_xfail_and_pass_into_xpass() {
        let reason = "known".to_string();
        let mut r = CheckResult::new("x", Outcome::Fail, Level::Error);
        apply_expectation(&mut r, Some(&reason));
        assert_eq!(r.outcome, Outcome::Xfail);
        assert!(!r.is_failure(false));
        let mut r = CheckResult::new("x", Outcome::Pass, Level::Error);
        apply_expectation(&mut r, Some(&reason));
        assert_eq!(r.outcome, Outcome::Xpass);
        assert!(r.is_failure(false));
        let mut r = CheckResult::new("x", Outcome::Skip, Level::Error);
        apply_expectation(&mut r, Some(&reason));
        assert_eq!(r.outcome, Outcome::Skip);
    }

    #[test]
    fn config_version_follows_features_within_the_spec_of_record() {
        use serde_json::json;
        assert_eq!(config_version(None), "1.0.2");
        let f = json!({"ociVersionMin": "1.0.0", "ociVersionMax": "1.1.0"});
        assert_eq!(config_version(Some(&f)), "1.1.0");
        let f = json!({"ociVersionMin": "1.0.0", "ociVersionMax": "1.9.0"});
        assert_eq!(config_version(Some(&f)), SPEC_OF_RECORD);
        let f = json!({"ociVersionMin": "1.0.0", "ociVersionMax": "1.0.2-dev"});
        assert_eq!(config_version(Some(&f)), "1.0.2-dev");
    }

    #[test]
    fn a_dynamic_binary_is_refused_as_probe() {
        let err = check_static(Path::new("/bin/sh")).unwrap_err();
        assert!(err.contains("dynamically linked"), "{err}");
        let t = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(t.path(), "#!/bin/sh\n").unwrap();
        assert!(check_static(t.path())
            .unwrap_err()
            .contains("not a 64-bit ELF"));
    }
}
