import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WaitingChildrenError, type Job } from 'bullmq';
import type { PolicyConfig } from '../config/schema.js';
import { describeRetain } from '../engine/cutoff.js';
import { lockStillHeld, type OpenPolicyRun } from '../engine/open-policy-run.js';
import { auditTarget, beginPolicyRun, finishPolicyRun } from '../engine/policy-run.js';
import { errorLine } from '../lib/error-line.js';
import { deferJob } from './defer-job.js';
import { refuseJob } from './refuse-job.js';
import { evaluatedAtRefusal } from './trusted-evaluation.js';
import { targetJobOptions } from './job-options.js';
import {
  policyHash,
  subjectBatchJobId,
  subjectRangeContext,
  targetJobId,
  type PolicyRunPayload,
  type SubjectBatchPayload,
  type TargetPayload,
} from './job-payloads.js';
import type { QueueJobContext } from './queue-job-context.js';
import type { PolicyRunOutcome } from './job-outcomes.js';
import type { PolicyResult } from '../types.js';
import { SUBJECT_BATCH_JOB, TARGET_JOB } from './queue-names.js';
import { collectTargetResults } from './collect-target-results.js';
import { collectSubjectBatches } from './collect-subject-batches.js';
import { checkedSubjectTargets, partitionSubjects, type SubjectPlan } from '../subjects/partition-subjects.js';
import { refuseSubjectRun, subjectRunRefusal } from '../subjects/refuse-subject-run.js';
import { sealRange } from '../subjects/subject-range-cipher.js';

/**
 * A policy-run job: the coordinator of one run of one policy. It takes the policy's single-flight
 * lock (the MySQL named lock, the same one `retention run` takes) and keeps it, with the run's
 * lease, until the run is closed: it adds one child job per target (a subject policy: one
 * `subject-batch` per partition of its subjects), waits for them while BullMQ
 * renews its own job lock, then audits `run-finished` with the children's results and releases.
 * A scheduled tick that finds the policy locked is audited `tick-skipped` and does nothing.
 *
 * If this process dies, the job stalls and another replica resumes it: same run id, same
 * evaluation time (so the same cutoff), children not added twice (deterministic ids), results
 * read back from BullMQ. On SIGTERM it closes the run with what is done (targets not reached are
 * `partial`), and leaves children still running elsewhere to finish on their own.
 */
