import type { CanonicalJson } from '../audit/canonical-json.js';

/** What the trail holds of one run's deletions, per target. */
export interface RecordedDeletions {
  deleted: number;
  targets: { store: string; target: string; deleted: number }[];
}

/** The fields of an entry this needs (an AuditRecord has them). */
export interface DeletionEntry {
  kind: string;
  store: string | null;
  target: string | null;
  data: { readonly [key: string]: CanonicalJson };
}

/**
 * Sums what a run's entries record as deleted, to close a run whose process died. Per target:
 * a `target` entry without `attempt` is a total over the whole run (a queue coordinator's, for a
 * subject policy) and wins; otherwise, per attempt, its `target` entry's count, or — the attempt
 * was cut off — the count of its newest `progress` entry. A lower bound of what was deleted:
 * see docs/audit.md for how far below the truth it can be.
 */
export function recordedDeletions(entries: readonly DeletionEntry[]): RecordedDeletions {
  const perTarget = new Map<
    string,
    { store: string; target: string; total: number | null; attempts: Map<string, { final: number | null; progress: number }> }
  >();
  for (const e of entries) {
    if ((e.kind !== 'target' && e.kind !== 'progress') || e.store === null || e.target === null) continue;
    const key = `${e.store}\u0000${e.target}`;
    let t = perTarget.get(key);
    if (!t) perTarget.set(key, (t = { store: e.store, target: e.target, total: null, attempts: new Map() }));
    const deleted = Number(e.data.deleted ?? 0);
    if (!Number.isFinite(deleted)) continue;
    const attemptId = typeof e.data.attempt === 'string' ? e.data.attempt : null;
    if (attemptId === null) {
      if (e.kind === 'target') t.total = deleted;
      continue;
    }
    let attempt = t.attempts.get(attemptId);
    if (!attempt) t.attempts.set(attemptId, (attempt = { final: null, progress: 0 }));
    if (e.kind === 'target') attempt.final = deleted;
    else attempt.progress = Math.max(attempt.progress, deleted);
  }
  const targets = [...perTarget.values()].map((t) => ({
    store: t.store,
    target: t.target,
    deleted: t.total ?? [...t.attempts.values()].reduce((n, a) => n + (a.final ?? a.progress), 0),
  }));
  return { deleted: targets.reduce((n, t) => n + t.deleted, 0), targets };
}
