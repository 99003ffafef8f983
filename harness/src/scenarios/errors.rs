//! Errors (runtime.md "Errors" and "Operations"; lifecycle checklist sections 2 and 5): each
//! operation refused where the spec says so, with a non-zero exit and no side effect.

use super::{footprint_empty, footprint_unchanged, must_error};
use crate::bundle::Config;
use crate::scenario::{expect_eq, Check, Container, Ctx, Footprint, Scenario, Stop};
use serde_json::{json, Value};

pub fn scenarios() -> Vec<Scenario> {
    let mut v = vec![
        Scenario {
            name: "errors::create_with_an_id_in_use_fails",
            title: "create with the ID of an existing container generates an error and changes nothing",
            requirements: &[
                "runtime.ops.create.error_bad_id",
                "runtime.state.id.unique_on_host",
                "runtime.errors.no_side_effects",
            ],
            run: create_with_an_id_in_use_fails,
        },
        Scenario {
            name: "errors::state_of_an_unknown_id_fails",
            title: "Querying the state of a container that does not exist generates an error",
            requirements: &["runtime.ops.state.error_unknown_id"],
            run: state_of_an_unknown_id_fails,
        },
        Scenario {
            name: "errors::start_of_an_unknown_id_fails",
            title: "start of a container that does not exist (so is not `created`) generates an error",
            requirements: &["runtime.ops.start.error_not_created"],
            run: start_of_an_unknown_id_fails,
        },
        Scenario {
            name: "errors::kill_of_an_unknown_id_fails",
            title: "kill of a container that does not exist (neither `created` nor `running`) generates an error",
            requirements: &["runtime.ops.kill.error_bad_state"],
            run: kill_of_an_unknown_id_fails,
        },
        Scenario {
            name: "errors::delete_of_an_unknown_id_fails",
            title: "delete of a container that does not exist (so is not `stopped`) generates an error",
            requirements: &["runtime.ops.delete.error_not_stopped"],
            run: delete_of_an_unknown_id_fails,
        },
        Scenario {
            name: "errors::state_without_an_id_fails",
            title: "state generates an error if it is not given a container ID",
            requirements: &["runtime.ops.state.error_no_id"],
            run: state_without_an_id_fails,
        },
        Scenario {
            name: "errors::start_without_an_id_fails",
            title: "start generates an error if it is not given a container ID",
            requirements: &["runtime.ops.start.error_no_id"],
            run: start_without_an_id_fails,
        },
        Scenario {
            name: "errors::kill_without_an_id_fails",
            title: "kill generates an error if it is not given a container ID",
            requirements: &["runtime.ops.kill.error_no_id"],
            run: kill_without_an_id_fails,
        },
        Scenario {
            name: "errors::delete_without_an_id_fails",
            title: "delete generates an error if it is not given a container ID",
            requirements: &["runtime.ops.delete.error_no_id"],
            run: delete_without_an_id_fails,
        },
        Scenario {
            name: "errors::create_without_an_id_fails",
            title: "create generates an error if it is not given the container ID",
            requirements: &["runtime.ops.create.error_missing_args"],
            run: create_without_an_id_fails,
        },
        Scenario {
            name: "errors::start_of_a_running_container_fails",
            title: "start of a running container generates an error and has no effect on it",
            requirements: &["runtime.ops.start.error_not_created"],
            run: start_of_a_running_container_fails,
        },
        Scenario {
            name: "errors::start_of_a_stopped_container_fails",
            title: "start of a stopped container generates an error and has no effect on it",
            requirements: &["runtime.ops.start.error_not_created"],
            run: start_of_a_stopped_container_fails,
        },
        Scenario {
            name: "errors::delete_of_a_running_container_fails",
            title: "delete of a running container generates an error and has no effect on it",
            requirements: &["runtime.ops.delete.error_not_stopped"],
            run: delete_of_a_running_container_fails,
        },
        Scenario {
            name: "errors::delete_of_a_created_container_fails",
            title: "delete of a created container generates an error and has no effect on it",
            requirements: &["runtime.ops.delete.error_not_stopped"],
            run: delete_of_a_created_container_fails,
        },
        Scenario {
            name: "errors::kill_of_a_stopped_container_fails",
            title: "kill of a stopped container generates an error and has no effect on it",
            requirements: &["runtime.ops.kill.error_bad_state"],
            run: kill_of_a_stopped_container_fails,
        },
        Scenario {
            name: "errors::start_without_process_fails",
            title: "start generates an error if `process` was not set",
            requirements: &["runtime.ops.start.error_no_process"],
            run: start_without_process_fails,
        },
    ];
    v.extend(invalid_configs());
    v
}

