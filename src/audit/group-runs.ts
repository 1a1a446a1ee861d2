import type { AuditRecord } from './audit-entry.js';
import { runKey } from './find-run-starts.js';
import { auditRunStatus, type IsPolicyLocked, type RunHeader } from './run-header.js';

/** The entries of one run of one policy, all of them (`audit-trail.listRuns`). */
export interface AuditRun extends RunHeader {
  /** Every entry of the run in the listing, oldest first. */
  entries: AuditRecord[];
}

/**
 * Groups entries (any order) into runs, newest run first. Asks `isPolicyLocked` once per policy,
 * and only for runs that have not finished.
 */
export async function groupRuns(records: readonly AuditRecord[], isPolicyLocked: IsPolicyLocked): Promise<AuditRun[]> {
  const groups = new Map<string, AuditRecord[]>();
  for (const record of records) {
    const key = runKey(record);
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
    const status = await auditRunStatus(
      { policy: first.policy, finishStatus: finished ? String(finished.data.status) : null, closed: closed !== undefined },
      locked,
    );
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
