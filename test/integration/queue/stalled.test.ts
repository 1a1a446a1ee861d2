import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createQueueFixture,
  auditEntries,
  auditOf,
  countRows,
  insertOldRequestLogs,
  logDataPolicy,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, TEST_TIMING } from '../../support/queue/spawn-worker.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';

const ROWS = 30_000;
// Never due during the test: the run comes from `enqueue`, so no other run can close it instead.
const POLICY = logDataPolicy({ batchSize: 100, pauseMs: 200, exceptionLog: true });

describe('kill -9 of a worker in the middle of a purge', () => {
  let fx: QueueFixture;

  beforeAll(async () => {
    fx = await createQueueFixture('q_kill');
    await insertOldRequestLogs(fx.db.pool, ROWS, 10);
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('lets another worker finish the stalled run: same run closed in the audit, chain intact', async () => {
    const { file, config } = fx.writeConfig(POLICY);
    const queues = fx.openQueues(config);
    const doomed = fx.spawnWorker(file, 'doomed');
    // Loaded now, started on cue: the survivor joins while the purge is still under way.
    const gate = join(fx.dir, 'survivor.go');
    const survivor = fx.spawnWorker(file, 'survivor', TEST_TIMING, { WORKER_GATE: gate });
    await doomed.httpPort();
    const { runId, jobs } = await enqueueRuns(queues, config, config.policies);
    await eventually(async () => (await countRows(fx.db.pool, 'im_request_log')) < ROWS - 500, 60_000, 'the purge to be under way');

    writeFileSync(gate, '');
    await survivor.httpPort();
    doomed.child.kill('SIGKILL');
    expect((await doomed.exit).signal).toBe('SIGKILL');
    const leftAtKill = await countRows(fx.db.pool, 'im_request_log');
    expect(leftAtKill).toBeGreaterThan(0);

    const outcome = await waitForRuns(queues, config, jobs, { pollMs: 200, timeoutMs: 90_000 });
    expect(outcome.done).toBe(true);
    expect(outcome.results[0]).toMatchObject({ name: 'log-data', status: 'succeeded' });
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(0);

    const entries = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId);
    expect(entries.filter((e) => e.kind === 'run-finished')).toHaveLength(1);
    expect(entries.find((e) => e.kind === 'run-finished')?.data.status).toBe('succeeded');
    // Started by the doomed worker, resumed by the survivor with the same evaluation (same cutoff).
    const starts = entries.filter((e) => e.kind === 'run-started');
    expect(starts.length).toBe(2);
    expect(new Set(starts.map((e) => e.data.cutoff)).size).toBe(1);
    expect(survivor.logs().some((l) => l.msg === 'resuming a run whose coordinator stopped')).toBe(true);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);

    survivor.child.kill('SIGTERM');
    expect((await survivor.exit).code).toBe(0);
  });
});
