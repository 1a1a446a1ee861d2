import type { Clock } from '../clock.js';
import { errorLine } from '../lib/error-line.js';
import { withRetry } from '../lib/retry.js';
import type { SubjectPurger } from '../stores/purger.js';
import type { StoreName } from '../types.js';
import { redactSubjectIds } from './redact-subject-ids.js';
import { markFailed, type SubjectTarget } from './subject-targets.js';
import { EXPIRED, withinTimeLimit } from './time-limit.js';

/** Per target of the batch: the count per subject, or why it did not succeed this time. */
export type TargetCall = { ok: true; counts: ReadonlyMap<string, number> } | { ok: false; error: string };

export interface CallTargetsOptions {
  /** Wall-clock time limit for the whole call (ms): while purging, the batch's account rows are locked. */
  limitMs: number;
  clock: Clock;
  /** Retries of a retryable failure (a whole call is idempotent: deleting what is gone is not an error). @defaultValue 3 */
  attempts?: number;
}

/**
 * Runs `operation` (purge or count) for one batch of subjects on every usable target: stores in
 * parallel (so the rows stay locked for the slowest store, not for the sum), the targets of one
 * store one after another. Everything stops at `limitMs`: a call still running is abandoned (its
 * store client may still finish it; see docs/subjects.md), targets not started are not called.
 * A target that fails is marked failed and `broken` for the rest of the run. Never throws.
 */
export async function callTargets(
  targets: readonly SubjectTarget[],
  subjectIds: readonly string[],
  operation: (purger: SubjectPurger, ids: readonly string[]) => Promise<Map<string, number>>,
  options: CallTargetsOptions,
): Promise<Map<SubjectTarget, TargetCall>> {
  const calls = new Map<SubjectTarget, TargetCall>();
  const ids = new Set(subjectIds);
  const limitAt = performance.now() + options.limitMs;

  const byStore = new Map<StoreName, SubjectTarget[]>();
  for (const t of targets) {
    if (!t.purger) continue;
    if (t.broken) {
      calls.set(t, { ok: false, error: t.result.error ?? 'failed earlier in this run' });
      continue;
    }
    byStore.set(t.result.store, [...(byStore.get(t.result.store) ?? []), t]);
  }

  const fail = (t: SubjectTarget, err: unknown, message: string) => {
    markFailed(t.result, err, message);
    t.broken = true;
    calls.set(t, { ok: false, error: message });
  };

  const runStore = async (list: SubjectTarget[]) => {
    for (const t of list) {
      if (performance.now() >= limitAt) {
        fail(t, null, timeLimitMessage(options.limitMs, 'before this target was reached'));
        continue;
      }
      const started = options.clock.now().getTime();
      const purger = t.purger!;
      // A retry never starts after the limit: once the rows are unlocked, no new deletion may begin.
      const once = () => {
        if (performance.now() >= limitAt) throw new Error(timeLimitMessage(options.limitMs, 'before a retry'));
        return operation(purger, subjectIds);
      };
      try {
        const outcome = await withinTimeLimit(withRetry(once, { attempts: options.attempts ?? 3 }), limitAt);
        if (outcome === EXPIRED) {
          fail(t, null, timeLimitMessage(options.limitMs, 'while this target was being purged'));
          continue;
        }
        t.result.batches += 1;
        calls.set(t, { ok: true, counts: outcome });
      } catch (err) {
        fail(t, err, redactSubjectIds(errorLine(err), ids));
      } finally {
        t.result.durationMs += options.clock.now().getTime() - started;
      }
    }
  };

  await Promise.all([...byStore.values()].map(runStore));
  return calls;
}

function timeLimitMessage(limitMs: number, when: string): string {
  return `time limit of ${limitMs / 1000} s per batch (subjects.maxSubjectSeconds) exceeded ${when}; raise it or lower subjects.batchSize`;
}
