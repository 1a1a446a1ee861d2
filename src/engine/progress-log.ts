import type { Logger } from 'pino';
import { estimateProgress } from './progress-estimate.js';
import type { TargetProgress, TargetProgressListener } from './target-progress.js';

/**
 * A structured `target progress` log entry per target every `intervalSeconds` of its run
 * (`retention run --progress N`, the worker's `queue.progressLogSeconds`), so a CronJob's or a
 * worker's log shows a long purge moving. Paced by the engine's own clock (the reports' elapsed
 * time), so it needs no timer and adds nothing to a short purge. `withEta` (the CLI's
 * `--progress`) has the due records counted first so entries carry an ETA; the worker leaves it
 * off, as a count per target job is a cost a background purge need not pay.
 */
export function progressLog(logger: Logger, intervalSeconds: number, options: { withEta?: boolean } = {}): TargetProgressListener {
  const intervalMs = intervalSeconds * 1000;
  const lastLoggedAt = new Map<string, number>();
  return {
    // An ETA needs the due count: one index range count per target before it purges.
    wantsDueCount: options.withEta ?? false,
    onProgress(p: TargetProgress) {
      const key = `${p.runId}\u0000${p.policy}\u0000${p.store}\u0000${p.target}`;
      if (p.phase === 'done') {
        lastLoggedAt.delete(key);
        return;
      }
      const last = lastLoggedAt.get(key) ?? 0;
      if (p.elapsedMs - last < intervalMs) return;
      lastLoggedAt.set(key, p.elapsedMs);
      const { ratePerSecond, etaSeconds } = estimateProgress(p);
      logger.info(
        {
          runId: p.runId,
          policy: p.policy,
          store: p.store,
          target: p.target,
          phase: p.phase,
          deleted: p.deleted,
          due: p.due,
          batches: p.batches,
          ratePerSecond: Math.round(ratePerSecond),
          etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
          elapsedMs: p.elapsedMs,
        },
        'target progress',
      );
    },
  };
}
