import type { LockedSubject } from './subject-source.js';

/** Why a subject selected as due was not purged after all (audited with its `skipped` entry). */
export type SkipReason =
  /** Its row is locked by another run (or by the application, mid-transaction): taken elsewhere. */
  | 'locked'
  /** The account row no longer exists. */
  | 'account-gone'
  /** Back to active: never purged, whatever `terminatedAt` says. */
  | 'reactivated'
  | 'no-termination-time'
  | 'legal-hold'
  /** Marked purged since it was selected (by another run). */
  | 'already-purged'
  /** Terminated again later: the new deadline has not passed. */
  | 'not-due';

export type Recheck = { due: true; deadline: Date } | { due: false; reason: SkipReason; deadline: Date | null };

/**
 * The last check, on the row re-read under its lock: every condition of "due" again, since any of
 * them may have changed between selection and lock.
 */
export function recheckSubject(
  row: LockedSubject | undefined,
  gone: boolean,
  deadlineOf: (terminatedAt: Date) => Date,
  now: Date,
): Recheck {
  if (!row) return { due: false, reason: gone ? 'account-gone' : 'locked', deadline: null };
  const deadline = row.terminatedAt ? deadlineOf(row.terminatedAt) : null;
  if (!row.terminated) return { due: false, reason: 'reactivated', deadline };
  if (!deadline) return { due: false, reason: 'no-termination-time', deadline };
  if (row.held) return { due: false, reason: 'legal-hold', deadline };
  if (!row.unmarked) return { due: false, reason: 'already-purged', deadline };
  if (!(deadline.getTime() < now.getTime())) return { due: false, reason: 'not-due', deadline };
  return { due: true, deadline };
}
