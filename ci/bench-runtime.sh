#!/usr/bin/env bash
# Speed of the runtime harness against runc, each figure as a ratio to a baseline measured in
# the same run (hyperfine; needs root, runc and hyperfine):
#   1. the whole suite, wall time;
#   2. one lifecycle scenario (create, start, wait for `stopped`, delete, clean-up), run alone
#      by oci-check, against the same bundle run by runc alone: `runc run` (one process doing
#      it all), and the same operations as separate runc calls from a shell (what any caller
#      of the OCI command line must do).
# Usage: ci/bench-runtime.sh      (run ci/main.sh once first to build)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="$(pwd)/$target/release/oci-check"
probe="$(pwd)/$target/static/x86_64-unknown-linux-gnu/release/oci-probe"
runs="${RUNS:-20}"
tmp=$(mktemp -d)
trap 'runc --root "$tmp/state" delete --force bench-sh >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
"$bin" runtime --runtime runc --probe "$probe" --write-bundle "$tmp/bundle" >/dev/null
scenario=lifecycle::status_is_stopped_after_the_program_exits
cat >"$tmp/lifecycle.sh" <<SH
set -e
r="runc --root $tmp/state"
\$r create --bundle $tmp/bundle bench-sh
\$r start bench-sh
until \$r state bench-sh | grep -q '"status": "stopped"'; do :; done
\$r delete bench-sh
SH
version=$(runc --version | sed -n 's/^runc version \([^ +]*\).*/\1/p')
baseline=()
[ -f "ci/expect-fail/runc-$version.txt" ] && baseline=(--expect-fail "ci/expect-fail/runc-$version.txt")
echo "== machine: $(nproc) cores, $(runc --version | head -1), $(date -u +%F)"
echo "== 1. whole suite ($("$bin" runtime --list 2>/dev/null | wc -l) checks)"
hyperfine -N --warmup 1 --runs 10 --export-json "$tmp/suite.json" \
  "$bin runtime --runtime runc --probe $probe -q ${baseline[*]} --format json --output /dev/null" >/dev/null
echo "== 2. one lifecycle scenario vs runc alone on the same bundle ($runs runs each)"
hyperfine -N --warmup 2 --runs "$runs" --export-json "$tmp/one.json" \
  "runc --root $tmp/state run --bundle $tmp/bundle bench-run" \
  "sh $tmp/lifecycle.sh" \
  "$bin runtime --runtime runc --probe $probe -q --jobs 1 --exact $scenario --format json --output /dev/null" >/dev/null
# The scenario's own duration (its duration_ms: from its first runtime call to the end of its
# clean-up), over as many runs, against the shell lifecycle: the harness's overhead per
# scenario, without the per-run set-up.
for i in $(seq 1 "$runs"); do
  "$bin" runtime --runtime runc --probe "$probe" -q --jobs 1 --exact "$scenario" --format json \
    --output "$tmp/one-$i.json"
done
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
s = json.load(open(f"{tmp}/suite.json"))["results"][0]
print(f"whole suite: mean {s['mean']:.2f} s (sd {s['stddev']:.2f}, min {s['min']:.2f}, max {s['max']:.2f})")
run_, sh, ours = json.load(open(f"{tmp}/one.json"))["results"]
ms = lambda r: f"{r['mean']*1e3:.1f} ms (sd {r['stddev']*1e3:.1f})"
print(f"runc run (one process)              : {ms(run_)}")
print(f"runc create/start/state/delete (sh) : {ms(sh)}")
print(f"oci-check, this one scenario        : {ms(ours)}")
print(f"  ratio oci-check / runc run        : {ours['mean']/run_['mean']:.2f}")
print(f"  ratio oci-check / shell lifecycle : {ours['mean']/sh['mean']:.2f}")
import glob, statistics
ds = [json.load(open(f))["tests"][0]["duration_ms"] for f in glob.glob(f"{tmp}/one-*.json")]
mean = statistics.mean(ds)
print(f"the scenario itself, in the harness (mean duration_ms of {len(ds)} runs): {mean:.1f} ms"
      f" (sd {statistics.stdev(ds):.1f})")
print(f"  harness overhead per scenario vs the shell lifecycle: {(mean/(sh['mean']*1e3)-1)*100:+.0f}%")
print(f"  vs runc run: {(mean/(run_['mean']*1e3)-1)*100:+.0f}%")
PY
