/**
 * What the engine writes to the audit trail. The engine depends on this port only; the MySQL-backed
 * implementation lives in `src/audit/`.
 */
export type AuditKind = 'run-started' | 'target' | 'subject' | 'tick-skipped' | 'run-finished' | 'run-closed';

export interface AuditEntryInput {
  kind: AuditKind;
  runId: string;
  policy: string | null;
  store?: string | null;
  target?: string | null;
  at: Date;
  dryRun: boolean;
  /** The rule in force, e.g. `7 days`, `2 months after termination`. */
  retain: string | null;
  /** Subject policies: HMAC-SHA-256(audit key, decimal id); never the id itself. */
  subjectHash?: string | null;
  data: Record<string, unknown>;
}

export interface AuditPort {
  append(entry: AuditEntryInput): Promise<{ hash: string }>;
  head(): Promise<{ hash: string } | null>;
  /** Run ids of this policy with a `run-started` and no `run-finished`/`run-closed`. */
  openRuns(policy: string): Promise<string[]>;
}
