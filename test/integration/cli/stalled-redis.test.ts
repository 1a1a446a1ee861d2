import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { spawnCli, waitFor } from '../../support/cli.js';
import { startPausableRedis, type PausableRedis } from '../../support/pausable-redis.js';

const GRACE_SECONDS = 2;

/**
 * One Redis sorted-set target on a private server. The command timeout is far longer than any
 * wait here, so what ends the run is the stop grace period, not the driver.
 */
function configYaml(mysqlUrl: string, redisUrl: string, maxRunSeconds: number, commandTimeoutMs = 600_000): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "${redisUrl}", commandTimeoutMs: ${commandTimeoutMs} }
safety: { stopGraceSeconds: ${GRACE_SECONDS} }
audit: { key: "stall-test-key" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: redis, type: sorted-set, match: "stall:reqlog:*", batchSize: 20, pauseMs: 20, maxRunSeconds: ${maxRunSeconds} }
`;
}

describe('a stalled Redis (SIGSTOP) cannot hold a run past the stop grace period', () => {
  let db: TestDatabase;
  let dir: string;
  let redis: PausableRedis;

  beforeAll(async () => {
    db = await createTestDatabase('stalled_redis');
    dir = mkdtempSync(join(tmpdir(), 'retention-stall-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });
  beforeEach(async () => {
    redis = await startPausableRedis();
    const old = Date.now() - 30 * 86_400_000;
    const pipeline = redis.client.pipeline();
    for (let i = 0; i < 3000; i += 1) pipeline.zadd(`stall:reqlog:${i}`, old + i, `m${i}`);
    await pipeline.exec();
  });
  afterEach(async () => {
    await redis.stop();
  });

  async function startStalledRun(maxRunSeconds: number, commandTimeoutMs?: number) {
    const file = join(dir, `stall-${maxRunSeconds}-${commandTimeoutMs ?? 'long'}.yaml`);
    writeFileSync(file, configYaml(db.url, redis.url, maxRunSeconds, commandTimeoutMs));
    const cli = spawnCli(['--config', file, 'run', '--json'], { LOG_LEVEL: 'debug' });
    await waitFor(() => cli.stderr().includes('"msg":"batch"'), 60_000, 'the first batch');
    redis.pause();
    // Stalled for sure: no batch completes for a second (the run is inside a store call).
    const batches = () => (cli.stderr().match(/"msg":"batch"/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 300));
    const before = batches();
    await new Promise((r) => setTimeout(r, 1000));
    expect(batches()).toBe(before);
    return cli;
  }

  it('SIGTERM ends the run within stopGraceSeconds: the target is partial (signal) and the run audited', async () => {
    const cli = await startStalledRun(600);
    cli.child.kill('SIGTERM');
    const signalled = Date.now();
    await waitFor(async () => cli.child.exitCode !== null, (GRACE_SECONDS + 15) * 1000, 'the run to end after SIGTERM');
    const took = Date.now() - signalled;
    expect(await cli.exit).toBe(0);
    const doc = JSON.parse(cli.stdout());
    expect(doc.policies[0].targets[0]).toMatchObject({ status: 'partial', reason: 'signal' });
    expect(doc.policies[0].targets[0].error).toMatch(/still running 2 s after the stop request/);
    expect(took).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 100);
    const [rows] = await db.pool.query("SELECT entry FROM retention_audit WHERE kind = 'run-finished'");
    expect(JSON.parse((rows as { entry: string }[])[0]!.entry).data).toMatchObject({ status: 'partial' });
  }, 90_000);

  it('maxRunSeconds ends the run with the server still stopped: partial (time-budget)', async () => {
    const cli = await startStalledRun(3);
    await waitFor(async () => cli.child.exitCode !== null, (3 + GRACE_SECONDS + 15) * 1000, 'the run to end at its time budget');
    expect(await cli.exit).toBe(0);
    const doc = JSON.parse(cli.stdout());
    expect(doc.policies[0].targets[0]).toMatchObject({ status: 'partial', reason: 'time-budget' });
    expect(doc.policies[0].targets[0].error).toMatch(/still running 2 s after the time budget ran out/);
  }, 90_000);

  it('stores.redis.commandTimeoutMs fails a command the stopped server never answers: the target fails, the run ends', async () => {
    const file = join(dir, 'stall-timeout.yaml');
    writeFileSync(file, configYaml(db.url, redis.url, 600, 1500));
    const cli = spawnCli(['--config', file, 'run', '--json'], { LOG_LEVEL: 'debug' });
    await waitFor(() => cli.stderr().includes('"msg":"batch"'), 60_000, 'the first batch');
    redis.pause();
    await waitFor(async () => cli.child.exitCode !== null, 30_000, 'the run to fail on the command timeout');
    expect(await cli.exit).toBe(1);
    const target = JSON.parse(cli.stdout()).policies[0].targets[0];
    expect(target.status).toBe('failed');
    expect(target.error).toMatch(/timed out/i);
  }, 90_000);
});
