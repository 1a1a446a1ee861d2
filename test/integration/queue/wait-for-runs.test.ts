import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { closeQueueConnection, createQueueConnection } from '../../../src/queue/queue-connection.js';
import { openRetentionQueues, type RetentionQueues } from '../../../src/queue/retention-queues.js';
import { POLICY_RUN_JOB, RUNS_QUEUE } from '../../../src/queue/queue-names.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { PolicyResult } from '../../../src/types.js';
import { LOG_POLICY, testConfig } from '../../support/engine.js';
import { REDIS_TEST_URL, unlinkKeys } from '../../support/redis.js';

/**
 * `waitForRuns` polls jobs that a worker completes at any moment, also between two of its reads.
 * It once read the job, then its state: a job read while active and completed before its state
 * was asked looked completed without a return value, and a run that closed well was reported
 * failed. Each job here completes a few ms after it starts while the wait polls without a pause,
 * so the completions fall across the poll's reads.
 */
describe('waitForRuns against jobs completing while it polls', () => {
  const prefix = `rtw${randomBytes(4).toString('hex')}`;
  const config = testConfig({ mysqlUrl: 'mysql://root@127.0.0.1:3306/unused', policies: LOG_POLICY, queuePrefix: prefix });
  let connection: Redis;
  let queues: RetentionQueues;
  let workerConnection: Redis;
  let worker: Worker;

  beforeAll(async () => {
    connection = createQueueConnection(REDIS_TEST_URL, { logger: silentLogger() });
    queues = openRetentionQueues(config.queue, connection, silentLogger());
    workerConnection = createQueueConnection(REDIS_TEST_URL, { logger: silentLogger() });
    worker = new Worker(
      RUNS_QUEUE,
      async (job) => {
        await sleep(Number(job.data.delayMs));
        const result: PolicyResult = {
          name: 'log-data',
          category: 'log',
          status: 'succeeded',
          evaluatedAt: new Date().toISOString(),
          cutoff: null,
          targets: [],
        };
        return { kind: 'run', runId: job.id, result };
      },
      { connection: workerConnection, prefix },
    );
  });
  afterAll(async () => {
    await worker?.close();
    await closeQueueConnection(workerConnection);
    await queues?.close();
    await unlinkKeys(connection, `${prefix}:*`);
    await closeQueueConnection(connection);
  });

  it('reports every completed run with its result, never "closed without a result"', async () => {
    const errors: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      const jobId = `run-${i}`;
      await queues.runs.add(POLICY_RUN_JOB, { delayMs: i % 5 }, { jobId });
      const outcome = await waitForRuns(queues, config, [{ policy: 'log-data', jobId }], { pollMs: 0, timeoutMs: 10_000 });
      expect(outcome.done).toBe(true);
      const [result] = outcome.results;
      if (result?.status !== 'succeeded') errors.push(`${jobId}: ${result?.status} ${result?.error ?? ''}`);
    }
    expect(errors).toEqual([]);
  }, 60_000);
});
