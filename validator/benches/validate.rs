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

/// The runc spec config with a seccomp profile of 300 rules, as large profiles are.
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

fn bench(c: &mut Criterion) {
    for (name, bytes) in [("runc-spec", runc_spec()), ("seccomp-300", seccomp_300())] {
        let report = validate_bytes("config.json", &bytes, None);
        assert!(
            !report.has_errors(),
            "{name} must be valid for a fair benchmark: {:?}",
            report.findings
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
