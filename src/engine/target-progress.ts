import type { StoreName, TargetStatus } from '../types.js';

/** Where a target's purge stands, reported after every batch. */
export interface TargetProgress {
  runId: string;
  policy: string;
  store: StoreName;
  target: string;
  /** `counting` (the due count: dry run, `maxDeleteFraction` guard, or a listener that wants an ETA), `purging` (batches running), `done`. */
  phase: 'counting' | 'purging' | 'done';
  /** With `done`: how the target ended. */
  status?: TargetStatus;
  /** Records deleted so far by this target's run. */
  deleted: number;
  batches: number;
  /** Records due at the start, when a count was made (dry run, `maxDeleteFraction` guard); else null. */
  due: number | null;
  /** Since the target started (check and count included). */
  elapsedMs: number;
  /** Since the first batch started: the base of the deletion rate. */
  purgingMs: number;
}

/**
 * Observers of a running purge (a terminal progress line, a periodic log entry, BullMQ's
 * `job.updateProgress`). Called in the purge loop and awaited, so it must be quick; a listener
 * that throws does not stop the purge (the engine logs and drops the error).
 */
export interface TargetProgressListener {
  /**
   * Ask the engine to count the due records before purging (one index range count), so an ETA
   * can be shown. Dry runs and the `maxDeleteFraction` guard count anyway.
   */
  wantsDueCount?: boolean;
  onProgress(progress: TargetProgress): void | Promise<void>;
}

/** Tells every listener in turn; null when there is none (the engine then skips the work). */
export function combineProgressListeners(...listeners: (TargetProgressListener | undefined | null)[]): TargetProgressListener | undefined {
  const present = listeners.filter((l): l is TargetProgressListener => !!l);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return {
    wantsDueCount: present.some((l) => l.wantsDueCount),
    async onProgress(progress) {
      for (const l of present) await l.onProgress(progress);
    },
  };
}
