import { UnrecoverableError, type Job } from 'bullmq';
import type { QueueJobContext, QueueJobProcessor } from '../src/queue/queue-job-context.js';
import { POLICY_RUN_JOB, SUBJECT_BATCH_JOB, TARGET_JOB, type JobName } from '../src/queue/queue-names.js';
import { processPolicyRun } from './policy-run.js';
import { processSubjectBatch } from './subject-batch.js';
import { processTarget } from './target.js';
import { refuseJob } from '../src/queue/refuse-job.js';

export type JobProcessor = QueueJobProcessor;

/** The one registry of job types: each parses its payload and calls the engine. */
export const JOB_PROCESSORS: Readonly<Record<JobName, JobProcessor>> = {
  [POLICY_RUN_JOB]: processPolicyRun,
  [TARGET_JOB]: processTarget,
  [SUBJECT_BATCH_JOB]: processSubjectBatch,
};

/**
 * Processes any job of the registry; an unknown name fails for good (retrying will not teach it).
 * The queue is untrusted: a payload that is unsigned or altered is refused for good before any
 * processor reads it (logged with the job's id, never its data).
 */
export function processJob(job: Job, token: string | undefined, queue: QueueJobContext): Promise<unknown> {
  const processor = (JOB_PROCESSORS as Record<string, JobProcessor | undefined>)[job.name];
  if (!processor) throw new UnrecoverableError(`unknown job type ${job.name}`);
  try {
    queue.signer.verify(job.name, job.data);
  } catch (err) {
    throw refuseJob(queue, job, (err as Error).message);
  }
  return processor(job, token, queue);
}

export type { PolicyRunOutcome } from '../src/queue/job-outcomes.js';
export type { SubjectBatchOutcome } from '../src/queue/job-outcomes.js';
