import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { LOG_POLICY, MONITORING_POLICY, openTestEngine, testConfig } from '../../support/engine.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { runPolicies } from '../../../src/engine/run-policies.js';
import { fixedClock, type Clock } from '../../../src/clock.js';
import { createMysqlStore } from '../../../src/stores/mysql/mysql-store.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { OpenEngine } from '../../../src/engine/open-engine.js';

const NOW = new Date('2026-11-28T10:00:00.000Z');
const CUTOFF = new Date(NOW.getTime() - 7 * 86_400_000);
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

async function insertRequestLogs(pool: Pool, times: (Date | null)[], ids?: number[]): Promise<void> {
  if (times.length === 0) return;
  const rows = times.map((t, i) =>
    ids ? [ids[i], 1400000001, Buffer.from([192, 0, 2, 1]), 'sendmsg', t] : [1400000001, Buffer.from([192, 0, 2, 1]), 'sendmsg', t],
  );
  const columns = ids ? '(id, app_id, client_ip, interface_name, requested_at)' : '(app_id, client_ip, interface_name, requested_at)';
  for (let i = 0; i < rows.length; i += 1000) await pool.query(`INSERT INTO im_request_log ${columns} VALUES ?`, [rows.slice(i, i + 1000)]);
}

async function remainingTimes(pool: Pool): Promise<number[]> {
  const [rows] = await pool.query('SELECT requested_at FROM im_request_log WHERE requested_at IS NOT NULL ORDER BY requested_at');
  return (rows as { requested_at: Date }[]).map((r) => r.requested_at.getTime());
}

async function count(pool: Pool, table: string): Promise<number> {
  const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number((rows as { n: string }[])[0]!.n);
}

