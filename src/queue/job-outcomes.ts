import type { PolicyResult, SubjectCounts, TargetResult } from '../types.js';

/** What a `subject-batch` job returns to its coordinator: counts and per-target totals, no id. */
export interface SubjectBatchOutcome {
  /** Due subjects in the range when it was cut (the coordinator's accounting). */
  planned: number;
  /** `held` and `withoutTerminationTime` are the coordinator's: counted once per run. */
  counts: SubjectCounts;
  /** Every target of the policy, in configuration order, not audited (the coordinator audits the run's totals). */
  targets: TargetResult[];
}

/** What a policy-run job returns (its BullMQ return value, read by `enqueue --wait`). */
export type PolicyRunOutcome =
  | { kind: 'run'; runId: string; result: PolicyResult }
  | { kind: 'tick-skipped'; policy: string; runningRunId: string | null }
  /** The run was closed as abandoned by another run while no process coordinated it. */
  | { kind: 'superseded'; policy: string; runId: string };
