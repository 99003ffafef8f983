//! The lifecycle (runtime.md "Lifecycle" and "Operations"; lifecycle checklist sections 2-3).

use super::{footprint_empty, must_error};
use crate::bundle::{OUT, PROBE};
use crate::scenario::{
    ensure, expect_eq, fail, mismatch, process_alive, Check, Container, Ctx, Scenario,
};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "lifecycle::create_leaves_the_container_created",
            title: "create makes a new container whose status is `created`",
            requirements: &[
                "runtime.ops.create.creates",
                "runtime.scope.same_entity_ops",
            ],
            run: create_leaves_the_container_created,
        },
        Scenario {
            name: "lifecycle::create_does_not_run_the_user_program",
            title: "The user-specified program MUST NOT be run by create; start runs it",
            requirements: &[
                "runtime.lifecycle.create.no_user_program",
                "runtime.ops.create.args_not_applied",
            ],
            run: create_does_not_run_the_user_program,
        },
        Scenario {
            name: "lifecycle::start_runs_the_user_program",
            title: "start runs the user-specified program; the status is then `running`",
            requirements: &[
                "runtime.ops.start.runs_program",
                "runtime.lifecycle.start.run_program",
            ],
            run: start_runs_the_user_program,
        },
        Scenario {
            name: "lifecycle::status_is_stopped_after_the_program_exits",
            title: "Once the container process has exited, the status is `stopped`",
            requirements: &[
                "runtime.lifecycle.exit.causes",
                "runtime.state.status.required",
            ],
            run: status_is_stopped_after_the_program_exits,
        },
        Scenario {
            name: "lifecycle::delete_destroys_the_container",
            title: "delete of a stopped container removes what create made; state then fails",
            requirements: &[
                "runtime.ops.delete.removes_resources",
                "runtime.lifecycle.delete.destroy",
            ],
            run: delete_destroys_the_container,
        },
        Scenario {
            name: "lifecycle::pid_file_holds_the_container_pid",
            title:
                "create --pid-file writes the container process's pid (OCI command-line convention)",
            requirements: &[],
            run: pid_file_holds_the_container_pid,
        },
        Scenario {
            name: "lifecycle::id_can_be_reused_after_delete",
            title: "Once a container is deleted its ID may be used by a new container",
            requirements: &["runtime.ops.delete.id_reusable"],
            run: id_can_be_reused_after_delete,
        },
        Scenario {
            name: "lifecycle::config_changes_after_create_do_not_apply",
            title: "Updates to config.json after create do not affect the container",
            requirements: &["runtime.lifecycle.create.config_snapshot"],
            run: config_changes_after_create_do_not_apply,
        },
        Scenario {
            name: "lifecycle::every_operation_is_supported",
            title: "Runtimes MUST support the operations: state, create, start, kill and delete each succeed on a container in the fitting status",
            requirements: &["runtime.ops.support"],
            run: every_operation_is_supported,
        },
        Scenario {
            name: "lifecycle::delete_keeps_what_the_container_did_not_create",
            title: "Resources associated with the container but not created by it (a joined namespace and its owner, a bind mount's source, the bundle) MUST NOT be deleted",
            requirements: &["runtime.ops.delete.keeps_foreign_resources"],
            run: delete_keeps_what_the_container_did_not_create,
        },
    ]
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn status(state: &Value) -> Value {
    state["status"].clone()
}

fn create_leaves_the_container_created(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let s = ctx.state(&c)?;
    expect_eq("status after create", json!("created"), status(&s))
}

fn create_does_not_run_the_user_program(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let early = Ctx::signal_records(&c);
    ensure(early.is_empty(), || {
        format!("the user program ran during create: it wrote {early:?} to {OUT}/signals.jsonl before start")
    })?;
    // The program's own clock says when it started; it must be after start was called. This
    // catches a program that ran at create but was slow to write its mark.
    let before_start = now_ns();
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let ready = ctx.wait_ready(&c)?;
    let ran_at = ready["realtime_ns"].as_u64().map(u128::from).unwrap_or(0);
    if ran_at < before_start {
        return Err(mismatch(
            "the user program started before start was called",
            format!("started at or after {before_start} ns (when start was called)"),
            format!("started at {ran_at} ns"),
        ));
    }
    Ok(())
}

