#!/usr/bin/env bash
# Speed of `oci-check image` on a layout with one large layer, against `sha256sum` of the same
# blob in the same run: validating a layout should run at hash speed (the layer is read once,
# in 1 MiB pieces, its digest and DiffID computed in that one pass).
# The layer is an uncompressed tar of random data (so its DiffID is its digest); the layout is
# made in a temporary directory and removed afterwards. Both commands read the blob from the
# page cache after hyperfine's warm-up run: this measures hashing, not the disk.
# Usage: ci/bench-image.sh            (SIZE_MIB=1024 by default; hyperfine if present, else
#                                      /usr/bin/time; needs python3 for the arithmetic)
#        GZIP_LAYER=1 ci/bench-image.sh    the layer stored as tar+gzip (gzip -1): oci-check then also
#                                      inflates it for its DiffID, in the same read
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${SIZE_MIB:-1024}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/oci-check"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== machine: $(nproc) cores, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --release -q -p oci-check

echo "== making a layout with a ${size_mib} MiB layer in $tmp"
layout="$tmp/layout"
mkdir -p "$layout/blobs/sha256" "$tmp/rootfs"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$tmp/rootfs/random.bin"
tar -C "$tmp/rootfs" -cf "$tmp/layer.tar" random.bin
rm -f "$tmp/rootfs/random.bin"
diff_id="sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)"
layer_type=application/vnd.oci.image.layer.v1.tar
if [ "${GZIP_LAYER:-0}" = 1 ]; then
  gzip -1 -n "$tmp/layer.tar"
  mv "$tmp/layer.tar.gz" "$tmp/layer.tar"
  layer_type=application/vnd.oci.image.layer.v1.tar+gzip
fi

# Moves a file into blobs/sha256 under its digest; prints "digest size".
add_blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $size"
}
read -r layer_digest layer_size < <(add_blob "$tmp/layer.tar")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$diff_id" >"$tmp/config.json"
read -r config_digest config_size < <(add_blob "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
  "$config_digest" "$config_size" "$layer_type" "$layer_digest" "$layer_size" >"$tmp/manifest.json"
read -r manifest_digest manifest_size < <(add_blob "$tmp/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
  "$manifest_digest" "$manifest_size" >"$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
blob="$layout/blobs/sha256/${layer_digest#sha256:}"

# The layout must be valid, or the timing would measure something else.
"$bin" image "$layout" >/dev/null || { "$bin" image "$layout"; echo "ci/bench-image.sh: the layout is not valid" >&2; exit 1; }

if command -v hyperfine >/dev/null; then
  echo "== hyperfine (1 warm-up, 5 runs each)"
  # openssl (SHA-NI where the CPU has it) as a second baseline, when installed.
  extra=()
  command -v openssl >/dev/null && extra=(-n "openssl dgst -sha256" "openssl dgst -sha256 $blob")
  hyperfine -N --warmup 1 --runs 5 --export-json "$tmp/h.json" \
    -n sha256sum "sha256sum $blob" \
    -n "oci-check image" "$bin image $layout" "${extra[@]}"
  read -r t_sha t_oci < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(r[0]["mean"], r[1]["mean"])' "$tmp/h.json")
  if command -v openssl >/dev/null; then
    t_ssl=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][2]["mean"])' "$tmp/h.json")
    python3 -c 'import sys; s,t=int(sys.argv[1]),float(sys.argv[2]); print(f"openssl dgst     {t:7.3f} s  {s/1e6/t:8.1f} MB/s")' "$layer_size" "$t_ssl"
  fi
else
  echo "== /usr/bin/time (warm-up run each, then one timed run each)"
  sha256sum "$blob" >/dev/null; "$bin" image "$layout" >/dev/null
  t_sha=$({ /usr/bin/time -f %e sha256sum "$blob" >/dev/null; } 2>&1)
  t_oci=$({ /usr/bin/time -f %e "$bin" image "$layout" >/dev/null; } 2>&1)
fi
python3 - "$layer_size" "$t_sha" "$t_oci" <<'PY'
import sys
size, t_sha, t_oci = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
mb = size / 1e6
print(f"== {size} bytes ({size / 2**20:.0f} MiB)")
print(f"sha256sum        {t_sha:7.3f} s  {mb / t_sha:8.1f} MB/s")
print(f"oci-check image  {t_oci:7.3f} s  {mb / t_oci:8.1f} MB/s")
print(f"oci-check image runs at {t_sha / t_oci:.2f}x the speed of sha256sum")
PY
