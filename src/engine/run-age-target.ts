import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { RefusalError } from '../errors/index.js';
import type { AgePurger } from '../stores/purger.js';
import type { TargetResult } from '../types.js';
import { withRetry } from '../lib/retry.js';
import { StopSignal, TimeBudget } from './stop-signal.js';
import { errorLine } from '../lib/error-line.js';
import { HaltError } from './halt-error.js';
import type { TargetProgress, TargetProgressListener } from './target-progress.js';

export interface AgeTargetRun {
  purger: AgePurger;
  cutoff: Date;
  /** The promise as a fixed length (`promiseMillis`), for stores with a retention setting of their own. */
  promiseMs?: number | undefined;
  tuning: { pauseMs: number; maxRunSeconds: number };
  dryRun: boolean;
  /** Refuse when one run would delete more than this fraction of the target. */
  maxDeleteFraction?: number | undefined;
  allowLarge: boolean;
  clock: Clock;
  stop: StopSignal;
  logger: Logger;
  /** Identifies the run in progress reports. */
  runId: string;
  policy: string;
  progress?: TargetProgressListener | undefined;
  /**
   * The engine's own checks after every batch, before the next one starts: durable progress in
   * the audit trail, the policy lock still ours. Throws HaltError to stop the target.
   */
  betweenBatches?: ((totals: { deleted: number; batches: number }) => Promise<void>) | undefined;
  /** Called as each batch starts: the engine's checks that run beside the batch (the policy lock's). */
  onBatchStart?: (() => void) | undefined;
  /**
   * After a stop request or the end of `maxRunSeconds`, how long a batch still running is waited
   * for before the target gives up on it (`safety.stopGraceSeconds`). @defaultValue 10000
   */
  stopGraceMs?: number | undefined;
}

/** A batch given up on: still running `stopGraceMs` after a stop or the end of the budget. */
interface Abandoned {
  abandoned: 'signal' | 'time-budget';
}

function isAbandoned(value: unknown): value is Abandoned {
  return typeof value === 'object' && value !== null && 'abandoned' in value;
}

/** Marks the target `partial`: the store call in hand outlived the stop grace period. */
function abandon(result: TargetResult, why: Abandoned, graceMs: number, logger: Logger): TargetResult {
  result.status = 'partial';
  result.reason = why.abandoned;
  result.error = `a store call was still running ${graceMs / 1000} s after the ${why.abandoned === 'signal' ? 'stop request' : 'time budget ran out'}; stopped waiting for it (what it deletes, if it completes, is not counted)`;
  logger.error({ reason: why.abandoned, graceMs }, 'store call abandoned: the store did not answer within the stop grace period');
  return result;
}

/**
 * Waits for a batch, but not past `graceMs` after a stop request or the end of the budget: a
 * store that stops answering (a paused server, a silent network) must not hold the run past
 * either. The batch is not cancelled (no driver call can be); its late outcome is dropped.
 */
async function batchOrStop<T>(work: Promise<T>, stop: StopSignal, budget: TimeBudget | null, graceMs: number): Promise<T | Abandoned> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  let firesAt = Number.POSITIVE_INFINITY;
  const given = new Promise<Abandoned>((resolve) => {
    const arm = (reason: Abandoned['abandoned'], inMs: number) => {
      const at = performance.now() + inMs;
      if (at >= firesAt) return;
      firesAt = at;
      clearTimeout(timer);
      timer = setTimeout(() => resolve({ abandoned: reason }), inMs);
    };
    if (budget) arm('time-budget', budget.remainingMs + graceMs);
    off = stop.onRequest(() => arm('signal', graceMs));
  });
  try {
    return await Promise.race([work, given]);
  } finally {
    clearTimeout(timer);
    off?.();
  }
}

/**
 * Purges one target of an age policy: check → guard → batches until done, the time budget is
 * spent, or a stop is requested. Never throws: every outcome is a TargetResult.
 */
