import { UnrecoverableError, type Job } from 'bullmq';
import type { OpenPolicyRun } from '../src/engine/open-policy-run.js';
import { runPolicyTarget } from '../src/engine/policy-run.js';
import { notRunResult } from '../src/engine/target-result.js';
import { combineProgressListeners } from '../src/engine/target-progress.js';
import { jobProgress } from '../src/queue/job-progress.js';
import { refuseJob } from '../src/queue/refuse-job.js';
import { cutoffRefusal } from '../src/queue/trusted-evaluation.js';
import { targetPayload, type TargetPayload } from '../src/queue/job-payloads.js';
import { awaitRunLease, watchRunLease } from '../src/queue/run-lease-gate.js';
import type { QueueJobContext } from '../src/queue/queue-job-context.js';
import type { TargetResult } from '../src/types.js';
import { childJobPolicy, LOCK_HELD_BY_COORDINATOR } from '../src/queue/child-job-policy.js';

/**
 * A target job: purges one target of an age-policy run and audits it (`runPolicyTarget`), on
 * whichever replica is free. It runs only while its run's lease names its run, and stops after
 * the batch in hand when the lease is lost or the process is asked to stop (`partial`).
 * A failed target throws, so BullMQ retries it with exponential backoff; a refused one throws
 * UnrecoverableError (retrying cannot change the answer). Either way the result is kept in the
 * job's data for the coordinator, with counts summed over attempts.
 */
export async function processTarget(job: Job, token: string | undefined, queue: QueueJobContext): Promise<TargetResult> {
  const { ctx } = queue;
  const payload = targetPayload.parse(job.data);
  const policy = await childJobPolicy(job, token, queue, payload);
  const target = policy.targets[payload.targetIndex];
  if (!target) throw new UnrecoverableError(`policy ${policy.name} has no target #${payload.targetIndex}`);
  // The cutoff is never taken from the queue as it stands: it must be the one this replica computes.
  const evaluatedAt = new Date(payload.evaluatedAt);
  const cutoff = new Date(payload.cutoff);
  const refusal = cutoffRefusal(cutoff, evaluatedAt, policy, ctx.config);
  if (refusal) throw refuseJob(queue, job, refusal);
  // Not run: `partial`, so the run does not count the target as done (the next run does it).
  const notRun = (reason: 'orphaned' | 'superseded'): TargetResult => notRunResult(target, 'partial', { reason });

  const gate = await awaitRunLease(queue, job, token, policy.name, payload);
  if (gate !== 'held') return notRun(gate);
  const lease = watchRunLease(queue, policy.name, payload.runId);
  const run: OpenPolicyRun = {
    runId: payload.runId,
    policy,
    evaluatedAt,
    cutoff,
    dryRun: payload.dryRun,
    lock: LOCK_HELD_BY_COORDINATOR,
    logger: ctx.logger.child({ runId: payload.runId, policy: policy.name, jobId: job.id }),
  };
  let result: TargetResult;
  try {
    // BullMQ's job.progress follows the purge, so a queue UI shows it moving.
    const progress = combineProgressListeners(ctx.progress, jobProgress(job));
    result = (await runPolicyTarget({ ...ctx, stop: lease.stop, progress }, run, target, { allowLarge: payload.allowLarge }))!;
  } finally {
    lease.close();
  }
  queue.metrics?.recordTarget(policy.name, result);
  const total = withEarlierAttempts(result, payload);
  if (result.status === 'failed' || result.status === 'refused') {
    await job.updateData(queue.signer.sign(job.name, { ...payload, lastResult: total as unknown as Record<string, unknown> }));
    if (result.status === 'refused') throw new UnrecoverableError(`refused (${result.reason ?? 'refused'}): ${result.error ?? ''}`);
    throw new Error(result.error ?? 'target failed');
  }
  return total;
}

/** Counts of earlier attempts of this target in this run are part of the run's totals. */
function withEarlierAttempts(result: TargetResult, payload: TargetPayload): TargetResult {
  const earlier = payload.lastResult as Partial<TargetResult> | undefined;
  if (!earlier) return result;
  return {
    ...result,
    deleted: result.deleted + (earlier.deleted ?? 0),
    batches: result.batches + (earlier.batches ?? 0),
    durationMs: result.durationMs + (earlier.durationMs ?? 0),
  };
}
