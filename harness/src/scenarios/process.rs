//! The process: args, env, cwd, user, capabilities, rlimits, AppArmor and SELinux labels, and
//! the rest of `process`; `root`; hostname and domainname.
//!
//! Every check runs the probe's report in a container whose config asks for something, and
//! compares what the config asked with what the probe saw from inside, field by field.

use crate::bundle::{Config, OUT};
use crate::scenario::{
    ensure, expect_same, expect_subset, fail, mismatch, skip, Check, Container, Ctx, Scenario, Stop,
};
use oci_probe::{Limit, Report};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "process::args_are_the_programs_argv",
            title: "The runtime runs the user-specified program as specified by process: args is its argv",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: args_are_the_programs_argv,
        },
        Scenario {
            name: "process::env_is_the_programs_environment",
            title: "process.env is the program's environment (IEEE Std 1003.1-2008 environ)",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: env_is_the_programs_environment,
        },
        Scenario {
            name: "process::cwd_is_the_working_directory",
            title: "process.cwd is the working directory that will be set for the executable",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: cwd_is_the_working_directory,
        },
        Scenario {
            name: "process::user_uid_gid_and_additional_gids_are_applied",
            title: "process.user: uid, gid and additionalGids are those of the process in the container namespace",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: user_uid_gid_and_additional_gids_are_applied,
        },
        Scenario {
            name: "process::umask_is_applied",
            title: "process.user.umask specifies the umask of the user",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: umask_is_applied,
        },
        Scenario {
            name: "process::umask_unset_is_the_callers",
            title: "If umask is unspecified, the umask should not be changed from the calling process' umask",
            requirements: &["config.process.user.umask.unset_unchanged"],
            run: umask_unset_is_the_callers,
        },
        Scenario {
            name: "process::capabilities_are_the_configured_sets",
            title: "process.capabilities: the effective, bounding, inheritable, permitted and ambient capabilities are kept for the process",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: capabilities_are_the_configured_sets,
        },
        Scenario {
            name: "process::ungrantable_capabilities_do_not_fail",
            title: "Runtimes SHOULD NOT fail if the configuration requests capabilities that cannot be granted",
            requirements: &["config.process.capabilities.no_fail_ungrantable"],
            run: ungrantable_capabilities_do_not_fail,
        },
        Scenario {
            name: "process::unmappable_capabilities_are_logged_as_warnings",
            title: "A capability which cannot be mapped to a kernel interface MUST be logged as a warning",
            requirements: &["config.process.capabilities.warn_unmappable"],
            run: unmappable_capabilities_are_logged_as_warnings,
        },
        Scenario {
            name: "process::features_capabilities_are_recognized",
            title: "The runtime MUST recognize the capabilities its features document lists in process.capabilities",
            requirements: &["features.linux.capabilities.recognized"],
            run: features_capabilities_are_recognized,
        },
        Scenario {
            name: "process::no_new_privileges_is_set",
            title: "noNewPrivileges true prevents the process from gaining additional privileges (no_new_privs)",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: no_new_privileges_is_set,
        },
        Scenario {
            name: "process::rlimit_soft_values_are_applied",
            title: "For each entry in rlimits, getrlimit on type succeeds and rlim.rlim_cur MUST match the configured value",
            requirements: &[
                "config.process.rlimits.soft.applied",
                "config.process.rlimits.type.getrlimit_succeeds",
            ],
            run: rlimit_soft_values_are_applied,
        },
        Scenario {
            name: "process::rlimit_hard_values_are_applied",
            title: "For each entry in rlimits, getrlimit on type succeeds and rlim.rlim_max MUST match the configured value",
            requirements: &[
                "config.process.rlimits.hard.applied",
                "config.process.rlimits.type.getrlimit_succeeds",
            ],
            run: rlimit_hard_values_are_applied,
        },
        Scenario {
            name: "process::oom_score_adj_is_applied",
            title: "If oomScoreAdj is set, the runtime MUST set oom_score_adj to the given value",
            requirements: &["config.process.oomScoreAdj.applied"],
            run: oom_score_adj_is_applied,
        },
        Scenario {
            name: "process::oom_score_adj_is_unchanged_when_unset",
            title: "If oomScoreAdj is not set, the runtime MUST NOT change the value of oom_score_adj",
            requirements: &["config.process.oomScoreAdj.unchanged_if_unset"],
            run: oom_score_adj_is_unchanged_when_unset,
        },
        Scenario {
            name: "process::scheduler_is_applied",
            title: "process.scheduler: the policy and nice value are the process's; priority not set means 0",
            requirements: &[
                "config.process.scheduler.priority.default_zero",
                "runtime.ops.start.runs_program",
            ],
            run: scheduler_is_applied,
        },
        Scenario {
            name: "process::io_priority_is_applied",
            title: "process.ioPriority: the I/O scheduling class and priority are applied to the process",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: io_priority_is_applied,
        },
        Scenario {
            name: "process::personality_is_applied",
            title: "linux.personality sets the Linux execution personality (domain and flags)",
            requirements: &["runtime.lifecycle.create.env_per_config", "runtime.ops.create.apply_all_but_process"],
            run: personality_is_applied,
        },
        Scenario {
            name: "process::apparmor_profile_is_applied",
            title: "process.apparmorProfile: the process runs under the named AppArmor profile",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: apparmor_profile_is_applied,
        },
        Scenario {
            name: "process::selinux_label_is_applied",
            title: "process.selinuxLabel: the process has the SELinux label",
            requirements: &["runtime.ops.start.runs_program", "runtime.lifecycle.start.run_program"],
            run: selinux_label_is_applied,
        },
        Scenario {
            name: "process::console_size_is_ignored_without_terminal",
            title: "Runtimes MUST ignore consoleSize if terminal is false or unset",
            requirements: &["config.process.consoleSize.ignored_without_terminal"],
            run: console_size_is_ignored_without_terminal,
        },
        Scenario {
            name: "process::root_readonly_is_enforced",
            title: "If root.readonly is true then the root filesystem MUST be read-only inside the container",
            requirements: &["config.root.readonly.enforced"],
            run: root_readonly_is_enforced,
        },
        Scenario {
            name: "process::root_path_is_the_containers_root",
            title: "root.path is the root filesystem of the container; without readonly it is writable (defaults to false)",
            requirements: &["runtime.lifecycle.create.env_per_config", "runtime.ops.create.apply_all_but_process"],
            run: root_path_is_the_containers_root,
        },
        Scenario {
            name: "process::hostname_is_set_in_the_uts_namespace",
            title: "hostname is the container's hostname as seen by processes inside it (its UTS namespace)",
            requirements: &["runtime.ops.create.apply_all_but_process", "runtime.lifecycle.create.env_per_config"],
            run: hostname_is_set_in_the_uts_namespace,
        },
        Scenario {
            name: "process::domainname_is_set_in_the_uts_namespace",
            title: "domainname is the container's domainname as seen by processes inside it (its UTS namespace)",
            requirements: &["runtime.ops.create.apply_all_but_process", "runtime.lifecycle.create.env_per_config"],
            run: domainname_is_set_in_the_uts_namespace,
        },
        Scenario {
            name: "process::hostname_without_a_uts_namespace_is_applied_or_refused",
            title: "hostname with no new UTS namespace: the container sees it, or create generates an error (a property the runtime cannot apply MUST be an error)",
            requirements: &["runtime.ops.create.error_cannot_apply", "runtime.ops.create.apply_all_but_process"],
            run: hostname_without_a_uts_namespace_is_applied_or_refused,
        },
        Scenario {
            name: "process::unknown_annotation_keys_are_ignored",
            title: "Runtimes MUST handle unknown annotation keys like any other unknown property (ignore them)",
            requirements: &["config.annotations.unknown_keys_ignored"],
            run: unknown_annotation_keys_are_ignored,
        },
        Scenario {
            name: "process::unknown_properties_are_ignored",
            title: "Runtimes MAY log unknown properties but MUST otherwise ignore them",
            requirements: &["config.extensibility.ignore_unknown"],
            run: unknown_properties_are_ignored,
        },
    ]
}

