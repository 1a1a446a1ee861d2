import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { countRequestLogs, insertOldRequestLogs, storedEntries } from '../../support/audit-accounting.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { openEngine, type OpenEngine } from '../../../src/engine/open-engine.js';
import { runPolicies } from '../../../src/engine/run-policies.js';
import { policyLockName } from '../../../src/stores/mysql/policy-lock.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { TargetProgress } from '../../../src/engine/target-progress.js';

/** One log policy on im_request_log, with short lock waits and audit retries so the faults show quickly. */
function config(mysqlUrl: string, audit = '') {
  return resolveConfigText(
    `
stores:
  mysql: { url: "${mysqlUrl}", lockWaitTimeoutSeconds: 1 }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "accounting-test-key", appendRetrySeconds: 1, progressEveryRecords: 100${audit} }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: 100 }
`,
    'test',
    {},
  );
}

async function open(url: string, onProgress?: (p: TargetProgress) => Promise<void>): Promise<OpenEngine> {
  const engine = await openEngine(config(url), { logger: silentLogger(), checkClockSkew: false });
  await engine.audit.migrate();
  if (onProgress) engine.ctx.progress = { onProgress };
  return engine;
}

describe('every deletion accounted for in the audit trail (MariaDB)', () => {
  let db: TestDatabase;
  const engines: OpenEngine[] = [];

  beforeEach(async () => {
    db = await createTestDatabase('accounting');
    await createReferenceTables(db.pool);
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    await db.drop();
  });

  it('a target entry blocked by a locked head row: run-finished carries the true count, marked unaudited, status failed', async () => {
    await insertOldRequestLogs(db.pool, 1000);
    const holder = await createConnection(db.url);
    let released: Promise<void> | null = null;
    const engine = await open(db.url, async (p) => {
      if (p.phase !== 'done' || released) return;
      // Another transaction holds the audit head row past the lock-wait timeout while the target
      // entry is appended (5 tries × 1 s each at least), and lets go before run-finished gives up.
      await holder.query('START TRANSACTION');
      await holder.query('SELECT last_hash FROM retention_audit_head WHERE id = 1 FOR UPDATE');
      released = new Promise((resolve) => setTimeout(resolve, 7500)).then(() => holder.query('COMMIT').then(() => undefined));
    });
    engines.push(engine);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    await released;
    await holder.end();

    expect(await countRequestLogs(db.pool)).toBe(0);
    expect(doc.status).toBe('failed');
    expect(doc.policies[0]).toMatchObject({ status: 'failed', reason: 'audit-incomplete' });
    expect(doc.policies[0]!.targets[0]).toMatchObject({ deleted: 1000, unaudited: true });
    const entries = await storedEntries(db.pool);
    expect(entries.filter((e) => e.kind === 'target')).toHaveLength(0);
    const finished = entries.find((e) => e.kind === 'run-finished')!;
    expect(finished.data).toMatchObject({
      status: 'failed',
      reason: 'audit-incomplete',
      deleted: '1000',
      unaudited: { deleted: '1000', targets: [{ store: 'mysql', target: 'im_request_log', deleted: '1000' }] },
    });
    // Progress entries recorded every batch (progressEveryRecords 100 = batchSize) before the lock.
    const progress = entries.filter((e) => e.kind === 'progress');
    expect(Number(progress[progress.length - 1]!.data.deleted)).toBe(1000);
    expect((await engine.audit.verify()).ok).toBe(true);
  }, 60_000);

  it('when run-finished cannot be written either, the next run closes the run with what its progress entries recorded', async () => {
    await insertOldRequestLogs(db.pool, 750);
    const holder = await createConnection(db.url);
    let locked = false;
    const first = await open(db.url, async (p) => {
      if (p.phase !== 'done' || locked) return;
      locked = true;
      await holder.query('START TRANSACTION');
      await holder.query('SELECT last_hash FROM retention_audit_head WHERE id = 1 FOR UPDATE');
    });
    engines.push(first);
    await expect(runPolicies(first.ctx, { policies: ['log-data'], runId: 'run-one' })).rejects.toThrow(/audit trail/);
    await holder.query('COMMIT');
    await holder.end();
    expect(await countRequestLogs(db.pool)).toBe(0);

    const second = await open(db.url);
    engines.push(second);
    await runPolicies(second.ctx, { policies: ['log-data'], runId: 'run-two' });
    const entries = await storedEntries(db.pool);
    const closed = entries.find((e) => e.kind === 'run-closed' && e.runId === 'run-one')!;
    const progress = entries.filter((e) => e.kind === 'progress' && e.runId === 'run-one');
    const recorded = Number(progress[progress.length - 1]!.data.deleted);
    expect(closed.data).toMatchObject({ status: 'abandoned', closedByRunId: 'run-two', deleted: String(recorded) });
    expect(closed.data.targets).toEqual([{ store: 'mysql', target: 'im_request_log', deleted: String(recorded) }]);
    // The documented bound: at most progressEveryRecords − 1 plus one batch deleted and not recorded.
    expect(recorded).toBeLessThanOrEqual(750);
    expect(750 - recorded).toBeLessThanOrEqual(100 - 1 + 100);
  }, 60_000);

  it('a KILLed lock connection stops the run after the batch in hand: failed, reason lock-lost', async () => {
    await insertOldRequestLogs(db.pool, 2000);
    const admin = await createConnection(db.url);
    let killed = false;
    const engine = await open(db.url, async (p) => {
      if (p.phase !== 'purging' || killed) return;
      killed = true;
      const [rows] = await admin.query('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(db.name, 'log-data')]);
      await admin.query(`KILL ${Number((rows as { holder: string }[])[0]!.holder)}`);
    });
    engines.push(engine);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    await admin.end();
    expect(killed).toBe(true);
    expect(doc.policies[0]).toMatchObject({ status: 'failed', reason: 'lock-lost' });
    // Killed after the first batch's lock check: the second batch was in hand, the third never starts.
    expect(doc.policies[0]!.targets[0]).toMatchObject({ status: 'partial', reason: 'lock-lost', deleted: 200 });
    expect(await countRequestLogs(db.pool)).toBe(1800);
    const finished = (await storedEntries(db.pool)).find((e) => e.kind === 'run-finished')!;
    expect(finished.data).toMatchObject({ status: 'failed', reason: 'lock-lost', deleted: '200' });
  }, 60_000);

  it('after losing its lock, a run that another run closed writes no run-finished', async () => {
    await insertOldRequestLogs(db.pool, 2000);
    const admin = await createConnection(db.url);
    const other = await open(db.url);
    engines.push(other);
    let secondRun: Awaited<ReturnType<typeof runPolicies>> | null = null;
    const engine = await open(db.url, async (p) => {
      if (p.phase !== 'purging' || secondRun) return;
      const [rows] = await admin.query('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(db.name, 'log-data')]);
      await admin.query(`KILL ${Number((rows as { holder: string }[])[0]!.holder)}`);
      // KILL returns before the killed session has ended and let go of its lock: wait (bounded) until it has.
      for (let tries = 0; tries < 200; tries += 1) {
        const [held] = await admin.query('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(db.name, 'log-data')]);
        if ((held as { holder: unknown }[])[0]!.holder === null) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // The lock is free: a second run starts, closes the first as abandoned, and purges the rest.
      secondRun = await runPolicies(other.ctx, { policies: ['log-data'], runId: 'second' });
    });
    engines.push(engine);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'], runId: 'first' });
    await admin.end();
    expect(secondRun!.status).toBe('succeeded');
    expect(doc.policies[0]).toMatchObject({ status: 'failed', reason: 'lock-lost' });
    const entries = await storedEntries(db.pool);
    const ofFirst = entries.filter((e) => e.runId === 'first').map((e) => e.kind);
    expect(ofFirst).toContain('run-closed');
    expect(ofFirst).not.toContain('run-finished');
    const closed = entries.find((e) => e.kind === 'run-closed')!;
    expect(closed.data).toMatchObject({ closedByRunId: 'second', deleted: '100' });
    expect(await countRequestLogs(db.pool)).toBe(0);
    expect((await engine.audit.verify()).ok).toBe(true);
  }, 60_000);
});
