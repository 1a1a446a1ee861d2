# syntax=docker/dockerfile:1
# retention-worker: `docker build -t retention-worker .`, then `docker run retention-worker` (the
# worker) or `docker run retention-worker run --json` (a one-shot run). See docs/operations.md.

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, TypeScript bundled to dist/bundle/ ---------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts skipped here: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json rolldown.config.mjs ./
COPY src ./src
COPY jobs ./jobs
# bench/ is not copied: the build config includes it for `npm run bench`, and it matches nothing here.
RUN npm run build

# --- runtime: production dependencies only, non-root -------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HTTP_PORT=9464 \
    RETENTION_CONFIG=/app/config/retention.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no `prepare` (it would need the dev dependencies); the build comes from above.
RUN npm ci --omit=dev --omit=optional --ignore-scripts && npm cache clean --force
# The worker's bundle only (rolldown.config.mjs): no tests, no benchmarks, no TypeScript sources
# (source maps stay, for `--verbose` stacks).
COPY --from=build /app/dist/bundle ./dist/bundle
# The web console's static files (CSS, the chart script), served as they are, beside its bundle.
COPY src/console/public ./dist/bundle/public
COPY bin ./bin
COPY config ./config
# The image's `node` user (uid 1000); nothing under /app is writable by it, and the worker writes
# no file at all: it runs with a read-only root filesystem and no tmpfs (scripts/container-test.sh).
RUN mkdir -p /var/cache/retention-worker && chown node:node /var/cache/retention-worker
USER node
# Node's compile cache (docs/operations.md, "Start-up"), filled here and only read at run time: a
# one-shot run starts from V8 code compiled at build time. Filled as `node`, since Node keeps one
# cache per uid, by a config check and a dry run against no server (it fails once every module a
# run needs is loaded: config/retention.yaml's defaults enable MongoDB and Redis beside MySQL).
ENV NODE_COMPILE_CACHE=/var/cache/retention-worker
RUN node bin/retention.js config check >/dev/null \
 && { MYSQL_URL=mysql://127.0.0.1:1/none node bin/retention.js run --dry-run >/dev/null 2>&1 || true; }
EXPOSE 9464
# Liveness of the process itself; /readyz (dependencies) is for orchestrators' readiness probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form): the worker finishes the batch in hand and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/retention.js"]
CMD ["worker"]
