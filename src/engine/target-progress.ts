import type { StoreName } from '../types.js';

/** Where a target's purge stands, reported after every batch. */
export interface TargetProgress {
  runId: string;
  policy: string;
  store: StoreName;
  target: string;
  /** `counting` (dry-run or guard count), `purging` (batches running), `done`. */
  phase: 'counting' | 'purging' | 'done';
  /** Records deleted so far by this target's run. */
  deleted: number;
  batches: number;
  /** Records due at the start, when a count was made (dry run, `maxDeleteFraction` guard); else null. */
  due: number | null;
  elapsedMs: number;
}

/**
 * Observers of a running purge (a terminal progress line, a periodic log entry, BullMQ's
 * `job.updateProgress`). Called in the purge loop and awaited, so it must be quick; a listener
 * that throws does not stop the purge (the engine logs and drops the error).
 */
export interface TargetProgressListener {
  onProgress(progress: TargetProgress): void | Promise<void>;
}
