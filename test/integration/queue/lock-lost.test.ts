import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { createQueueFixture, auditEntries, countRows, insertOldRequestLogs, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually, spawnWorker, type WorkerProcess } from '../../support/queue/spawn-worker.js';
import { createQueueConnection, closeQueueConnection } from '../../../src/queue/queue-connection.js';
import { openRetentionQueues, type RetentionQueues } from '../../../src/queue/retention-queues.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { policyLockName } from '../../../src/stores/mysql/policy-lock.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Redis } from 'ioredis';

const ROWS = 20_000;
const POLICY = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "0 0 1 1 *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: 100, pauseMs: 100 }
`;

describe('a queue run whose coordinator loses the policy lock (KILL)', () => {
  let fx: QueueFixture;
  let connection: Redis;
  let queues: RetentionQueues;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    fx = await createQueueFixture('q_lock_lost');
    await insertOldRequestLogs(fx.db.pool, ROWS, 10);
    connection = createQueueConnection('redis://127.0.0.1:6379/0', { logger: silentLogger() });
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await queues?.close();
    if (connection) await closeQueueConnection(connection);
    await fx?.drop();
  });

  it('stops its target job after the batch in hand and closes the run failed, reason lock-lost', async () => {
    const { file, config } = fx.writeConfig(POLICY);
    queues = openRetentionQueues(config.queue, connection, silentLogger());
    worker = spawnWorker(file, 'coordinator');
    await worker.httpPort();
    const { runId, jobs } = await enqueueRuns(queues, config, config.policies);
    await eventually(async () => (await countRows(fx.db.pool, 'im_request_log')) < ROWS - 500, 60_000, 'the purge to be under way');

    const admin = await createConnection(fx.db.url);
    const [rows] = await admin.query('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(fx.db.name, 'log-data')]);
    await admin.query(`KILL ${Number((rows as { holder: string }[])[0]!.holder)}`);
    await admin.end();

    const outcome = await waitForRuns(queues, config, jobs, { pollMs: 200, timeoutMs: 60_000 });
    expect(outcome.done).toBe(true);
    expect(outcome.results[0]).toMatchObject({ name: 'log-data', status: 'failed', reason: 'lock-lost' });
    // The target stopped: rows are left for the next run, and no more go once the run is closed.
    const left = await countRows(fx.db.pool, 'im_request_log');
    expect(left).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(left);
    const finished = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId && e.kind === 'run-finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.data).toMatchObject({ status: 'failed', reason: 'lock-lost' });
    worker.child.kill('SIGTERM');
    expect((await worker.exit).code).toBe(0);
  }, 120_000);
});
