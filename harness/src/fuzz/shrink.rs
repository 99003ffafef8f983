//! Shrinking a mismatching case: drop one thing the case sets at a time, and keep the smaller
//! case while it still mismatches on the same property. Greedy, deterministic, capped.

use super::gen::Case;

/// Every case one step simpler than `case`: one property (or one entry of a list) back to the
/// base config's, largest steps first.
pub fn simpler(case: &Case) -> Vec<Case> {
    let mut out = Vec::new();
    let mut with = |f: &dyn Fn(&mut Case)| {
        let mut c = case.clone();
        f(&mut c);
        if &c != case {
            out.push(c);
        }
    };
    with(&|c| c.namespaces = None);
    with(&|c| c.caps = None);
    with(&|c| c.user = None);
    with(&|c| c.mounts.clear());
    with(&|c| c.env.clear());
    with(&|c| c.rlimits.clear());
    with(&|c| c.sysctls.clear());
    with(&|c| c.masked.clear());
    with(&|c| c.readonly.clear());
    with(&|c| c.args.clear());
    with(&|c| c.hostname = None);
    with(&|c| c.cwd = None);
    with(&|c| c.memory = None);
    with(&|c| c.pids = None);
    with(&|c| c.cpu_shares = None);
    with(&|c| c.cpu_quota = None);
    for i in 0..case.mounts.len() {
        with(&|c| {
            c.mounts.remove(i);
        });
    }
    for k in case.env.keys() {
        with(&|c| {
            c.env.remove(k);
        });
    }
    for k in case.rlimits.keys() {
        with(&|c| {
            c.rlimits.remove(k);
        });
    }
    for k in case.sysctls.keys() {
        with(&|c| {
            c.sysctls.remove(k);
        });
    }
    for p in &case.masked {
        with(&|c| {
            c.masked.remove(p);
        });
    }
    for p in &case.readonly {
        with(&|c| {
            c.readonly.remove(p);
        });
    }
    for i in 0..case.args.len() {
        with(&|c| {
            c.args.remove(i);
        });
    }
    if let Some(u) = &case.user {
        for i in 0..u.additional_gids.len() {
            with(&|c| {
                if let Some(u) = c.user.as_mut() {
                    u.additional_gids.remove(i);
                }
            });
        }
    }
    out
}

/// The smallest case reached from `case` by [`simpler`] steps that `still_fails` accepts, with
/// at most `budget` calls of it. Returns the case and the number of calls made.
pub fn shrink(
    case: &Case,
    budget: usize,
    mut still_fails: impl FnMut(&Case) -> bool,
) -> (Case, usize) {
    let mut current = case.clone();
    let mut tries = 0;
    'outer: loop {
        for candidate in simpler(&current) {
            if tries >= budget {
                break 'outer;
            }
            tries += 1;
            if still_fails(&candidate) {
                current = candidate;
                continue 'outer;
            }
        }
        break;
    }
    (current, tries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::gen::{generate, Limits};

    fn limits() -> Limits {
        Limits {
            bounding_caps: ["CAP_CHOWN", "CAP_KILL"].map(String::from).into(),
            namespaces: ["pid", "ipc", "uts", "network", "mount"]
                .map(String::from)
                .into(),
            rlimit_hard: Default::default(),
        }
    }

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs() {
        // A "runtime" that loses sysctl net.ipv4.ip_forward whenever it is set: the shrunk case
        // sets that alone.
        let l = limits();
        let case = (0..500)
            .map(|i| generate(3, i, &l))
            .find(|c| c.sysctls.contains_key("net.ipv4.ip_forward") && c.env.len() > 1)
            .expect("a case with the sysctl and more");
        let (small, tries) = shrink(&case, 1000, |c| {
            c.sysctls.contains_key("net.ipv4.ip_forward")
        });
        let mut expected = Case::default();
        expected.sysctls.insert(
            "net.ipv4.ip_forward".into(),
            case.sysctls["net.ipv4.ip_forward"].clone(),
        );
        assert_eq!(small, expected);
        assert!(tries > 0);
    }

    #[test]
    fn shrinking_stops_at_the_budget() {
        let l = limits();
        let case = generate(5, 0, &l);
        let mut calls = 0;
        let (_, tries) = shrink(&case, 3, |_| {
            calls += 1;
            true
        });
        assert!(tries <= 3 && calls == tries);
    }

    #[test]
    fn every_step_is_simpler() {
        let l = limits();
        for i in 0..50 {
            let case = generate(11, i, &l);
            for s in simpler(&case) {
                assert_ne!(s, case);
            }
        }
    }
}
