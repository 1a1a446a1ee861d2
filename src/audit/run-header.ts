import type { RunStatus } from '../types.js';
import type { AuditRecord } from './audit-entry.js';

/**
 * A finished run carries the status its `run-finished` entry recorded. A run with a start and
 * no finish is `running` while its policy's lock is held, `abandoned` after (also once a later
 * run has appended `run-closed` for it). `unknown`: a finish entry with an unrecognised status.
 */
export type AuditRunStatus = RunStatus | 'running' | 'abandoned' | 'unknown';

/** Whether some session holds the policy's single-flight lock (Coordination.isPolicyLocked). */
export type IsPolicyLocked = (policy: string) => Promise<boolean>;

/** One run of one policy (`policy` null: the entries about the run as a whole), as every listing of runs shows it. */
export interface RunHeader {
  runId: string;
  policy: string | null;
  status: AuditRunStatus;
  dryRun: boolean;
  /** From `run-started`; null when it is not known. */
  startedAt: Date | null;
  /** From `run-finished` or `run-closed`, when in the listing. */
  finishedAt: Date | null;
  /** `target` entries in the listing, oldest first. */
  targets: AuditRecord[];
  /** Number of `subject` entries in the listing. */
  subjects: number;
}

/** What the trail shows of a run's end: the status `run-finished` recorded (as text), `run-closed`. */
export interface RunEnding {
  policy: string | null;
  /** Null when the listing holds no `run-finished` entry of the run. */
  finishStatus: string | null;
  /** A later run appended `run-closed` for it. */
  closed: boolean;
}

const RUN_STATUSES: readonly string[] = ['succeeded', 'partial', 'failed', 'refused'];

/**
 * A run's status: the one its `run-finished` recorded; `abandoned` once closed by a later run;
 * else `running` while its policy's lock is held, `abandoned` after. A run the listing holds only
 * part of is judged the same way: the lock says whether it still goes on.
 */
export async function auditRunStatus(run: RunEnding, isPolicyLocked: IsPolicyLocked): Promise<AuditRunStatus> {
  if (run.finishStatus !== null) return RUN_STATUSES.includes(run.finishStatus) ? (run.finishStatus as RunStatus) : 'unknown';
  if (run.closed) return 'abandoned';
  return run.policy !== null && (await isPolicyLocked(run.policy)) ? 'running' : 'abandoned';
}

/** A run's header as JSON (times as ISO strings): the first fields of every run a listing prints. */
export interface RunHeaderJson {
  runId: string;
  policy: string | null;
  status: AuditRunStatus;
  dryRun: boolean;
  startedAt: string | null;
  finishedAt: string | null;
}

export function runHeaderJson(run: RunHeader): RunHeaderJson {
  return {
    runId: run.runId,
    policy: run.policy,
    status: run.status,
    dryRun: run.dryRun,
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
