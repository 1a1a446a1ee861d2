import type { EngineContext } from '../engine/engine-context.js';
import { errorLine } from '../lib/error-line.js';
import type { OpenPolicyRun } from '../engine/open-policy-run.js';
import { candidateBound, retainDeadline } from './deadline.js';
import { redactSubjectIds } from './redact-subject-ids.js';
import type { SubjectIdRange } from './run-subject-policy.js';
import { openSubjectSource } from './subject-source.js';
import { checkSubjectTargets, prepareSubjectTargets } from './subject-targets.js';
import type { TargetResult } from '../types.js';

/** One share of a run's subjects: the ids in `range`, of which `due` were due when it was cut. */
export interface SubjectPartition {
  range: SubjectIdRange;
  due: number;
}

export interface SubjectPlan {
  /** In id order; ranges without a due subject are left out. */
  partitions: SubjectPartition[];
  /** Due subjects over all partitions (when cut). */
  due: number;
  /** Otherwise due subjects on legal hold: counted here, once per run (not part of `due`). */
  held: number;
  withoutTerminationTime: number;
}

/**
 * Cuts a subject policy's candidates into partitions of `subjects.batchSize` candidates, in id
 * order (the same keyset pages as the walk): partition k holds the ids in (last id of page k−1,
 * last id of page k]. Each partition becomes a `subject-batch` job that claims, re-checks and
 * purges its range on its own; subjects that become due after this are left to the next run.
 * Nothing is locked here. A source failure throws, scrubbed of the page's ids.
 */
export async function partitionSubjects(ctx: EngineContext, run: OpenPolicyRun): Promise<SubjectPlan> {
  const { policy } = run;
  const subjects = policy.subjects;
  if (!subjects) throw new Error(`policy ${policy.name} has no subjects table`);
  const source = openSubjectSource(subjects, {
    url: ctx.config.stores.mysql.url,
    session: {
      lockWaitTimeoutSeconds: ctx.config.stores.mysql.lockWaitTimeoutSeconds,
      metadataLockWaitTimeoutSeconds: ctx.config.stores.mysql.metadataLockWaitTimeoutSeconds,
      queryTimeoutMs: ctx.config.stores.mysql.queryTimeoutMs,
    },
  });
  const inHand = new Set<string>();
  try {
    const plan: SubjectPlan = { partitions: [], due: 0, held: 0, withoutTerminationTime: await source.countTerminatedWithoutTime() };
    const now = run.evaluatedAt;
    const bound = candidateBound(now, policy.retain, ctx.config.timezone);
    let after: string | null = null;
    for (;;) {
      const page = await source.candidates(bound, after, subjects.batchSize);
      if (page.length === 0) break;
      inHand.clear();
      for (const c of page) inHand.add(c.id);
      let due = 0;
      for (const c of page) {
        if (!(retainDeadline(c.terminatedAt, policy.retain, ctx.config.timezone).getTime() < now.getTime())) continue;
        if (c.held) plan.held += 1;
        else due += 1;
      }
      const upTo = page[page.length - 1]!.id;
      if (due > 0) plan.partitions.push({ range: { after, upTo }, due });
      plan.due += due;
      after = upTo;
      if (page.length < subjects.batchSize) break;
    }
    return plan;
  } catch (err) {
    throw new Error(`subjects: ${redactSubjectIds(errorLine(err), inHand)}`, { cause: err });
  } finally {
    await source.close().catch((err: unknown) => run.logger.warn({ error: errorLine(err) }, 'closing the subject source failed'));
  }
}

/**
 * The coordinator's own view of a subject policy's targets, checked against their stores once
 * (as `retention run` does): the base the children's per-target totals are added to.
 */
export async function checkedSubjectTargets(ctx: EngineContext, run: OpenPolicyRun): Promise<TargetResult[]> {
  const targets = prepareSubjectTargets(ctx, run.policy.targets, undefined);
  if (run.dryRun) for (const t of targets.active) t.result.wouldDelete = 0;
  await checkSubjectTargets(targets.active, (run.policy.subjects?.maxSubjectSeconds ?? 30) * 1000, ctx.clock, run.logger);
  return targets.all.map((t) => t.result);
}
