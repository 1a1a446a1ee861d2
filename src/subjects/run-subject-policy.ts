import type { EngineContext } from '../engine/engine-context.js';
import { errorLine } from '../lib/error-line.js';
import { lockStillHeld, type OpenPolicyRun } from '../engine/open-policy-run.js';
import { auditTarget, finishPolicyRun } from '../engine/policy-run.js';
import { createProgressRecorder, type ProgressRecorder } from '../engine/progress-recorder.js';
import { randomUUID } from 'node:crypto';
import type { SubjectPolicyRunner } from '../engine/run-policies.js';
import { TimeBudget } from '../engine/stop-signal.js';
import type { PolicyResult, StoreName, SubjectCounts, TargetResult } from '../types.js';
import { refuseSubjectRun, subjectRunRefusal } from './refuse-subject-run.js';
import { candidateBound, retainDeadline } from './deadline.js';
import { redactSubjectIds } from './redact-subject-ids.js';
import { openSubjectSource, type SubjectSource } from './subject-source.js';
import { countBatch, purgeBatch } from './purge-subject-batch.js';
import type { DueSubject, SubjectRun, SubjectRunHooks } from './subject-run.js';
import { checkSubjectTargets, markFailed, prepareSubjectTargets, type SubjectTarget } from './subject-targets.js';

/**
 * The runner of policies with `retain.after: termination`, for `runPolicies`. Subjects are walked
 * in id order, in batches of `subjects.batchSize`:
 *
 * 1. select candidates in SQL with a safe margin, decide "due" with the exact deadline in code;
 * 2. lock the batch's account rows (`FOR UPDATE SKIP LOCKED`, one short transaction on a
 *    connection of its own) and check every condition again on the locked rows;
 * 3. purge the confirmed subjects from every target — one call per target per batch, so the
 *    Redis purger makes one SCAN pass per batch — within `subjects.maxSubjectSeconds`;
 * 4. audit each purged subject, mark those complete in every enabled store, commit (releasing
 *    the rows), then audit the skipped and failed ones.
 *
 * Why a batch and not a subject per lock: one SCAN pass of a large Redis can take seconds; per
 * subject it would be paid once per subject. The price is that a reactivation of one of the
 * batch's accounts waits for the whole batch, at most `maxSubjectSeconds` — hence the small
 * default batch (100) and the time limit. See docs/subjects.md.
 */
export function createSubjectPolicyRunner(hooks: SubjectRunHooks = {}): SubjectPolicyRunner {
  return (ctx, run, options) => runSubjects(ctx, run, options.storeFilter, hooks);
}

/** The runner to pass to `runPolicies` (CLI, worker). */
export const runSubjectPolicy: SubjectPolicyRunner = createSubjectPolicyRunner();

async function runSubjects(
  ctx: EngineContext,
  run: OpenPolicyRun,
  storeFilter: ReadonlySet<StoreName> | undefined,
  hooks: SubjectRunHooks,
): Promise<PolicyResult> {
  const refusal = subjectRunRefusal(ctx, run);
  if (refusal) return refuseSubjectRun(ctx, run, refusal.reason, refusal.message);
  const range = await runSubjectRange(ctx, run, { storeFilter, hooks, countWithoutTime: true });
  let result: PolicyResult;
  try {
    for (const t of range.targets) await auditTarget(ctx, run, t);
  } finally {
    // Also when auditing failed: the run is closed and its lock released either way.
    result = await finishPolicyRun(ctx, run, range.targets, { subjects: range.counts });
  }
  return result;
}

/** A range of subject ids: `after < id <= upTo` (`after` null: from the first id). Exact decimal strings. */
export interface SubjectIdRange {
  after: string | null;
  upTo: string;
}

export interface SubjectRangeOptions {
  /** Stores to include (`--store`); undefined = all. */
  storeFilter?: ReadonlySet<StoreName> | undefined;
  hooks?: SubjectRunHooks | undefined;
  /** Only the subjects of this range (a queue run's `subject-batch` job). @defaultValue every subject */
  idRange?: SubjectIdRange | undefined;
  /** Count terminated accounts without a termination time (once per run, not per range). @defaultValue false */
  countWithoutTime?: boolean | undefined;
  /** When the policy's `maxRunSeconds` started counting (on the injected clock). @defaultValue now */
  budgetFrom?: Date | undefined;
}

/** What a walk over (a range of) the subjects did: its counts and its per-target totals, not audited. */
export interface SubjectRangeResult {
  counts: SubjectCounts;
  /** Every target of the policy but those left out by `--store`, in configuration order. */
  targets: TargetResult[];
}

/**
 * Claims, purges, audits and marks the due subjects (of `idRange`, when given): everything of a
 * subject run but auditing the targets and closing the run, which the caller does (once per run,
 * however many ranges it was cut into). Never throws for a store or source failure: the targets
 * are failed and the subjects not reached counted as failed.
 */