/// Counted requirement rows of this area that no check can cover, with the reason.
pub const NOT_CHECKABLE: &[(&str, &str)] = &[
    (
        "config.process.execCPUAffinity.final.unset_no_change",
        "execCPUAffinity \"is not applicable to the container's init process\": it governs processes a runtime executes in an existing container (`runc exec`), and the OCI command line (create, start, state, kill, delete) has no such operation",
    ),
    (
        "config.annotations.oci.image.stopSignal.kill_signal",
        "the OCI `kill` operation always takes the signal from its caller (`kill <container-id> <signal>`), so which signal a runtime would send on its own to kill the container is not observable through the OCI command line",
    ),
];

const SPEC_PROCESS: &str =
    "runtime.md: the runtime MUST run the user-specified program, as specified by `process`";

// --- helpers -------------------------------------------------------------------------------

/// Runs the probe's report (`ARGS` after `report --out /out/report.json`) in a container whose
/// config `edit` makes. `/out` is made writable by anyone first, so a probe running as a
/// non-root user can write its report.
fn report(
    ctx: &mut Ctx,
    edit: impl FnOnce(&mut Config),
    args: &[&str],
) -> Result<(Container, Report), Stop> {
    let c = container(ctx, edit, args)?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let r = ctx.read_report(&c)?;
    Ok((c, r))
}

/// The container of [`report`], not created yet.
fn container(
    ctx: &mut Ctx,
    edit: impl FnOnce(&mut Config),
    args: &[&str],
) -> Result<Container, Stop> {
    let out = format!("{OUT}/report.json");
    let c = ctx.container(|cfg| {
        let mut all = vec!["report", "--out", out.as_str()];
        all.extend_from_slice(args);
        cfg.probe_args(&all);
        edit(cfg);
    })?;
    let dir = c.bundle.dir.join("out");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
        .map_err(|e| fail(format!("harness: chmod {}: {e}", dir.display())))?;
    Ok(c)
}

/// A line of this process's `/proc/self/status`, e.g. `Umask`.
fn own_status(key: &str) -> Option<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{key}:"))
                .map(|v| v.trim().to_string())
        })
}

/// This process's (the runtime's caller's) oom_score_adj: what the runtime inherits.
fn own_oom_score_adj() -> Option<i32> {
    std::fs::read_to_string("/proc/self/oom_score_adj")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// This process's hard limit of a resource (`None` = unlimited).
fn own_hard_limit(resource: libc::__rlimit_resource_t) -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let ok = unsafe { libc::getrlimit(resource, &mut r) } == 0;
    (ok && r.rlim_max != libc::RLIM_INFINITY).then_some(r.rlim_max)
}

fn sorted(v: &[String]) -> Vec<String> {
    let s: BTreeSet<&String> = v.iter().collect();
    s.into_iter().cloned().collect()
}

// --- args, env, cwd, user -----------------------------------------------------------------

fn args_are_the_programs_argv(ctx: &mut Ctx) -> Check {
    // Arguments with spaces, an empty one and non-ASCII text must arrive unchanged; the last
    // ones are extra `--check-paths` operands, harmless to the probe.
    let (c, r) = report(
        ctx,
        |_| {},
        &["--check-paths", "/", "a b", "", "é-ü", "/out"],
    )?;
    let want: Vec<String> = serde_json::from_value(c.config.0["process"]["args"].clone())
        .map_err(|e| fail(format!("harness: process.args: {e}")))?;
    expect_same(
        &format!("the program's argv vs process.args ({SPEC_PROCESS})"),
        &want,
        &r.process.args,
    )
}

