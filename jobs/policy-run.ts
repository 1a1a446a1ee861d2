import type { Job } from 'bullmq';
import { coordinatePolicyRun } from '../src/queue/coordinate-policy-run.js';
import type { PolicyRunOutcome } from '../src/queue/job-outcomes.js';
import { policyRunPayload } from '../src/queue/job-payloads.js';
import type { QueueJobContext } from '../src/queue/queue-job-context.js';

/** A `policy-run` job: the coordinator of one run of one policy (src/queue/coordinate-policy-run.ts). */
export function processPolicyRun(job: Job, token: string | undefined, queue: QueueJobContext): Promise<PolicyRunOutcome> {
  return coordinatePolicyRun(job, token, queue, policyRunPayload.parse(job.data));
}
