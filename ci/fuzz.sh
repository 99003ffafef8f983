#!/usr/bin/env bash
# Fuzzes the validator: both cargo-fuzz targets of fuzz/, RUNS executions each (default
# 1000000, what docs/fuzzing.md records), one process (no -jobs), inputs up to 16 KiB, 10 s per input before
# libFuzzer calls it a hang. New inputs go to a scratch corpus, so fuzz/corpus/ (the small seed
# corpus in git) is only read. A crash leaves its reproducer in fuzz/artifacts/TARGET/.
# Usage: ci/fuzz.sh [RUNS] [TARGET...]      (needs rustup's nightly; installs cargo-fuzz)
# Environment: FUZZ_SANITIZER=address to run under ASan (about 2x slower; default none, the
# validator has no unsafe code of its own), FUZZ_WORK=DIR to keep the scratch corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config_json config_structured)
sanitizer="${FUZZ_SANITIZER:-none}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

if [ -n "${FUZZ_WORK:-}" ]; then
  work="$FUZZ_WORK"
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

cd fuzz
cargo +nightly fuzz build -s "$sanitizer"
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  echo "== $t: $runs executions (scratch corpus $work/$t)"
  start=$(date +%s)
  cargo +nightly fuzz run -s "$sanitizer" "$t" "$work/$t" "corpus/$t" -- \
    -runs="$runs" -max_len=16384 -timeout=10 -print_final_stats=1 2>&1 |
    tee "$work/$t.log" | grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|^stat::|Done|ERROR|SUMMARY'
  echo "== $t: $(( $(date +%s) - start )) s"
done
