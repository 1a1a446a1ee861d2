#!/usr/bin/env bash
# Builds, once, the local stand-in for `node:24-bookworm-slim` that the container test passes as
# NODE_IMAGE (no image registry is reachable here; ../shared/research/containers.md):
#   localhost/retention-base:bookworm-minbase-*  Debian bookworm from Debian's packages (mmdebstrap)
#   localhost/retention-node:<version>-bookworm-*  + the Node 24 binary of scripts/node-24.sh and the
#                                                machine's npm, a `node` user with uid 1000, as in
#                                                the official image
# Both are kept between runs (a cache: about half a minute saved), tagged with a hash of this
# script so that a change to the recipe rebuilds them; older tags are removed.
# Prints the Node image's name on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

node_bin="$(bash scripts/node-24.sh)"
version="$("$node_bin" --version | sed 's/^v//')"
recipe="$(sha256sum "$0" | cut -c1-8)"
base="localhost/retention-base:bookworm-minbase-$recipe"
image="localhost/retention-node:${version}-bookworm-$recipe"

# Earlier recipes' images: no longer used.
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference='localhost/retention-base' --filter reference='localhost/retention-node'); do
  [[ "$old" == "$base" || "$old" == "$image" ]] || podman rmi "$old" >/dev/null 2>&1 || true
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! podman image exists "$base"; then
  echo "building $base (mmdebstrap, about a minute)" >&2
  # Mirrors given explicitly: without them mmdebstrap reads sources from stdin when it is not a tty (CI).
  # Documentation, manual pages and translations left out, as Debian's slim images do.
  mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$work/bookworm.tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" </dev/null >&2
  podman import --quiet "$work/bookworm.tar" "$base" >&2
  rm -f "$work/bookworm.tar"
fi

if ! podman image exists "$image"; then
  echo "building $image" >&2
  ctx="$work/node"
  mkdir -p "$ctx"
  cp "$node_bin" "$ctx/node"
  # npm: the machine's own (npm 11, the major the official Node 24 images ship).
  cp -r "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$ctx/npm"
  # The machine's CA bundle: npm in the Dockerfile's build step reaches the registry through it.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca.crt"
  cat >"$ctx/Containerfile" <<EOC
FROM $base
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node \\
 && mkdir -p /usr/local/etc && printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' > /usr/local/etc/npmrc
ENV NODE_VERSION=$version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt NPM_CONFIG_UPDATE_NOTIFIER=false
CMD ["node"]
EOC
  podman build --quiet --isolation chroot --layers=false -t "$image" "$ctx" >&2
fi
echo "$image"
