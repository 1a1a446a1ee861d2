import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import {
  createQueueFixture,
  auditEntries,
  auditOf,
  countRows,
  insertOldRequestLogs,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { eventually, type WorkerProcess } from '../../support/queue/spawn-worker.js';
import { RUNS_QUEUE, TARGETS_QUEUE } from '../../../src/queue/queue-names.js';

const TABLES = ['log_a', 'log_b', 'log_c', 'log_d'];

const policies = (withMonitoring: boolean) => `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "*/5 * * * * *" }
    targets:
${TABLES.map((t) => `      - { store: mysql, table: ${t}, time: requested_at, batchSize: 100, pauseMs: 40 }`).join('\n')}
${
  withMonitoring
    ? `  - name: monitoring-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "*/5 * * * * *" }
    targets:
      - { store: mysql, table: im_monitoring_stat, time: window_start }`
    : ''
}`;

describe('two worker processes on one queue', () => {
  let fx: QueueFixture;
  let runs: Queue;
  let targets: Queue;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    fx = await createQueueFixture('q_scale');
    for (const t of TABLES) {
      await fx.db.pool.query(`CREATE TABLE ${t} LIKE im_request_log`);
      await insertOldRequestLogs(fx.db.pool, 600, 10);
      await fx.db.pool.query(`INSERT INTO ${t} SELECT * FROM im_request_log`);
      await fx.db.pool.query('DELETE FROM im_request_log');
    }
    runs = fx.bullQueue(RUNS_QUEUE);
    targets = fx.bullQueue(TARGETS_QUEUE);
  });

  afterAll(async () => {
    await fx?.drop();
  });

  it('runs each scheduled tick once, spreads its targets over both, and keeps one scheduler per policy', async () => {
    const { file } = fx.writeConfig(policies(true), { name: 'v1' });
    // Started together: both register the schedulers at once.
    workers.push(fx.spawnWorker(file, 'alpha'), fx.spawnWorker(file, 'beta'));
    await Promise.all(workers.map((w) => w.httpPort()));
    const schedulers = await runs.getJobSchedulers(0, -1, true);
    expect(schedulers.map((s) => s.key).sort()).toEqual(['log-data', 'monitoring-data']);
    expect(schedulers.every((s) => s.tz === 'UTC' && s.pattern === '*/5 * * * * *')).toBe(true);

    // Two closed runs of log-data.
    const closed = await eventually(
      async () => {
        const finished = (await auditEntries(fx.db.pool)).filter((e) => e.kind === 'run-finished' && e.policy === 'log-data');
        return finished.length >= 2 ? finished : null;
      },
      60_000,
      'two closed runs of log-data',
    );

    const entries = await auditEntries(fx.db.pool);
    for (const run of closed) {
      const own = entries.filter((e) => e.runId === run.runId);
      expect(own.filter((e) => e.kind === 'run-started')).toHaveLength(1);
      expect(own.filter((e) => e.kind === 'run-finished')).toHaveLength(1);
      expect(
        own
          .filter((e) => e.kind === 'target')
          .map((e) => e.target)
          .sort(),
      ).toEqual(TABLES);
    }
    // Each tick made at most one run: distinct ticks, distinct runs, none run twice.
    const ticks = (await runs.getCompleted(0, -1)).filter(
      (j) => j.name === 'policy-run' && (j.data as { policy: string }).policy === 'log-data',
    );
    const runIds = ticks.map((j) => (j.returnvalue as { runId?: string }).runId).filter(Boolean);
    expect(new Set(runIds).size).toBe(runIds.length);
    expect(new Set(ticks.map((j) => j.id)).size).toBe(ticks.length);

    // The target jobs of the closed runs were processed by both replicas.
    const children = (await targets.getCompleted(0, -1)).filter((j) => closed.some((r) => j.id!.startsWith(r.runId)));
    expect(new Set(children.map((j) => j.processedBy))).toEqual(new Set(['alpha', 'beta']));
    for (const t of TABLES) expect(await countRows(fx.db.pool, t)).toBe(0);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });

  it("removes a removed policy's scheduler once a newer configuration is live, and older replicas leave it removed", async () => {
    const { file } = fx.writeConfig(policies(false), { name: 'v2' });
    const gamma = fx.spawnWorker(file, 'gamma');
    workers.push(gamma);
    await gamma.httpPort();
    await eventually(async () => !(await runs.getJobScheduler('monitoring-data')), 20_000, 'the monitoring-data scheduler to go');
    // Several watchdog periods of the older replicas later, it is still gone.
    await alpha(workers).waitForLog(
      (l) => l.msg === 'a newer configuration is live: leaving the job schedulers to it',
      20_000,
      'the older replica to defer',
    );
    expect(await runs.getJobScheduler('monitoring-data')).toBeUndefined();
    expect(await runs.getJobScheduler('log-data')).toBeDefined();
  });

  it('stops every replica with exit code 0 on SIGTERM', async () => {
    for (const w of workers) w.child.kill('SIGTERM');
    const exits = await Promise.all(workers.map((w) => w.exit));
    expect(exits.map((e) => e.code)).toEqual(workers.map(() => 0));
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });
});

function alpha(workers: WorkerProcess[]): WorkerProcess {
  return workers.find((w) => w.name === 'alpha')!;
}
