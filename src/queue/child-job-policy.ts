import type { Job } from 'bullmq';
import type { PolicyConfig } from '../config/schema.js';
import type { PolicyLock } from '../stores/purger.js';
import { deferJob } from './defer-job.js';
import { policyHash } from './job-payloads.js';
import type { QueueJobContext } from './queue-job-context.js';
import { refuseJob } from './refuse-job.js';
import { evaluatedAtRefusal } from './trusted-evaluation.js';

/** The coordinator holds the run's real lock; a child job runs under it, by way of the run's lease. */
export const LOCK_HELD_BY_COORDINATOR: PolicyLock = { release: async () => {} };

/** What every child job of a run (a target, a batch of subjects) carries about its policy. */
export interface ChildJobPolicyRef {
  policy: string;
  policyHash: string;
  evaluatedAt: string;
}

/**
 * The shared preamble of a run's child jobs: the policy as this replica defines it. A replica
 * whose definition differs from the one the run was made for puts the job back for another
 * (`deferJob` throws BullMQ's DelayedError); an evaluation time that cannot be trusted (in the
 * future, or older than the resume window) refuses the job for good.
 */
export async function childJobPolicy(
  job: Job,
  token: string | undefined,
  queue: QueueJobContext,
  payload: ChildJobPolicyRef,
): Promise<PolicyConfig> {
  const { ctx, timing } = queue;
  const policy = ctx.config.policies.find((p) => p.name === payload.policy);
  if (!policy || policyHash(ctx.config, policy) !== payload.policyHash) {
    return deferJob(job, token, timing.pollMs * 5, `policy ${payload.policy} is not defined in this replica as it was for this run`, {
      since: job.timestamp,
      giveUpAfterMs: timing.foreignConfigWaitMs,
    });
  }
  const refusal = evaluatedAtRefusal(new Date(payload.evaluatedAt), ctx.clock.now(), ctx.config);
  if (refusal) throw refuseJob(queue, job, refusal);
  return policy;
}
