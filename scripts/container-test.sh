#!/usr/bin/env bash
# The container test: builds the image from the project's Dockerfile (only NODE_IMAGE changed, to
# the local Node 24 base of scripts/container-base-image.sh), runs test/container/ against it
# with podman and the local MariaDB and Redis, prints the build time and the image's size, and
# removes what it started: containers, the image (unless CONTAINER_TEST_KEEP_IMAGE=1), temp files.
# The base images are kept between runs as a cache. Recipe: ../shared/research/containers.md.
#   CONTAINER_IMAGE=<tag>  test an image already built instead of building one (it is kept).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-tools.sh
run_id="$(date +%s)-$$"
label="retention-container-test=$run_id"
image="${CONTAINER_IMAGE:-}"
built=""

cleanup() {
  local ids
  ids="$(podman ps -aq --filter "label=$label" || true)"
  if [[ -n "$ids" ]]; then
    # shellcheck disable=SC2086 # one id per word
    podman --runtime runc rm -f -t 0 $ids >/dev/null || true
  fi
  if [[ -n "$built" && "${CONTAINER_TEST_KEEP_IMAGE:-}" != 1 ]]; then
    podman rmi -f "$built" >/dev/null || true
  fi
}
trap cleanup EXIT

if [[ -z "$image" ]]; then
  node_image="$(bash scripts/container-base-image.sh)"
  image="localhost/retention-worker:ct-$run_id"
  built="$image"
  echo "== building $image from Dockerfile (NODE_IMAGE=$node_image)"
  started=$(date +%s)
  # --isolation chroot: RUN steps need no OCI runtime; --format docker keeps the HEALTHCHECK;
  # --layers=false: no intermediate images left behind.
  podman build --quiet --isolation chroot --format docker --layers=false \
    --build-arg NODE_IMAGE="$node_image" -t "$image" . >/dev/null
  echo "built in $(($(date +%s) - started)) s"
fi
size=$(podman image inspect --format '{{.Size}}' "$image")
echo "image $image: $((size / 1000000)) MB"

echo "== container test"
started=$(date +%s)
CONTAINER_IMAGE="$image" CONTAINER_TEST_LABEL="$label" \
  node node_modules/vitest/vitest.mjs run --config vitest.container.config.ts "$@"
echo "container test: $(($(date +%s) - started)) s"
