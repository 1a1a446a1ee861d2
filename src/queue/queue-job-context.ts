import type { Job } from 'bullmq';
import type { EngineContext } from '../engine/engine-context.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { JobSigner } from './job-signature.js';
import type { LastSuccess } from './last-success.js';
import type { RetentionQueues } from './retention-queues.js';
import type { RunLease } from './run-lease.js';
import type { WorkerTiming } from './worker-timing.js';

/** What a job processor (`jobs/`) gets besides its job: the engine and the queue's pieces. */
export interface QueueJobContext {
  ctx: EngineContext;
  queues: RetentionQueues;
  lease: RunLease;
  lastSuccess: LastSuccess;
  timing: WorkerTiming;
  /** Signs what this replica writes to a job's data, and checks what it reads (the queue is untrusted). */
  signer: JobSigner;
  metrics?: WorkerMetrics | undefined;
  /** Whether this replica's configuration is the newest live one (from the watchdog's last check). */
  isNewestConfig(): boolean;
}

/**
 * Processes one job of the queues: `jobs/index.ts` is the one implementation, handed to the
 * worker by the CLI (as BullMQ's own Worker is handed its processor), so the queue runtime never
 * imports the job modules built on it.
 */
export type QueueJobProcessor = (job: Job, token: string | undefined, queue: QueueJobContext) => Promise<unknown>;
