#!/usr/bin/env bash
# Installs youki (the Rust OCI runtime) from crates.io into /opt/youki/bin (or $1): the crate
# has no default features, and without `v1` it cannot run on a cgroup v1 or hybrid host.
# Needs libseccomp's headers for the seccomp feature. Takes about 10 minutes on 2 cores.
set -euo pipefail
root="${1:-/opt/youki}"
if [ -x "$root/bin/youki" ]; then
  "$root/bin/youki" --version | sed -n 1p  # sed reads it all: youki panics on a closed pipe
  exit 0
fi
if ! pkg-config --exists libseccomp 2>/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libseccomp-dev pkg-config >/dev/null
fi
cargo install --locked youki --version 0.7.0 --features v1,v2,systemd,seccomp --root "$root"
"$root/bin/youki" --version | sed -n 1p  # sed reads it all: youki panics on a closed pipe
