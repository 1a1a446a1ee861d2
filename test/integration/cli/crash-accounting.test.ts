import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli, spawnCli, waitFor } from '../../support/cli.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import { countRequestLogs, insertOldRequestLogs, storedEntries } from '../../support/audit-accounting.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { openEngine } from '../../../src/engine/open-engine.js';
import { runPolicies } from '../../../src/engine/run-policies.js';
import { silentLogger } from '../../../src/logging/logger.js';

const BATCH = 200;
const EVERY_RECORDS = 1000;
/** docs/audit.md: after a crash, at most progressEveryRecords − 1 plus one batch per running target are deleted and not recorded. */
const BOUND = EVERY_RECORDS - 1 + BATCH;

function configYaml(mysqlUrl: string): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}", lockWaitTimeoutSeconds: 1 }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "crash-test-key", progressEveryRecords: ${EVERY_RECORDS}, progressEverySeconds: 3600, appendRetrySeconds: 1 }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: ${BATCH}, pauseMs: 10 }
`;
}

/** What the trail records as deleted by one run: its newest progress entry (no target entry was written). */
function recordedBy(entries: Awaited<ReturnType<typeof storedEntries>>, runId: string): number {
  const progress = entries.filter((e) => e.runId === runId && e.kind === 'progress');
  return progress.length === 0 ? 0 : Math.max(...progress.map((e) => Number(e.data.deleted)));
}

describe('deletions of a crashed attempt are in the trail, within the stated bound (MariaDB)', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('crash_acct');
    dir = mkdtempSync(join(tmpdir(), 'retention-crash-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('kill -9 of a CLI run mid-purge: progress entries account for the rows gone, and the next run closes it with that sum', async () => {
    await db.pool.query('DROP TABLE IF EXISTS im_request_log, im_exception_log, im_monitoring_stat, retention_audit, retention_audit_head');
    await createReferenceTables(db.pool);
    await insertOldRequestLogs(db.pool, 20_000);
    const file = join(dir, 'kill.yaml');
    writeFileSync(file, configYaml(db.url));
    const cli = spawnCli(['--config', file, 'run', '--json'], { LOG_LEVEL: 'debug' });
    // Past two progress entries (2,000 rows), then killed without a chance to write anything.
    await waitFor(() => (cli.stderr().match(/"msg":"batch"/g) ?? []).length >= 13, 60_000, 'thirteen batches');
    cli.child.kill('SIGKILL');
    await cli.exit;

    const gone = 20_000 - (await countRequestLogs(db.pool));
    const entries = await storedEntries(db.pool);
    const runId = entries.find((e) => e.kind === 'run-started')!.runId;
    const recorded = recordedBy(entries, runId);
    expect(recorded).toBeGreaterThanOrEqual(2 * EVERY_RECORDS);
    expect(gone).toBeGreaterThanOrEqual(recorded);
    expect(gone - recorded).toBeLessThanOrEqual(BOUND);

    const next = await runCli(['--config', file, 'run', '--json']);
    expect(next.code).toBe(0);
    const closed = (await storedEntries(db.pool)).find((e) => e.kind === 'run-closed' && e.runId === runId)!;
    expect(closed.data).toMatchObject({ status: 'abandoned', deleted: String(recorded) });
    expect(await countRequestLogs(db.pool)).toBe(0);
    expect((await runCli(['--config', file, 'audit', 'verify'])).code).toBe(0);
  }, 120_000);

  it('the MariaDB connection cut mid-purge (TCP proxy): the run fails, the trail accounts for the rows gone within the bound', async () => {
    await db.pool.query('DROP TABLE IF EXISTS im_request_log, im_exception_log, im_monitoring_stat, retention_audit, retention_audit_head');
    await createReferenceTables(db.pool);
    await insertOldRequestLogs(db.pool, 10_000);
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(db.url).port || 3306));
    const proxied = db.url.replace(/@([^/]+)\//, `@127.0.0.1:${proxy.port}/`);
    const engine = await openEngine(resolveConfigText(configYaml(proxied), 'proxied', {}), {
      logger: silentLogger(),
      checkClockSkew: false,
    });
    try {
      await engine.audit.migrate();
      engine.ctx.progress = {
        onProgress: (p) => {
          if (p.deleted >= 2500) proxy.cut();
        },
      };
      await expect(runPolicies(engine.ctx, { policies: ['log-data'], runId: 'cut-run' })).rejects.toThrow();
    } finally {
      await engine.close();
      proxy.resume();
      await proxy.close();
    }
    expect(proxy.connections).toBeGreaterThan(0);
    const gone = 10_000 - (await countRequestLogs(db.pool));
    const recorded = recordedBy(await storedEntries(db.pool), 'cut-run');
    expect(recorded).toBeGreaterThanOrEqual(2 * EVERY_RECORDS);
    expect(gone - recorded).toBeGreaterThanOrEqual(0);
    expect(gone - recorded).toBeLessThanOrEqual(BOUND);

    const file = join(dir, 'direct.yaml');
    writeFileSync(file, configYaml(db.url));
    expect((await runCli(['--config', file, 'run', '--json'])).code).toBe(0);
    const closed = (await storedEntries(db.pool)).find((e) => e.kind === 'run-closed' && e.runId === 'cut-run')!;
    expect(closed.data).toMatchObject({ status: 'abandoned', deleted: String(recorded) });
  }, 120_000);
});
