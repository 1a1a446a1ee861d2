import type { RunStatus } from '../types.js';
import type { AuditRecord } from './audit-entry.js';

/**
 * A finished run carries the status its `run-finished` entry recorded. A run with a start and
 * no finish is `running` while its policy's lock is held, `abandoned` after (also once a later
 * run has appended `run-closed` for it). `unknown`: a finish entry with an unrecognised status.
 */
export type AuditRunStatus = RunStatus | 'running' | 'abandoned' | 'unknown';

/** The entries of one run of one policy (`policy` null: entries about the run as a whole). */
export interface AuditRun {
  runId: string;
  policy: string | null;
  status: AuditRunStatus;
  dryRun: boolean;
  /** From `run-started`; null when that entry is outside the listing. */
  startedAt: Date | null;
  /** From `run-finished` or `run-closed`. */
  finishedAt: Date | null;
  /** `target` entries, oldest first. */
  targets: AuditRecord[];
  /** Number of `subject` entries. */
  subjects: number;
  /** Every entry of the run in the listing, oldest first. */
  entries: AuditRecord[];
}

/** Whether some session holds the policy's single-flight lock (Coordination.isPolicyLocked). */
export type IsPolicyLocked = (policy: string) => Promise<boolean>;

const RUN_STATUSES: readonly string[] = ['succeeded', 'partial', 'failed', 'refused'];

/**
 * Groups entries (any order) into runs, newest run first. Asks `isPolicyLocked` once per policy,
 * and only for runs that have not finished.
 */
export async function groupRuns(records: readonly AuditRecord[], isPolicyLocked: IsPolicyLocked): Promise<AuditRun[]> {
  const groups = new Map<string, AuditRecord[]>();
  for (const record of records) {
    const key = `${record.runId}\u0000${record.policy ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  const locks = new Map<string, Promise<boolean>>();
  const locked = (policy: string): Promise<boolean> => {
    let answer = locks.get(policy);
    if (!answer) {
      answer = isPolicyLocked(policy);
      locks.set(policy, answer);
    }
    return answer;
  };

  const runs: Array<AuditRun & { newest: number }> = [];
  for (const entries of groups.values()) {
    entries.sort((a, b) => a.id - b.id);
    const first = entries[0] as AuditRecord;
    const started = entries.find((e) => e.kind === 'run-started');
    const finished = entries.find((e) => e.kind === 'run-finished');
    const closed = entries.find((e) => e.kind === 'run-closed');
    let status: AuditRunStatus;
    if (finished) status = RUN_STATUSES.includes(String(finished.data.status)) ? (finished.data.status as RunStatus) : 'unknown';
    else if (closed) status = 'abandoned';
    else status = first.policy !== null && (await locked(first.policy)) ? 'running' : 'abandoned';
    runs.push({
      runId: first.runId,
      policy: first.policy,
      status,
      dryRun: entries.some((e) => e.dryRun),
      startedAt: started?.at ?? null,
      finishedAt: (finished ?? closed)?.at ?? null,
      targets: entries.filter((e) => e.kind === 'target'),
      subjects: entries.filter((e) => e.kind === 'subject').length,
      entries,
      newest: (entries[entries.length - 1] as AuditRecord).id,
    });
  }
  // A whole-run group (policy null) is running while any of its policies is.
  for (const run of runs) {
    if (run.policy === null && run.status === 'abandoned' && !run.entries.some((e) => e.kind === 'run-closed')) {
      if (runs.some((r) => r.runId === run.runId && r.policy !== null && r.status === 'running')) run.status = 'running';
    }
  }
  runs.sort((a, b) => b.newest - a.newest);
  return runs.map(({ newest: _newest, ...run }) => run);
}
