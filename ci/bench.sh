#!/usr/bin/env bash
# Speed of the validator, with baselines measured in the same run.
#   in-process: criterion, `validate` against `serde_json-parse-baseline` on the same bytes;
#   whole process: hyperfine, `oci-check config` against `cat` of the same file (process start
#   and one read: the least any validator process can cost).
# In-process fixtures (validator/benches/validate.rs): the `runc spec` config; the same with a
# 300-rule seccomp profile (the issue's case); the same with a profile shaped like Docker's
# default one. Whole process: the `runc spec` config, and for comparison a config with a schema
# error (only such a config makes the validator compile the schema with jsonschema).
# Targets (issue 2): >= 20,000 validations/s in-process; <= 3 ms for the whole process.
# Usage: ci/bench.sh            (needs hyperfine and python3: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "ci/bench.sh: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/oci-check"
cfg=bundles/valid/runc-spec/config.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine: $(nproc) cores, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --release -q -p oci-check

echo "== in-process (criterion)"
# Criterion's report goes to stdout; cargo's own errors to stderr, kept in a file and shown on failure.
if ! cargo bench -q -p oci-check-validator --bench validate -- --noplot >"$tmp/crit.txt" 2>"$tmp/crit.err"; then
  cat "$tmp/crit.txt" "$tmp/crit.err" >&2
  echo "ci/bench.sh: cargo bench failed" >&2
  exit 1
fi
# Criterion's own lines, without its "change since the last run" lines (those hold a %).
grep -E '^fixture |^(runc-spec|seccomp-300|docker-default)/|thrpt:|time:' "$tmp/crit.txt" | grep -v '%' || true
python3 - "$target/criterion" <<'PY'
import json, os, sys
root = sys.argv[1]
def mean_ns(group, fn):
    # criterion's headline figure: the slope estimate when it has one, else the mean
    with open(os.path.join(root, group, fn, "new", "estimates.json")) as f:
        e = json.load(f)
    return (e.get("slope") or e["mean"])["point_estimate"]
for group in ("runc-spec", "seccomp-300", "docker-default"):
    v = mean_ns(group, "validate")
    p = mean_ns(group, "serde_json-parse-baseline")
    print(f"{group:14} {1e9 / v:9,.0f} validations/s ({v / 1e3:.1f} us each); "
          f"parse-only baseline {1e9 / p:9,.0f}/s; ratio validate/parse {v / p:.2f}")
PY

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

bad=bundles/invalid/schema/config.json
echo "== whole process, a config with a schema error (hyperfine, $bad; exit code 1 expected)"
hyperfine -N -i --warmup 20 --runs 300 --export-json "$tmp/h2.json" "$bin config $bad" >/dev/null 2>&1
python3 - "$tmp/h2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"oci-check {r['command']}: mean {r['mean']*1e3:.2f} ms (sd {r['stddev']*1e3:.2f})")
PY