export async function coordinatePolicyRun(
  job: Job,
  token: string | undefined,
  queue: QueueJobContext,
  payload: PolicyRunPayload,
): Promise<PolicyRunOutcome> {
  const { ctx, timing } = queue;
  const policy = ctx.config.policies.find((p) => p.name === payload.policy);
  const sameDefinition = policy !== undefined && policyHash(ctx.config, policy) === payload.policyHash;
  // A fresh scheduled tick may run with the newest configuration's definition (its scheduler is
  // about to be updated); anything else waits for a replica that has the definition it was made for.
  if (!policy || (!sameDefinition && !(payload.trigger === 'schedule' && !payload.evaluatedAt && queue.isNewestConfig()))) {
    const reason = policy
      ? `policy ${payload.policy} is defined differently in this replica's configuration`
      : `policy ${payload.policy} is not in this replica's configuration`;
    return deferJob(job, token, timing.pollMs * 5, reason, { since: job.timestamp, giveUpAfterMs: timing.foreignConfigWaitMs });
  }
  if (payload.closed) return waitForStragglers(job, token, payload);
  if (payload.evaluatedAt) {
    const refusal = evaluatedAtRefusal(new Date(payload.evaluatedAt), ctx.clock.now(), ctx.config);
    if (refusal) throw refuseJob(queue, job, refusal);
  }

  const logger = ctx.logger.child({ policy: policy.name, jobId: job.id });
  const resuming = payload.started === true;
  const runId = payload.runId ?? randomUUID();
  const evaluatedAt = payload.evaluatedAt ? new Date(payload.evaluatedAt) : ctx.clock.now();
  const dryRun = payload.dryRun ?? false;

  if (resuming) {
    if (!(await ctx.audit.openRuns(policy.name)).includes(runId)) {
      // Closed meanwhile: by a run that found it abandoned while no process held its lock.
      logger.warn({ runId }, 'this run was closed by another run while its coordinator was down; not resuming it');
      await job.removeUnprocessedChildren();
      return markClosed(job, token, queue, payload, null);
    }
    if (await ctx.coordination.isPolicyLocked(policy.name)) {
      // Someone holds the lock: the first coordinator may still be alive (it lost its job lock only).
      throw new Error(`policy ${policy.name} is locked by another process while resuming run ${runId}; retrying later`);
    }
    logger.warn({ runId, attemptsStarted: job.attemptsStarted }, 'resuming a run whose coordinator stopped');
  } else {
    if (payload.trigger === 'schedule' && (await ctx.coordination.isPolicyLocked(policy.name))) {
      return skipTick(job, queue, policy);
    }
    if (!payload.runId || !payload.evaluatedAt)
      await job.updateData(queue.signer.sign(job.name, { ...payload, runId, evaluatedAt: evaluatedAt.toISOString() }));
  }

  const begun = await beginPolicyRun(ctx, policy, { runId, dryRun, evaluatedAt });
  if ('refused' in begun) {
    queue.metrics?.recordPolicyRun(begun.refused, ctx.clock.now().getTime() - evaluatedAt.getTime());
    if (!resuming) return { kind: 'run', runId, result: begun.refused };
    // The refusal closed the resumed run (clock skew, or the lock taken meanwhile): drop what is left of it.
    await job.removeUnprocessedChildren();
    return markClosed(job, token, queue, payload, begun.refused);
  }
  const run = begun.open;
  const data: PolicyRunPayload = { ...payload, runId, evaluatedAt: evaluatedAt.toISOString(), started: true };
  // We hold the policy's lock, so the lease is ours by right: re-set it rather than only extend it.
  // Only while the lock is still ours: after it is lost (its connection killed, a failover) the
  // lease lapses, so the children stop after their batch and a new run may take over cleanly.
  const heartbeat = setInterval(
    () => {
      lockStillHeld(run)
        .then((held) => {
          if (held) return queue.lease.claim(policy.name, runId, timing.leaseMs);
          clearInterval(heartbeat);
          return queue.lease.release(policy.name, runId);
        })
        .catch((err) => logger.warn({ err }, 'could not renew the run lease'));
    },
    Math.max(100, Math.floor(timing.leaseMs / 3)),
  );
  let result: PolicyResult;
  let stragglers = false;
  try {
    await job.updateData(queue.signer.sign(job.name, data));
    await queue.lease.claim(policy.name, runId, timing.leaseMs);
    const inHand: RunInHand = { job, queue, run, data, stopHeartbeat: () => clearInterval(heartbeat) };
    // Subject policies fan out too: one `subject-batch` child per partition of the subjects.
    ({ result, stragglers } = await (run.cutoff === null ? coordinateSubjects(inHand) : coordinateTargets(inHand)));
  } catch (err) {
    // Never leave the policy locked behind a failure (the lock lives as long as this process):
    // the job's next attempt resumes the run. Releasing twice is harmless.
    await run.lock.release().catch((e) => logger.warn({ err: e }, 'could not release the policy lock'));
    throw err;
  } finally {
    clearInterval(heartbeat);
    await queue.lease.release(policy.name, runId).catch((err) => logger.warn({ err }, 'could not release the run lease'));
  }
  const durationMs = ctx.clock.now().getTime() - evaluatedAt.getTime();
  queue.metrics?.recordPolicyRun(result, durationMs);
  if (result.status === 'succeeded' || result.status === 'partial') {
    await queue.lastSuccess
      .record(policy.name, ctx.clock.now())
      .catch((err) => logger.warn({ err }, 'could not record the last successful run'));
    queue.metrics?.setLastSuccess(policy.name, ctx.clock.now());
  }
  if (stragglers) return markClosed(job, token, queue, data, result);
  return { kind: 'run', runId, result };
}

/** A begun run as its coordinator holds it while it fans out and waits for the children. */
interface RunInHand {
  job: Job;
  queue: QueueJobContext;
  run: OpenPolicyRun;
  /** The job's payload: updated, and signed again, as the run moves on. */
  data: PolicyRunPayload;
  stopHeartbeat: () => void;
}

/** One child job of the run, before it is signed. */
type ChildJob =
  | { name: typeof TARGET_JOB; jobId: string; payload: TargetPayload }
  | { name: typeof SUBJECT_BATCH_JOB; jobId: string; payload: SubjectBatchPayload };

