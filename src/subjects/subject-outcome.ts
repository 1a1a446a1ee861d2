import type { StoreName } from '../types.js';
import type { SkipReason } from './subject-recheck.js';

/** What happened to one subject in one run: the content of its `subject` audit entry. */
export interface SubjectOutcome {
  /** Exact decimal id: only ever written to the audit trail as its keyed hash. */
  id: string;
  status: 'purged' | 'skipped' | 'failed';
  /** Skipped: why (see SkipReason). Purged but not marked: `store-filter`. Failed: `store-failed`. */
  reason: SkipReason | 'store-filter' | 'store-failed' | null;
  /** The subject's deadline under the policy's rule (null when it has no termination time). */
  deadline: Date | null;
  /** Whether `markPurged` was set in this run (only when every enabled store's targets succeeded). */
  marked: boolean;
  /** Stores whose every target of this run succeeded for this subject. */
  stores: StoreName[];
  /** Per target of this run: records deleted for this subject, or the target's error. */
  targets: Array<{ store: StoreName; target: string; deleted: number | null; status: 'succeeded' | 'failed' | 'skipped'; error?: string }>;
}
