import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import { redactUrls } from '../logging/redact.js';
import { RUNS_QUEUE, TARGETS_QUEUE } from './queue-names.js';
import type { WorkerTiming } from './worker-timing.js';

export interface JobWorkers {
  /** Stops taking jobs and lets the active ones finish (they stop after the batch in hand). */
  close(): Promise<void>;
}

/**
 * The replica's two BullMQ workers, one per queue, both handing every job to `processor`; their
 * errors, failed jobs and stalled jobs are logged (messages without credentials).
 */
export function startJobWorkers(
  config: ResolvedConfig,
  connection: Redis,
  timing: WorkerTiming,
  name: string,
  processor: (job: Job, token?: string) => Promise<unknown>,
  logger: Logger,
): JobWorkers {
  const options = {
    connection,
    prefix: config.queue.prefix,
    name,
    lockDuration: timing.lockDurationMs,
    stalledInterval: timing.stalledIntervalMs,
    maxStalledCount: timing.maxStalledCount,
  };
  // A coordinator waits for its children; one slot per policy, plus one, so a tick arriving
  // during every policy's run is still taken (and skipped) rather than queued.
  const runs = new Worker(RUNS_QUEUE, processor, { ...options, concurrency: config.policies.length + 1 });
  const targets = new Worker(TARGETS_QUEUE, processor, { ...options, concurrency: config.queue.concurrency });
  for (const w of [runs, targets]) {
    w.on('error', (err) => logger.warn({ queue: w.name, err: { message: redactUrls(err.message) } }, 'worker error'));
    w.on('failed', (job, err) =>
      logger.warn(
        { queue: w.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: { message: redactUrls(err.message) } },
        'job failed',
      ),
    );
    w.on('stalled', (jobId) => logger.warn({ queue: w.name, jobId }, 'job stalled: its worker stopped renewing it; taken over'));
  }
  return {
    async close() {
      await Promise.all([runs.close(), targets.close()]);
    },
  };
}
