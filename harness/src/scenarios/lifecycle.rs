//! The lifecycle (runtime.md "Lifecycle" and "Operations"; lifecycle checklist sections 2-3).

use super::{footprint_empty, must_error};
use crate::bundle::OUT;
use crate::scenario::{ensure, expect_eq, fail, mismatch, process_alive, Check, Ctx, Scenario};
use serde_json::{json, Value};
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
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let path = c.bundle.out("report.json");
    let text = ctx.wait_for("the probe's report in /out/report.json", || {
        std::fs::read_to_string(&path).ok()
    })?;
    let r: oci_probe::Report = serde_json::from_str(&text)
        .map_err(|e| fail(format!("the probe's report does not parse: {e}")))?;
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
