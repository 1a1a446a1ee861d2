import type { SubjectCounts, TargetResult } from '../types.js';

/** What a `subject-batch` job returns to its coordinator: counts and per-target totals, no id. */
export interface SubjectBatchOutcome {
  /** Due subjects in the range when it was cut (the coordinator's accounting). */
  planned: number;
  /** `held` and `withoutTerminationTime` are the coordinator's: counted once per run. */
  counts: SubjectCounts;
  /** Every target of the policy, in configuration order, not audited (the coordinator audits the run's totals). */
  targets: TargetResult[];
}