fn env_is_the_programs_environment(ctx: &mut Ctx) -> Check {
    let vars = [
        "OCI_CHECK_A=1",
        "OCI_CHECK_SPACES=a b  c",
        "OCI_CHECK_EMPTY=",
        "OCI_CHECK_EQUALS=x=y=z",
    ];
    let (c, r) = report(
        ctx,
        |cfg| {
            for v in vars {
                cfg.push("/process/env", json!(v));
            }
        },
        &[],
    )?;
    let want: Vec<String> = serde_json::from_value(c.config.0["process"]["env"].clone())
        .map_err(|e| fail(format!("harness: process.env: {e}")))?;
    // A runtime may add variables of its own (HOME, ...); every configured one must be there,
    // exactly as written.
    expect_subset(
        &format!("the program's environment vs process.env ({SPEC_PROCESS}; env has the semantics of environ)"),
        &want,
        &r.process.env,
    )
}

fn cwd_is_the_working_directory(ctx: &mut Ctx) -> Check {
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/cwd", json!("/tmp"));
        },
        &[],
    )?;
    expect_same(
        &format!("the program's working directory vs process.cwd ({SPEC_PROCESS})"),
        &Some("/tmp".to_string()),
        &r.process.cwd,
    )
}

fn user_uid_gid_and_additional_gids_are_applied(ctx: &mut Ctx) -> Check {
    let (uid, gid, extra) = (1000u32, 1001u32, [10u32, 2002]);
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set(
                "/process/user",
                json!({"uid": uid, "gid": gid, "additionalGids": extra}),
            );
        },
        &[],
    )?;
    let p = &r.process;
    expect_same(
        &format!("real, effective and saved uid vs process.user.uid ({SPEC_PROCESS})"),
        &[uid, uid, uid],
        &[p.uid, p.euid, p.suid],
    )?;
    expect_same(
        &format!("real, effective and saved gid vs process.user.gid ({SPEC_PROCESS})"),
        &[gid, gid, gid],
        &[p.gid, p.egid, p.sgid],
    )?;
    expect_subset(
        &format!("supplementary groups vs process.user.additionalGids ({SPEC_PROCESS})"),
        &extra,
        &p.groups,
    )
}

fn umask_is_applied(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.0.2", "process.user.umask")?;
    let own = own_status("Umask").and_then(|v| u32::from_str_radix(&v, 8).ok());
    // Something the caller's umask is not, so an ignored umask shows.
    let want = if own == Some(0o027) { 0o077 } else { 0o027 };
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/user/umask", json!(want));
        },
        &[],
    )?;
    expect_same(
        &format!("the process's umask vs process.user.umask {want:#o} ({SPEC_PROCESS})"),
        &Some(want),
        &r.process.umask,
    )
}

fn umask_unset_is_the_callers(ctx: &mut Ctx) -> Check {
    let own = own_status("Umask")
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .ok_or_else(|| skip("this process's umask is not in /proc/self/status"))?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.remove("/process/user/umask");
        },
        &[],
    )?;
    expect_same(
        &format!("the process's umask without process.user.umask vs the umask of the runtime's caller ({own:#o})"),
        &Some(own),
        &r.process.umask,
    )
}

// --- capabilities ---------------------------------------------------------------------------

/// The five sets as the probe saw them, sorted.
fn observed_caps(r: &Report) -> Result<Value, Stop> {
    let c = r
        .process
        .capabilities
        .as_ref()
        .ok_or_else(|| fail("the probe could not read its capabilities (/proc/self/status)"))?;
    Ok(json!({
        "bounding": sorted(&c.bounding.names),
        "effective": sorted(&c.effective.names),
        "inheritable": sorted(&c.inheritable.names),
        "permitted": sorted(&c.permitted.names),
        "ambient": sorted(&c.ambient.names),
    }))
}

fn capabilities_are_the_configured_sets(ctx: &mut Ctx) -> Check {
    // A non-root user, so execve(2) does not recompute the sets from the bounding set as it
    // does for root: the program keeps bounding and inheritable, and its permitted and
    // effective sets are its ambient set (capabilities(7), no file capabilities). So the
    // configured permitted/effective sets equal ambient, and bounding is larger.
    let host = &ctx.host().bounding_caps;
    let want_bounding: Vec<String> = [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FOWNER",
        "CAP_KILL",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SYS_CHROOT",
    ]
    .into_iter()
    .filter(|c| host.contains(*c))
    .map(String::from)
    .collect();
    let kept: Vec<String> = ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"]
        .into_iter()
        .filter(|c| host.contains(*c))
        .map(String::from)
        .collect();
    if kept.is_empty() || want_bounding.len() == kept.len() {
        return Err(skip(
            "this host's bounding set lacks the capabilities the check grants",
        ));
    }
    let sets = json!({
        "bounding": sorted(&want_bounding),
        "effective": sorted(&kept),
        "inheritable": sorted(&kept),
        "permitted": sorted(&kept),
        "ambient": sorted(&kept),
    });
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/user", json!({"uid": 1000, "gid": 1000}));
            cfg.set("/process/capabilities", sets.clone());
        },
        &[],
    )?;
    expect_same(
        &format!("the five capability sets of the process (uid 1000) vs process.capabilities ({SPEC_PROCESS}; \"capabilities that are kept for the process\")"),
        &sets,
        &observed_caps(&r)?,
    )
}