/// A container ID that no container has: this run's tag makes it unique on the host.
fn unknown_id(ctx: &Ctx) -> String {
    format!("{}-no-such-container", ctx.suite.tag)
}

fn unknown_id_fails(ctx: &mut Ctx, op: &[&str], what: &str) -> Check {
    let id = unknown_id(ctx);
    let mut args = op.to_vec();
    args.push(&id);
    let call = ctx.call(&args);
    must_error(&call, what)?;
    // Other scenarios create containers meanwhile: look only for this ID.
    let left: Vec<String> = ctx
        .rt()
        .state_entries()
        .into_iter()
        .filter(|e| e == &id)
        .collect();
    expect_eq(
        "the runtime's state for the unknown ID after the failed operation",
        Vec::<String>::new(),
        left,
    )
}

/// State entries not named after this run's containers: other scenarios, running in
/// parallel, only ever add entries that start with the run's tag.
fn foreign_entries(ctx: &Ctx) -> Vec<String> {
    ctx.rt()
        .state_entries()
        .into_iter()
        .filter(|e| !e.starts_with(&ctx.suite.tag))
        .collect()
}

fn state_of_an_unknown_id_fails(ctx: &mut Ctx) -> Check {
    unknown_id_fails(ctx, &["state"], "state of an unknown ID")
}

fn start_of_an_unknown_id_fails(ctx: &mut Ctx) -> Check {
    unknown_id_fails(ctx, &["start"], "start of an unknown ID")
}

fn kill_of_an_unknown_id_fails(ctx: &mut Ctx) -> Check {
    let id = unknown_id(ctx);
    let call = ctx.call(&["kill", &id, "TERM"]);
    must_error(&call, "kill of an unknown ID")
}

fn delete_of_an_unknown_id_fails(ctx: &mut Ctx) -> Check {
    unknown_id_fails(ctx, &["delete"], "delete of an unknown ID")
}

fn without_id_fails(ctx: &mut Ctx, args: &[&str], what: &str) -> Check {
    let before = foreign_entries(ctx);
    let call = ctx.call(args);
    must_error(&call, what)?;
    expect_eq(
        "the runtime's containers not made by this run, after the failed operation",
        before,
        foreign_entries(ctx),
    )
}

fn state_without_an_id_fails(ctx: &mut Ctx) -> Check {
    without_id_fails(ctx, &["state"], "state without an ID")
}

fn start_without_an_id_fails(ctx: &mut Ctx) -> Check {
    without_id_fails(ctx, &["start"], "start without an ID")
}

fn kill_without_an_id_fails(ctx: &mut Ctx) -> Check {
    without_id_fails(ctx, &["kill"], "kill without an ID")
}

fn delete_without_an_id_fails(ctx: &mut Ctx) -> Check {
    without_id_fails(ctx, &["delete"], "delete without an ID")
}

fn create_without_an_id_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    let bundle = c.bundle.dir.display().to_string();
    without_id_fails(
        ctx,
        &["create", "--bundle", &bundle],
        "create without an ID",
    )?;
    footprint_empty("create without an ID", &ctx.footprint(&c))
}

fn create_with_an_id_in_use_fails(ctx: &mut Ctx) -> Check {
    let first = ctx.container(|_| {})?;
    ctx.created(&first)?;
    let state_before = ctx.state(&first)?;
    let before = ctx.footprint(&first);
    // A second bundle, with its own cgroup, under the same ID.
    let cgroups = format!("{}-second", first.cgroups_path);
    let config = ctx.config(&cgroups);
    let second = ctx.container_with_id(&first.id, &cgroups, config)?;
    let call = ctx.create(&second);
    must_error(&call, "create with an ID already in use")?;
    footprint_unchanged("the failed create", &before, &ctx.footprint(&first))?;
    footprint_empty(
        "the failed create (its own cgroup and bundle)",
        &own_footprint(ctx, &second),
    )?;
    let state_after = ctx.state(&first)?;
    expect_eq(
        "the existing container's state after the failed create",
        state_before,
        state_after,
    )
}

