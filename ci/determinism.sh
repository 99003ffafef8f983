#!/usr/bin/env bash
# Runs the full suite against a runtime N times (default 20) and shows that every check gets
# the same verdict every time. Any difference is a flaky check, to be fixed at its cause.
# Usage: ci/determinism.sh [N] [RUNTIME]     (needs root; run ci/main.sh once first to build)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20}"
runtime="${2:-runc}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/oci-check"
probe="$target/static/x86_64-unknown-linux-gnu/release/oci-probe"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq 1 "$n"); do
  "$bin" runtime --runtime "$runtime" --probe "$probe" -q --format json --output "$tmp/$i.json" || true
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["tests"]:
    print(t["id"], t["outcome"])
' "$tmp/$i.json" >"$tmp/$i.verdicts"
done
distinct=$(cat "$tmp"/*.verdicts | sort | uniq -c | awk -v n="$n" '$1 != n' )
checks=$(wc -l <"$tmp/1.verdicts")
if [ -n "$distinct" ]; then
  echo "FLAKY: verdicts that did not repeat in all $n runs:"
  echo "$distinct"
  exit 1
fi
echo "$n runs x $checks checks against $runtime: identical verdicts"