/// Every capability name the probe knows (capabilities(7) up to CAP_CHECKPOINT_RESTORE).
fn known_caps() -> Vec<String> {
    oci_probe::parse::cap_names((1u64 << 41) - 1)
}

fn ungrantable_capabilities_do_not_fail(ctx: &mut Ctx) -> Check {
    let host = ctx.host().bounding_caps.clone();
    // A capability the kernel knows but this host's bounding set lacks: it cannot be granted.
    let listed = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/capabilities"))
        .and_then(Value::as_array)
        .cloned();
    let recognized = |c: &String| {
        listed
            .as_ref()
            .is_none_or(|l| l.iter().any(|v| v == c.as_str()))
    };
    let Some(missing) = known_caps()
        .into_iter()
        .find(|c| !host.contains(c) && recognized(c))
    else {
        return Err(skip(
            "this host's bounding set has every capability: none is ungrantable here",
        ));
    };
    let (_, r) = report(
        ctx,
        |cfg| {
            for set in ["bounding", "effective", "permitted"] {
                cfg.push(&format!("/process/capabilities/{set}"), json!(missing));
            }
        },
        &[],
    )
    .map_err(|e| match e {
        Stop::Fail(f) => mismatch(
            format!(
                "{missing} (absent from this host's bounding set, so it cannot be granted) in bounding, effective and permitted made the container fail: {}",
                f.message
            ),
            "create and start succeed; the capability is left out (with a warning)",
            f.observed.unwrap_or_else(|| "a failure".into()),
        ),
        skip => skip,
    })?;
    let got = observed_caps(&r)?;
    ensure(
        !got["permitted"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c == missing.as_str())),
        || format!("{missing} was granted although this host's bounding set lacks it: {got}"),
    )
}

fn unmappable_capabilities_are_logged_as_warnings(ctx: &mut Ctx) -> Check {
    const BOGUS: &str = "CAP_OCI_CHECK_NOT_A_CAPABILITY";
    let c = container(
        ctx,
        |cfg| {
            let mut bounding = vec![json!(BOGUS)];
            if let Some(Value::Array(a)) = cfg.get("/process/capabilities/bounding") {
                bounding.extend(a.iter().cloned());
            }
            cfg.set("/process/capabilities/bounding", json!(bounding));
        },
        &[],
    )?;
    let call = ctx.create(&c);
    let out = format!("{}\n{}", call.stdout, call.stderr);
    ensure(out.contains(BOGUS), || {
        format!(
            "create printed nothing naming {BOGUS} (a capability no kernel interface maps to, listed in process.capabilities.bounding): expected a warning, got exit {} with stdout {:?} and stderr {:?}",
            call.exit, call.stdout, call.stderr
        )
    })
}

fn features_capabilities_are_recognized(ctx: &mut Ctx) -> Check {
    let Some(listed) = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer("/linux/capabilities"))
        .and_then(Value::as_array)
        .cloned()
    else {
        return Err(skip(
            "the runtime's features document has no linux.capabilities",
        ));
    };
    let listed: Vec<String> = listed
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let host = ctx.host().bounding_caps.clone();
    // Every listed name in the bounding set: the runtime must take each for what it names. The
    // program (root) then has exactly those the host can give.
    let want: Vec<String> = sorted(
        &listed
            .iter()
            .filter(|c| host.contains(*c))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/capabilities/bounding", json!(listed));
        },
        &[],
    )?;
    let got = observed_caps(&r)?;
    expect_same(
        "the bounding set of a process whose process.capabilities.bounding lists every capability of features.linux.capabilities (less those this host lacks)",
        &json!(want),
        &got["bounding"],
    )
}

fn no_new_privileges_is_set(ctx: &mut Ctx) -> Check {
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/noNewPrivileges", json!(true));
        },
        &[],
    )?;
    expect_same(
        &format!("no_new_privs of the process vs process.noNewPrivileges true ({SPEC_PROCESS})"),
        &Some(true),
        &r.process.no_new_privs,
    )
}

// --- rlimits --------------------------------------------------------------------------------

/// rlimits below this process's own hard limits (raising a hard limit needs
/// CAP_SYS_RESOURCE, which a runtime may lack), with soft below hard and every value distinct.
fn rlimits_to_ask() -> Vec<(&'static str, u64, u64)> {
    let below = |res, cap: u64| own_hard_limit(res).unwrap_or(u64::MAX).min(cap);
    let nofile = below(libc::RLIMIT_NOFILE, 4096) - 3;
    let msgq = below(libc::RLIMIT_MSGQUEUE, 819_200) - 4096;
    let core = below(libc::RLIMIT_CORE, 1 << 30) - 512;
    vec![
        ("RLIMIT_NOFILE", nofile / 2 - 1, nofile),
        ("RLIMIT_MSGQUEUE", msgq / 3, msgq),
        ("RLIMIT_CORE", 0, core),
    ]
}

/// A configured rlimit (type, soft, hard) and the (soft, hard) the probe saw.
type RlimitSeen = (&'static str, u64, u64, Option<(Limit, Limit)>);

/// The configured rlimits and the (soft, hard) the probe saw for each.
fn rlimits_seen(ctx: &mut Ctx) -> Result<Vec<RlimitSeen>, Stop> {
    let ask = rlimits_to_ask();
    let list: Vec<Value> = ask
        .iter()
        .map(|(t, s, h)| json!({"type": t, "soft": s, "hard": h}))
        .collect();
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/rlimits", json!(list));
        },
        &[],
    )?;
    Ok(ask
        .into_iter()
        .map(|(t, s, h)| {
            let seen = r
                .process
                .rlimits
                .iter()
                .find(|l| l.name == t)
                .map(|l| (l.soft, l.hard));
            (t, s, h, seen)
        })
        .collect())
}

