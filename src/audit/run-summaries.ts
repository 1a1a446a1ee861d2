import type { AuditRecord } from './audit-entry.js';
import { runKey } from './find-run-starts.js';
import { auditRunStatus, type IsPolicyLocked, type RunHeader } from './run-header.js';

/**
 * One run of one policy as a listing shows it: counts and target entries, never every entry.
 * `startedAt` is looked up when the run's `run-started` lies outside the listing.
 */
export interface RunSummary extends RunHeader {
  /** Entries of the run in the listing, by kind. */
  counts: Record<string, number>;
  /** False when the listing holds only part of the run (its range or `--limit` cut it). */
  complete: boolean;
}

interface OpenRun extends Omit<RunSummary, 'status' | 'complete'> {
  finishStatus: string | null;
  closed: boolean;
}

/**
 * Folds a newest-first stream of entries into run summaries in constant memory per run: each
 * run keeps its target entries and counts, not its (possibly millions of) subject entries. In
 * newest-first order a run is complete when its `run-started` entry arrives; `add` then hands it
 * back, so a listing prints runs as the stream reaches them. `finish` returns the runs whose
 * start lies outside the listing.
 */
export class RunSummaries {
  readonly #open = new Map<string, OpenRun>();

  /** Adds one entry; returns the run it completes, if it does. */
  add(entry: AuditRecord): OpenRun | null {
    const key = runKey(entry);
    let run = this.#open.get(key);
    if (!run) {
      run = {
        runId: entry.runId,
        policy: entry.policy,
        dryRun: false,
        startedAt: null,
        finishedAt: null,
        targets: [],
        counts: {},
        subjects: 0,
        finishStatus: null,
        closed: false,
      };
      this.#open.set(key, run);
    }
    run.dryRun ||= entry.dryRun;
    run.counts[entry.kind] = (run.counts[entry.kind] ?? 0) + 1;
    if (entry.kind === 'subject') run.subjects += 1;
    else if (entry.kind === 'target') run.targets.unshift(entry);
    else if (entry.kind === 'run-finished') {
      run.finishStatus = String(entry.data.status);
      run.finishedAt = entry.at;
    } else if (entry.kind === 'run-closed') {
      run.closed = true;
      run.finishedAt ??= entry.at;
    } else if (entry.kind === 'run-started') {
      run.startedAt = entry.at;
      this.#open.delete(key);
      return run;
    }
    return null;
  }

  /** The runs still open: their start lies before the listing (or they have none). */
  finish(): OpenRun[] {
    const rest = [...this.#open.values()];
    this.#open.clear();
    return rest;
  }
}

/** A run's summary, its status judged (`auditRunStatus`) once the listing has all it holds of it. */
export async function summarize(run: OpenRun, complete: boolean, isPolicyLocked: IsPolicyLocked): Promise<RunSummary> {
  const status = await auditRunStatus(run, isPolicyLocked);
  const { finishStatus: _f, closed: _c, ...rest } = run;
  return { ...rest, status, complete };
}
