import type { JobsOptions } from 'bullmq';
import type { RawConfig } from '../config/schema.js';

type QueueConfig = RawConfig['queue'];

/** Completed and failed jobs are kept `keepJobsSeconds`, then removed: the queue never grows unbounded. */
export function keepJobs(queue: QueueConfig): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return { removeOnComplete: { age: queue.keepJobsSeconds }, removeOnFail: { age: queue.keepJobsSeconds } };
}

/**
 * A target job: retried with exponential backoff from `backoffMs` up to `attempts` (a refusal
 * throws UnrecoverableError and is not retried). `ignoreDependencyOnFailure`: a child that fails
 * for good is recorded in its parent's failed dependencies instead of leaving it waiting forever;
 * the parent reads it back and closes the run with that target failed.
 */
export function targetJobOptions(queue: QueueConfig): JobsOptions {
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    ignoreDependencyOnFailure: true,
    ...keepJobs(queue),
  };
}

/**
 * A policy-run job. Attempts beyond the first are only for failures of the run's own bookkeeping
 * (the audit trail unreachable while opening or closing it); purges are retried per target.
 */
export function policyRunJobOptions(queue: QueueConfig): JobsOptions {
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    ...keepJobs(queue),
  };
}
