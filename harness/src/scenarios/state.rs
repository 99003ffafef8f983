//! The state document (runtime.md, "State"; lifecycle checklist section 1).

use crate::scenario::{ensure, expect_eq, fail, mismatch, process_alive, Check, Ctx, Scenario};
use oci_check_validator::runtime_docs::validate_state;
use serde_json::{json, Value};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "state::document_adheres_to_the_state_schema",
            title: "The state of a created, a running and a stopped container adheres to the state schema",
            requirements: &[
                "runtime.state.schema",
                "runtime.ops.state.returns_state",
                "runtime.state.ociVersion.required",
                "runtime.state.status.required",
            ],
            run: document_adheres_to_the_state_schema,
        },
        Scenario {
            name: "state::id_is_the_container_id",
            title: "`id` is the ID the container was created with",
            requirements: &["runtime.state.id.required"],
            run: id_is_the_container_id,
        },
        Scenario {
            name: "state::pid_is_the_container_process",
            title: "`pid` is the container process, when the container is created and when it runs",
            requirements: &["runtime.state.pid.required_linux"],
            run: pid_is_the_container_process,
        },
        Scenario {
            name: "state::bundle_is_the_absolute_bundle_path",
            title: "`bundle` is the absolute path of the bundle, even when create was given a relative one",
            requirements: &["runtime.state.bundle.required"],
            run: bundle_is_the_absolute_bundle_path,
        },
        Scenario {
            name: "state::annotations_are_those_of_the_config",
            title: "`annotations` holds the annotations the config gave the container",
            requirements: &["runtime.state.annotations.optional"],
            run: annotations_are_those_of_the_config,
        },
    ]
}

/// Validates one state document against our state schema; a status outside the spec's four is
/// allowed by the prose (runtime.state.status.extra_values) and only noted.
fn conforms(ctx: &mut Ctx, state: &Value, when: &str) -> Check {
    let errors = validate_state(state);
    if !errors.is_empty() {
        return Err(mismatch(
            format!("the state of a {when} container does not adhere to the state schema"),
            "a document valid against state-schema.json",
            format!("{}\n{}", errors.join("\n"), state),
        ));
    }
    let status = state["status"].as_str().unwrap_or("");
    if !["creating", "created", "running", "stopped"].contains(&status) {
        ctx.notes.push(format!(
            "runtime-defined status {status:?} seen for a {when} container"
        ));
    }
    Ok(())
}

fn document_adheres_to_the_state_schema(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let s = ctx.state(&c)?;
    conforms(ctx, &s, "created")?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    ctx.wait_ready(&c)?;
    let s = ctx.state(&c)?;
    conforms(ctx, &s, "running")?;
    // SIGTERM ends the probe's wait-signals: the container stops by itself.
    let call = ctx.kill(&c, "TERM");
    ctx.succeed(call, "kill TERM")?;
    let s = ctx.wait_status(&c, "stopped")?;
    conforms(ctx, &s, "stopped")
}

fn id_is_the_container_id(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let s = ctx.state(&c)?;
    expect_eq("state.id", json!(c.id), s["id"].clone())
}

fn pid_is_the_container_process(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let s = ctx.state(&c)?;
    let Some(pid) = s["pid"].as_i64().filter(|p| *p > 0) else {
        return Err(mismatch(
            "a created container's state has no pid",
            "a positive integer",
            s["pid"].to_string(),
        ));
    };
    ensure(process_alive(pid), || {
        format!("state.pid {pid} of the created container is not a live process")
    })?;
    // The container process lives in the container's new PID namespace, not the runtime's.
    let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/pid")).ok();
    ensure(ns(&pid.to_string()) != ns("self"), || {
        format!("state.pid {pid} is in the runtime's PID namespace, not the container's new one")
    })?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    ctx.wait_ready(&c)?;
    let s = ctx.state(&c)?;
    expect_eq(
        "state.pid of the running container (the same process, now the user program)",
        Some(pid),
        s["pid"].as_i64(),
    )?;
    // After start, that process runs the user program: its argv is process.args.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let argv: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let args: Vec<String> = serde_json::from_value(c.config.0["process"]["args"].clone())
        .map_err(|e| fail(format!("harness: {e}")))?;
    expect_eq(
        "argv of the process state.pid names (it must run process.args)",
        args,
        argv,
    )
}

fn bundle_is_the_absolute_bundle_path(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    let parent = c
        .bundle
        .dir
        .parent()
        .expect("bundles have a parent")
        .to_path_buf();
    let name = c
        .bundle
        .dir
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    // A relative --bundle, from the bundle's parent directory.
    let call = ctx.call_in(&parent, &["create", "--bundle", &name, &c.id]);
    ctx.succeed(call, "create with a relative --bundle")?;
    let s = ctx.state(&c)?;
    let want = std::fs::canonicalize(&c.bundle.dir).unwrap_or(c.bundle.dir.clone());
    let got = s["bundle"].as_str().unwrap_or_default();
    ensure(got.starts_with('/'), || {
        format!("state.bundle {got:?} is not an absolute path")
    })?;
    let got_real = std::fs::canonicalize(got).unwrap_or_else(|_| got.into());
    expect_eq(
        "state.bundle (resolved)",
        want.display().to_string(),
        got_real.display().to_string(),
    )
}

fn annotations_are_those_of_the_config(ctx: &mut Ctx) -> Check {
    let given = json!({"org.opencontainers.oci-check.test": "value 1", "com.example.second": "2"});
    let c = ctx.container(|cfg| {
        cfg.set("/annotations", given.clone());
    })?;
    ctx.created(&c)?;
    let s = ctx.state(&c)?;
    let Some(seen) = s["annotations"].as_object() else {
        return Err(mismatch(
            "the state has no annotations, though the config gave some",
            given.to_string(),
            s["annotations"].to_string(),
        ));
    };
    // The runtime may add its own; each of the config's must be there with its value.
    for (k, v) in given.as_object().expect("an object") {
        if seen.get(k) != Some(v) {
            return Err(mismatch(
                format!("state.annotations[{k:?}]"),
                v.to_string(),
                seen.get(k).map_or("absent".into(), Value::to_string),
            ));
        }
    }
    Ok(())
}