describe('age policies on the reference MySQL tables', () => {
  let db: TestDatabase;
  let engine: OpenEngine;
  let clock: ReturnType<typeof fixedClock>;

  beforeAll(async () => {
    db = await createTestDatabase('engine_age');
  });
  afterAll(async () => {
    await db.drop();
  });
  beforeEach(async () => {
    await db.pool.query('DROP TABLE IF EXISTS im_request_log, im_exception_log, im_monitoring_stat, retention_audit, retention_audit_head');
    await createReferenceTables(db.pool);
    clock = fixedClock(NOW);
    engine = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: LOG_POLICY + MONITORING_POLICY }), { clock });
  });
  afterEach(async () => {
    await engine.close();
  });

  it('deletes a row 1 ms before the cutoff and keeps rows at and after it', async () => {
    await insertRequestLogs(db.pool, [ms(CUTOFF, -86_400_000 * 30), ms(CUTOFF, -1), CUTOFF, ms(CUTOFF, 1), NOW]);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    expect(doc.status).toBe('succeeded');
    const policy = doc.policies[0]!;
    expect(policy.cutoff).toBe(CUTOFF.toISOString());
    expect(policy.targets.find((t) => t.target === 'im_request_log')).toMatchObject({ status: 'succeeded', deleted: 2, error: null });
    expect(await remainingTimes(db.pool)).toEqual([CUTOFF.getTime(), CUTOFF.getTime() + 1, NOW.getTime()]);
  });

  it('purges many batches of old rows and keeps every new one', async () => {
    const old = Array.from({ length: 1050 }, (_, i) => ms(CUTOFF, -1 - i * 60_000)).reverse();
    const fresh = Array.from({ length: 300 }, (_, i) => ms(CUTOFF, i * 60_000));
    await insertRequestLogs(db.pool, [...old, ...fresh]);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    const target = doc.policies[0]!.targets.find((t) => t.target === 'im_request_log')!;
    expect(target.deleted).toBe(1050);
    expect(target.batches).toBeGreaterThan(1);
    expect(await count(db.pool, 'im_request_log')).toBe(300);
  });

  it('succeeds on an empty table and on a table of only old rows', async () => {
    let doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    expect(doc.policies[0]!.targets.every((t) => t.status === 'succeeded' && t.deleted === 0)).toBe(true);
    await insertRequestLogs(
      db.pool,
      Array.from({ length: 250 }, (_, i) => ms(CUTOFF, -1 - i)),
    );
    doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    expect(doc.policies[0]!.targets[0]!.deleted).toBe(250);
    expect(await count(db.pool, 'im_request_log')).toBe(0);
  });

  it('is exact on a table whose ids do not follow time', async () => {
    const times = [ms(CUTOFF, -1), NOW, ms(CUTOFF, -5000), CUTOFF, ms(CUTOFF, -86_400_000), ms(CUTOFF, 1)];
    const ids = [50, 10, 40, 30, 60, 20];
    await insertRequestLogs(db.pool, times, ids);
    await runPolicies(engine.ctx, { policies: ['log-data'] });
    const [rows] = await db.pool.query('SELECT id FROM im_request_log ORDER BY id');
    expect((rows as { id: string }[]).map((r) => Number(r.id))).toEqual([10, 20, 30]);
  });

  it('keeps rows with no time and reports nothing deleted for them', async () => {
    await insertRequestLogs(db.pool, [null, ms(CUTOFF, -1)]);
    const dry = await runPolicies(engine.ctx, { policies: ['log-data'], dryRun: true });
    expect(dry.policies[0]!.targets[0]).toMatchObject({ wouldDelete: 1, unusableTime: 1, deleted: 0 });
    await runPolicies(engine.ctx, { policies: ['log-data'] });
    expect(await count(db.pool, 'im_request_log')).toBe(1);
  });

  it('a dry run counts what would go, deletes nothing, and is audited as a dry run', async () => {
    await insertRequestLogs(db.pool, [ms(CUTOFF, -1), ms(CUTOFF, -2), CUTOFF]);
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'], dryRun: true });
    expect(doc.dryRun).toBe(true);
    expect(doc.policies[0]!.targets[0]).toMatchObject({ wouldDelete: 2, deleted: 0, status: 'succeeded' });
    expect(await count(db.pool, 'im_request_log')).toBe(3);
    const entries = await engine.audit.list({ runId: doc.runId });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.dryRun)).toBe(true);
  });

  it('stops at maxRunSeconds with the target partial, and the next run completes it', async () => {
    const config = testConfig({
      mysqlUrl: db.url,
      policies: `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: 100, maxRunSeconds: 2 }
`,
    });
    // Every reading of this clock moves it on by 300 ms: the 2 s budget runs out after a few batches.
    let t = NOW.getTime();
    const ticking: Clock = { now: () => new Date((t += 300)) };
    await engine.close();
    engine = await openTestEngine(config, { clock: ticking });
    await insertRequestLogs(db.pool, Array.from({ length: 3000 }, (_, i) => ms(CUTOFF, -86_400_000 - i * 1000)).reverse());
    const first = await runPolicies(engine.ctx, {});
    const target = first.policies[0]!.targets[0]!;
    expect(first.status).toBe('partial');
    expect(target).toMatchObject({ status: 'partial', reason: 'time-budget' });
    expect(target.deleted).toBeGreaterThan(0);
    expect(target.deleted).toBeLessThan(3000);
    const entries = await engine.audit.list({ runId: first.runId });
    expect(entries.find((e) => e.kind === 'target')?.data.status).toBe('partial');
    await engine.close();
    engine = await openTestEngine(config, { clock });
    const second = await runPolicies(engine.ctx, {});
    expect(second.policies[0]!.targets[0]!.deleted).toBe(3000 - target.deleted);
    expect(await count(db.pool, 'im_request_log')).toBe(0);
  });

  it('a stop request (SIGTERM) ends the purge after the batch in hand, target partial', async () => {
    await insertRequestLogs(db.pool, Array.from({ length: 1000 }, (_, i) => ms(CUTOFF, -1 - i)).reverse());
    engine.ctx.stop.request('SIGTERM');
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    expect(doc.policies[0]!.targets[0]).toMatchObject({ status: 'partial', reason: 'signal', deleted: 0 });
    expect(await count(db.pool, 'im_request_log')).toBe(1000);
  });

  it('refuses a run whose clock differs from MySQL by more than maxClockSkewSeconds, and audits it', async () => {
    await engine.close();
    engine = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: LOG_POLICY }), { clock, checkClockSkew: true });
    await insertRequestLogs(db.pool, [new Date('2000-01-01T00:00:00Z')]);
    const doc = await runPolicies(engine.ctx, {});
    expect(doc.status).toBe('refused');
    expect(doc.policies[0]).toMatchObject({ status: 'refused', reason: 'clock-skew' });
    expect(await count(db.pool, 'im_request_log')).toBe(1);
    const finished = (await engine.audit.list({ runId: doc.runId })).find((e) => e.kind === 'run-finished');
    expect(finished?.data).toMatchObject({ status: 'refused', reason: 'clock-skew' });
  });

  it('runs when the clocks agree (the skew check on, with the real clock)', async () => {
    await engine.close();
    engine = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: LOG_POLICY }), {
      clock: { now: () => new Date() },
      checkClockSkew: true,
    });
    await insertRequestLogs(db.pool, [new Date('2000-01-01T00:00:00Z')]);
    const doc = await runPolicies(engine.ctx, {});
    expect(doc.status).toBe('succeeded');
    expect(await count(db.pool, 'im_request_log')).toBe(0);
  });

  it('refuses a second run of a policy that is already running, and audits the refusal', async () => {
    const other = createMysqlStore(
      { url: db.url, lockWaitTimeoutSeconds: 2, metadataLockWaitTimeoutSeconds: 5, replicas: [], maxReplicaLagSeconds: 10 },
      silentLogger(),
    );
    const lock = await other.tryLockPolicy('log-data');
    expect(lock).not.toBeNull();
    try {
      await insertRequestLogs(db.pool, [ms(CUTOFF, -1)]);
      const doc = await runPolicies(engine.ctx, { policies: ['log-data', 'monitoring-data'] });
      expect(doc.policies[0]).toMatchObject({ name: 'log-data', status: 'refused', reason: 'already-running' });
      expect(doc.policies[1]).toMatchObject({ name: 'monitoring-data', status: 'succeeded' });
      expect(doc.status).toBe('failed');
      expect(await count(db.pool, 'im_request_log')).toBe(1);
      const entries = await engine.audit.list({ runId: doc.runId, policy: 'log-data' });
      expect(entries.some((e) => e.kind === 'run-finished' && e.data.reason === 'already-running')).toBe(true);
    } finally {
      await lock!.release();
      await other.close();
    }
  });

  it('refuses a target whose time column has no index, before deleting anything', async () => {
    await db.pool.query('CREATE TABLE unindexed_log (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, created_at DATETIME(3) NOT NULL)');
    await db.pool.query('INSERT INTO unindexed_log (created_at) VALUES (?)', [new Date('2000-01-01T00:00:00Z')]);
    await engine.close();
    engine = await openTestEngine(
      testConfig({
        mysqlUrl: db.url,
        policies: `
  - name: unindexed
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: unindexed_log, time: created_at }
`,
      }),
      { clock },
    );
    try {
      const doc = await runPolicies(engine.ctx, {});
      expect(doc.policies[0]!.targets[0]).toMatchObject({ status: 'refused', reason: 'no-index' });
      expect(doc.policies[0]!.targets[0]!.error).toMatch(/created_at/);
      expect(doc.status).toBe('failed');
      expect(await count(db.pool, 'unindexed_log')).toBe(1);
    } finally {
      await db.pool.query('DROP TABLE unindexed_log');
    }
  });

  it('maxDeleteFraction refuses a run that would mostly empty a target, unless --allow-large', async () => {
    await engine.close();
    engine = await openTestEngine(
      testConfig({
        mysqlUrl: db.url,
        policies: `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    maxDeleteFraction: 0.5
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`,
      }),
      { clock },
    );
    await insertRequestLogs(db.pool, [ms(CUTOFF, -3), ms(CUTOFF, -2), ms(CUTOFF, -1), NOW]);
    const refused = await runPolicies(engine.ctx, {});
    expect(refused.policies[0]!.targets[0]).toMatchObject({ status: 'refused', reason: 'max-delete-fraction' });
    expect(await count(db.pool, 'im_request_log')).toBe(4);
    const allowed = await runPolicies(engine.ctx, { allowLarge: true });
    expect(allowed.policies[0]!.targets[0]).toMatchObject({ status: 'succeeded', deleted: 3 });
  });

  it('two concurrent runs of different policies leave one valid audit chain', async () => {
    const second = await openTestEngine(testConfig({ mysqlUrl: db.url, policies: LOG_POLICY + MONITORING_POLICY }), { clock });
    try {
      await insertRequestLogs(db.pool, Array.from({ length: 400 }, (_, i) => ms(CUTOFF, -1 - i)).reverse());
      const [a, b] = await Promise.all([
        runPolicies(engine.ctx, { policies: ['log-data'] }),
        runPolicies(second.ctx, { policies: ['monitoring-data'] }),
      ]);
      expect(a.status).toBe('succeeded');
      expect(b.status).toBe('succeeded');
      const verify = await engine.audit.verify();
      expect(verify).toMatchObject({ ok: true, firstBad: null });
      expect(verify.entries).toBeGreaterThanOrEqual(2 * 2 + 3);
    } finally {
      await second.close();
    }
  });

  it('records the rule in force, the config hash and the worker version in every entry', async () => {
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    const entries = await engine.audit.list({ runId: doc.runId });
    expect(entries.length).toBe(4);
    for (const e of entries) {
      expect(e.retain).toBe('7 days');
      expect(e.configHash).toBe(engine.ctx.config.hash);
      expect(e.workerVersion).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it('closes a run left abandoned by a crashed process when the policy runs next', async () => {
    await engine.audit.append({
      kind: 'run-started',
      runId: 'crashed-run',
      policy: 'log-data',
      at: NOW,
      dryRun: false,
      retain: '7 days',
      data: {},
    });
    const doc = await runPolicies(engine.ctx, { policies: ['log-data'] });
    const closed = await engine.audit.list({ runId: 'crashed-run' });
    expect(closed.some((e) => e.kind === 'run-closed' && e.data.status === 'abandoned' && e.data.closedByRunId === doc.runId)).toBe(true);
    expect(await engine.audit.openRuns('log-data')).toEqual([]);
  });
});