fn rlimit_soft_values_are_applied(ctx: &mut Ctx) -> Check {
    let seen = rlimits_seen(ctx)?;
    let want: Vec<Value> = seen
        .iter()
        .map(|(t, s, _, _)| json!({"type": t, "rlim_cur": Limit::Value(*s)}))
        .collect();
    let got: Vec<Value> = seen
        .iter()
        .map(|(t, _, _, o)| json!({"type": t, "rlim_cur": o.map(|(s, _)| s)}))
        .collect();
    expect_same(
        "getrlimit(type).rlim_cur in the container vs process.rlimits[].soft (null: getrlimit failed)",
        &want,
        &got,
    )
}

fn rlimit_hard_values_are_applied(ctx: &mut Ctx) -> Check {
    let seen = rlimits_seen(ctx)?;
    let want: Vec<Value> = seen
        .iter()
        .map(|(t, _, h, _)| json!({"type": t, "rlim_max": Limit::Value(*h)}))
        .collect();
    let got: Vec<Value> = seen
        .iter()
        .map(|(t, _, _, o)| json!({"type": t, "rlim_max": o.map(|(_, h)| h)}))
        .collect();
    expect_same(
        "getrlimit(type).rlim_max in the container vs process.rlimits[].hard (null: getrlimit failed)",
        &want,
        &got,
    )
}

// --- oomScoreAdj ----------------------------------------------------------------------------

fn oom_score_adj_is_applied(ctx: &mut Ctx) -> Check {
    let own =
        own_oom_score_adj().ok_or_else(|| skip("/proc/self/oom_score_adj is unreadable here"))?;
    // Above the caller's value: lowering it needs CAP_SYS_RESOURCE, which a runtime may lack.
    if own >= 1000 {
        return Err(skip(
            "the runtime's caller already has oom_score_adj 1000: no higher value to ask for",
        ));
    }
    let want = (own + 123).min(1000);
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/oomScoreAdj", json!(want));
        },
        &[],
    )?;
    expect_same(
        "/proc/self/oom_score_adj in the container vs process.oomScoreAdj",
        &Some(want),
        &r.process.oom_score_adj,
    )
}

fn oom_score_adj_is_unchanged_when_unset(ctx: &mut Ctx) -> Check {
    let own =
        own_oom_score_adj().ok_or_else(|| skip("/proc/self/oom_score_adj is unreadable here"))?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.remove("/process/oomScoreAdj");
        },
        &[],
    )?;
    expect_same(
        "/proc/self/oom_score_adj in the container without process.oomScoreAdj vs the value of the runtime's caller (which the runtime inherits)",
        &Some(own),
        &r.process.oom_score_adj,
    )
}

// --- scheduler, ioPriority, personality -----------------------------------------------------

fn scheduler_is_applied(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "process.scheduler")?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set(
                "/process/scheduler",
                json!({"policy": "SCHED_BATCH", "nice": 5}),
            );
        },
        &[],
    )?;
    let s = r
        .process
        .scheduler
        .as_ref()
        .ok_or_else(|| fail("the probe could not read its scheduling policy"))?;
    expect_same(
        "the process's scheduling policy, nice value and static priority vs process.scheduler {policy: SCHED_BATCH, nice: 5} (priority not set: \"the runtime must use the value 0\")",
        &json!({"policy": "SCHED_BATCH", "nice": 5, "priority": 0}),
        &json!({"policy": s.policy, "nice": s.nice, "priority": s.priority}),
    )
}

fn io_priority_is_applied(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "process.ioPriority")?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set(
                "/process/ioPriority",
                json!({"class": "IOPRIO_CLASS_BE", "priority": 6}),
            );
        },
        &[],
    )?;
    let got = r
        .process
        .ioprio
        .as_ref()
        .map(|p| json!({"class": p.class, "priority": p.priority}));
    expect_same(
        "ioprio_get(IOPRIO_WHO_PROCESS) of the process vs process.ioPriority",
        &Some(json!({"class": "IOPRIO_CLASS_BE", "priority": 6})),
        &got,
    )
}

fn personality_is_applied(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.0.2", "linux.personality")?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/linux/personality", json!({"domain": "LINUX32"}));
        },
        &[],
    )?;
    let got = r.process.personality.as_ref().map(|p| p.domain.clone());
    expect_same(
        "the execution domain of personality(0xffffffff) in the container vs linux.personality.domain (config-linux.md: \"personality sets the Linux execution personality\")",
        &Some("LINUX32".to_string()),
        &got,
    )
}

// --- consoleSize ----------------------------------------------------------------------------

fn console_size_is_ignored_without_terminal(ctx: &mut Ctx) -> Check {
    let (_, r) = report(ctx, |cfg| {
        cfg.set("/process/terminal", json!(false));
        cfg.set("/process/consoleSize", json!({"height": 40, "width": 132}));
    }, &[])
    .map_err(|e| match e {
        Stop::Fail(f) => fail(format!(
            "a config with consoleSize and terminal false did not run (consoleSize MUST be ignored): {}",
            f.message
        )),
        s => s,
    })?;
    expect_eq_args(&r)
}

/// The probe ran as configured (its report is the one asked for).
fn expect_eq_args(r: &Report) -> Check {
    ensure(r.process.args.get(1).is_some_and(|a| a == "report"), || {
        format!(
            "the program that ran is not the configured one: argv {:?}",
            r.process.args
        )
    })
}

// --- root -----------------------------------------------------------------------------------

