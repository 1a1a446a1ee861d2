import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, auditEntries, auditOf, insertOldRequestLogs, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually } from '../../support/queue/spawn-worker.js';
import type { RunningWorker } from '../../../src/queue/start-worker.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { scheduleListCommand } from '../../../src/cli/commands/schedule-list.js';
import type { ScheduleRow } from '../../../src/queue/list-schedules.js';

const SLOW = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "*/2 * * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: 500, pauseMs: 500 }
  - name: monitoring-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "0 * * * *" }
    targets:
      - { store: mysql, table: im_monitoring_stat, time: window_start }
`;

describe('a worker in this process', () => {
  let fx: QueueFixture;
  let worker: RunningWorker | null = null;
  let file: string;

  beforeAll(async () => {
    fx = await createQueueFixture('q_overlap');
    await insertOldRequestLogs(fx.db.pool, 12_000, 10);
    const written = fx.writeConfig(SLOW);
    file = written.file;
    const { config } = written;
    worker = await fx.startWorker(config, { report: false, name: 'local' });
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('audits a tick that comes during a long run as tick-skipped, naming the run, and queues nothing', async () => {
    const skipped = await eventually(
      async () => (await auditEntries(fx.db.pool)).find((e) => e.kind === 'tick-skipped') ?? null,
      30_000,
      'a tick-skipped entry',
    );
    const entries = await auditEntries(fx.db.pool);
    const running = entries.find((e) => e.kind === 'run-started' && e.policy === 'log-data')!;
    expect(skipped.policy).toBe('log-data');
    expect(skipped.data.runningRunId).toBe(running.runId);
    // The skipped tick did not start a run of its own while the first was going.
    const finishedAt = entries.find((e) => e.kind === 'run-finished' && e.runId === running.runId)?.id ?? Number.POSITIVE_INFINITY;
    expect(entries.filter((e) => e.kind === 'run-started' && e.policy === 'log-data' && e.id < finishedAt)).toHaveLength(1);
    expect(worker!.metrics.registry.getSingleMetric('retention_ticks_skipped_total')).toBeDefined();
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });

  it('re-creates a deleted job scheduler', async () => {
    const runs = worker!.queues.runs;
    expect(await runs.getJobScheduler('monitoring-data')).toBeDefined();
    await runs.removeJobScheduler('monitoring-data');
    const back = await eventually(() => runs.getJobScheduler('monitoring-data'), 10_000, 'the scheduler to come back');
    expect(back).toMatchObject({ pattern: '0 * * * *', tz: 'UTC' });
    expect(back.next).toBeGreaterThan(Date.now());
  });

  it('re-creates a scheduler whose next job was deleted, and counts the repair', async () => {
    const runs = worker!.queues.runs;
    const scheduler = (await runs.getJobScheduler('monitoring-data'))!;
    // BullMQ refuses to remove a scheduler's job; drop its keys as an eviction would.
    const jobId = `repeat:monitoring-data:${scheduler.next}`;
    await fx.redis.zrem(`${fx.prefix}:runs:delayed`, jobId);
    await fx.redis.del(`${fx.prefix}:runs:${jobId}`);
    expect(await runs.getJobState(`repeat:monitoring-data:${scheduler.next}`)).toBe('unknown');
    await eventually(
      async () => ['delayed', 'waiting'].includes(await runs.getJobState(`repeat:monitoring-data:${scheduler.next}`)),
      10_000,
      'the next job to be back',
    );
    // The deleted scheduler of the previous test and this lost job: two repairs.
    await eventually(
      async () => {
        const repairs = /retention_scheduler_repairs_total\{policy="monitoring-data"\} (\d+)/.exec(await worker!.metrics.text());
        return Number(repairs?.[1]) >= 2;
      },
      10_000,
      'two repairs counted',
    );
  });

  it('lists the schedulers with their next runs (`schedule list`)', async () => {
    let out = '';
    const io = { stdout: (t: string) => (out += t), stderr: () => {}, logger: silentLogger() };
    expect(await scheduleListCommand({ config: file, json: true }, io)).toBe(0);
    const { schedulers, missing } = JSON.parse(out) as { schedulers: ScheduleRow[]; missing: string[] };
    expect(missing).toEqual([]);
    expect(schedulers.map((r) => r.policy)).toEqual(['log-data', 'monitoring-data']);
    for (const row of schedulers) {
      expect(row).toMatchObject({ tz: 'UTC', nextRunQueued: true, currentConfig: true, configured: true });
      expect(Date.parse(row.nextRun!)).toBeGreaterThan(Date.now() - 5000);
    }
    out = '';
    expect(await scheduleListCommand({ config: file }, io)).toBe(0);
    expect(out).toMatch(/^monitoring-data\s+0 \* \* \* \*\s+UTC\s+next \d{4}-/m);
  });
});