/// The second container shares the first's ID, so its state entry is the first's: only its
/// cgroup, processes and mounts tell whether the failed create left something.
fn own_footprint(ctx: &Ctx, c: &Container) -> Footprint {
    let mut f = ctx.footprint(c);
    f.state_entries.clear();
    f
}

/// The container's state and footprint, for "no effect on the container".
fn snapshot(ctx: &mut Ctx, c: &Container) -> Result<(Value, Footprint), Stop> {
    Ok((ctx.state(c)?, ctx.footprint(c)))
}

fn unchanged(ctx: &mut Ctx, c: &Container, before: (Value, Footprint), what: &str) -> Check {
    let (state, footprint) = snapshot(ctx, c)?;
    expect_eq(&format!("the state after {what}"), before.0, state)?;
    footprint_unchanged(what, &before.1, &footprint)
}

fn start_of_a_running_container_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.running(&c)?;
    let before = snapshot(ctx, &c)?;
    let call = ctx.start(&c);
    must_error(&call, "start of a running container")?;
    unchanged(ctx, &c, before, "the failed start")?;
    // The program was not started a second time.
    let ready = Ctx::signal_records(&c)
        .iter()
        .filter(|r| r["event"] == "ready")
        .count();
    expect_eq("times the user program started", 1, ready)
}

/// Runs the probe until it exits, leaving the container `stopped`.
fn stopped(ctx: &mut Ctx, c: &Container) -> Check {
    ctx.running(c)?;
    let call = ctx.kill(c, "TERM");
    ctx.succeed(call, "kill TERM")?;
    ctx.wait_status(c, "stopped").map(drop)
}

fn start_of_a_stopped_container_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    stopped(ctx, &c)?;
    let before = snapshot(ctx, &c)?;
    let call = ctx.start(&c);
    must_error(&call, "start of a stopped container")?;
    unchanged(ctx, &c, before, "the failed start")?;
    let ready = Ctx::signal_records(&c)
        .iter()
        .filter(|r| r["event"] == "ready")
        .count();
    expect_eq("times the user program started", 1, ready)
}

fn delete_of_a_running_container_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.running(&c)?;
    let before = snapshot(ctx, &c)?;
    let call = ctx.delete(&c);
    must_error(&call, "delete (without --force) of a running container")?;
    unchanged(ctx, &c, before, "the failed delete")
}

fn delete_of_a_created_container_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let before = snapshot(ctx, &c)?;
    let call = ctx.delete(&c);
    must_error(&call, "delete (without --force) of a created container")?;
    unchanged(ctx, &c, before, "the failed delete")
}

fn kill_of_a_stopped_container_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    stopped(ctx, &c)?;
    let before = snapshot(ctx, &c)?;
    let call = ctx.kill(&c, "TERM");
    must_error(&call, "kill of a stopped container")?;
    unchanged(ctx, &c, before, "the failed kill")
}

fn start_without_process_fails(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|cfg| {
        cfg.remove("/process");
    })?;
    let call = ctx.create(&c);
    if !call.succeeded() {
        // process is only REQUIRED for start; refusing the config at create also keeps the
        // runtime from starting a container without one (runtime.ops.create.may_validate).
        ctx.notes
            .push("the runtime refused the config without process at create".into());
        return footprint_empty("the refused create", &ctx.footprint(&c));
    }
    let before = snapshot(ctx, &c)?;
    let call = ctx.start(&c);
    must_error(&call, "start of a container without process")?;
    unchanged(ctx, &c, before, "the failed start")
}

/// A config the runtime must refuse at create: the requirement it breaks and how to break it.
struct Invalid {
    name: &'static str,
    title: &'static str,
    requirements: &'static [&'static str],
    edit: fn(&mut Config),
}