export async function runSubjectRange(
  ctx: EngineContext,
  run: OpenPolicyRun,
  options: SubjectRangeOptions = {},
): Promise<SubjectRangeResult> {
  const { policy, logger } = run;
  const subjects = policy.subjects;
  if (!subjects) throw new Error(`policy ${policy.name} has no subjects table`);
  const counts: SubjectCounts = { due: 0, purged: 0, failed: 0, skipped: 0, deferred: 0, held: 0 };
  const targets = prepareSubjectTargets(ctx, policy.targets, options.storeFilter);
  if (run.dryRun) for (const t of targets.active) t.result.wouldDelete = 0;
  let source: SubjectSource | null = null;
  let stopReason: StopReason | null = null;
  const attempt = randomUUID();
  const recorders = new Map<SubjectTarget, ProgressRecorder>();
  const state = { inHand: new Set<string>() };
  try {
    if (targets.all.length === 0) {
      logger.warn("the --store filter leaves none of this policy's targets: no subject is touched");
    } else {
      await checkSubjectTargets(targets.active, subjects.maxSubjectSeconds * 1000, ctx.clock, logger);
      source = openSubjectSource(subjects, {
        url: ctx.config.stores.mysql.url,
        session: {
          lockWaitTimeoutSeconds: ctx.config.stores.mysql.lockWaitTimeoutSeconds,
          metadataLockWaitTimeoutSeconds: ctx.config.stores.mysql.metadataLockWaitTimeoutSeconds,
          queryTimeoutMs: ctx.config.stores.mysql.queryTimeoutMs,
        },
      });
      if (options.countWithoutTime) {
        const withoutTime = await source.countTerminatedWithoutTime();
        counts.withoutTerminationTime = withoutTime;
        if (withoutTime > 0) {
          logger.warn({ count: withoutTime }, 'terminated accounts without a termination time: never purged until it is set');
        }
      }
      const zone = ctx.config.timezone;
      const subjectRun: SubjectRun = {
        ctx,
        run,
        subjects,
        source,
        targets,
        counts,
        deadlineOf: (t) => retainDeadline(t, policy.retain, zone),
        hooks: options.hooks ?? {},
        inHand: state.inHand,
        batches: 0,
        progress: (t) => {
          let recorder = recorders.get(t);
          if (!recorder)
            recorders.set(
              t,
              (recorder = createProgressRecorder(ctx, run, { store: t.result.store, target: t.result.target, attempt }, logger)),
            );
          return recorder;
        },
      };
      stopReason = await walkSubjects(subjectRun, options.idRange ?? null, options.budgetFrom);
    }
  } catch (err) {
    // The subject source (or the audit trail) failed: nothing more can be claimed safely.
    const message = redactSubjectIds(errorLine(err), state.inHand);
    logger.error({ error: message }, 'subject policy stopped');
    for (const t of targets.active) markFailed(t.result, err, `subjects: ${message}`);
    counts.failed += counts.due - (counts.purged + counts.failed + counts.skipped + counts.deferred);
  } finally {
    await source?.close().catch((err: unknown) => logger.warn({ error: errorLine(err) }, 'closing the subject source failed'));
  }
  if (stopReason) {
    for (const t of targets.active) {
      if (t.result.status === 'succeeded') {
        t.result.status = 'partial';
        t.result.reason = stopReason;
      }
    }
  }
  logger.info({ ...counts, stopReason }, 'subjects done');
  return { counts, targets: targets.all.map((t) => t.result) };
}

/** Why a walk stopped before the end. */
type StopReason = 'signal' | 'time-budget' | 'lock-lost';

/** Pages through the candidates; returns why it stopped early, if it did. */
async function walkSubjects(
  subjectRun: SubjectRun,
  range: SubjectIdRange | null,
  budgetFrom: Date | undefined,
): Promise<StopReason | null> {
  const { ctx, run, subjects, counts } = subjectRun;
  const now = run.evaluatedAt;
  const bound = candidateBound(now, run.policy.retain, ctx.config.timezone);
  const spent = budgetFrom ? (ctx.clock.now().getTime() - budgetFrom.getTime()) / 1000 : 0;
  const budget = new TimeBudget(ctx.clock, subjects.maxRunSeconds - Math.max(0, spent));
  let stopReason: StopReason | null = null;
  let after: string | null = range?.after ?? null;
  for (;;) {
    const page = await subjectRun.source.candidates(bound, after, subjects.batchSize, range?.upTo ?? null);
    if (page.length === 0) break;
    subjectRun.inHand.clear();
    for (const c of page) subjectRun.inHand.add(c.id);
    after = page[page.length - 1]!.id;
    const due: DueSubject[] = [];
    for (const candidate of page) {
      const deadline = subjectRun.deadlineOf(candidate.terminatedAt);
      if (!(deadline.getTime() < now.getTime())) continue; // inside the SQL margin: not due yet
      if (candidate.held) counts.held += 1;
      else due.push({ id: candidate.id, deadline });
    }
    if (due.length > 0) {
      counts.due += due.length;
      stopReason ??= ctx.stop.requested ? 'signal' : budget.exhausted ? 'time-budget' : null;
      // Between batches, as for age targets: without the lock another run may start, so stop here.
      if (!stopReason && !run.dryRun && !(await lockStillHeld(run))) stopReason = 'lock-lost';
      // After a stop, the walk only counts what is left for the next run (memory stays one page).
      if (stopReason) counts.deferred += due.length;
      else if (run.dryRun) await countBatch(subjectRun, due);
      else {
        await purgeBatch(subjectRun, due);
        for (const t of subjectRun.targets.active)
          await subjectRun.progress(t).afterBatch({ deleted: t.result.deleted, batches: t.result.batches });
      }
    }
    if (page.length < subjects.batchSize) break;
  }
  return stopReason;
}

export type { SubjectRunHooks } from './subject-run.js';
