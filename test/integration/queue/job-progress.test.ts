import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createQueueFixture, insertOldRequestLogs, logDataPolicy, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TARGETS_QUEUE } from '../../../src/queue/queue-names.js';
import type { JobProgress } from '../../../src/queue/job-progress.js';

const POLICY = logDataPolicy({ batchSize: 200, pauseMs: 40 });

describe('a target job reports its purge as it goes', () => {
  let fx: QueueFixture;
  let targets: Queue;
  let logged = '';

  beforeAll(async () => {
    fx = await createQueueFixture('q_progress');
    targets = fx.bullQueue(TARGETS_QUEUE);
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('to BullMQ (job.progress) and as `target progress` log entries at the configured interval', async () => {
    await insertOldRequestLogs(fx.db.pool, 4000, 30);
    const { config } = fx.writeConfig(POLICY, { progressLogSeconds: 0.1 });
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => void (logged += s) } });
    const worker = await fx.startWorker(config, { logger, name: 'progress' });
    const { jobs } = await enqueueRuns(worker.queues, config, config.policies);
    const outcome = await waitForRuns(worker.queues, config, jobs, { pollMs: 100, timeoutMs: 60_000 });
    expect(outcome.results[0]?.status).toBe('succeeded');

    const [job] = await targets.getJobs(['completed']);
    expect(job).toBeDefined();
    const progress = job!.progress as unknown as JobProgress;
    expect(progress).toMatchObject({ phase: 'done', deleted: 4000, due: null, percent: null, etaSeconds: null });
    expect(progress.ratePerSecond).toBeGreaterThan(0);

    const entries = logged
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'target progress');
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries[0]).toMatchObject({ policy: 'log-data', store: 'mysql', target: 'im_request_log', phase: 'purging' });
    expect(new Set(entries.map((e) => e.runId)).size).toBe(1);
    const deleted = entries.map((e) => e.deleted as number);
    expect(deleted[deleted.length - 1]!).toBeGreaterThan(deleted[0]!);
  });
});
