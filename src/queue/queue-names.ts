/**
 * The two queues of a deployment, under `queue.prefix`. Runs and targets are kept apart so that a
 * policy-run job waiting for its children never takes the slot a child needs (no starvation, even
 * with `queue.concurrency: 1`).
 */
export const RUNS_QUEUE = 'runs';
export const TARGETS_QUEUE = 'targets';

/** Job names: the one registry of job types is `jobs/index.ts`. */
export const POLICY_RUN_JOB = 'policy-run';
export const TARGET_JOB = 'target';
/** One partition of a subject-policy run's subjects (a child of the policy-run job, on the targets queue). */
export const SUBJECT_BATCH_JOB = 'subject-batch';

export type JobName = typeof POLICY_RUN_JOB | typeof TARGET_JOB | typeof SUBJECT_BATCH_JOB;
