import { UnrecoverableError, type Job } from 'bullmq';
import type { QueueJobContext } from './queue-job-context.js';

/**
 * A job whose payload cannot be trusted (unsigned, altered, or with times outside what this
 * replica accepts): logged at error level with its queue, name and id — never its data, which
 * anyone with access to Redis may have written — and failed for good (UnrecoverableError: a retry
 * would read the same payload). Returns the error for the caller to throw.
 */
export function refuseJob(queue: QueueJobContext, job: Job, reason: string): UnrecoverableError {
  queue.metrics?.jobRefused(job.name);
  queue.ctx.logger.error({ queue: job.queueName, job: job.name, jobId: job.id, reason }, 'job refused: its payload is not trusted');
  return new UnrecoverableError(`job refused: ${reason}`);
}
