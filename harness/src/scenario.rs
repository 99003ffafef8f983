//! What a scenario is, and the context it runs in.
//!
//! A scenario is a named function from a [`Ctx`] to a [`Check`]: `Ok(())` passes, `Stop::Fail`
//! fails with what was expected and observed, `Stop::Skip` says why it could not be checked
//! here. Every runtime call it makes is kept in the context, and a failure's report shows them.

use crate::bundle::{Base, Bundle, Config};
use crate::exec::Call;
use crate::host::Host;
use crate::janitor::{self, Tracked};
use crate::runtime::Runtime;
use serde_json::Value;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The pause between two looks at something awaited: short, since every look (a runtime
/// call, a file read) takes time of its own; never a fixed wait for the thing itself.
const POLL: Duration = Duration::from_millis(1);

/// One check of the suite.
pub struct Scenario {
    /// `area::what_it_checks`, as `--filter`/`--exact` see it.
    pub name: &'static str,
    /// The spec's promise, in one sentence.
    pub title: &'static str,
    /// IDs of `requirements.tsv` rows this check covers.
    pub requirements: &'static [&'static str],
    pub run: fn(&mut Ctx) -> Check,
}

impl Scenario {
    pub fn area(&self) -> &'static str {
        self.name.split("::").next().unwrap_or(self.name)
    }
}

/// Why a scenario stopped short of passing.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    Fail(Failure),
    Skip(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Failure {
    pub message: String,
    pub expected: Option<String>,
    pub observed: Option<String>,
}

pub type Check = Result<(), Stop>;

/// A failure with a message only.
pub fn fail(message: impl Into<String>) -> Stop {
    Stop::Fail(Failure {
        message: message.into(),
        ..Failure::default()
    })
}

/// A failure that says what was expected and what was observed.
pub fn mismatch(
    message: impl Into<String>,
    expected: impl Into<String>,
    observed: impl Into<String>,
) -> Stop {
    Stop::Fail(Failure {
        message: message.into(),
        expected: Some(expected.into()),
        observed: Some(observed.into()),
    })
}

pub fn skip(reason: impl Into<String>) -> Stop {
    Stop::Skip(reason.into())
}

/// Fails unless `expected == observed`.
pub fn expect_eq<T: Debug + PartialEq>(what: &str, expected: T, observed: T) -> Check {
    if expected == observed {
        Ok(())
    } else {
        Err(mismatch(
            what.to_string(),
            format!("{expected:?}"),
            format!("{observed:?}"),
        ))
    }
}

/// Fails unless `expected == observed`, with both as pretty JSON and a line diff of them
/// (made with `similar`) in the message: for comparing what the config asked with what the
/// probe saw, field by field.
pub fn expect_same<T: serde::Serialize + PartialEq>(
    what: &str,
    expected: &T,
    observed: &T,
) -> Check {
    if expected == observed {
        return Ok(());
    }
    let pretty = |v: &T| serde_json::to_string_pretty(v).unwrap_or_else(|e| e.to_string());
    let (e, o) = (pretty(expected), pretty(observed));
    let diff = similar::TextDiff::from_lines(&e, &o)
        .unified_diff()
        .header("expected", "observed")
        .to_string();
    Err(mismatch(format!("{what} differs:\n{diff}"), e, o))
}

/// Fails unless `observed` holds every item of `expected`, in any order (runtimes add their
/// own entries to lists such as the devices cgroup's; lists are never compared by position).
pub fn expect_subset<T: std::fmt::Debug + PartialEq>(
    what: &str,
    expected: &[T],
    observed: &[T],
) -> Check {
    let missing: Vec<&T> = expected.iter().filter(|e| !observed.contains(e)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(mismatch(
            format!("{what}: {} expected item(s) missing", missing.len()),
            format!("{expected:?} (in any order, others allowed)"),
            format!("{observed:?}; missing {missing:?}"),
        ))
    }
}

/// Fails with `message` unless `cond`.
pub fn ensure(cond: bool, message: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(fail(message()))
    }
}

