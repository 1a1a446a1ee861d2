import type { Job } from 'bullmq';
import type { OpenPolicyRun } from '../engine/open-policy-run.js';
import { auditTarget } from '../engine/policy-run.js';
import type { TargetResult } from '../types.js';
import { targetIndexOfJobKey, targetPayload } from './job-payloads.js';
import type { QueueJobContext } from './queue-job-context.js';
import { notRunResult } from '../engine/target-result.js';

/** The job id in a child's key (`<prefix>:<queue>:<id>`; none of the three contains a colon). */
function jobIdOfKey(key: string): string {
  return key.split(':').slice(2).join(':');
}

/**
 * The results of a run's target jobs, in the policy's target order: returned values of the
 * children that completed, the last recorded result of those that failed for good (already
 * audited by the child), and — audited here, since no child did — a result for each target
 * whose job failed before it could record one, found its run gone, or never ran (`partial` when
 * the run was stopped by a signal).
 */
export async function collectTargetResults(
  job: Job,
  queue: QueueJobContext,
  run: OpenPolicyRun,
  stopped: string | null,
): Promise<TargetResult[]> {
  const { ctx } = queue;
  const byIndex = new Map<number, TargetResult>();
  for (const [key, value] of Object.entries(await job.getChildrenValues<TargetResult>())) {
    const index = targetIndexOfJobKey(key);
    if (index === null || !value) continue;
    // A child that found its run gone did not audit (it did nothing); the run records it here.
    if (value.reason === 'orphaned' || value.reason === 'superseded') await auditTarget(ctx, run, value);
    byIndex.set(index, value);
  }
  for (const [key, failedReason] of Object.entries(await job.getIgnoredChildrenFailures())) {
    const index = targetIndexOfJobKey(key);
    if (index === null) continue;
    const child = await queue.queues.targets.getJob(jobIdOfKey(key));
    const parsed = child ? targetPayload.safeParse(child.data) : null;
    const last = parsed?.success ? (parsed.data.lastResult as TargetResult | undefined) : undefined;
    if (last) {
      byIndex.set(index, last);
      continue;
    }
    const target = run.policy.targets[index];
    if (!target) continue;
    const result = notRunResult(target, 'failed', { error: failedReason.split('\n')[0]!.slice(0, 500) });
    await auditTarget(ctx, run, result);
    byIndex.set(index, result);
  }
  const results: TargetResult[] = [];
  for (const [index, target] of run.policy.targets.entries()) {
    let result = byIndex.get(index);
    if (!result) {
      result = stopped
        ? notRunResult(target, 'partial', { reason: 'signal' })
        : notRunResult(target, 'failed', { error: 'the target job was lost before it reported' });
      await auditTarget(ctx, run, result);
    }
    results.push(result);
  }
  return results;
}
