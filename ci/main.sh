#!/usr/bin/env bash
# The main job: build oci-check and the static oci-probe, validate the example bundles, print
# the validator's spec coverage, then run the runtime conformance suite against runc (installed
# with apt-get when missing), gated on runc's known-deviation baseline in ci/expect-fail/.
# Needs root (runtimes make namespaces, mounts and cgroups). Any failure fails the job.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

echo "== build"
cargo build --release -q -p oci-check
# The probe must be static: a container's rootfs holds nothing else.
env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release -q -p oci-probe --target x86_64-unknown-linux-gnu \
  --target-dir "$target/static"
bin="$target/release/oci-check"
probe="$target/static/x86_64-unknown-linux-gnu/release/oci-probe"

status=0
echo "== validate the example bundles"
for b in bundles/valid/*/; do
  "$bin" bundle "$b" || status=1
done
"$bin" rules --coverage

echo "== conformance suite against runc"
if ! command -v runc >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null
fi
# "runc version 1.1.5+ds1": the baseline is per upstream release (build metadata dropped).
version=$(runc --version | sed -n 's/^runc version \([^ +]*\).*/\1/p')
baseline="ci/expect-fail/runc-$version.txt"
args=(runtime --runtime runc --probe "$probe" --verbose --quiet)
if [ -f "$baseline" ]; then
  echo "(known deviations of runc $version: $baseline)"
  args+=(--expect-fail "$baseline")
else
  echo "(no baseline for runc $version: every deviation fails the job)"
fi
"$bin" "${args[@]}" || status=1
exit $status
