//! Command-line parsing, by hand: the probe must stay small and start fast.

use crate::collect::Options;

pub const USAGE: &str = "\
usage: oci-probe                      human summary (user, caps, memory, CPU, pids, cgroup, ns)
       oci-probe report [--json] [--out FILE] [--check-paths P...] [--sysctl NAME...]
       oci-probe sleep SECS           (fractions allowed; `inf` sleeps forever)
       oci-probe exit N
       oci-probe wait-signals --out FILE [--exit-on SIG]
       oci-probe touch PATH
       oci-probe cat PATH
       oci-probe write PATH CONTENT
       oci-probe hook --record FILE [--exit N] [--sleep SECS]   (with --sleep, a second line marks the end)
       oci-probe syscall --out FILE NAME...   (ioprio_get personality getppid getpriority
                                              sched_getscheduler: the errno of each)
";

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// No verb, or `report` without `--json`: the human summary.
    Summary(Options),
    /// `out`: write the JSON to FILE (complete or not at all) instead of stdout.
    Report {
        opts: Options,
        out: Option<String>,
    },
    Sleep(f64),
    Exit(i32),
    WaitSignals {
        out: String,
        exit_on: i32,
    },
    Touch(String),
    Cat(String),
    Write {
        path: String,
        content: String,
    },
    Hook {
        record: String,
        exit: i32,
        sleep: Option<f64>,
    },
    /// Make each named call (see `syscalls::known`) and write what it returned to `out`.
    Syscall {
        out: String,
        names: Vec<String>,
    },
    Help,
}

/// Parses the arguments after the program name.
pub fn parse_args(args: &[String]) -> Result<Command, String> {
    let Some((verb, rest)) = args.split_first() else {
        return Ok(Command::Summary(Options::default()));
    };
    match verb.as_str() {
        "report" => parse_report(rest),
        "sleep" => Ok(Command::Sleep(parse_secs(one(verb, rest)?)?)),
        "exit" => Ok(Command::Exit(parse_code(one(verb, rest)?)?)),
        "wait-signals" => parse_wait_signals(rest),
        "touch" => Ok(Command::Touch(one(verb, rest)?.to_string())),
        "cat" => Ok(Command::Cat(one(verb, rest)?.to_string())),
        "write" => match rest {
            [path, content] => Ok(Command::Write {
                path: path.clone(),
                content: content.clone(),
            }),
            _ => Err("write takes PATH CONTENT".to_string()),
        },
        "hook" => parse_hook(rest),
        "syscall" => parse_syscall(rest),
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => Err(format!("unknown verb {other:?}")),
    }
}

fn one<'a>(verb: &str, rest: &'a [String]) -> Result<&'a str, String> {
    match rest {
        [x] => Ok(x),
        _ => Err(format!("{verb} takes exactly one argument")),
    }
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v >= 0.0 && !v.is_nan() => Ok(v),
        _ => Err(format!("not a number of seconds: {s:?}")),
    }
}

fn parse_code(s: &str) -> Result<i32, String> {
    s.parse::<u8>()
        .map(i32::from)
        .map_err(|_| format!("exit status must be 0..=255, got {s:?}"))
}

fn parse_report(rest: &[String]) -> Result<Command, String> {
    let mut json = false;
    let mut out = None;
    let mut opts = Options::default();
    let mut i = 0;
    while i < rest.len() {
        match rest[i].as_str() {
            "--json" => json = true,
            "--out" => {
                let Some(file) = rest.get(i + 1) else {
                    return Err("report: --out takes a FILE".to_string());
                };
                out = Some(file.clone());
                i += 2;
                continue;
            }
            // Both list options take every following argument up to the next option.
            flag @ ("--check-paths" | "--sysctl") => {
                let start = i + 1;
                let end = rest[start..]
                    .iter()
                    .position(|a| a.starts_with("--"))
                    .map_or(rest.len(), |p| start + p);
                let list = if flag == "--sysctl" {
                    &mut opts.sysctls
                } else {
                    &mut opts.check_paths
                };
                list.extend(rest[start..end].iter().cloned());
                i = end;
                continue;
            }
            other => return Err(format!("report: unknown argument {other:?}")),
        }
        i += 1;
    }
    Ok(if json || out.is_some() {
        Command::Report { opts, out }
    } else {
        Command::Summary(opts)
    })
}

/// `--name VALUE` pairs; every option must be known.
fn options<'a>(
    verb: &str,
    rest: &'a [String],
    known: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut out = Vec::new();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        if !known.contains(&flag.as_str()) {
            return Err(format!("{verb}: unknown argument {flag:?}"));
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{verb}: {flag} needs a value"))?;
        out.push((flag.as_str(), value.as_str()));
    }
    Ok(out)
}

