import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCliFixture, logPolicyYaml, type CliFixture } from '../../support/cli-fixture.js';
import { runBuiltCli } from '../../support/cli.js';
import { createTestKeyspace, REDIS_TEST_URL, type TestKeyspace } from '../../support/redis.js';

/**
 * What `retention` loads as it starts (docs/operations.md, "Start-up"): a command opens only the
 * stores it uses, so the other drivers are never imported. The CLI runs from its bundle, where each
 * driver is a chunk of its own (`dist/bundle/driver-<package>-<hash>.js`, rolldown.config.mjs); a
 * module loader hook, registered by a preload, writes down every file the process loads.
 */
const LOAD_HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_FILES_LOG, url + '\\n');
  return nextLoad(url, context);
}
`;

function driversLoaded(log: string): string[] {
  const files = existsSync(log) ? readFileSync(log, 'utf8').split('\n') : [];
  if (!files.some((f) => f.endsWith('/dist/bundle/cli.js')))
    throw new Error(`the CLI's bundle is not among the files loaded:\n${files.join('\n')}`);
  // The hash may hold `-` and `_` itself (driver-ioredis-BdlSA-Tb.js).
  return ['ioredis', 'mongodb', 'mysql2'].filter((name) =>
    files.some((f) => new RegExp(`/dist/bundle/driver-${name}-[\\w-]+\\.js$`).test(f)),
  );
}

describe('retention start-up (built CLI)', () => {
  let fx: CliFixture;
  let keys: TestKeyspace;
  let scratch: string;
  let preload: string;
  let configFile: string;

  beforeAll(async () => {
    fx = await createCliFixture('cli_start');
    keys = await createTestKeyspace();
    scratch = mkdtempSync(join(tmpdir(), 'retention-cli-start-'));
    const hooks = join(scratch, 'load-hooks.mjs');
    writeFileSync(hooks, LOAD_HOOKS);
    preload = join(scratch, 'register-hooks.cjs');
    writeFileSync(preload, `require('node:module').register(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    // MongoDB and Redis enabled: MongoDB at an address nothing listens on, never to be reached.
    configFile = fx.writeConfig(`
stores:
  mysql: { url: "${fx.db.url}" }
  mongo: { url: "mongodb://127.0.0.1:9/unused" }
  redis: { url: "${REDIS_TEST_URL}" }
audit: { key: "cli-test-key" }
policies:
${logPolicyYaml()}  - name: kv-data
    category: monitoring
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: redis, type: key, match: "${keys.prefix}m:*", time: { fromKey: "(\\\\d{12})$$", format: "yyyyMMddHHmm" } }
`);
  });
  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await keys?.drop();
    await fx?.drop();
  });

  /** Runs the CLI with the hooks; returns its result and the drivers it loaded. */
  const run = async (args: string[]) => {
    const log = join(scratch, `loaded-${randomUUID()}.log`);
    const r = await runBuiltCli(['--config', configFile, ...args], {
      NODE_OPTIONS: `--require ${preload}`,
      LOADED_FILES_LOG: log,
      LOG_LEVEL: 'warn',
    });
    return { ...r, drivers: () => driversLoaded(log) };
  };

  it('a run of a MySQL-only policy loads neither the Redis nor the MongoDB driver, though both stores are enabled', async () => {
    const r = await run(['run', '--json', '--policy', 'log-data']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', policies: [{ name: 'log-data', status: 'succeeded' }] });
    expect(r.drivers()).toEqual(['mysql2']);
  });

  it('a run of a policy with a Redis target loads the Redis driver, and purges with it', async () => {
    await keys.redis.set(`${keys.prefix}m:202001010000`, 'old');
    await keys.redis.set(`${keys.prefix}m:209901010000`, 'new');
    const r = await run(['run', '--json', '--policy', 'kv-data']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).policies[0].targets[0]).toMatchObject({ store: 'redis', status: 'succeeded', deleted: 1 });
    expect(r.drivers()).toEqual(['ioredis', 'mysql2']);
    expect(await keys.redis.exists(`${keys.prefix}m:202001010000`, `${keys.prefix}m:209901010000`)).toBe(1);
  });

  it('commands that touch only the audit trail (migrate, audit verify) load only the MySQL driver', async () => {
    for (const args of [
      ['migrate', '--json'],
      ['audit', 'verify', '--json'],
    ]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.drivers()).toEqual(['mysql2']);
    }
  });

  it('names the TypeScript sources in the stack of an error with --verbose, and prints no stack without it', async () => {
    // The bundle's source maps (rolldown.config.mjs), read only with --verbose (bin/retention.js).
    const unreachable = fx.writeConfig(`
stores:
  mysql: { url: "mysql://root@127.0.0.1:1/none" }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "cli-test-key" }
policies:
${logPolicyYaml()}`);
    const verbose = await runBuiltCli(['--config', unreachable, '--verbose', 'run']);
    expect(verbose.code, verbose.stderr).not.toBe(0);
    expect(verbose.stderr).toMatch(/at .*\/src\/[\w/-]+\.ts:\d+:\d+/);
    const plain = await runBuiltCli(['--config', unreachable, 'run']);
    expect(plain.code).toBe(verbose.code);
    expect(plain.stderr).not.toMatch(/\.ts:\d+/);
  });

  it("keeps Node's compile cache in the user's cache directory where Node has one (22.1+), and writes none on Node 20", async () => {
    const hasCompileCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    const cacheHome = join(scratch, 'xdg-cache');
    const cacheDir = join(cacheHome, 'retention-worker', 'compile-cache');
    const r = await runBuiltCli(['--version'], { XDG_CACHE_HOME: cacheHome });
    expect(r.code).toBe(0);
    if (hasCompileCache) expect(readdirSync(cacheDir, { recursive: true }).length).toBeGreaterThan(0);
    else expect(existsSync(cacheHome)).toBe(false);

    // Node's own switch turns it off.
    const off = join(scratch, 'xdg-off');
    expect((await runBuiltCli(['--version'], { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' })).code).toBe(0);
    expect(existsSync(join(off, 'retention-worker', 'compile-cache'))).toBe(false);
  });
});