fn root_readonly_is_enforced(ctx: &mut Ctx) -> Check {
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/root/readonly", json!(true));
        },
        &["--check-paths", "/"],
    )?;
    let p = r
        .paths
        .first()
        .ok_or_else(|| fail("the probe's report has no entry for --check-paths /"))?;
    expect_same(
        "the root filesystem inside the container with root.readonly true: statvfs(\"/\") read-only, and a write attempt on / refused with EROFS",
        &json!({"statvfs_readonly": true, "write_refused": true}),
        &json!({"statvfs_readonly": r.mounts.root_readonly, "write_refused": p.readonly}),
    )
    .map_err(|e| match e {
        Stop::Fail(mut f) => {
            f.message += &format!(
                "\n(write test {}: {:?})",
                p.write_test, p.write_error
            );
            Stop::Fail(f)
        }
        s => s,
    })
}

fn root_path_is_the_containers_root(ctx: &mut Ctx) -> Check {
    // A root.path other than `rootfs` (the bundle has only `rootfs`: the config names it by an
    // absolute path), readonly left out: the root is the probe's rootfs, and writable.
    let mut abs = None;
    let c = ctx.container_at(|cfg, dir| {
        let p = dir.join("rootfs").display().to_string();
        abs = Some(p.clone());
        cfg.set("/root", json!({"path": p}));
        cfg.probe_args(&[
            "report",
            "--out",
            "/out/report.json",
            "--check-paths",
            "/",
            "/oci-probe",
        ]);
    })?;
    ctx.created(&c)?;
    let call = ctx.start(&c);
    ctx.succeed(call, "start")?;
    let r = ctx.read_report(&c)?;
    let got: Vec<Value> = r
        .paths
        .iter()
        .map(|p| json!({"path": p.path, "exists": p.exists, "type": p.file_type}))
        .collect();
    expect_same(
        &format!(
            "what / holds inside the container with root.path {:?}",
            abs.unwrap_or_default()
        ),
        &vec![
            json!({"path": "/", "exists": true, "type": "d"}),
            json!({"path": "/oci-probe", "exists": true, "type": "f"}),
        ],
        &got,
    )?;
    let p = &r.paths[0];
    ensure(
        p.readonly == Some(false) && r.mounts.root_readonly == Some(false),
        || {
            format!(
            "root.readonly is not set (it defaults to false) but / is read-only: statvfs read-only {:?}, write test {} refused {:?} ({:?})",
            r.mounts.root_readonly, p.write_test, p.readonly, p.write_error
        )
        },
    )
}

// --- hostname, domainname -------------------------------------------------------------------

fn uts_report(ctx: &mut Ctx, field: &str, value: &str) -> Result<Report, Stop> {
    ctx.requires_host_namespace("uts")?;
    let (_, r) = report(
        ctx,
        |cfg| {
            if !cfg
                .get("/linux/namespaces")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|n| n["type"] == "uts"))
            {
                cfg.push("/linux/namespaces", json!({"type": "uts"}));
            }
            cfg.set(&format!("/{field}"), json!(value));
        },
        &[],
    )?;
    Ok(r)
}

fn hostname_is_set_in_the_uts_namespace(ctx: &mut Ctx) -> Check {
    let r = uts_report(ctx, "hostname", "oci-check-hostname")?;
    expect_same(
        "uname(2) nodename in the container (its own UTS namespace) vs hostname",
        &"oci-check-hostname".to_string(),
        &r.uts.hostname,
    )
}

fn domainname_is_set_in_the_uts_namespace(ctx: &mut Ctx) -> Check {
    ctx.held_to("1.1.0", "domainname")?;
    let r = uts_report(ctx, "domainname", "oci-check.test")?;
    expect_same(
        "uname(2) domainname in the container (its own UTS namespace) vs domainname",
        &"oci-check.test".to_string(),
        &r.uts.domainname,
    )
}

const HOST_HOSTNAME: &str = "/proc/sys/kernel/hostname";

/// Without its own UTS namespace the container shares the runtime's hostname: a runtime can
/// only apply `hostname` by changing that one (the host's), or refuse. Ignoring it silently is
/// what runtime.md forbids. The host's hostname is restored whatever happens.
fn hostname_without_a_uts_namespace_is_applied_or_refused(ctx: &mut Ctx) -> Check {
    let host = std::fs::read_to_string(HOST_HOSTNAME)
        .map_err(|e| fail(format!("harness: {HOST_HOSTNAME}: {e}")))?;
    let janitor = ctx.rt().janitor.clone();
    let restore = {
        let host = host.clone();
        janitor.defer_undo("the host's hostname", move || {
            let now = std::fs::read_to_string(HOST_HOSTNAME).unwrap_or_default();
            (now != host)
                .then(|| std::fs::write(HOST_HOSTNAME, host.trim()).err())
                .flatten()
                .map(|e| e.to_string())
        })
    };
    let wanted = "oci-check-shared-uts";
    let out = format!("{}/report.json", crate::bundle::OUT);
    let c = ctx.container(|cfg| {
        cfg.probe_args(&["report", "--out", out.as_str()]);
        if let Some(list) = cfg.0["linux"]["namespaces"].as_array_mut() {
            list.retain(|n| n["type"] != "uts");
        }
        cfg.set("/hostname", json!(wanted));
    })?;
    let call = ctx.create(&c);
    if call.errored() {
        janitor.undo(restore);
        ctx.notes.push(
            "create generated an error: the runtime refuses hostname without a UTS namespace"
                .into(),
        );
        return Ok(());
    }
    ctx.succeed(call, "create")?;
    let r = ctx.start_and_report(&c)?;
    if std::fs::read_to_string(HOST_HOSTNAME).ok().as_deref() != Some(host.as_str()) {
        ctx.notes.push(
            "the runtime applied hostname by changing the host's (shared) hostname; restored"
                .into(),
        );
    }
    if let Some(e) = janitor.undo(restore) {
        return Err(fail(format!("harness: could not restore {e}")));
    }
    expect_same(
        "uname(2) nodename in the container (the runtime's UTS namespace, create succeeded) vs hostname",
        &wanted.to_string(),
        &r.uts.hostname,
    )
}

