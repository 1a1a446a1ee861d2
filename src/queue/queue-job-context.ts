import type { EngineContext } from '../engine/engine-context.js';
import type { SubjectPolicyRunner } from '../engine/run-policies.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
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
  metrics?: WorkerMetrics | undefined;
  /** Runs a subject (event-anchored) policy in the coordinating process. */
  subjectRunner?: SubjectPolicyRunner | undefined;
  /** Whether this replica's configuration is the newest live one (from the watchdog's last check). */
  isNewestConfig(): boolean;
}
