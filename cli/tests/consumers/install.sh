#!/usr/bin/env bash
# Installs the programs CI systems read reports with, from the package registries, for
# cli/tests/consumers.rs:
#   - TAP 14: the npm package tap-parser (the parser of node-tap);
#   - JUnit XML: the PyPI package junitparser, and the Jenkins xUnit plugin's junit-10.xsd as
#     shipped in pytest's source distribution (testing/example_scripts/junit-10.xsd), checked
#     with the PyPI package xmlschema;
#   - SARIF 2.1.0: the npm package @microsoft/sarif-multitool-linux (Microsoft's SARIF SDK),
#     which ships the schema (sarif-2.1.0.json, checked with the PyPI package jsonschema) and
#     the SDK's own validator with GitHub's code-scanning upload rules.
# TAP 13 is read by prove (perl), which .ci/run installs with apt.
#
# Usage: install.sh [DEST]   (default: ${CARGO_TARGET_DIR:-target}/consumers)
# Idempotent: a second run with the same pins does nothing. Quiet unless something fails.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
dest="${1:-${CARGO_TARGET_DIR:-$repo/target}/consumers}"

# The pins: the tests assert what these versions say about our reports.
py_pkgs=(junitparser==5.0.3 xmlschema==4.3.2 jsonschema==4.26.0)
xsd_from=pytest==9.2.0
xsd_path=testing/example_scripts/junit-10.xsd
npm_pkgs=(tap-parser@18.3.4 @microsoft/sarif-multitool-linux@5.7.0)
stamp="${py_pkgs[*]} $xsd_from ${npm_pkgs[*]}"

if [ "$(cat "$dest/.installed" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$dest/venv"
"$dest/venv/bin/pip" install -q --disable-pip-version-check "${py_pkgs[@]}"

# pytest's source distribution (its wheel has no tests); only the file is used, nothing of
# pytest is installed or run. --no-binary names pytest alone: its build tools come as wheels.
"$dest/venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary pytest \
  -d "$tmp" "$xsd_from"
tar -xzf "$tmp"/pytest-*.tar.gz -C "$tmp" --wildcards "*/$xsd_path"
cp "$tmp"/pytest-*/"$xsd_path" "$dest/junit-10.xsd"

npm install --prefix "$dest/npm" --no-save --no-audit --no-fund --loglevel=error \
  "${npm_pkgs[@]}" >/dev/null
multitool="$dest/npm/node_modules/@microsoft/sarif-multitool-linux"
# The package's launcher is a node script; the test runs the binary beside it directly.
chmod +x "$multitool/Sarif.Multitool"
ln -s "$multitool/sarif-2.1.0.json" "$dest/sarif-2.1.0.json"

echo "$stamp" >"$dest/.installed"
