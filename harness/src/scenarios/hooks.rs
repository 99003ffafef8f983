//! Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"; lifecycle checklist
//! section 4): every kind runs at its point of the lifecycle, in the spec's order, in the right
//! namespaces, with the state on stdin; failures and timeouts have the spec's consequences.
//!
//! Each hook is the probe's `hook --record FILE`, which appends its argv, environment, stdin,
//! timestamps, pid and namespace inodes to one file the harness reads. `args[0]` is a label
//! (`createRuntime-1`), so every record says which hook wrote it.

use super::{footprint_empty, must_error};
use crate::bundle::{OUT, PROBE};
use crate::scenario::{
    ensure, expect_eq, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use oci_check_validator::runtime_docs::validate_state;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The six kinds, in the order the lifecycle runs them.
pub const KINDS: [&str; 6] = [
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// Kinds executed in the container's namespaces; the others run in the runtime's.
fn in_container_ns(kind: &str) -> bool {
    matches!(kind, "createContainer" | "startContainer")
}

pub fn scenarios() -> Vec<Scenario> {
    let mut v = Vec::new();
    for (i, kind) in KINDS.iter().enumerate() {
        v.push(Scenario {
            name: RUNS[i],
            title: RUNS_TITLE[i],
            requirements: RUNS_REQS[i],
            run: runs_with_its_path_args_and_env,
        });
        v.push(Scenario {
            name: WHEN[i],
            title: WHEN_TITLE[i],
            requirements: WHEN_REQS[i],
            run: runs_at_its_point,
        });
        v.push(Scenario {
            name: NS[i],
            title: if in_container_ns(kind) {
                "The hook is executed in the container's namespaces"
            } else {
                "The hook is executed in the runtime's namespaces"
            },
            requirements: NS_REQS[i],
            run: runs_in_its_namespaces,
        });
        v.push(Scenario {
            name: FAILS[i],
            title: FAILS_TITLE[i],
            requirements: FAILS_REQS[i],
            run: failure_has_the_spec_consequence,
        });
    }
    v.extend([
        Scenario {
            name: "hooks::every_kind_gets_the_state_on_stdin",
            title: "The state of the container is passed to every hook on stdin, with its id, pid, bundle and a status fitting the hook's point",
            requirements: &["config.hooks.state_on_stdin", "runtime.state.schema"],
            run: every_kind_gets_the_state_on_stdin,
        },
        Scenario {
            name: "hooks::kinds_run_in_the_spec_order",
            title: "prestart before createRuntime before createContainer; startContainer before poststart; poststop last",
            requirements: &[
                "config.hooks.prestart.before_createRuntime",
                "config.hooks.createContainer.after_createRuntime",
            ],
            run: kinds_run_in_the_spec_order,
        },
        Scenario {
            name: "hooks::hooks_of_one_kind_run_in_the_listed_order",
            title: "Hooks MUST be called in the listed order",
            requirements: &["config.hooks.order"],
            run: hooks_of_one_kind_run_in_the_listed_order,
        },
        Scenario {
            name: "hooks::a_hook_past_its_timeout_is_aborted_and_fails",
            title: "A hook still running after `timeout` seconds is aborted, and counts as failed: create generates an error",
            // The spec gives `timeout` (a MAY field) no sentence of its own beyond "the number
            // of seconds before aborting the hook"; an aborted hook has failed.
            requirements: &["runtime.lifecycle.createRuntime.fail"],
            run: a_hook_past_its_timeout_is_aborted_and_fails,
        },
        Scenario {
            name: "hooks::every_kind_the_features_list_is_run",
            title: "The runtime MUST support the hook kinds its features document lists: one hook of each runs over a whole lifecycle",
            requirements: &["features.hooks.supported"],
            run: every_kind_the_features_list_is_run,
        },
    ]);
    v
}

const RUNS: [&str; 6] = [
    "hooks::prestart_runs_with_its_path_args_and_env",
    "hooks::createRuntime_runs_with_its_path_args_and_env",
    "hooks::createContainer_runs_with_its_path_args_and_env",
    "hooks::startContainer_runs_with_its_path_args_and_env",
    "hooks::poststart_runs_with_its_path_args_and_env",
    "hooks::poststop_runs_with_its_path_args_and_env",
];
const RUNS_TITLE: [&str; 6] = [
    "prestart hooks are invoked, with path resolved in the runtime namespace, and the given args and env",
    "createRuntime hooks are invoked, with path resolved in the runtime namespace, and the given args and env",
    "createContainer hooks are invoked, with path resolved in the runtime namespace, and the given args and env",
    "startContainer hooks are invoked, with path resolved in the container namespace, and the given args and env",
    "poststart hooks are invoked, with path resolved in the runtime namespace, and the given args and env",
    "poststop hooks are invoked, with path resolved in the runtime namespace, and the given args and env",
];
const RUNS_REQS: [&[&str]; 6] = [
    &[
        "runtime.lifecycle.prestart.invoke",
        "config.hooks.prestart.path.resolves_runtime_ns",
    ],
    &[
        "runtime.lifecycle.createRuntime.invoke",
        "config.hooks.createRuntime.path.resolves_runtime_ns",
    ],
    &[
        "runtime.lifecycle.createContainer.invoke",
        "config.hooks.createContainer.path.resolves_runtime_ns",
    ],
    &[
        "runtime.lifecycle.startContainer.invoke",
        "config.hooks.startContainer.path.resolves_container_ns",
    ],
    &[
        "runtime.lifecycle.poststart.invoke",
        "config.hooks.poststart.path.resolves_runtime_ns",
    ],
    &[
        "runtime.lifecycle.poststop.invoke",
        "config.hooks.poststop.path.resolves_runtime_ns",
    ],
];
const WHEN: [&str; 6] = [
    "hooks::prestart_runs_during_create",
    "hooks::createRuntime_runs_during_create",
    "hooks::createContainer_runs_during_create",
    "hooks::startContainer_runs_during_start_before_the_program",
    "hooks::poststart_runs_during_start",
    "hooks::poststop_runs_during_delete",
];
const WHEN_TITLE: [&str; 6] = [
    "prestart hooks are called as part of create, after the environment exists",
    "createRuntime hooks are called as part of create, after the environment exists",
    "createContainer hooks are called as part of create, after the environment exists",
    "startContainer hooks are called as part of start, before the user program is executed",
    "poststart hooks are called after the user program is executed, before start returns",
    "poststop hooks are called after the container is deleted, before delete returns",
];
const WHEN_REQS: [&[&str]; 6] = [
    &["config.hooks.prestart.when"],
    &["config.hooks.createRuntime.when"],
    &["config.hooks.createContainer.when"],
    &["config.hooks.startContainer.when"],
    &["config.hooks.poststart.when"],
    &["config.hooks.poststop.when"],
];
const NS: [&str; 6] = [
    "hooks::prestart_runs_in_the_runtime_namespaces",
    "hooks::createRuntime_runs_in_the_runtime_namespaces",
    "hooks::createContainer_runs_in_the_container_namespaces",
    "hooks::startContainer_runs_in_the_container_namespaces",
    "hooks::poststart_runs_in_the_runtime_namespaces",
    "hooks::poststop_runs_in_the_runtime_namespaces",
];
const NS_REQS: [&[&str]; 6] = [
    &["config.hooks.prestart.runs_in_runtime_ns"],
    &["config.hooks.createRuntime.runs_in_runtime_ns"],
    &["config.hooks.createContainer.runs_in_container_ns"],
    &["config.hooks.startContainer.runs_in_container_ns"],
    &["config.hooks.poststart.runs_in_runtime_ns"],
    &["config.hooks.poststop.runs_in_runtime_ns"],
];
const FAILS: [&str; 6] = [
    "hooks::failing_prestart_fails_create_and_destroys_the_container",
    "hooks::failing_createRuntime_fails_create_and_destroys_the_container",
    "hooks::failing_createContainer_fails_create_and_destroys_the_container",
    "hooks::failing_startContainer_fails_start_and_destroys_the_container",
    "hooks::failing_poststart_has_the_consequence_of_the_claimed_spec",
    "hooks::failing_poststop_is_a_warning_and_the_rest_go_on",
];
const FAILS_TITLE: [&str; 6] = [
    "A failing prestart hook: create generates an error, the container is destroyed, poststop hooks run",
    "A failing createRuntime hook: create generates an error, the container is destroyed, poststop hooks run",
    "A failing createContainer hook: create generates an error, the container is destroyed, poststop hooks run",
    "A failing startContainer hook: start generates an error, the container is destroyed, poststop hooks run",
    "A failing poststart hook: an error that destroys the container (v1.3.0), or a warning only (up to v1.2.1), as the spec the runtime claims says",
    "A failing poststop hook is only a warning: delete succeeds and the remaining poststop hooks run",
];
const FAILS_REQS: [&[&str]; 6] = [
    &["runtime.lifecycle.prestart.fail"],
    &["runtime.lifecycle.createRuntime.fail"],
    &["runtime.lifecycle.createContainer.fail"],
    &["runtime.lifecycle.startContainer.fail"],
    &["runtime.lifecycle.poststart.fail"],
    &[
        "runtime.lifecycle.poststop.fail_warns",
        "runtime.warnings.continue",
    ],
];

/// The kind a scenario is about: the name's part after `hooks::` (and `failing_`).
fn kind_of(ctx: &Ctx) -> &'static str {
    let rest = ctx
        .scenario_name
        .trim_start_matches("hooks::")
        .trim_start_matches("failing_");
    KINDS
        .into_iter()
        .find(|k| rest.starts_with(&format!("{k}_")))
        .expect("a hook scenario names its kind")
}

/// The record file, as the host sees it and as a hook of `kind` must name it.
fn record_path(bundle: &Path, kind: &str) -> String {
    if kind == "startContainer" {
        format!("{OUT}/hooks.jsonl")
    } else {
        bundle.join("out/hooks.jsonl").display().to_string()
    }
}

/// One hook entry: the probe recording itself, labelled `KIND-N` in `args[0]` and env.
/// startContainer's path resolves in the container (`/oci-probe`, which the host does not
/// have); every other kind's in the runtime's namespace (the run's copy of the probe, which the
/// rootfs does not have), so a path resolved in the wrong place fails.
fn hook(ctx: &Ctx, bundle: &Path, kind: &str, n: usize, extra: &[&str]) -> Value {
    let label = format!("{kind}-{n}");
    let path = if kind == "startContainer" {
        PROBE.to_string()
    } else {
        ctx.suite.probe.display().to_string()
    };
    let mut args = vec![
        label.clone(),
        "hook".into(),
        "--record".into(),
        record_path(bundle, kind),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    json!({"path": path, "args": args, "env": [format!("OCI_CHECK_HOOK={label}"), "PATH=/"]})
}

/// One line of the record file.
#[derive(Debug, Clone)]
struct Record {
    label: String,
    value: Value,
}

impl Record {
    fn monotonic(&self) -> u64 {
        self.value["monotonic_ns"].as_u64().unwrap_or(0)
    }
    fn realtime(&self) -> u64 {
        self.value["realtime_ns"].as_u64().unwrap_or(0)
    }
}

/// What each hook recorded when it started, in the order written.
fn records(c: &Container) -> Vec<Record> {
    all_lines(c)
        .into_iter()
        .filter(|r| r.value["phase"] != "end")
        .collect()
}

/// What a hook given `--sleep` recorded when it ended.
fn ends(c: &Container) -> Vec<Record> {
    all_lines(c)
        .into_iter()
        .filter(|r| r.value["phase"] == "end")
        .collect()
}

fn all_lines(c: &Container) -> Vec<Record> {
    std::fs::read_to_string(c.bundle.out("hooks.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| Record {
            label: v["argv"][0].as_str().unwrap_or("?").to_string(),
            value: v,
        })
        .collect()
}

fn labels(c: &Container) -> Vec<String> {
    records(c).into_iter().map(|r| r.label).collect()
}

/// SKIP when the runtime says it does not support the kind.
fn supported(ctx: &Ctx, kind: &str) -> Check {
    ctx.requires_feature("/hooks", kind)
}

/// What was recorded at each step of a whole lifecycle.
struct Lifecycle {
    after_create: Vec<String>,
    after_start: Vec<String>,
    /// Once the user program has run (its ready line written).
    after_ready: Vec<String>,
    before_delete: Vec<String>,
    after_delete: Vec<String>,
    /// The probe's ready line: when the user program ran.
    ready: Value,
    /// Namespace inodes of the container process (`mnt` → inode), read from the host.
    container_ns: BTreeMap<String, u64>,
}

fn ns_of(pid: &str) -> BTreeMap<String, u64> {
    ["mnt", "pid", "uts", "ipc", "net", "user", "cgroup"]
        .into_iter()
        .filter_map(|n| {
            let link = std::fs::read_link(format!("/proc/{pid}/ns/{n}")).ok()?;
            let (_, inode) = oci_probe::parse::parse_ns_link(&link.to_string_lossy())?;
            Some((n.to_string(), inode))
        })
        .collect()
}

/// create, start, wait for the program, stop it, delete: noting the records at each step.
fn whole_lifecycle(ctx: &mut Ctx, c: &Container) -> Result<Lifecycle, Stop> {
    ctx.created(c)?;
    let after_create = labels(c);
    let pid = ctx.state(c)?["pid"].as_i64().unwrap_or(0);
    let container_ns = ns_of(&pid.to_string());
    let call = ctx.start(c);
    ctx.succeed(call, "start")?;
    let after_start = labels(c);
    let ready = ctx.wait_ready(c)?;
    let after_ready = labels(c);
    let call = ctx.kill(c, "TERM");
    ctx.succeed(call, "kill TERM")?;
    ctx.wait_status(c, "stopped")?;
    let before_delete = labels(c);
    let call = ctx.delete(c);
    ctx.succeed(call, "delete")?;
    let after_delete = labels(c);
    Ok(Lifecycle {
        after_create,
        after_start,
        after_ready,
        before_delete,
        after_delete,
        ready,
        container_ns,
    })
}

/// A container with one hook of `kind` (plus `extra` args).
fn with_hook(ctx: &mut Ctx, kind: &str, extra: &[&str]) -> Result<Container, Stop> {
    with_hooks(ctx, &[(kind, 1, extra)])
}

/// Sets the config's hooks, on disk (before create) and in the container's copy.
fn set_hooks(c: &mut Container, hooks: Value) -> Check {
    c.config.set("/hooks", hooks);
    c.bundle
        .write_config(&c.config)
        .map_err(|e| fail(format!("harness: writing config.json: {e}")))
}

/// A container with hooks of several kinds: `count` hooks `KIND-1..` of each, with `extra`
/// args. SKIP when the runtime says it does not support a kind.
fn with_hooks(ctx: &mut Ctx, kinds: &[(&str, usize, &[&str])]) -> Result<Container, Stop> {
    for (k, _, _) in kinds {
        supported(ctx, k)?;
    }
    let mut c = ctx.container(|_| {})?;
    let mut hooks = serde_json::Map::new();
    for (kind, count, extra) in kinds {
        let list: Vec<Value> = (1..=*count)
            .map(|n| hook(ctx, &c.bundle.dir, kind, n, extra))
            .collect();
        hooks.insert(kind.to_string(), Value::Array(list));
    }
    set_hooks(&mut c, Value::Object(hooks))?;
    Ok(c)
}

fn runs_with_its_path_args_and_env(ctx: &mut Ctx) -> Check {
    let kind = kind_of(ctx);
    let c = with_hook(ctx, kind, &[])?;
    whole_lifecycle(ctx, &c)?;
    let recs = records(&c);
    let mine: Vec<&Record> = recs
        .iter()
        .filter(|r| r.label == format!("{kind}-1"))
        .collect();
    expect_eq(&format!("times the {kind} hook ran"), 1, mine.len())?;
    let given = &c.config.0["hooks"][kind][0];
    expect_eq(
        "the hook's argv (args)",
        given["args"].clone(),
        mine[0].value["argv"].clone(),
    )?;
    expect_eq(
        "the hook's environment (env)",
        given["env"].clone(),
        mine[0].value["env"].clone(),
    )
}

fn runs_at_its_point(ctx: &mut Ctx) -> Check {
    let kind = kind_of(ctx);
    let c = with_hook(ctx, kind, &[])?;
    let l = whole_lifecycle(ctx, &c)?;
    let label = format!("{kind}-1");
    let has = |v: &Vec<String>| v.contains(&label);
    let (step, want, seen) = match kind {
        "prestart" | "createRuntime" | "createContainer" => {
            ("when create returned", true, has(&l.after_create))
        }
        "startContainer" | "poststart" => {
            if has(&l.after_create) {
                return Err(mismatch(
                    format!("the {kind} hook ran during create"),
                    "no record until start is called",
                    format!("records after create: {:?}", l.after_create),
                ));
            }
            if kind == "startContainer" {
                // "before the user-specified process is executed as part of the start
                // operation": not necessarily before `start` returns (that is poststart's
                // rule), so the record is looked for once the program has run.
                ("when the user program ran", true, has(&l.after_ready))
            } else {
                ("when start returned", true, has(&l.after_start))
            }
        }
        _ => {
            if has(&l.before_delete) {
                return Err(mismatch(
                    "the poststop hook ran before delete was called",
                    "no record until delete",
                    format!("records before delete: {:?}", l.before_delete),
                ));
            }
            ("when delete returned", true, has(&l.after_delete))
        }
    };
    if want != seen {
        return Err(mismatch(
            format!("the {kind} hook had not run {step}"),
            format!("a record of {label}"),
            "none".to_string(),
        ));
    }
    if kind == "startContainer" {
        // Before the user program: its hook started before the program's own first mark.
        let rec = records(&c)
            .into_iter()
            .find(|r| r.label == label)
            .expect("seen");
        let ready = l.ready["realtime_ns"].as_u64().unwrap_or(0);
        ensure(rec.realtime() < ready, || {
            format!(
                "the startContainer hook started at {} ns, after the user program ({ready} ns)",
                rec.realtime()
            )
        })?;
    }
    Ok(())
}

fn runs_in_its_namespaces(ctx: &mut Ctx) -> Check {
    let kind = kind_of(ctx);
    let c = with_hook(ctx, kind, &[])?;
    let l = whole_lifecycle(ctx, &c)?;
    let label = format!("{kind}-1");
    let rec = records(&c)
        .into_iter()
        .find(|r| r.label == label)
        .ok_or_else(|| fail(format!("the {kind} hook never ran")))?;
    let recorded: BTreeMap<String, u64> = rec.value["namespaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| Some((n["name"].as_str()?.to_string(), n["inode"].as_u64()?)))
        .collect();
    let (want, whose) = if in_container_ns(kind) {
        (l.container_ns.clone(), "the container's")
    } else {
        (ns_of("self"), "the runtime's")
    };
    // The namespaces the config makes new: in those, container and runtime differ.
    let kinds: Vec<String> = c.config.0["linux"]["namespaces"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["type"].as_str())
        .map(|t| crate::bundle::proc_ns_name(t).to_string())
        .collect();
    let pick = |m: &BTreeMap<String, u64>| -> BTreeMap<String, Option<u64>> {
        kinds
            .iter()
            .map(|k| (k.clone(), m.get(k).copied()))
            .collect()
    };
    expect_eq(
        &format!("namespace inodes of the {kind} hook (it must run in {whose} namespaces)"),
        pick(&want),
        pick(&recorded),
    )
}

/// Statuses a hook of `kind` may see: the spec does not say which, so any status fitting the
/// point where the hook runs.
fn fitting_statuses(kind: &str) -> &'static [&'static str] {
    match kind {
        "prestart" | "createRuntime" | "createContainer" => &["creating", "created"],
        "startContainer" => &["created", "running"],
        "poststart" => &["created", "running"],
        _ => &["stopped"],
    }
}

fn every_kind_gets_the_state_on_stdin(ctx: &mut Ctx) -> Check {
    let all: Vec<(&str, usize, &[&str])> = KINDS.iter().map(|k| (*k, 1, &[][..])).collect();
    let c = with_hooks(ctx, &all)?;
    whole_lifecycle(ctx, &c)?;
    let bundle = std::fs::canonicalize(&c.bundle.dir).unwrap_or(c.bundle.dir.clone());
    let mut problems = Vec::new();
    let recs = records(&c);
    for kind in KINDS {
        let Some(r) = recs.iter().find(|r| r.label == format!("{kind}-1")) else {
            problems.push(format!("{kind}: the hook never ran"));
            continue;
        };
        let state = &r.value["state"];
        if r.value["state_is_json"] != true {
            problems.push(format!("{kind}: stdin was not a JSON document: {state}"));
            continue;
        }
        for e in validate_state(state) {
            problems.push(format!("{kind}: state on stdin: {e}"));
        }
        if state["id"] != json!(c.id) {
            problems.push(format!(
                "{kind}: state.id {} is not {:?}",
                state["id"], c.id
            ));
        }
        let b = state["bundle"].as_str().unwrap_or("");
        if std::fs::canonicalize(b).ok().as_ref() != Some(&bundle) {
            problems.push(format!(
                "{kind}: state.bundle {b:?} is not {}",
                bundle.display()
            ));
        }
        let status = state["status"].as_str().unwrap_or("");
        if !fitting_statuses(kind).contains(&status) {
            problems.push(format!(
                "{kind}: status {status:?} does not fit the hook's point (one of {:?})",
                fitting_statuses(kind)
            ));
        }
        ctx.notes.push(format!("{kind} saw {status:?}"));
    }
    ensure(problems.is_empty(), || problems.join("\n"))
}

/// How long the startContainer hook of `kinds_run_in_the_spec_order` sleeps. A runtime that
/// waits for it (as it must: the program runs after it, poststart after the program) only runs
/// slower; one that runs poststart without waiting does so within this time, every time, where
/// without the sleep it would be a race seen now and then.
const START_CONTAINER_SLEEP: &str = "1";

fn kinds_run_in_the_spec_order(ctx: &mut Ctx) -> Check {
    let all: Vec<(&str, usize, &[&str])> = KINDS
        .iter()
        .map(|k| match *k {
            "startContainer" => (*k, 1, &["--sleep", START_CONTAINER_SLEEP][..]),
            _ => (*k, 1, &[][..]),
        })
        .collect();
    let c = with_hooks(ctx, &all)?;
    whole_lifecycle(ctx, &c)?;
    let mut recs = records(&c);
    recs.sort_by_key(Record::monotonic);
    let poststart = recs
        .iter()
        .find(|r| r.label == "poststart-1")
        .map(Record::monotonic);
    let order: Vec<String> = recs.into_iter().map(|r| r.label).collect();
    let want: Vec<String> = KINDS.iter().map(|k| format!("{k}-1")).collect();
    expect_eq("the hooks in the order they started", want, order)?;
    let start_container_end = ends(&c)
        .iter()
        .find(|r| r.label == "startContainer-1")
        .map(Record::monotonic);
    match (start_container_end, poststart) {
        (Some(end), Some(post)) => ensure(end < post, || {
            format!(
                "poststart started {} ms before the startContainer hook (sleeping {START_CONTAINER_SLEEP} s) ended: it cannot have waited for the user program, which runs after startContainer",
                (end - post) / 1_000_000
            )
        }),
        _ => Err(fail(format!(
            "the startContainer hook's end or the poststart hook is not recorded: {:?}",
            labels(&c)
        ))),
    }
}

fn hooks_of_one_kind_run_in_the_listed_order(ctx: &mut Ctx) -> Check {
    let c = with_hooks(ctx, &[("createRuntime", 3, &[]), ("poststop", 3, &[])])?;
    whole_lifecycle(ctx, &c)?;
    let mut recs = records(&c);
    recs.sort_by_key(Record::monotonic);
    let order: Vec<String> = recs.into_iter().map(|r| r.label).collect();
    let want: Vec<String> = ["createRuntime-1", "createRuntime-2", "createRuntime-3"]
        .into_iter()
        .chain(["poststop-1", "poststop-2", "poststop-3"])
        .map(String::from)
        .collect();
    expect_eq("the hooks in the order they started", want, order)
}

/// The spec release the poststart failure rule is decided by: v1.3.0 made it an error.
fn poststart_failure_is_error(ctx: &Ctx) -> bool {
    let claimed = &ctx.suite.claimed.0;
    (claimed.major, claimed.minor) >= (1, 3)
}

fn failure_has_the_spec_consequence(ctx: &mut Ctx) -> Check {
    let kind = kind_of(ctx);
    supported(ctx, "poststop")?;
    // The failing hook, then a second one of the same kind, and a poststop hook that must run
    // once the container is destroyed (step 12, then 13).
    let mut c = with_hooks(ctx, &[(kind, 1, &["--exit", "1"])])?;
    let mut hooks = c.config.0["hooks"].clone();
    hooks[kind]
        .as_array_mut()
        .expect("a list")
        .push(hook(ctx, &c.bundle.dir, kind, 2, &[]));
    if kind != "poststop" {
        hooks["poststop"] = json!([hook(ctx, &c.bundle.dir, "poststop", 1, &[])]);
    }
    set_hooks(&mut c, hooks)?;
    match kind {
        "prestart" | "createRuntime" | "createContainer" => {
            let call = ctx.create(&c);
            must_error(&call, &format!("create with a failing {kind} hook"))?;
            destroyed_and_poststop_ran(ctx, &c)
        }
        "startContainer" => {
            ctx.created(&c)?;
            let call = ctx.start(&c);
            must_error(&call, "start with a failing startContainer hook")?;
            ensure(Ctx::signal_records(&c).is_empty(), || {
                "the user program ran although a startContainer hook failed".into()
            })?;
            destroyed_and_poststop_ran(ctx, &c)
        }
        "poststart" => {
            ctx.created(&c)?;
            let call = ctx.start(&c);
            if poststart_failure_is_error(ctx) {
                ctx.notes.push(format!(
                    "runtime-spec v1.3.0 rule (an error), as the runtime claims {}",
                    ctx.suite.claimed.1
                ));
                must_error(&call, "start with a failing poststart hook")?;
                destroyed_and_poststop_ran(ctx, &c)
            } else {
                ctx.notes.push(format!(
                    "runtime-spec v1.2.1 rule (a warning: the lifecycle goes on), as the runtime claims {}",
                    ctx.suite.claimed.1
                ));
                ctx.succeed(call, "start with a failing poststart hook (a warning only)")?;
                ctx.wait_ready(&c)?;
                let s = ctx.state(&c)?;
                expect_eq("status after start", json!("running"), s["status"].clone())?;
                ensure(labels(&c).contains(&"poststart-2".to_string()), || {
                    format!(
                        "the poststart hook after the failing one did not run: {:?}",
                        labels(&c)
                    )
                })
            }
        }
        _ => {
            ctx.created(&c)?;
            let call = ctx.kill(&c, "KILL");
            ctx.succeed(call, "kill KILL")?;
            ctx.wait_status(&c, "stopped")?;
            let call = ctx.delete(&c);
            ctx.succeed(call, "delete with a failing poststop hook (a warning only)")?;
            let seen = labels(&c);
            ensure(seen.contains(&"poststop-2".to_string()), || {
                format!("the poststop hook after the failing one did not run: {seen:?}")
            })?;
            let call = ctx.call(&["state", &c.id]);
            must_error(&call, "state after delete")
        }
    }
}

/// After a failed operation: the container is gone and the poststop hook ran.
fn destroyed_and_poststop_ran(ctx: &mut Ctx, c: &Container) -> Check {
    let call = ctx.call(&["state", &c.id]);
    must_error(&call, "state of the container the failed hook destroyed")?;
    footprint_empty("the container the failed hook destroyed", &ctx.footprint(c))?;
    let seen = labels(c);
    ensure(seen.contains(&"poststop-1".to_string()), || {
        format!("the poststop hook did not run after the container was destroyed (step 12, then 13); records: {seen:?}")
    })
}

fn a_hook_past_its_timeout_is_aborted_and_fails(ctx: &mut Ctx) -> Check {
    supported(ctx, "createRuntime")?;
    let mut c = with_hooks(ctx, &[("createRuntime", 1, &["--sleep", "600"])])?;
    let mut hooks = c.config.0["hooks"].clone();
    hooks["createRuntime"][0]["timeout"] = json!(1);
    set_hooks(&mut c, hooks)?;
    let call = ctx.create(&c);
    must_error(
        &call,
        "create with a createRuntime hook past its 1 s timeout",
    )?;
    let rec = records(&c)
        .into_iter()
        .find(|r| r.label == "createRuntime-1")
        .ok_or_else(|| skip("the hook never started, so its timeout could not be seen"))?;
    let pid = rec.value["pid"].as_i64().unwrap_or(0);
    ensure(!crate::janitor::process_alive(pid), || {
        format!("the hook (pid {pid}) is still running after create returned: it was not aborted")
    })?;
    footprint_empty("the failed create", &ctx.footprint(&c))
}

/// features.md: "The runtime MUST support the elements in this array as the `hooks` property of
/// `config.json`." Each listed kind this spec defines gets one hook; every one must run. A kind
/// the spec does not define cannot be given a point to run at, and is only noted.
fn every_kind_the_features_list_is_run(ctx: &mut Ctx) -> Check {
    let Some(listed) = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/hooks"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return Err(skip("the runtime's features document lists no hooks"));
    };
    let kinds: Vec<&str> = KINDS
        .iter()
        .copied()
        .filter(|k| listed.iter().any(|l| l == k))
        .collect();
    for other in listed.iter().filter(|l| !KINDS.iter().any(|k| *l == k)) {
        ctx.notes.push(format!(
            "features lists {other}, a kind this spec does not define"
        ));
    }
    if kinds.is_empty() {
        return Err(skip(
            "the features document lists none of the spec's hook kinds",
        ));
    }
    let all: Vec<(&str, usize, &[&str])> = kinds.iter().map(|k| (*k, 1, &[][..])).collect();
    let c = with_hooks(ctx, &all)?;
    whole_lifecycle(ctx, &c)?;
    let expected: std::collections::BTreeSet<String> =
        kinds.iter().map(|k| format!("{k}-1")).collect();
    let observed: std::collections::BTreeSet<String> = labels(&c).into_iter().collect();
    crate::scenario::expect_same(
        "hooks that ran over create, start, kill and delete (one of each kind features lists)",
        &expected,
        &observed,
    )
}