fn parse_wait_signals(rest: &[String]) -> Result<Command, String> {
    let mut out = None;
    let mut exit_on = libc::SIGTERM;
    for (flag, value) in options("wait-signals", rest, &["--out", "--exit-on"])? {
        match flag {
            "--out" => out = Some(value.to_string()),
            _ => {
                exit_on = crate::sys::signal_number(value)
                    .ok_or_else(|| format!("wait-signals: unknown signal {value:?}"))?
            }
        }
    }
    Ok(Command::WaitSignals {
        out: out.ok_or("wait-signals needs --out FILE")?,
        exit_on,
    })
}

fn parse_hook(rest: &[String]) -> Result<Command, String> {
    let (mut record, mut exit, mut sleep) = (None, 0, None);
    for (flag, value) in options("hook", rest, &["--record", "--exit", "--sleep"])? {
        match flag {
            "--record" => record = Some(value.to_string()),
            "--exit" => exit = parse_code(value)?,
            _ => sleep = Some(parse_secs(value)?),
        }
    }
    Ok(Command::Hook {
        record: record.ok_or("hook needs --record FILE")?,
        exit,
        sleep,
    })
}

fn parse_syscall(rest: &[String]) -> Result<Command, String> {
    let [flag, out, names @ ..] = rest else {
        return Err("syscall takes --out FILE NAME...".to_string());
    };
    if flag != "--out" || names.is_empty() {
        return Err("syscall takes --out FILE NAME...".to_string());
    }
    let known = crate::syscalls::known();
    if let Some(n) = names.iter().find(|n| !known.contains(&n.as_str())) {
        return Err(format!("syscall: unknown call {n:?} (known: {known:?})"));
    }
    Ok(Command::Syscall {
        out: out.clone(),
        names: names.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Command, String> {
        let args: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        parse_args(&args)
    }

    #[test]
    fn report_lists_run_to_the_next_option() {
        let c = parse("report --check-paths /proc/kcore /sys/firmware --json --sysctl a.b c.d")
            .unwrap();
        assert_eq!(
            c,
            Command::Report {
                opts: Options {
                    check_paths: vec!["/proc/kcore".into(), "/sys/firmware".into()],
                    sysctls: vec!["a.b".into(), "c.d".into()],
                },
                out: None
            }
        );
        assert_eq!(
            parse("report --out /out/r.json --sysctl a.b").unwrap(),
            Command::Report {
                opts: Options {
                    check_paths: vec![],
                    sysctls: vec!["a.b".into()],
                },
                out: Some("/out/r.json".into())
            }
        );
        assert!(parse("report --out").is_err());
        assert_eq!(parse("").unwrap(), Command::Summary(Options::default()));
        assert_eq!(
            parse("report").unwrap(),
            Command::Summary(Options::default())
        );
        assert!(parse("report --bogus").is_err());
    }

    #[test]
    fn helper_verbs() {
        assert_eq!(parse("exit 3").unwrap(), Command::Exit(3));
        assert!(parse("exit 256").is_err());
        assert_eq!(parse("sleep 0.5").unwrap(), Command::Sleep(0.5));
        assert_eq!(parse("sleep inf").unwrap(), Command::Sleep(f64::INFINITY));
        assert!(parse("sleep -1").is_err());
        assert_eq!(
            parse("wait-signals --out /tmp/s --exit-on USR1").unwrap(),
            Command::WaitSignals {
                out: "/tmp/s".into(),
                exit_on: libc::SIGUSR1
            }
        );
        assert!(matches!(
            parse("wait-signals --out f").unwrap(),
            Command::WaitSignals { exit_on, .. } if exit_on == libc::SIGTERM
        ));
        assert!(parse("wait-signals").is_err());
        assert_eq!(
            parse("hook --record /r --exit 2 --sleep 1").unwrap(),
            Command::Hook {
                record: "/r".into(),
                exit: 2,
                sleep: Some(1.0)
            }
        );
        assert!(parse("hook --exit 2").is_err());
        assert!(parse("write onlypath").is_err());
        assert!(parse("frobnicate").is_err());
        assert_eq!(
            parse("syscall --out /out/s.json ioprio_get personality").unwrap(),
            Command::Syscall {
                out: "/out/s.json".into(),
                names: vec!["ioprio_get".into(), "personality".into()]
            }
        );
        assert!(parse("syscall --out /out/s.json").is_err());
        assert!(parse("syscall ioprio_get").is_err());
        assert!(parse("syscall --out f reboot").is_err());
    }
}