export async function runAgeTarget(run: AgeTargetRun): Promise<TargetResult> {
  const { purger, cutoff, clock, logger } = run;
  const started = clock.now().getTime();
  const result: TargetResult = {
    store: purger.store,
    target: purger.target,
    status: 'succeeded',
    deleted: 0,
    error: null,
    batches: 0,
    durationMs: 0,
  };
  let due: number | null = null;
  let purgeStarted: number | null = null;
  const report = async (phase: TargetProgress['phase']): Promise<void> => {
    if (!run.progress) return;
    try {
      await run.progress.onProgress({
        runId: run.runId,
        policy: run.policy,
        store: purger.store,
        target: purger.target,
        phase,
        ...(phase === 'done' ? { status: result.status } : {}),
        deleted: result.deleted,
        batches: result.batches,
        due,
        elapsedMs: clock.now().getTime() - started,
        purgingMs: purgeStarted === null ? 0 : clock.now().getTime() - purgeStarted,
      });
    } catch (err) {
      logger.warn({ err }, 'progress listener failed');
    }
  };
  const finish = (): TargetResult => {
    result.durationMs = clock.now().getTime() - started;
    logger.info(
      { status: result.status, deleted: result.deleted, batches: result.batches, durationMs: result.durationMs, reason: result.reason },
      'target finished',
    );
    return result;
  };
  const finishReported = async (): Promise<TargetResult> => {
    const done = finish();
    await report('done');
    return done;
  };
  try {
    const graceMs = run.stopGraceMs ?? 10_000;
    // The check and the count talk to the store too: a stalled one must not hold a stop either
    // (the time budget starts with the purge, as before, so they race the stop signal only).
    const checked = await batchOrStop(purger.check(), run.stop, null, graceMs);
    if (isAbandoned(checked)) {
      abandon(result, checked, graceMs, logger);
      return await finishReported();
    }
    if (purger.reviewRetention && run.promiseMs !== undefined) {
      // Before any deletion, so that a refusal below still reports (and audits) the settings.
      result.retention = await purger.reviewRetention(run.promiseMs, { apply: !run.dryRun });
      for (const f of result.retention.filter((f) => f.finding !== 'ok' || f.changed))
        logger.warn({ resource: f.resource, finding: f.finding, retentionMs: f.retentionMs, changed: f.changed }, 'retention setting');
    }
    if (run.dryRun || run.maxDeleteFraction !== undefined || run.progress?.wantsDueCount) {
      await report('counting');
      const counted = await batchOrStop(purger.count(cutoff), run.stop, null, graceMs);
      if (isAbandoned(counted)) {
        abandon(result, counted, graceMs, logger);
        return await finishReported();
      }
      const counts = counted;
      due = counts.due;
      result.unusableTime = counts.unusableTime;
      if (run.dryRun) {
        if (counts.partitions?.length) result.partitions = [...counts.partitions];
        result.wouldDelete = counts.due;
        return await finishReported();
      }
      const fraction = counts.total === 0 ? 0 : counts.due / counts.total;
      if (run.maxDeleteFraction !== undefined && fraction > run.maxDeleteFraction && !run.allowLarge) {
        throw new RefusalError(
          'max-delete-fraction',
          `this run would delete ${counts.due} of ${counts.total} records (${(fraction * 100).toFixed(1)}%), more than maxDeleteFraction ${run.maxDeleteFraction}; rerun with --allow-large if that is intended`,
        );
      }
    }
    // Real runs report unusable times too, where the store counts them cheaply (MySQL: by index).
    if (result.unusableTime === undefined && purger.countUnusable) result.unusableTime = await purger.countUnusable();
    const budget = new TimeBudget(clock, run.tuning.maxRunSeconds);
    const walk = purger.openWalk(cutoff);
    purgeStarted = clock.now().getTime();
    for (;;) {
      const stopReason = run.stop.requested ?? (budget.exhausted ? 'time budget' : null);
      if (stopReason) {
        result.status = 'partial';
        result.reason = stopReason === 'time budget' ? 'time-budget' : 'signal';
        break;
      }
      run.onBatchStart?.();
      const batch = await batchOrStop(
        withRetry(() => walk.nextBatch(), {
          onRetry: (err, attempt, delayMs) => logger.warn({ err, attempt, delayMs }, 'batch failed, retrying'),
        }),
        run.stop,
        budget,
        graceMs,
      );
      if (isAbandoned(batch)) {
        abandon(result, batch, graceMs, logger);
        break;
      }
      result.batches += 1;
      result.deleted += batch.deleted;
      if (batch.partitions?.length) result.partitions = [...(result.partitions ?? []), ...batch.partitions];
      logger.debug({ batch: result.batches, deleted: batch.deleted, total: result.deleted }, 'batch');
      await run.betweenBatches?.({ deleted: result.deleted, batches: result.batches });
      await report('purging');
      if (batch.done) break;
      if (run.tuning.pauseMs > 0) await sleep(run.tuning.pauseMs);
    }
  } catch (err) {
    if (err instanceof HaltError) {
      // Lock lost: what was done is fine, the rest is the next run's. Audit unavailable: a failure.
      result.status = err.reason === 'lock-lost' ? 'partial' : 'failed';
      result.reason = err.reason;
      result.error = errorLine(err);
      logger.error({ reason: err.reason, err }, 'target stopped');
    } else if (err instanceof RefusalError) {
      result.status = 'refused';
      result.reason = err.reason;
      result.error = err.message;
    } else {
      result.status = 'failed';
      result.error = errorLine(err);
      logger.error({ err }, 'target failed');
    }
  }
  return finishReported();
}
