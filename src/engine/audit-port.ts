import type { AuditEntryInput } from '../audit/audit-entry.js';

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
}