/// Everything shared by the scenarios of one run.
pub struct Suite {
    pub runtime: Runtime,
    pub host: Host,
    /// The runtime's `features` document, when it gave a valid one.
    pub features: Option<Value>,
    pub base: Base,
    /// The run's copy of the static probe.
    pub probe: PathBuf,
    /// Unique per run: in every container ID and cgroup path, so nothing is confused with
    /// another run's or the user's.
    pub tag: String,
    /// The newest spec release the runtime claims to implement, and where that came from.
    pub claimed: (semver::Version, String),
    next: AtomicU64,
    /// Every probe report a scenario read, in the order read: `oci-check diff` compares them
    /// between runtimes.
    observed: Mutex<Vec<Observed>>,
}

/// A probe report as a scenario saw it: which scenario, which of its containers (0 for the
/// first it made), and the report.
#[derive(Debug, Clone)]
pub struct Observed {
    pub scenario: &'static str,
    pub container: usize,
    pub report: Value,
}

impl Suite {
    pub fn new(
        runtime: Runtime,
        host: Host,
        features: Option<Value>,
        base: Base,
        probe: PathBuf,
        tag: String,
    ) -> Suite {
        let claimed = claimed_version(features.as_ref(), &base.oci_version);
        Suite {
            runtime,
            host,
            features,
            base,
            probe,
            tag,
            claimed,
            next: AtomicU64::new(1),
            observed: Mutex::new(Vec::new()),
        }
    }

    /// Holds the runtime to the spec of record whatever release it claims (`why`), so that the
    /// checks of later releases run too.
    pub fn hold_to_spec_of_record(&mut self, why: &str) {
        let record = semver::Version::parse(crate::runner::SPEC_OF_RECORD).expect("a release");
        self.claimed = (
            record,
            format!("{why}; the runtime claims {}", self.claimed.1),
        );
    }

    /// The probe reports the scenarios read so far (and forgets them).
    pub fn take_observed(&self) -> Vec<Observed> {
        std::mem::take(&mut *self.observed.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn unique(&self) -> String {
        format!("{}-{}", self.tag, self.next.fetch_add(1, Ordering::SeqCst))
    }
}

/// The spec release a runtime claims: its features' `ociVersionMax`; without features, the
/// version the configs claim (the runtime is assumed to accept what it is given).
pub fn claimed_version(
    features: Option<&Value>,
    config_version: &str,
) -> (semver::Version, String) {
    let from_features = features
        .and_then(|f| f["ociVersionMax"].as_str())
        .and_then(|s| Some((semver::Version::parse(s).ok()?, s)));
    match from_features {
        Some((v, s)) => (v, format!("features.ociVersionMax {s}")),
        None => (
            semver::Version::parse(config_version).unwrap_or(semver::Version::new(1, 0, 2)),
            format!("no features document; configs claim {config_version}"),
        ),
    }
}

/// A container of a scenario: its ID, bundle and cgroup.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    pub bundle: Bundle,
    pub cgroups_path: String,
    pub config: Config,
    key: u64,
}

/// What a container leaves on the host: compared before and after an operation that must fail
/// without side effects. Scoped to the container's own names (ID, bundle, cgroup path), so
/// scenarios running in parallel do not disturb each other's comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub state_entries: Vec<String>,
    pub cgroup_dirs: Vec<PathBuf>,
    pub processes: Vec<i32>,
    pub mounts: Vec<PathBuf>,
}

/// The context one scenario runs in.
pub struct Ctx<'s> {
    pub suite: &'s Suite,
    /// The running scenario's name.
    pub scenario_name: &'static str,
    /// Every runtime call made, in order.
    pub calls: Vec<Call>,
    /// Notes for the report (which spec version decided an expectation, ...).
    pub notes: Vec<String>,
    containers: Vec<u64>,
}