const INVALID: &[Invalid] = &[
    Invalid {
        name: "errors::create_rejects_duplicate_namespaces",
        title: "A namespaces list with two entries of the same type makes create generate an error",
        requirements: &["config.linux.namespaces.error_duplicate", "runtime.errors.no_side_effects"],
        edit: |c| {
            c.push("/linux/namespaces", json!({"type": "pid"}));
        },
    },
    Invalid {
        name: "errors::create_rejects_duplicate_rlimits",
        title: "rlimits with two entries of the same type make create generate an error",
        requirements: &["config.process.rlimits.error_duplicate", "runtime.errors.no_side_effects"],
        edit: |c| {
            c.set(
                "/process/rlimits",
                json!([
                    {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024},
                    {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512}
                ]),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_an_unknown_rlimit",
        title: "An rlimit type that maps to no kernel resource makes create generate an error",
        requirements: &["config.process.rlimits.type.error_unmappable", "runtime.errors.no_side_effects"],
        edit: |c| {
            c.set(
                "/process/rlimits",
                json!([{"type": "RLIMIT_OCI_CHECK_BOGUS", "soft": 1, "hard": 1}]),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_an_unknown_namespace_type",
        title: "An unknown namespace type is an invalid value: create generates an error",
        requirements: &["config.values.error_invalid", "runtime.errors.no_side_effects"],
        edit: |c| {
            c.push("/linux/namespaces", json!({"type": "oci-check-bogus"}));
        },
    },
    Invalid {
        name: "errors::create_rejects_errnoret_with_an_action_without_errno",
        title: "errnoRet on a seccomp rule whose action takes no errno: the runtime prints an error and fails",
        requirements: &[
            "config.linux.seccomp.syscalls.errnoRet.unsupported_error",
            "runtime.errors.no_side_effects",
        ],
        edit: |c| {
            c.set(
                "/linux/seccomp",
                json!({
                    "defaultAction": "SCMP_ACT_ALLOW",
                    "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]
                }),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_defaulterrnoret_with_an_action_without_errno",
        title: "defaultErrnoRet with a defaultAction that takes no errno: the runtime prints an error and fails",
        requirements: &[
            "config.linux.seccomp.defaultErrnoRet.unsupported_error",
            "runtime.errors.no_side_effects",
        ],
        edit: |c| {
            c.set(
                "/linux/seccomp",
                json!({
                    "defaultAction": "SCMP_ACT_ALLOW",
                    "defaultErrnoRet": 1,
                    "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_ERRNO"}]
                }),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_an_idmap_mount_without_mappings",
        title: "An idmap mount with no mappings and no user namespace makes create return an error",
        requirements: &[
            "config.mounts.options.linux.idmap.error_no_mapping",
            "runtime.errors.no_side_effects",
        ],
        edit: |c| {
            c.push(
                "/mounts",
                json!({"destination": "/tmp", "type": "bind", "source": "rootfs/tmp",
                       "options": ["bind", "idmap"]}),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_an_ridmap_mount_without_mappings",
        title: "An ridmap mount with no mappings and no user namespace makes create return an error",
        requirements: &[
            "config.mounts.options.linux.ridmap.error_no_mapping",
            "runtime.errors.no_side_effects",
        ],
        edit: |c| {
            c.push(
                "/mounts",
                json!({"destination": "/tmp", "type": "bind", "source": "rootfs/tmp",
                       "options": ["rbind", "ridmap"]}),
            );
        },
    },
    Invalid {
        name: "errors::create_rejects_a_missing_root_directory",
        title: "A root.path that does not exist cannot be applied: create generates an error and creates nothing",
        requirements: &[
            "runtime.ops.create.error_cannot_apply",
            "runtime.lifecycle.create.error_if_unable",
            "runtime.errors.no_side_effects",
        ],
        edit: |c| {
            c.set("/root/path", json!("no-such-rootfs"));
        },
    },
];

fn invalid_configs() -> Vec<Scenario> {
    INVALID
        .iter()
        .map(|i| Scenario {
            name: i.name,
            title: i.title,
            requirements: i.requirements,
            run: |ctx| {
                // The scenario finds its own entry by name: fn pointers cannot capture.
                let name = ctx.scenario_name;
                let entry = INVALID
                    .iter()
                    .find(|i| i.name == name)
                    .expect("an INVALID entry");
                create_is_refused(ctx, entry.edit)
            },
        })
        .collect()
}

/// create must fail cleanly, and nothing of the container may exist afterwards.
fn create_is_refused(ctx: &mut Ctx, edit: fn(&mut Config)) -> Check {
    let c = ctx.container(edit)?;
    super::create_is_refused(ctx, &c, "create with this config")
}
