import type { Job } from 'bullmq';
import type { SubjectBatchOutcome } from './job-outcomes.js';
import type { SubjectCounts, TargetResult } from '../types.js';
import { mergeSubjectTargets } from '../subjects/merge-subject-targets.js';
import { partitionOfJobKey, subjectBatchPayload, type PolicyRunPayload } from './job-payloads.js';
import type { QueueJobContext } from './queue-job-context.js';

type SubjectPlan = NonNullable<PolicyRunPayload['subjectPlan']>;

/** The job id in a child's key (`<prefix>:<queue>:<id>`; none of the three contains a colon). */
function jobIdOfKey(key: string): string {
  return key.split(':').slice(2).join(':');
}

/** The targets of `base` that were in play (not skipped), as `status` with `error`. */
function sharesAs(base: readonly TargetResult[], status: 'failed' | 'partial', error: string | null, reason?: string): TargetResult[] {
  return base.map((t) =>
    t.status === 'skipped'
      ? t
      : {
          ...t,
          status,
          error,
          ...(reason ? { reason } : {}),
          deleted: 0,
          batches: 0,
          durationMs: 0,
          ...(t.wouldDelete !== undefined ? { wouldDelete: 0 } : {}),
        },
  );
}

/**
 * A subject-policy run's totals from its `subject-batch` children: their counts and per-target
 * totals summed (the worst status of a target wins); the due subjects of a child that failed for
 * good counted `failed`, and those of children that never reported (dropped on a stop, or lost)
 * `deferred` when the run was stopped, else `failed`. `held` and `withoutTerminationTime` are the
 * plan's, counted once by the coordinator. `base` is the coordinator's own check of the targets.
 */
export async function collectSubjectBatches(
  job: Job,
  queue: QueueJobContext,
  plan: SubjectPlan,
  base: readonly TargetResult[],
  stopped: string | null,
): Promise<{ counts: SubjectCounts; targets: TargetResult[] }> {
  const counts: SubjectCounts = {
    due: 0,
    purged: 0,
    failed: 0,
    skipped: 0,
    deferred: 0,
    held: plan.held,
    withoutTerminationTime: plan.withoutTerminationTime,
  };
  const shares: TargetResult[][] = [];
  let accounted = 0;
  const add = (c: Pick<SubjectCounts, 'due' | 'purged' | 'failed' | 'skipped' | 'deferred'>) => {
    counts.due += c.due;
    counts.purged += c.purged;
    counts.failed += c.failed;
    counts.skipped += c.skipped;
    counts.deferred += c.deferred;
  };
  for (const [key, value] of Object.entries(await job.getChildrenValues<SubjectBatchOutcome>())) {
    if (partitionOfJobKey(key) === null || !value) continue;
    add(value.counts);
    shares.push(value.targets);
    accounted += value.planned;
  }
  for (const [key, failedReason] of Object.entries(await job.getIgnoredChildrenFailures())) {
    if (partitionOfJobKey(key) === null) continue;
    const child = await queue.queues.targets.getJob(jobIdOfKey(key));
    const parsed = child ? subjectBatchPayload.safeParse(child.data) : null;
    const due = parsed?.success ? parsed.data.due : 0;
    add({ due, purged: 0, failed: due, skipped: 0, deferred: 0 });
    accounted += due;
    shares.push(sharesAs(base, 'failed', `a subject batch failed: ${failedReason.split('\n')[0]!.slice(0, 400)}`));
  }
  const missing = Math.max(0, plan.due - accounted);
  if (missing > 0) {
    if (stopped) {
      add({ due: missing, purged: 0, failed: 0, skipped: 0, deferred: missing });
      shares.push(sharesAs(base, 'partial', null, 'signal'));
    } else {
      add({ due: missing, purged: 0, failed: missing, skipped: 0, deferred: 0 });
      shares.push(sharesAs(base, 'failed', 'a subject batch job was lost before it reported'));
    }
  }
  return { counts, targets: mergeSubjectTargets(base, shares) };
}
