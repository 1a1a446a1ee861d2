import type { AuditEntryInput, AuditRecord } from '../audit/audit-entry.js';

/**
 * What the engine needs of the audit trail. The entry shape is the trail's own (`AuditEntryInput`,
 * a plain type with no driver behind it); the MySQL-backed implementation lives in `src/audit/`.
 */
export type { AuditKind, AuditEntryInput } from '../audit/audit-entry.js';

export interface AuditPort {
  append(entry: AuditEntryInput): Promise<{ hash: string }>;
  head(): Promise<{ hash: string } | null>;
  /** Run ids of this policy with a `run-started` and no `run-finished`/`run-closed`. */
  openRuns(policy: string): Promise<string[]>;
  /** The `target` and `progress` entries of one run of one policy, newest first (to sum what an abandoned run recorded). */
  runEntries(runId: string, policy: string): Promise<AuditRecord[]>;
}

/** Signs and stores a checkpoint of the chain's head and writes it to the sinks (src/audit/checkpointer.ts). */
export interface CheckpointPort {
  /** Sink failures are absorbed (logged, counted, retried later); throws only when the checkpoint could not be stored. */
  checkpoint(): Promise<{ id: number; failed: readonly { sink: string }[] }>;
}