/** Adds the children (once), waits for them, and closes the run with their results. */
async function coordinateTargets(inHand: RunInHand): Promise<{ result: PolicyResult; stragglers: boolean }> {
  const { job, queue, run, data } = inHand;
  const { ctx } = queue;
  const cutoff = run.cutoff!;
  if (!data.childrenAdded) {
    await addChildren(
      inHand,
      run.policy.targets.map((_, targetIndex) => ({
        name: TARGET_JOB,
        jobId: targetJobId(run.runId, targetIndex),
        payload: {
          runId: run.runId,
          policy: run.policy.name,
          policyHash: data.policyHash,
          targetIndex,
          evaluatedAt: run.evaluatedAt.toISOString(),
          cutoff: cutoff.toISOString(),
          dryRun: run.dryRun,
          allowLarge: data.allowLarge ?? false,
        },
      })),
    );
    run.logger.info({ targets: run.policy.targets.length }, 'target jobs added');
  }
  const unprocessed = await waitForChildren(inHand);
  const targets = await collectTargetResults(job, queue, run, ctx.stop.requested);
  const result = await finishPolicyRun(ctx, run, targets);
  return { result, stragglers: unprocessed > 0 };
}

/**
 * A subject policy's run: cuts its candidates into partitions of `subjects.batchSize` (once;
 * the counts are kept in the job's data), adds one `subject-batch` child per partition with its
 * id range sealed, waits for them, audits each target's totals and closes the run with the
 * children's counts. `held` and `withoutTerminationTime` are counted here, once.
 */
async function coordinateSubjects(inHand: RunInHand): Promise<{ result: PolicyResult; stragglers: boolean }> {
  const { job, queue, run, data } = inHand;
  const { ctx } = queue;
  const refusal = subjectRunRefusal(ctx, run);
  if (refusal) return { result: await refuseSubjectRun(ctx, run, refusal.reason, refusal.message), stragglers: false };
  const base = await checkedSubjectTargets(ctx, run);
  if (!data.subjectPlan) {
    let plan: SubjectPlan;
    try {
      plan = await partitionSubjects(ctx, run);
    } catch (err) {
      // The subjects table could not be read: nothing was claimed; the run fails, the next one retries.
      const message = errorLine(err);
      run.logger.error({ error: message }, 'subject policy stopped');
      const targets = base.map((t) => (t.status === 'skipped' ? t : { ...t, status: 'failed' as const, error: message }));
      for (const t of targets) await auditTarget(ctx, run, t);
      const counts = { due: 0, purged: 0, failed: 0, skipped: 0, deferred: 0, held: 0 };
      return { result: await finishPolicyRun(ctx, run, targets, { subjects: counts }), stragglers: false };
    }
    // Written to the job's data with the children (addChildren): a resumed coordinator counts from this plan.
    data.subjectPlan = {
      partitions: plan.partitions.length,
      due: plan.due,
      held: plan.held,
      withoutTerminationTime: plan.withoutTerminationTime,
    };
    await addChildren(
      inHand,
      plan.partitions.map((p, partition) => ({
        name: SUBJECT_BATCH_JOB,
        jobId: subjectBatchJobId(run.runId, partition),
        payload: {
          runId: run.runId,
          policy: run.policy.name,
          policyHash: data.policyHash,
          partition,
          evaluatedAt: run.evaluatedAt.toISOString(),
          dryRun: run.dryRun,
          due: p.due,
          range: sealRange(p.range, ctx.config.audit.key, subjectRangeContext(run.runId, partition)),
        },
      })),
    );
    run.logger.info({ partitions: plan.partitions.length, due: plan.due }, 'subject batch jobs added');
  }
  const unprocessed = await waitForChildren(inHand);
  const { counts, targets } = await collectSubjectBatches(job, queue, data.subjectPlan!, base, ctx.stop.requested);
  run.logger.info({ ...counts }, 'subjects done');
  let result: PolicyResult;
  try {
    for (const t of targets) await auditTarget(ctx, run, t);
  } finally {
    result = await finishPolicyRun(ctx, run, targets, { subjects: counts });
  }
  return { result, stragglers: unprocessed > 0 };
}

/** Children added per `addBulk` call. */
const ADD_CHUNK = 500;

