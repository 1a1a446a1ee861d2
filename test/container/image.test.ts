import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGE, podmanOk, runToEnd } from '../support/container/podman.js';
import { WORKER_CONTAINER } from '../support/container/worker-container.js';

// Run inside the image (as its own user, read-only root filesystem): what is there, and what can be written.
const PROBE = `
const fs = require('node:fs');
const path = require('node:path');
const walk = (dir, skip) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
  const p = path.join(dir, e.name);
  if (skip.includes(p)) return [];
  return e.isDirectory() ? [p + '/', ...walk(p, skip)] : [p];
});
const modules = [];
const listModules = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name === '.bin') continue;
    const p = path.join(dir, e.name);
    if (e.name.startsWith('@')) { listModules(p); continue; }
    modules.push(path.relative('/app', p));
    if (fs.existsSync(path.join(p, 'node_modules'))) listModules(path.join(p, 'node_modules'));
  }
};
listModules('/app/node_modules');
const tryWrite = (file) => { try { fs.writeFileSync(file, 'x'); return 'written'; } catch (e) { return e.code; } };
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), node: process.version,
  app: fs.readdirSync('/app').sort(),
  files: walk('/app', ['/app/node_modules']),
  modules,
  writes: { app: tryWrite('/app/probe'), tmp: tryWrite('/tmp/probe'), home: tryWrite('/home/node/probe') },
}));
`;

interface Probe {
  uid: number;
  gid: number;
  node: string;
  app: string[];
  files: string[];
  modules: string[];
  writes: Record<string, string>;
}

describe('the runtime image', () => {
  it('reports its size, keeps the HEALTHCHECK and runs the worker as its non-root user by default', async () => {
    const [inspect] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE])) as {
      Size: number;
      Healthcheck?: { Test: string[] };
      Config: { User: string; Entrypoint: string[]; Cmd: string[]; ExposedPorts: Record<string, unknown> };
    }[];
    console.log(`image ${IMAGE}: ${(inspect!.Size / 1e6).toFixed(1)} MB (${inspect!.Size} bytes)`);
    expect(inspect!.Size).toBeGreaterThan(0);
    expect(inspect!.Config.User).toBe('node');
    expect(inspect!.Config.Entrypoint).toEqual(['node', '/app/bin/retention.js']);
    expect(inspect!.Config.Cmd).toEqual(['worker']);
    expect(Object.keys(inspect!.Config.ExposedPorts)).toEqual([`${WORKER_CONTAINER.httpPort}/tcp`]);
    // `--format docker` kept it (the OCI format drops HEALTHCHECK).
    expect(inspect!.Healthcheck?.Test.join(' ')).toContain('/healthz');
  });

  it('holds the compiled worker and production dependencies only, and nothing in it is writable', async () => {
    const r = await runToEnd({ name: `rwct-probe-${process.pid}`, command: ['-e', PROBE], flags: ['--entrypoint', 'node'] });
    expect(r.code, r.stderr).toBe(0);
    const probe = JSON.parse(r.stdout.trim().split('\n').pop()!) as Probe;
    expect(probe.uid).toBe(WORKER_CONTAINER.uid);
    expect(probe.gid).toBe(WORKER_CONTAINER.uid);
    expect(probe.node).toMatch(/^v24\./);

    expect(probe.app).toEqual(['bin', 'config', 'dist', 'node_modules', 'package-lock.json', 'package.json']);
    const ownFiles = probe.files.filter((f) => !f.endsWith('/'));
    // No tests, benchmarks, TypeScript sources, scripts or docs: the bundle (dist/bundle/) only.
    expect(ownFiles.filter((f) => /^\/app\/(test|bench|scripts|docs|src)\//.test(f) || /\.ts$/.test(f))).toEqual([]);
    expect(ownFiles.filter((f) => f.startsWith('/app/dist/') && !f.startsWith('/app/dist/bundle/'))).toEqual([]);
    expect(ownFiles).toContain('/app/dist/bundle/cli.js');
    expect(ownFiles).toContain('/app/dist/bundle/public/console.css');
    expect(ownFiles).toContain('/app/config/retention.yaml');

    // Every package the lockfile marks dev-only is absent; every production one is there.
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const entries = Object.entries(lock.packages).filter(([p]) => p.startsWith('node_modules/'));
    const devOnly = entries.filter(([, v]) => v.dev).map(([p]) => p);
    // Optional packages (prebuilt accelerators with JS fallbacks, optional peers such as valibot's
    // typescript) are left out of the image: `npm ci --omit=dev --omit=optional`.
    const production = entries.filter(([, v]) => !v.dev && !v.optional && !v.devOptional).map(([p]) => p);
    expect(devOnly.length).toBeGreaterThan(50);
    expect(devOnly.filter((p) => probe.modules.includes(p))).toEqual([]);
    expect(production.filter((p) => !probe.modules.includes(p))).toEqual([]);
    for (const tool of ['typescript', 'vitest', 'eslint', 'prettier']) expect(probe.modules).not.toContain(`node_modules/${tool}`);

    // Read-only root filesystem and no tmpfs (WORKER_CONTAINER): not even /tmp is writable.
    expect(probe.writes).toEqual({ app: 'EROFS', tmp: 'EROFS', home: 'EROFS' });
  });
});
