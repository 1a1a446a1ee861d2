import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, auditEntries, countRows, insertOldRequestLogs, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually, spawnWorker, type WorkerProcess } from '../../support/queue/spawn-worker.js';
import { createQueueConnection, closeQueueConnection } from '../../../src/queue/queue-connection.js';
import { openRetentionQueues, type RetentionQueues } from '../../../src/queue/retention-queues.js';
import { enqueueRuns } from '../../../src/queue/enqueue-runs.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Redis } from 'ioredis';

const ROWS = 20_000;
const BATCH = 100;
const EVERY_RECORDS = 500;
const POLICY = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "0 0 1 1 *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at, batchSize: ${BATCH}, pauseMs: 50 }
`;

describe('a worker killed mid-target leaves progress entries', () => {
  let fx: QueueFixture;
  let connection: Redis;
  let queues: RetentionQueues;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    fx = await createQueueFixture('q_progress');
    await insertOldRequestLogs(fx.db.pool, ROWS, 10);
    connection = createQueueConnection('redis://127.0.0.1:6379/0', { logger: silentLogger() });
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await queues?.close();
    if (connection) await closeQueueConnection(connection);
    await fx?.drop();
  });

  it('the trail accounts for the rows the target job deleted, within progressEveryRecords − 1 plus one batch', async () => {
    const { file, config } = fx.writeConfig(POLICY, {
      audit: `{ table: retention_audit, key: "queue-test-key", progressEveryRecords: ${EVERY_RECORDS}, progressEverySeconds: 3600 }`,
    });
    queues = openRetentionQueues(config.queue, connection, silentLogger());
    worker = spawnWorker(file, 'doomed');
    await worker.httpPort();
    const { runId } = await enqueueRuns(queues, config, config.policies);
    await eventually(async () => (await countRows(fx.db.pool, 'im_request_log')) < ROWS - 1500, 60_000, 'the purge to be under way');
    worker.child.kill('SIGKILL');
    expect((await worker.exit).signal).toBe('SIGKILL');

    const gone = ROWS - (await countRows(fx.db.pool, 'im_request_log'));
    const progress = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId && e.kind === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => e.target === 'im_request_log' && typeof e.data.attempt === 'string')).toBe(true);
    const recorded = Math.max(...progress.map((e) => Number(e.data.deleted)));
    expect(recorded).toBeGreaterThanOrEqual(1000);
    expect(gone).toBeGreaterThanOrEqual(recorded);
    expect(gone - recorded).toBeLessThanOrEqual(EVERY_RECORDS - 1 + BATCH);
  }, 120_000);
});
