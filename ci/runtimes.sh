#!/usr/bin/env bash
# The runtime matrix job: builds oci-check and the static oci-probe, installs youki (with
# ci/install-youki.sh) and runs the conformance suite against every runtime below as one
# matrix, each runtime judged by its own known deviations in ci/expect-fail/. Writes the matrix
# as Markdown (matrix.md) and HTML (matrix.html) into the directory $1 (default target/matrix).
# Fails on any unexpected failure (a check that fails and is not listed, or a listed one that
# passes). Needs root. Takes about 50 s once built and youki is installed (two runs of the
# suite, one per format); installing youki the first time takes about 10 minutes.
# Usage: ci/runtimes.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/matrix}"
target="${CARGO_TARGET_DIR:-target}"

echo "== build"
cargo build --release -q -p oci-check
# The probe must be static: a container's rootfs holds nothing else.
env -u CARGO_ENCODED_RUSTFLAGS RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release -q -p oci-probe --target x86_64-unknown-linux-gnu \
  --target-dir "$target/static"
bin="$target/release/oci-check"
probe="$target/static/x86_64-unknown-linux-gnu/release/oci-probe"

echo "== runtimes"
if ! command -v runc >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >/dev/null
fi
youki_root=/opt/youki
ci/install-youki.sh "$youki_root"

# Each runtime with the file of its known deviations, in the same order: `oci-check runtime`
# pairs the N-th --expect-fail with the N-th --runtime.
runtimes=()
baselines=()
add_runtime() { # RUNTIME BASELINE
  if [ ! -f "$2" ]; then
    echo "no baseline $2 for $1: add one (NAME REASON lines) before adding the runtime" >&2
    exit 1
  fi
  runtimes+=(--runtime "$1")
  baselines+=(--expect-fail "$2")
}
# runc: Debian's package; "runc version 1.1.5+ds1" -> the baseline of upstream 1.1.5.
runc_version=$(runc --version | sed -n 's/^runc version \([^ +]*\).*/\1/p')
add_runtime runc "ci/expect-fail/runc-$runc_version.txt"
# youki: the version ci/install-youki.sh installs ("youki version: 0.7.0"). `sed` reads all
# of the output: youki panics when its stdout is closed early.
youki_version=$("$youki_root/bin/youki" --version | sed -n 's/^youki version: *//p')
add_runtime "$youki_root/bin/youki" "ci/expect-fail/youki-$youki_version.txt"
# crun: to be added here, as the two above: install it, then
#   add_runtime crun "ci/expect-fail/crun-$crun_version.txt"

# Checks left out of the matrix, with the reason: each gives youki 0.7.0 one verdict or the
# other from run to run, by a race in youki itself (docs/runtimes/youki.md, "Left unexplained,
# flaky, or doubtful"); a listed deviation that passes would be an xpass and fail the run.
# runc's main job (ci/main.sh) still runs them.
#  - resources::hugepage_limits_are_applied_or_refused: youki's clean-up of a failed create
#    gives up on a cgroup its intermediate process has not left yet (about 100 ms of rmdir).
skips=(
  --skip resources::hugepage_limits_are_applied_or_refused
)

mkdir -p "$out"
common=(runtime "${runtimes[@]}" "${baselines[@]}" --probe "$probe" --quiet "${skips[@]}")
status=0
# One format a run: the Markdown matrix, then the HTML one (two runs of the suite).
echo "== matrix (markdown): $out/matrix.md"
"$bin" "${common[@]}" --format markdown --output "$out/matrix.md" || status=1
echo "== matrix (html): $out/matrix.html"
"$bin" "${common[@]}" --format html --output "$out/matrix.html" || status=1
if [ "$status" != 0 ]; then
  echo "unexpected failures: see $out/matrix.md" >&2
fi
exit $status
