//! In-process validation speed. Baseline in the same run: parsing the same bytes with
//! serde_json alone, so the figure to read is the ratio (validate / parse), not raw time.
//!
//! `cargo bench -p oci-check-validator --bench validate`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use oci_check_validator::validate_bytes;
use serde_json::json;
use std::hint::black_box;

fn runc_spec() -> Vec<u8> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bundles/valid/runc-spec/config.json"
    );
    std::fs::read(p).expect("bundles/valid/runc-spec/config.json")
}

/// The runc spec config with a seccomp profile of 300 rules, as large profiles are: each rule
/// allows two of ten common syscalls, every fourth with one argument condition (600 names and
/// 75 conditions in all, 55 kB pretty-printed). Real default profiles have far fewer, larger
/// rules (see `docker_default`); this one stresses the per-rule work.
pub fn seccomp_300() -> Vec<u8> {
    let mut cfg: serde_json::Value = serde_json::from_slice(&runc_spec()).unwrap();
    let names = [
        "read",
        "write",
        "openat",
        "close",
        "mmap",
        "futex",
        "clone3",
        "epoll_wait",
        "getpid",
        "socket",
    ];
    let rules: Vec<_> = (0..300)
        .map(|i| {
            let mut r = json!({"names": [names[i % names.len()], names[(i + 3) % names.len()]], "action": "SCMP_ACT_ALLOW"});
            if i % 4 == 0 {
                r["args"] = json!([{"index": 0, "value": i, "op": "SCMP_CMP_EQ"}]);
            }
            r
        })
        .collect();
    cfg["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": rules});
    serde_json::to_vec_pretty(&cfg).unwrap()
}

/// The runc spec config with a seccomp profile shaped like Docker's default one as Docker hands
/// it to the runtime on x86_64: one rule allowing some 350 syscalls, and ten small rules with
/// argument conditions or an errno (socket, personality, clone, clone3, arch_prctl,
/// modify_ldt). The names are the first 350 of the `syscalls` crate's x86_64 table: real names,
/// in a real profile's quantity.
pub fn docker_default() -> Vec<u8> {
    let mut cfg: serde_json::Value = serde_json::from_slice(&runc_spec()).unwrap();
    let allowed: Vec<&str> = syscalls::x86_64::Sysno::iter()
        .map(|n| n.name())
        .take(350)
        .collect();
    let arg =
        |index: u32, value: u64, op: &str| json!([{"index": index, "value": value, "op": op}]);
    let mut rules = vec![json!({"names": allowed, "action": "SCMP_ACT_ALLOW"})];
    rules.push(
        json!({"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": arg(0, 40, "SCMP_CMP_NE")}),
    );
    for v in [0, 8, 131072, 131080, 4294967295] {
        rules.push(json!({"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": arg(0, v, "SCMP_CMP_EQ")}));
    }
    rules.push(json!({"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW"}));
    rules.push(json!({"names": ["modify_ldt"], "action": "SCMP_ACT_ALLOW"}));
    rules.push(json!({"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": arg(0, 2114060288, "SCMP_CMP_MASKED_EQ")}));
    rules.push(json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}));
    cfg["linux"]["seccomp"] = json!({
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": rules});
    serde_json::to_vec_pretty(&cfg).unwrap()
}

fn bench(c: &mut Criterion) {
    for (name, bytes) in [
        ("runc-spec", runc_spec()),
        ("seccomp-300", seccomp_300()),
        ("docker-default", docker_default()),
    ] {
        let report = validate_bytes("config.json", &bytes, None);
        assert!(
            !report.has_errors(),
            "{name} must be valid for a fair benchmark: {:?}",
            report.findings
        );
        let rules = serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["linux"]
            ["seccomp"]["syscalls"]
            .as_array()
            .map_or(0, Vec::len);
        println!(
            "fixture {name}: {} bytes, {rules} seccomp rules, findings: {:?}",
            bytes.len(),
            report
                .findings
                .iter()
                .map(|f| f.finding.rule.id)
                .collect::<Vec<_>>()
        );
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        g.bench_function("validate", |b| {
            b.iter(|| validate_bytes("config.json", black_box(&bytes), None))
        });
        g.bench_function("serde_json-parse-baseline", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