/**
 * Adds the run's children under its job, signed, and records in the job's data that they were
 * added. Deterministic ids: a coordinator resumed after a crash mid-way adds nothing twice.
 */
async function addChildren({ job, queue, data }: RunInHand, children: readonly ChildJob[]): Promise<void> {
  const parent = { id: job.id!, queue: job.queueQualifiedName };
  const options = targetJobOptions(queue.ctx.config.queue);
  const jobs = children.map((child) => ({
    name: child.name,
    data: queue.signer.sign(child.name, child.payload),
    opts: { ...options, jobId: child.jobId, parent },
  }));
  for (let i = 0; i < jobs.length; i += ADD_CHUNK) await queue.queues.targets.addBulk(jobs.slice(i, i + ADD_CHUNK));
  data.childrenAdded = true;
  await job.updateData(queue.signer.sign(job.name, data));
}

/**
 * Waits until the run's children are processed; on a stop, drops those not started and releases
 * the lease (so those running elsewhere stop after their batch), then waits `childStopWaitMs` at
 * most. Returns how many were still unprocessed.
 */
async function waitForChildren({ job, queue, run, stopHeartbeat }: RunInHand): Promise<number> {
  const { ctx, timing } = queue;
  let stopDeadline: number | null = null;
  let unprocessed = 0;
  for (;;) {
    unprocessed = (await job.getDependenciesCount({ unprocessed: true })).unprocessed ?? 0;
    if (unprocessed === 0) break;
    if ((ctx.stop.requested || run.halted === 'lock-lost') && stopDeadline === null) {
      // Shutting down: children not started are dropped (their share is `partial` in this run and
      // done by the next), and the lease goes so children running elsewhere stop after their batch.
      run.logger.warn({ unprocessed }, 'stopping: dropping targets not started, closing the run with what is done');
      stopDeadline = Date.now() + timing.childStopWaitMs;
      await job.removeUnprocessedChildren();
      stopHeartbeat();
      await queue.lease.release(run.policy.name, run.runId);
      continue;
    }
    if (stopDeadline !== null && Date.now() > stopDeadline) break;
    await sleep(timing.pollMs);
  }
  return unprocessed;
}

/** A scheduled tick while a run of the policy is going: audited, not queued. */
async function skipTick(job: Job, queue: QueueJobContext, policy: PolicyConfig): Promise<PolicyRunOutcome> {
  const { ctx } = queue;
  const runningRunId = await queue.lease.holder(policy.name);
  // A scheduler's job id is `repeat:<scheduler>:<millis of the tick>`.
  const tickMillis = Number(/:(\d+)$/.exec(job.id ?? '')?.[1] ?? job.timestamp);
  ctx.logger.warn({ policy: policy.name, runningRunId }, 'scheduled tick skipped: a run of this policy is still going');
  await ctx.audit.append({
    kind: 'tick-skipped',
    runId: randomUUID(),
    policy: policy.name,
    at: ctx.clock.now(),
    dryRun: false,
    retain: describeRetain(policy.retain),
    data: { runningRunId, scheduledAt: new Date(tickMillis).toISOString() },
  });
  queue.metrics?.tickSkipped(policy.name);
  return { kind: 'tick-skipped', policy: policy.name, runningRunId };
}

/**
 * The run is closed but some children have not finished (still running elsewhere after a
 * shutdown): BullMQ cannot complete a parent with pending children, so the job waits for them.
 */
async function markClosed(
  job: Job,
  token: string | undefined,
  queue: QueueJobContext,
  payload: PolicyRunPayload,
  result: PolicyResult | null,
): Promise<PolicyRunOutcome> {
  const closed: PolicyRunPayload = {
    ...payload,
    closed: true,
    ...(result ? { result: result as unknown as Record<string, unknown> } : {}),
  };
  await job.updateData(queue.signer.sign(job.name, closed));
  return waitForStragglers(job, token, closed);
}

/** Completes a closed run's job once its last children are done; until then, parks it in waiting-children. */
async function waitForStragglers(job: Job, token: string | undefined, payload: PolicyRunPayload): Promise<PolicyRunOutcome> {
  if (token && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
  return payload.result
    ? { kind: 'run', runId: payload.runId!, result: payload.result as unknown as PolicyResult }
    : { kind: 'superseded', policy: payload.policy, runId: payload.runId! };
}
