import type { StoreName } from '../types.js';
import { auditSubject } from './audit-subject.js';
import { callTargets, type TargetCall } from './call-targets.js';
import { recheckSubject } from './subject-recheck.js';
import type { SubjectOutcome } from './subject-outcome.js';
import type { SubjectTarget, SubjectTargets } from './subject-targets.js';
import type { DueSubject, SubjectRun } from './subject-run.js';

/** Dry run: how many records each target holds for these subjects; nothing is locked or deleted. */
export async function countBatch(subjectRun: SubjectRun, due: DueSubject[]): Promise<void> {
  const ids = due.map((d) => d.id);
  const calls = await callTargets(subjectRun.targets.active, ids, (purger, batch) => purger.countSubjects(batch), {
    limitMs: subjectRun.subjects.maxSubjectSeconds * 1000,
    clock: subjectRun.ctx.clock,
  });
  for (const [target, call] of calls) {
    if (call.ok) target.result.wouldDelete = (target.result.wouldDelete ?? 0) + sum(call.counts, ids);
  }
}

/** Claims, re-checks, purges, audits and marks one batch (see createSubjectPolicyRunner). */
export async function purgeBatch(subjectRun: SubjectRun, due: DueSubject[]): Promise<void> {
  const { ctx, run, targets, counts } = subjectRun;
  const ids = due.map((d) => d.id);
  subjectRun.batches += 1;
  await subjectRun.hooks.beforeClaim?.(ids);

  const claim = await subjectRun.source.claim(ids);
  const lockedAt = performance.now();
  let purgeMs = 0;
  let purgedCount = 0;
  const outcomes: SubjectOutcome[] = [];
  let committed = false;
  try {
    const confirmed: DueSubject[] = [];
    for (const d of due) {
      const check = recheckSubject(claim.rows.get(d.id), claim.missing.has(d.id), subjectRun.deadlineOf, run.evaluatedAt);
      if (check.due) confirmed.push({ id: d.id, deadline: check.deadline });
      else outcomes.push(emptyOutcome(d.id, 'skipped', check.reason, check.deadline ?? d.deadline));
    }
    if (confirmed.length > 0) {
      const confirmedIds = confirmed.map((d) => d.id);
      await subjectRun.hooks.afterClaim?.(confirmedIds);
      const purgeStarted = performance.now();
      const calls = await callTargets(targets.active, confirmedIds, (purger, batch) => purger.purgeSubjects(batch), {
        limitMs: subjectRun.subjects.maxSubjectSeconds * 1000,
        clock: ctx.clock,
      });
      purgeMs = Math.round(performance.now() - purgeStarted);
      for (const [target, call] of calls) if (call.ok) target.result.deleted += sum(call.counts, confirmedIds);
      const purged: SubjectOutcome[] = [];
      for (const d of confirmed) {
        const outcome = outcomeOf(d, targets, calls);
        (outcome.status === 'purged' ? purged : outcomes).push(outcome);
      }
      if (purged.length > 0) {
        if (targets.markAllowed) {
          await claim.markPurged(
            purged.map((o) => o.id),
            ctx.clock.now(),
          );
        }
        // Audited before the commit: should the commit fail, the subject stays due and is purged
        // (and audited) again next run, rather than marked with no proof in the trail.
        for (const o of purged) {
          o.marked = targets.markAllowed;
          if (!o.marked) o.reason = 'store-filter';
          await auditSubject(ctx, run, o);
        }
      }
      purgedCount = purged.length;
    }
    await claim.commit();
    committed = true;
    counts.purged += purgedCount;
  } finally {
    if (!committed) await claim.rollback();
  }
  const lockedMs = Math.round(performance.now() - lockedAt);
  // The rows are free again; the rest is bookkeeping.
  for (const o of outcomes) {
    await auditSubject(ctx, run, o);
    if (o.status === 'skipped') counts.skipped += 1;
    else counts.failed += 1;
  }
  run.logger.info(
    {
      batch: subjectRun.batches,
      subjects: ids.length,
      lockedMs,
      purgeMs,
      skipped: outcomes.filter((o) => o.status === 'skipped').length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
    },
    'subject batch done',
  );
}

function emptyOutcome(
  id: string,
  status: SubjectOutcome['status'],
  reason: SubjectOutcome['reason'],
  deadline: Date | null,
): SubjectOutcome {
  return { id, status, reason, deadline, marked: false, stores: [], targets: [] };
}

/** A confirmed subject's outcome from the batch's calls: purged only when every active target succeeded. */
function outcomeOf(subject: DueSubject, targets: SubjectTargets, calls: ReadonlyMap<SubjectTarget, TargetCall>): SubjectOutcome {
  const outcome = emptyOutcome(subject.id, 'purged', null, subject.deadline);
  const storeOk = new Map<StoreName, boolean>();
  for (const t of targets.all) {
    const { store, target } = t.result;
    if (!t.purger && t.result.status === 'skipped') {
      outcome.targets.push({ store, target, deleted: null, status: 'skipped' });
      continue;
    }
    const call = calls.get(t) ?? { ok: false, error: t.result.error ?? 'not called' };
    if (call.ok) {
      outcome.targets.push({ store, target, deleted: call.counts.get(subject.id) ?? 0, status: 'succeeded' });
    } else {
      outcome.targets.push({ store, target, deleted: null, status: 'failed', error: call.error });
      outcome.status = 'failed';
      outcome.reason = 'store-failed';
    }
    storeOk.set(store, (storeOk.get(store) ?? true) && call.ok);
  }
  outcome.stores = [...storeOk].filter(([, ok]) => ok).map(([store]) => store);
  return outcome;
}

function sum(counts: ReadonlyMap<string, number>, ids: readonly string[]): number {
  let total = 0;
  for (const id of ids) total += counts.get(id) ?? 0;
  return total;
}
