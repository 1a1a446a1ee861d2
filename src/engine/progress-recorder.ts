import type { Logger } from 'pino';
import type { StoreName } from '../types.js';
import { appendDurably } from './durable-append.js';
import type { EngineContext } from './engine-context.js';
import { HaltError } from './halt-error.js';
import { runEntry, type OpenPolicyRun } from './open-policy-run.js';

/** Records, in the audit chain, how far one attempt at one target has got. */
export interface ProgressRecorder {
  /**
   * Told after every batch with the attempt's running totals; appends a `progress` entry when
   * `audit.progressEveryRecords` records were deleted since the last one, or
   * `audit.progressEverySeconds` passed (and something was deleted). Throws HaltError
   * (`audit-unavailable`) when the entry cannot be appended: deleting on would go unrecorded.
   */
  afterBatch(totals: { deleted: number; batches: number }): Promise<void>;
}

export interface ProgressTarget {
  store: StoreName;
  target: string;
  /** Identifies this attempt at the target (a queue retry is a new attempt), so counts are summed per attempt. */
  attempt: string;
}

/**
 * The engine's durable progress, one per target attempt. Entries are appended synchronously
 * between batches — no batch starts while one is being written — so after a crash the records
 * deleted and not in the trail are at most `progressEveryRecords − 1` plus the batch in flight.
 */
export function createProgressRecorder(ctx: EngineContext, run: OpenPolicyRun, ref: ProgressTarget, logger: Logger): ProgressRecorder {
  const everyRecords = ctx.config.audit.progressEveryRecords;
  const everyMs = ctx.config.audit.progressEverySeconds * 1000;
  let recorded = 0;
  let recordedAt = ctx.clock.now().getTime();
  return {
    async afterBatch({ deleted, batches }) {
      if (run.dryRun || deleted === recorded) return;
      const now = ctx.clock.now();
      if (deleted - recorded < everyRecords && now.getTime() - recordedAt < everyMs) return;
      try {
        await appendDurably(
          ctx,
          runEntry(run, {
            kind: 'progress',
            store: ref.store,
            target: ref.target,
            at: now,
            data: { attempt: ref.attempt, deleted, batches, cutoff: run.cutoff?.toISOString() ?? null },
          }),
          logger,
        );
      } catch (err) {
        throw new HaltError(
          'audit-unavailable',
          `the audit trail cannot record progress, so nothing more is deleted: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      recorded = deleted;
      recordedAt = now.getTime();
    },
  };
}