// --- annotations, extensibility -------------------------------------------------------------

fn runs_despite(ctx: &mut Ctx, what: &str, edit: impl FnOnce(&mut Config)) -> Check {
    let (_, r) = report(ctx, edit, &[]).map_err(|e| match e {
        Stop::Fail(f) => mismatch(
            format!("a config with {what} did not run: {}", f.message),
            "create and start succeed and the program runs, as without them",
            f.observed.unwrap_or_else(|| "a failure".into()),
        ),
        s => s,
    })?;
    expect_eq_args(&r)
}

fn unknown_annotation_keys_are_ignored(ctx: &mut Ctx) -> Check {
    runs_despite(ctx, "unknown annotation keys", |cfg| {
        cfg.set("/annotations/com.example.oci-check.unknown", json!("value"));
        cfg.set("/annotations/org.example.oci-check~1nested.key", json!(""));
    })
}

fn unknown_properties_are_ignored(ctx: &mut Ctx) -> Check {
    runs_despite(
        ctx,
        "unknown properties (top-level `ociCheckUnknown`, `process.ociCheckUnknown`, `linux.ociCheckUnknown`)",
        |cfg| {
            cfg.set("/ociCheckUnknown", json!({"nested": [1, "two"]}));
            cfg.set("/process/ociCheckUnknown", json!(true));
            cfg.set("/linux/ociCheckUnknown", json!({"x": null}));
        },
    )
}

// --- AppArmor, SELinux ----------------------------------------------------------------------
//
// Each check needs the security module on the host (SKIP otherwise, with what is missing) and
// a label the host's policy knows that differs from the runtime's own (else a runtime that
// ignores the field would pass). The comparisons are plain functions, unit-tested below:
// hosts without the module (this VM has neither) can only show them failing there.

const APPARMOR_ENABLED: &str = "/sys/module/apparmor/parameters/enabled";
const APPARMOR_FS: &str = "/sys/kernel/security/apparmor";
const SELINUX_FS: &str = "/sys/fs/selinux";

/// SKIP when the runtime's features say it lacks the module (`linux.apparmor.enabled` false).
fn requires_runtime_lsm(ctx: &Ctx, lsm: &str) -> Check {
    let enabled = ctx
        .suite
        .features
        .as_ref()
        .and_then(|f| f.pointer(&format!("/linux/{lsm}/enabled")))
        .and_then(Value::as_bool);
    if enabled == Some(false) {
        return Err(skip(format!(
            "the runtime's features say {lsm} is not enabled (linux.{lsm}.enabled false)"
        )));
    }
    Ok(())
}

/// SKIP unless AppArmor is enabled here and its securityfs directory is there.
fn requires_apparmor(ctx: &Ctx) -> Check {
    let enabled = std::fs::read_to_string(APPARMOR_ENABLED).unwrap_or_default();
    if enabled.trim() != "Y" {
        return Err(skip(format!(
            "this host has no AppArmor: {APPARMOR_ENABLED} is absent or not \"Y\""
        )));
    }
    if !std::path::Path::new(APPARMOR_FS).join(".remove").exists() {
        return Err(skip(format!(
            "AppArmor is enabled but {APPARMOR_FS} is missing (securityfs not mounted): no profile can be loaded"
        )));
    }
    requires_runtime_lsm(ctx, "apparmor")
}

/// SKIP unless SELinux is enabled here (selinuxfs mounted at /sys/fs/selinux).
pub(super) fn requires_selinux(ctx: &Ctx) -> Check {
    if !std::path::Path::new(SELINUX_FS).join("enforce").exists() {
        return Err(skip(format!(
            "this host has no SELinux: {SELINUX_FS} (selinuxfs) is absent"
        )));
    }
    requires_runtime_lsm(ctx, "selinux")
}

/// The first of `candidates` that the loaded SELinux policy accepts as a context (a write to
/// /sys/fs/selinux/context, the kernel's security_check_context, succeeds only for a valid
/// one) and that is not `own`, the runtime's own label. SKIP when none is.
pub(super) fn usable_selinux_context(
    candidates: &[&str],
    own: Option<&str>,
) -> Result<String, Stop> {
    use std::io::Write;
    let valid = |c: &str| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(format!("{SELINUX_FS}/context"))
            // As libselinux's security_check_context: the context with its NUL.
            .and_then(|mut f| f.write_all(format!("{c}\0").as_bytes()))
            .is_ok()
    };
    candidates
        .iter()
        .find(|c| Some(**c) != own && valid(c))
        .map(|c| c.to_string())
        .ok_or_else(|| {
            skip(format!(
                "the loaded SELinux policy accepts none of {candidates:?} (or only the runtime's own label {own:?})"
            ))
        })
}

/// An LSM label as /proc/PID/attr files hold it: without the trailing NUL and newline.
fn clean_label(s: &str) -> &str {
    s.trim_end_matches(['\0', '\n'])
}

/// The profile name of an AppArmor label: `NAME (MODE)` or `NAME` (`unconfined`).
fn apparmor_profile_name(label: &str) -> &str {
    let label = clean_label(label);
    match label.strip_suffix(')').and_then(|l| l.rsplit_once(" (")) {
        Some((name, _mode)) => name,
        None => label,
    }
}

