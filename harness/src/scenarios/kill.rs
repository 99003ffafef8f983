//! kill (runtime.md "Kill"): the signal reaches the container process, which the probe
//! records, in order; kill works on `created` and `running` containers.

use crate::scenario::{ensure, expect_eq, process_alive, Check, Container, Ctx, Scenario};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "kill::signals_by_name_reach_the_container_process",
            title: "kill sends the signal, given by name, to the container process",
            requirements: &["runtime.ops.kill.sends_signal"],
            run: signals_by_name_reach_the_container_process,
        },
        Scenario {
            name: "kill::signals_by_number_reach_the_container_process",
            title: "kill sends the signal, given by number, to the container process",
            requirements: &["runtime.ops.kill.sends_signal"],
            run: signals_by_number_reach_the_container_process,
        },
        Scenario {
            name: "kill::sigkill_stops_a_running_container",
            title: "SIGKILL sent with kill ends a running container: its status becomes `stopped`",
            requirements: &["runtime.ops.kill.sends_signal", "runtime.lifecycle.exit.causes"],
            run: sigkill_stops_a_running_container,
        },
        Scenario {
            name: "kill::a_created_container_can_be_killed",
            title: "kill of a `created` container is allowed and reaches its process; the program never runs",
            requirements: &["runtime.ops.kill.sends_signal", "runtime.ops.kill.error_bad_state"],
            run: a_created_container_can_be_killed,
        },
    ]
}

/// Sends each signal in turn, waiting for the probe to record it before the next (standard
/// signals pending together are delivered lowest number first, so sending them all at once
/// would not test order), and checks the recorded names in order.
fn signals_reach(ctx: &mut Ctx, c: &Container, sent: &[(&str, &str)]) -> Check {
    ctx.running(c)?;
    for (n, (arg, _)) in sent.iter().enumerate() {
        let call = ctx.kill(c, arg);
        ctx.succeed(call, &format!("kill {arg}"))?;
        ctx.wait_for(&format!("the probe to record signal {arg}"), || {
            let got = Ctx::signal_records(c)
                .iter()
                .filter(|r| r["event"] == "signal")
                .count();
            (got > n).then_some(())
        })?;
    }
    let recorded: Vec<String> = Ctx::signal_records(c)
        .iter()
        .filter(|r| r["event"] == "signal")
        .map(|r| r["name"].as_str().unwrap_or("?").to_string())
        .collect();
    let expected: Vec<String> = sent.iter().map(|(_, name)| name.to_string()).collect();
    expect_eq(
        "signals the container process received, in order",
        expected,
        recorded,
    )
}

fn signals_by_name_reach_the_container_process(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    signals_reach(
        ctx,
        &c,
        &[
            ("SIGUSR1", "SIGUSR1"),
            ("SIGHUP", "SIGHUP"),
            ("SIGUSR2", "SIGUSR2"),
        ],
    )
}

fn signals_by_number_reach_the_container_process(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    let usr1 = libc::SIGUSR1.to_string();
    let winch = libc::SIGWINCH.to_string();
    let hup = libc::SIGHUP.to_string();
    signals_reach(
        ctx,
        &c,
        &[(&usr1, "SIGUSR1"), (&winch, "SIGWINCH"), (&hup, "SIGHUP")],
    )
}

fn sigkill_stops_a_running_container(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.running(&c)?;
    let pid = ctx.state(&c)?["pid"].as_i64().unwrap_or(0);
    let call = ctx.kill(&c, "KILL");
    ctx.succeed(call, "kill KILL")?;
    ctx.wait_status(&c, "stopped")?;
    ensure(!process_alive(pid), || {
        format!("the container process {pid} is still alive after SIGKILL")
    })
}

fn a_created_container_can_be_killed(ctx: &mut Ctx) -> Check {
    let c = ctx.container(|_| {})?;
    ctx.created(&c)?;
    let pid = ctx.state(&c)?["pid"].as_i64().unwrap_or(0);
    let call = ctx.kill(&c, "KILL");
    ctx.succeed(call, "kill KILL of a created container")?;
    ctx.wait_status(&c, "stopped")?;
    ensure(!process_alive(pid), || {
        format!("the container process {pid} is still alive after SIGKILL")
    })?;
    let records = Ctx::signal_records(&c);
    ensure(records.is_empty(), || {
        format!("the user program ran although start was never called: {records:?}")
    })
}
