#!/usr/bin/env bash
# Speed of the validator, as ratios against baselines measured in the same run.
#   in-process: criterion, `validate` against `serde_json-parse-baseline` on the same bytes;
#   whole process: hyperfine, `oci-check config` against `cat` of the same file (process start
#   and one read: the least any validator process can cost).
# Usage: ci/bench.sh            (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p oci-check
bin="${CARGO_TARGET_DIR:-target}/release/oci-check"
cfg=bundles/valid/runc-spec/config.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== in-process (criterion)"
cargo bench -q -p oci-check-validator --bench validate -- --noplot 2>/dev/null |
  grep -E '^(runc-spec|seccomp-300)/|thrpt:|time:' || true

echo "== whole process (hyperfine, $cfg)"
hyperfine -N --warmup 20 --runs 300 --export-json "$tmp/h.json" \
  "cat $cfg" "$bin config $cfg" >/dev/null
python3 - "$tmp/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base, ours = r[0], r[1]
print(f"baseline  {base['command']}: mean {base['mean']*1e3:.2f} ms (sd {base['stddev']*1e3:.2f})")
print(f"oci-check {ours['command']}: mean {ours['mean']*1e3:.2f} ms (sd {ours['stddev']*1e3:.2f})")
print(f"ratio oci-check / baseline: {ours['mean']/base['mean']:.2f}")
PY