/// Fails unless the process's AppArmor label (`None`: unreadable) names `profile`.
fn apparmor_profile_matches(profile: &str, observed: Option<&str>) -> Check {
    expect_same(
        "the AppArmor profile of the container process (/proc/self/attr/apparmor/current, or /proc/self/attr/current) vs process.apparmorProfile (config.md: \"the name of the AppArmor profile for the process\")",
        &Some(profile.to_string()),
        &observed.map(|l| apparmor_profile_name(l).to_string()),
    )
}

/// Fails unless the process's SELinux label (`None`: unreadable) is `label`.
fn selinux_label_matches(label: &str, observed: Option<&str>) -> Check {
    expect_same(
        "the SELinux label of the container process (/proc/self/attr/current) vs process.selinuxLabel (config.md: \"the SELinux label for the process\")",
        &Some(label.to_string()),
        &observed.map(|l| clean_label(l).to_string()),
    )
}

/// A complain-mode AppArmor profile of the harness's own, loaded with apparmor_parser and
/// removed when dropped: the probe runs under it unhindered, and no host profile is touched.
struct OwnProfile {
    name: String,
    /// The janitor's undo (removing the profile): also after a signal or a panic.
    undo: u64,
    janitor: std::sync::Arc<crate::janitor::Janitor>,
}

impl OwnProfile {
    fn load(ctx: &Ctx, name: String) -> Result<OwnProfile, Stop> {
        let Ok(parser) = which::which("apparmor_parser") else {
            return Err(skip(
                "apparmor_parser is not installed: the harness cannot load an AppArmor profile of its own for the probe",
            ));
        };
        use std::io::Write;
        let mut child = std::process::Command::new(parser)
            .arg("--replace")
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| fail(format!("harness: running apparmor_parser: {e}")))?;
        let text = format!("profile {name} flags=(complain) {{\n}}\n");
        let wrote = child.stdin.take().map(|mut i| i.write_all(text.as_bytes()));
        let out = child
            .wait_with_output()
            .map_err(|e| fail(format!("harness: apparmor_parser: {e}")))?;
        // Registered before apparmor_parser can have loaded anything.
        let janitor = ctx.rt().janitor.clone();
        let undo = {
            let name = name.clone();
            janitor.defer_undo(format!("AppArmor profile {name}"), move || {
                std::fs::write(format!("{APPARMOR_FS}/.remove"), &name)
                    .err()
                    .filter(|e| e.kind() != std::io::ErrorKind::NotFound)
                    .map(|e| e.to_string())
            })
        };
        let profile = OwnProfile {
            name,
            undo,
            janitor,
        };
        if !out.status.success() || !matches!(wrote, Some(Ok(()))) {
            return Err(fail(format!(
                "harness: apparmor_parser could not load the profile {:?}: {}",
                profile.name,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(profile)
    }
}

impl Drop for OwnProfile {
    fn drop(&mut self) {
        self.janitor.undo(self.undo);
    }
}

fn apparmor_profile_is_applied(ctx: &mut Ctx) -> Check {
    requires_apparmor(ctx)?;
    let profile = OwnProfile::load(ctx, format!("{}-apparmor", ctx.suite.tag))?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/apparmorProfile", json!(profile.name));
        },
        &[],
    )?;
    // Kernels without per-module attr directories show AppArmor's label in attr/current.
    let observed = r
        .process
        .apparmor_profile
        .as_deref()
        .or(r.process.selinux_label.as_deref());
    apparmor_profile_matches(&profile.name, observed)
}

fn selinux_label_is_applied(ctx: &mut Ctx) -> Check {
    requires_selinux(ctx)?;
    let own = std::fs::read_to_string("/proc/self/attr/current").ok();
    let label = usable_selinux_context(
        &[
            "system_u:system_r:container_t:s0:c113,c527",
            "system_u:system_r:svirt_lxc_net_t:s0:c113,c527",
            "system_u:system_r:spc_t:s0",
        ],
        own.as_deref().map(clean_label),
    )?;
    let (_, r) = report(
        ctx,
        |cfg| {
            cfg.set("/process/selinuxLabel", json!(label));
        },
        &[],
    )?;
    selinux_label_matches(&label, r.process.selinux_label.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(c: Check) -> bool {
        matches!(c, Err(Stop::Fail(_)))
    }

    #[test]
    fn apparmor_label_names_the_profile_whatever_the_mode() {
        assert_eq!(
            apparmor_profile_name("oci-check-x (complain)\n"),
            "oci-check-x"
        );
        assert_eq!(
            apparmor_profile_name("oci-check-x (enforce)"),
            "oci-check-x"
        );
        assert_eq!(apparmor_profile_name("unconfined\n"), "unconfined");
        assert_eq!(apparmor_profile_name("a (b) (enforce)"), "a (b)");
    }

    #[test]
    fn apparmor_comparison_fails_for_another_profile_or_none() {
        assert!(apparmor_profile_matches("oci-check-x", Some("oci-check-x (complain)\n")).is_ok());
        assert!(failed(apparmor_profile_matches(
            "oci-check-x",
            Some("unconfined\n")
        )));
        assert!(failed(apparmor_profile_matches(
            "oci-check-x",
            Some("docker-default (enforce)")
        )));
        assert!(failed(apparmor_profile_matches("oci-check-x", None)));
    }

    #[test]
    fn selinux_comparison_fails_for_another_label_or_none() {
        let l = "system_u:system_r:container_t:s0:c113,c527";
        assert!(
            selinux_label_matches(l, Some("system_u:system_r:container_t:s0:c113,c527\0")).is_ok()
        );
        assert!(failed(selinux_label_matches(
            l,
            Some("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023")
        )));
        assert!(failed(selinux_label_matches(
            l,
            Some("system_u:system_r:container_t:s0:c1,c2")
        )));
        assert!(failed(selinux_label_matches(l, None)));
    }
}