impl<'s> Ctx<'s> {
    pub fn new(suite: &'s Suite, scenario_name: &'static str) -> Ctx<'s> {
        Ctx {
            suite,
            scenario_name,
            calls: Vec::new(),
            notes: Vec::new(),
            containers: Vec::new(),
        }
    }

    pub fn rt(&self) -> &Runtime {
        &self.suite.runtime
    }

    pub fn host(&self) -> &Host {
        &self.suite.host
    }

    /// The deadline for waiting on something the runtime does.
    pub fn patience(&self) -> Duration {
        self.suite.runtime.timeout
    }

    /// SKIP unless the runtime supports `name`: when its features document has a list at
    /// `pointer` (`/hooks`, `/linux/namespaces`, ...) without `name`, the runtime says it does
    /// not support it. Without a features document, or without that list, the runtime is
    /// assumed to support it (and fails the check if it does not).
    pub fn requires_feature(&self, pointer: &str, name: &str) -> Check {
        let Some(list) = self
            .suite
            .features
            .as_ref()
            .and_then(|f| f.pointer(pointer))
            .and_then(Value::as_array)
        else {
            return Ok(());
        };
        if list.iter().any(|v| v == name) {
            Ok(())
        } else {
            Err(skip(format!(
                "the runtime does not support {name:?}: its features document does not list it in {pointer}"
            )))
        }
    }

    /// SKIP unless the host has the namespace kind (a config type: `network`, `user`, ...).
    pub fn requires_host_namespace(&self, config_type: &str) -> Check {
        let name = crate::bundle::proc_ns_name(config_type);
        if self.host().namespaces.contains(name) {
            Ok(())
        } else {
            Err(skip(format!(
                "this host has no {config_type} namespaces (/proc/self/ns/{name} is missing)"
            )))
        }
    }

    /// The base config with this container's own cgroup path.
    pub fn config(&self, cgroups_path: &str) -> Config {
        Config::base(&self.suite.base, cgroups_path)
    }

    /// A new container (not created yet): unique ID, bundle with the config `edit` makes from
    /// the base one. Registered with the janitor before anything exists.
    pub fn container(&mut self, edit: impl FnOnce(&mut Config)) -> Result<Container, Stop> {
        self.container_at(|cfg, _| edit(cfg))
    }

    /// As [`Ctx::container`], for configs that name host paths inside the bundle: `edit` also
    /// gets the bundle directory the container will have.
    pub fn container_at(
        &mut self,
        edit: impl FnOnce(&mut Config, &Path),
    ) -> Result<Container, Stop> {
        let id = self.suite.unique();
        let cgroups_path = format!("/{id}");
        let dir = self.new_bundle_dir();
        let mut config = self.config(&cgroups_path);
        edit(&mut config, &dir);
        self.make_container(&id, &cgroups_path, config, dir)
    }

    /// A container under a given ID (for duplicate-ID checks).
    pub fn container_with_id(
        &mut self,
        id: &str,
        cgroups_path: &str,
        config: Config,
    ) -> Result<Container, Stop> {
        let dir = self.new_bundle_dir();
        self.make_container(id, cgroups_path, config, dir)
    }

    fn new_bundle_dir(&self) -> PathBuf {
        self.rt()
            .janitor
            .work_dir()
            .join("bundles")
            .join(self.suite.unique())
    }

    fn make_container(
        &mut self,
        id: &str,
        cgroups_path: &str,
        config: Config,
        dir: PathBuf,
    ) -> Result<Container, Stop> {
        let key = self.rt().janitor.track(Tracked {
            id: id.to_string(),
            runtime: self.rt().path.clone(),
            global_args: self.rt().global_args(),
            cgroups_path: Some(cgroups_path.to_string()),
            bundle: dir.clone(),
        });
        self.containers.push(key);
        let bundle = Bundle::create(&dir, &self.suite.probe, &config).map_err(|e| {
            fail(format!(
                "harness: writing the bundle {}: {e}",
                dir.display()
            ))
        })?;
        Ok(Container {
            id: id.to_string(),
            bundle,
            cgroups_path: cgroups_path.to_string(),
            config,
            key,
        })
    }

    /// Runs the runtime and keeps the call.
    pub fn call(&mut self, args: &[&str]) -> Call {
        let c = self.rt().call(args);
        self.calls.push(c.clone());
        c
    }

    pub fn call_in(&mut self, cwd: &Path, args: &[&str]) -> Call {
        let c = self.rt().call_in(Some(cwd), args);
        self.calls.push(c.clone());
        c
    }

    pub fn create(&mut self, c: &Container) -> Call {
        let bundle = c.bundle.dir.display().to_string();
        self.call(&["create", "--bundle", &bundle, &c.id])
    }

    pub fn start(&mut self, c: &Container) -> Call {
        self.call(&["start", &c.id])
    }

    pub fn kill(&mut self, c: &Container, signal: &str) -> Call {
        self.call(&["kill", &c.id, signal])
    }

    pub fn delete(&mut self, c: &Container) -> Call {
        self.call(&["delete", &c.id])
    }

    /// Fails unless the call exited 0; `what` says what it was for.
    pub fn succeed(&self, call: Call, what: &str) -> Result<Call, Stop> {
        if call.succeeded() {
            Ok(call)
        } else {
            Err(mismatch(
                format!("{what}: the runtime call failed"),
                "exit 0",
                call.exit.to_string(),
            ))
        }
    }

    /// Creates the container, failing the check if the runtime cannot.
    pub fn created(&mut self, c: &Container) -> Check {
        let call = self.create(c);
        self.succeed(call, "create").map(drop)
    }

    /// Creates and starts the container, and waits until the probe says it runs (its ready
    /// line in /out/signals.jsonl).
    pub fn running(&mut self, c: &Container) -> Check {
        self.created(c)?;
        let call = self.start(c);
        self.succeed(call, "start")?;
        self.wait_ready(c).map(drop)
    }

    /// `state ID`, parsed. Fails if the call fails or does not print a JSON object.
    pub fn state(&mut self, c: &Container) -> Result<Value, Stop> {
        let call = self.call(&["state", &c.id]);
        let call = self.succeed(call, "state")?;
        parse_state(&call.stdout)
    }

    /// Polls `state` until `status` is `want`, up to the deadline.
    pub fn wait_status(&mut self, c: &Container, want: &str) -> Result<Value, Stop> {
        let deadline = Instant::now() + self.patience();
        let mut last = None;
        loop {
            let call = self.rt().call(&["state", &c.id]);
            if let Ok(state) = parse_state(&call.stdout) {
                if state["status"] == want {
                    self.calls.push(call);
                    return Ok(state);
                }
                last = Some(state["status"].to_string());
            }
            if Instant::now() >= deadline {
                self.calls.push(call);
                return Err(mismatch(
                    format!(
                        "status did not become {want:?} within {:.0} s",
                        self.patience().as_secs_f64()
                    ),
                    format!("{want:?}"),
                    last.unwrap_or_else(|| "no parseable state".into()),
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls `check` until it gives a value, up to the deadline; `what` names what is awaited.
    pub fn wait_for<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> Result<T, Stop> {
        let deadline = Instant::now() + self.patience();
        loop {
            if let Some(v) = check() {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(fail(format!(
                    "timed out after {:.0} s waiting for {what}",
                    self.patience().as_secs_f64()
                )));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The records the probe's `wait-signals` wrote so far.
    pub fn signal_records(c: &Container) -> Vec<Value> {
        std::fs::read_to_string(c.bundle.out("signals.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits for the probe's ready line and returns it.
    pub fn wait_ready(&self, c: &Container) -> Result<Value, Stop> {
        self.wait_for("the user program to start (its ready line in /out)", || {
            Self::signal_records(c)
                .into_iter()
                .find(|r| r["event"] == "ready")
        })
    }

    /// Runs the probe's report in a container whose config `edit` makes from the base one:
    /// `oci-probe report --out /out/report.json ARGS...` (ARGS: `--check-paths P...`,
    /// `--sysctl NAME...`). Returns the container (still there, stopped) and what the probe
    /// saw. Fails if the runtime cannot create or start it, or the report never comes.
    pub fn probe_report(
        &mut self,
        edit: impl FnOnce(&mut Config),
        args: &[&str],
    ) -> Result<(Container, oci_probe::Report), Stop> {
        let out = format!("{}/report.json", crate::bundle::OUT);
        let c = self.container(|cfg| {
            let mut all = vec!["report", "--out", out.as_str()];
            all.extend_from_slice(args);
            cfg.probe_args(&all);
            edit(cfg);
        })?;
        self.created(&c)?;
        let report = self.start_and_report(&c)?;
        Ok((c, report))
    }

    /// Starts a created container whose program is the probe's `report --out /out/report.json`,
    /// and returns the report once written.
    pub fn start_and_report(&mut self, c: &Container) -> Result<oci_probe::Report, Stop> {
        let call = self.start(c);
        self.succeed(call, "start")?;
        self.read_report(c)
    }

    /// Waits for the probe's report in the container's `/out/report.json`, and parses it.
    pub fn read_report(&self, c: &Container) -> Result<oci_probe::Report, Stop> {
        let path = c.bundle.out("report.json");
        let text = self.wait_for("the probe's report in /out/report.json", || {
            std::fs::read_to_string(&path).ok()
        })?;
        let report: oci_probe::Report = serde_json::from_str(&text)
            .map_err(|e| fail(format!("the probe's report does not parse: {e}")))?;
        self.observe(c, &text);
        Ok(report)
    }

    /// Keeps a report for `oci-check diff`, under this scenario and the container's place
    /// among the scenario's containers (IDs differ between runs, places do not).
    fn observe(&self, c: &Container, text: &str) {
        let Ok(report) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let container = self
            .containers
            .iter()
            .position(|k| *k == c.key)
            .unwrap_or(usize::MAX);
        let mut observed = self
            .suite
            .observed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        observed.push(Observed {
            scenario: self.scenario_name,
            container,
            report,
        });
    }

    /// SKIP unless the runtime claims a spec release at least `since` (`1.1.0`): what a later
    /// release introduced (`what`) is not held against a runtime that claims an older one.
    pub fn held_to(&self, since: &str, what: &str) -> Check {
        let v = semver::Version::parse(since).expect("a release");
        let (claimed, source) = &self.suite.claimed;
        if crate::since::holds(claimed, &v) {
            Ok(())
        } else {
            Err(skip(format!(
                "{what} came with spec v{since}; the runtime claims {claimed} ({source})"
            )))
        }
    }

    /// What the container leaves on the host now.
    pub fn footprint(&self, c: &Container) -> Footprint {
        // Whole path components only: ID "x-1" must not match "x-10".
        let names_id = |p: &str| {
            Path::new(p)
                .components()
                .any(|x| x.as_os_str() == c.id.as_str())
        };
        let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mounts = oci_probe::parse::parse_mountinfo(&text)
            .into_iter()
            .filter(|m| {
                Path::new(&m.destination).starts_with(&c.bundle.dir)
                    || names_id(&m.destination)
                    || names_id(&m.source)
            })
            .map(|m| PathBuf::from(m.destination))
            .collect();
        let mut processes = janitor::processes_in_cgroup(&c.cgroups_path);
        processes.sort_unstable();
        Footprint {
            state_entries: self
                .rt()
                .state_entries()
                .into_iter()
                .filter(|e| e == &c.id)
                .collect(),
            cgroup_dirs: janitor::cgroup_dirs(&c.cgroups_path),
            processes,
            mounts,
        }
    }

    /// Removes this scenario's containers. Returns what could not be removed.
    pub fn clean_up(&mut self) -> Vec<String> {
        let keys = std::mem::take(&mut self.containers);
        keys.into_iter()
            .flat_map(|k| self.suite.runtime.janitor.clean(k))
            .collect()
    }
}

impl Container {
    pub fn key(&self) -> u64 {
        self.key
    }
}

/// A state document: a JSON object.
pub fn parse_state(stdout: &str) -> Result<Value, Stop> {
    match serde_json::from_str::<Value>(stdout) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(mismatch(
            "state printed JSON that is not an object",
            "a JSON object",
            crate::exec::clip(&other.to_string(), 200),
        )),
        Err(e) => Err(mismatch(
            format!("state did not print JSON ({e})"),
            "a JSON state document",
            crate::exec::clip(stdout, 200),
        )),
    }
}

pub use crate::janitor::process_alive;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_eq_says_both_sides() {
        assert!(expect_eq("x", 1, 1).is_ok());
        let Err(Stop::Fail(f)) = expect_eq("status", "created", "running") else {
            panic!()
        };
        assert_eq!(f.expected.as_deref(), Some("\"created\""));
        assert_eq!(f.observed.as_deref(), Some("\"running\""));
    }

    #[test]
    fn state_must_be_a_json_object() {
        assert!(parse_state(r#"{"id":"x"}"#).is_ok());
        assert!(matches!(parse_state("[1]"), Err(Stop::Fail(_))));
        assert!(matches!(parse_state("garbage"), Err(Stop::Fail(_))));
    }

    #[test]
    fn this_process_is_alive_and_pid_zero_is_not() {
        assert!(process_alive(std::process::id() as i64));
        assert!(!process_alive(0));
        assert!(!process_alive(-1));
    }
}
