import { UnrecoverableError, type Job } from 'bullmq';
import type { OpenPolicyRun } from '../src/engine/open-policy-run.js';
import { notRunResult } from '../src/engine/target-result.js';
import { subjectBatchPayload, subjectRangeContext } from '../src/queue/job-payloads.js';
import { awaitRunLease, watchRunLease } from '../src/queue/run-lease-gate.js';
import type { SubjectBatchOutcome } from '../src/queue/job-outcomes.js';
import type { QueueJobContext } from '../src/queue/queue-job-context.js';
import { runSubjectRange } from '../src/subjects/run-subject-policy.js';
import { openRange } from '../src/subjects/subject-range-cipher.js';
import { childJobPolicy, LOCK_HELD_BY_COORDINATOR } from '../src/queue/child-job-policy.js';

/**
 * A `subject-batch` job: one partition of a subject-policy run (the ids of a sealed range),
 * processed by whichever replica is free. It opens its range with the audit key, runs only while
 * its run's lease names its run, and walks the range like `retention run` walks the whole table —
 * claim under `SKIP LOCKED`, re-check under the lock, purge every target, audit each subject,
 * mark, commit. Store failures are results (the subjects are audited `failed` and retried by the
 * next run), so the job is not retried for them: a retry would audit its subjects twice. Past the
 * run's `maxRunSeconds` (counted from the run's evaluation) or once stopped, the rest is `deferred`.
 */
export async function processSubjectBatch(job: Job, token: string | undefined, queue: QueueJobContext): Promise<SubjectBatchOutcome> {
  const { ctx } = queue;
  const payload = subjectBatchPayload.parse(job.data);
  const policy = await childJobPolicy(job, token, queue, payload);
  if (!policy.subjects) throw new UnrecoverableError(`policy ${policy.name} has no subjects table`);
  let range;
  try {
    range = openRange(payload.range, ctx.config.audit.key, subjectRangeContext(payload.runId, payload.partition));
  } catch (err) {
    throw new UnrecoverableError((err as Error).message);
  }
  // Not run: everything planned is deferred to the next run, the targets `partial`.
  const notRun = (reason: 'orphaned' | 'superseded'): SubjectBatchOutcome => ({
    planned: payload.due,
    counts: { due: payload.due, purged: 0, failed: 0, skipped: 0, deferred: payload.due, held: 0 },
    targets: policy.targets.map((t) =>
      ctx.stores.has(t.store) ? notRunResult(t, 'partial', { reason }) : notRunResult(t, 'skipped', { reason: 'disabled' }),
    ),
  });

  const gate = await awaitRunLease(queue, job, token, policy.name, payload);
  if (gate !== 'held') return notRun(gate);
  const lease = watchRunLease(queue, policy.name, payload.runId);
  const evaluatedAt = new Date(payload.evaluatedAt);
  const run: OpenPolicyRun = {
    runId: payload.runId,
    policy,
    evaluatedAt,
    cutoff: null,
    dryRun: payload.dryRun,
    lock: LOCK_HELD_BY_COORDINATOR,
    logger: ctx.logger.child({ runId: payload.runId, policy: policy.name, jobId: job.id, partition: payload.partition }),
  };
  try {
    const { counts, targets } = await runSubjectRange({ ...ctx, stop: lease.stop }, run, { idRange: range, budgetFrom: evaluatedAt });
    return { planned: payload.due, counts, targets };
  } finally {
    lease.close();
  }
}
