#!/usr/bin/env bash
# The test suite on Node 24, the Node line of the Dockerfile's default base image (CI runs it
# after the suite on the machine's Node 20). Node 24 comes from scripts/node-24.sh; its folder
# goes first on PATH, so vitest, its workers and every test that spawns `node` or
# `process.execPath` run on it (test/global-setup.ts checks TEST_NODE_MAJOR).
# Arguments go to vitest (e.g. a test file).
set -euo pipefail
cd "$(dirname "$0")/.."

node24="$(bash scripts/node-24.sh)"
echo "Node $("$node24" --version) ($node24)"
PATH="$(dirname "$node24"):$PATH" TEST_NODE_MAJOR=24 exec "$node24" node_modules/vitest/vitest.mjs run "$@"