fn start_runs_the_user_program(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.running(&c)?;
    let s = ctx.state(&c)?;
    expect_eq("status after start", json!("running"), status(&s))
}

fn status_is_stopped_after_the_program_exits(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|cfg| {
        cfg.probe_args(&["exit", "0"]);
    })?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let s = ctx.wait_status(&c, "stopped")?;
    // A stopped container's process has exited.
    if let Some(pid) = s["pid"].as_i64().filter(|p| *p > 0) {
        ensure(!process_alive(pid), || {
            format!("status is stopped but state.pid {pid} is still alive")
        })?;
    }
    Ok(())
}

fn delete_destroys_the_container(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|cfg| {
        cfg.probe_args(&["exit", "0"]);
    })?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    ctx.wait_status(&c, "stopped")?;
    let call = ctx.delete(&c);
    ctx.succeed(call, "delete of a stopped container")?;
    let call = ctx.call(&["state", &c.id]);
    must_error(&call, "state of a deleted container")?;
    footprint_empty("delete", &ctx.footprint(&c))
}

fn pid_file_holds_the_container_pid(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    let pid_file = c.bundle.dir.join("container.pid");
    let bundle = c.bundle.dir.display().to_string();
    let call = ctx.call(&[
        "create",
        "--bundle",
        &bundle,
        "--pid-file",
        &pid_file.display().to_string(),
        &c.id,
    ]);
    ctx.succeed(call, "create --pid-file")?;
    let s = ctx.state(&c)?;
    let written = std::fs::read_to_string(&pid_file)
        .map_err(|e| fail(format!("the pid file {}: {e}", pid_file.display())))?;
    expect_eq(
        "pid file content vs state.pid",
        s["pid"].as_i64(),
        written.trim().parse::<i64>().ok(),
    )
}

fn id_can_be_reused_after_delete(ctx: &mut Ctx) -> Check {
    let first = ctx.container(|cfg| {
        cfg.probe_args(&["exit", "0"]);
    })?;
    ctx.created(&first)?;
    let call = ctx.start(&first);
    ctx.succeed(call, "start")?;
    ctx.wait_status(&first, "stopped")?;
    let call = ctx.delete(&first);
    ctx.succeed(call, "delete")?;
    let config = ctx.config(&first.cgroups_path);
    let again = ctx.container_with_id(&first.id, &first.cgroups_path, config)?;
    let call = ctx.create(&again);
    ctx.succeed(call, "create under the deleted container's ID")?;
    let s = ctx.state(&again)?;
    expect_eq("status of the new container", json!("created"), status(&s))
}

fn config_changes_after_create_do_not_apply(ctx: &mut Ctx) -> Check {
    let report = format!("{OUT}/report.json");
    let c = ctx.container(|cfg| {
        cfg.probe_args(&["report", "--out", &report]);
        cfg.push("/process/env", json!("OCI_CHECK_PHASE=as-created"));
        cfg.set("/hostname", json!("as-created"));
    })?;
    ctx.created(&c)?;
    let mut changed = c.config.clone();
    changed.probe_args(&["exit", "7"]);
    changed.set(
        "/process/env",
        json!(["PATH=/", "OCI_CHECK_PHASE=changed-after-create"]),
    );
    changed.set("/hostname", json!("changed"));
    c.bundle
        .write_config(&changed)
        .map_err(|e| fail(format!("harness: rewriting config.json: {e}")))?;
    let r = ctx.start_and_report(&c)?;
    expect_eq(
        "process.args the container ran",
        c.config.0["process"]["args"].clone(),
        json!(r.process.args),
    )?;
    ensure(
        r.process
            .env
            .iter()
            .any(|e| e == "OCI_CHECK_PHASE=as-created"),
        || {
            format!(
                "the environment is not the one of config.json at create: {:?}",
                r.process.env
            )
        },
    )?;
    expect_eq("hostname", "as-created", r.uts.hostname.as_str())
}

