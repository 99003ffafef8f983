#!/usr/bin/env bash
# The main job: build oci-check, validate the example bundles.
# (The runtime conformance suite against runc joins this job when `oci-check runtime` exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p oci-check
bin="${CARGO_TARGET_DIR:-target}/release/oci-check"
status=0
for b in bundles/valid/*/; do
  "$bin" bundle "$b" || status=1
done
"$bin" rules --coverage
exit $status
