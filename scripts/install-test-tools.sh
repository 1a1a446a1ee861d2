#!/usr/bin/env bash
# Installs the Debian packages the test suite and the container test need, when missing.
# Idempotent and quick when everything is there: CI on a fresh machine of this kind runs it.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
# one line per tool: the command that proves it is there, and the Debian package that brings it
have podman || need+=(podman)
have runc || need+=(runc)
have mmdebstrap || need+=(mmdebstrap)
have chromium || need+=(chromium)
have promtool || need+=(prometheus)
have aws || need+=(awscli)
have s3cmd || need+=(s3cmd)
have script || need+=(util-linux)

if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
else
  echo "test tools present"
fi