/// The five operations of the OCI command line, each on a container in the status it is meant
/// for. A runtime that lacks one fails here with that operation's own exit status and output.
fn every_operation_is_supported(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    let call = ctx.create(&c);
    ctx.succeed(call, "create")?;
    let call = ctx.call(&["state", &c.id]);
    let call = ctx.succeed(call, "state of a created container")?;
    crate::scenario::parse_state(&call.stdout)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    ctx.wait_ready(&c)?;
    let call = ctx.kill(&c, "KILL");
    ctx.succeed(call, "kill of a running container")?;
    ctx.wait_status(&c, "stopped")?;
    let call = ctx.delete(&c);
    ctx.succeed(call, "delete of a stopped container")?;
    Ok(())
}

/// What a deleted container must leave alone, read from the host.
#[derive(Debug, PartialEq, serde::Serialize)]
struct Foreign {
    /// The container whose network namespace the deleted one joined: status and pid.
    namespace_owner: (String, i64),
    /// That namespace's inode, as the owner's /proc/PID/ns/net shows it.
    namespace_inode: Option<u64>,
    /// The bind mount's source directory: its file's content.
    bind_source_file: Option<String>,
    /// The bundle: config.json and the program in rootfs exist.
    bundle_config: bool,
    bundle_program: bool,
}

fn ns_inode(pid: i64, name: &str) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/ns/{name}"))
        .ok()
        .map(|m| m.ino())
}

fn foreign(ctx: &mut Ctx, owner: &Container, joiner: &Container, source: &Path) -> Foreign {
    let state = ctx.state(owner).unwrap_or(Value::Null);
    let pid = state["pid"].as_i64().unwrap_or(0);
    Foreign {
        namespace_owner: (status(&state).as_str().unwrap_or("?").to_string(), pid),
        namespace_inode: ns_inode(pid, "net"),
        bind_source_file: std::fs::read_to_string(source.join("kept")).ok(),
        bundle_config: joiner.bundle.config_path().is_file(),
        bundle_program: joiner
            .bundle
            .dir
            .join("rootfs")
            .join(PROBE.trim_start_matches('/'))
            .is_file(),
    }
}

fn join_network_namespace(c: &mut Container, owner_pid: i64) -> Check {
    let list = c.config.0["linux"]["namespaces"]
        .as_array_mut()
        .ok_or_else(|| fail("harness: the base config has no namespace list"))?;
    let net = list
        .iter_mut()
        .find(|n| n["type"] == "network")
        .ok_or_else(|| fail("harness: the base config has no network namespace"))?;
    net["path"] = json!(format!("/proc/{owner_pid}/ns/net"));
    Ok(())
}

/// A second container joins the network namespace of a first and bind-mounts a host directory;
/// deleting the second must leave the first (and so its namespace), the directory and the
/// bundle as they were.
fn delete_keeps_what_the_container_did_not_create(ctx: &mut Ctx) -> Check {
    ctx.requires_host_namespace("network")?;
    // The base config gives every container a new network namespace.
    let owner = ctx.container(|_| {})?;
    ctx.running(&owner)?;
    let owner_pid = ctx.state(&owner)?["pid"].as_i64().unwrap_or(0);
    let mut joiner = ctx.container(|cfg| {
        cfg.probe_args(&["exit", "0"]);
    })?;
    let source = joiner.bundle.dir.join("foreign");
    std::fs::create_dir(&source)
        .and_then(|_| std::fs::write(source.join("kept"), "not the container's\n"))
        .map_err(|e| fail(format!("harness: making {}: {e}", source.display())))?;
    join_network_namespace(&mut joiner, owner_pid)?;
    joiner.config.push(
        "/mounts",
        json!({"destination": "/foreign", "type": "bind", "source": source,
               "options": ["rbind", "ro"]}),
    );
    joiner
        .bundle
        .write_config(&joiner.config)
        .map_err(|e| fail(format!("harness: writing config.json: {e}")))?;
    let before = foreign(ctx, &owner, &joiner, &source);
    ctx.created(&joiner)?;
    let call = ctx.start(&joiner);
    ctx.succeed(call, "start")?;
    ctx.wait_status(&joiner, "stopped")?;
    let call = ctx.delete(&joiner);
    ctx.succeed(call, "delete of the stopped container")?;
    let after = foreign(ctx, &owner, &joiner, &source);
    crate::scenario::expect_same(
        "what the deleted container joined or used but did not create, before create and after delete",
        &before,
        &after,
    )
}
