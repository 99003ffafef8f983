//! Validates one config N times, for profilers (`valgrind --tool=callgrind`, `perf`):
//! `cargo run --release -p oci-check-validator --example repeat -- FILE N`
fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("usage: repeat FILE N");
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let bytes = std::fs::read(&file).expect("readable file");
    let mut findings = 0;
    for _ in 0..n {
        findings += oci_check_validator::validate_bytes(&file, &bytes, None)
            .findings
            .len();
    }
    println!("{n} validations, {findings} findings");
}
