import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { TargetConfig } from '../config/schema.js';
import type { EngineContext } from '../engine/engine-context.js';
import { errorLine } from '../lib/error-line.js';
import { RefusalError } from '../errors/index.js';
import type { SubjectPurger } from '../stores/purger.js';
import type { StoreName, TargetResult } from '../types.js';
import { EXPIRED, withinTimeLimit } from './time-limit.js';
import { notRunResult } from '../engine/target-result.js';

/** One target of a subject policy within one run: its purger and its running totals. */
export interface SubjectTarget {
  readonly config: TargetConfig;
  readonly result: TargetResult;
  /** Null when the store is disabled (the target is `skipped`). */
  readonly purger: SubjectPurger | null;
  /**
   * Set once a call failed (or ran out of time): the target is not called again in this run, and
   * no subject can be complete without it. The next run retries it.
   */
  broken: boolean;
}

export interface SubjectTargets {
  /** Every target of the policy but those left out by `--store`, in configuration order. */
  all: SubjectTarget[];
  /** Targets of enabled stores: these must all succeed for a subject to be complete. */
  active: SubjectTarget[];
  /** True when every target of an enabled store is in the run: only then are subjects marked purged. */
  markAllowed: boolean;
}

/**
 * The targets of a subject policy for one run. A disabled store's targets are `skipped` (reason
 * `disabled`) and hold nothing back; targets left out by `--store` are absent, and then nothing
 * is marked purged, since their data may still be there.
 */
export function prepareSubjectTargets(
  ctx: EngineContext,
  targets: readonly TargetConfig[],
  storeFilter: ReadonlySet<StoreName> | undefined,
): SubjectTargets {
  const all: SubjectTarget[] = [];
  let markAllowed = true;
  for (const config of targets) {
    const store = ctx.stores.get(config.store);
    if (storeFilter && !storeFilter.has(config.store)) {
      if (store) markAllowed = false;
      continue;
    }
    const result: TargetResult = notRunResult(config, 'succeeded');
    if (!store) {
      all.push({ config, result: { ...result, status: 'skipped', reason: 'disabled' }, purger: null, broken: false });
      continue;
    }
    let purger: SubjectPurger | null = null;
    let broken = false;
    try {
      purger = store.subjectPurger(config, { zone: ctx.config.timezone });
    } catch (err) {
      markFailed(result, err);
      broken = true;
    }
    all.push({ config, result, purger, broken });
  }
  return { all, active: all.filter((t) => t.result.status !== 'skipped'), markAllowed };
}

/**
 * Checks each active target against its live store once per run, each within `limitMs` (a hung
 * store must not hang the run); a refusal, failure or time-out breaks the target.
 */
export async function checkSubjectTargets(targets: readonly SubjectTarget[], limitMs: number, clock: Clock, logger: Logger): Promise<void> {
  for (const target of targets) {
    if (!target.purger || target.broken) continue;
    const started = clock.now().getTime();
    try {
      const checked = await withinTimeLimit(target.purger.check(), performance.now() + limitMs);
      if (checked === EXPIRED)
        throw new Error(`the store did not answer the target check within ${limitMs / 1000} s (subjects.maxSubjectSeconds)`);
    } catch (err) {
      markFailed(target.result, err);
      target.broken = true;
      logger.warn(
        { store: target.result.store, target: target.result.target, status: target.result.status, error: target.result.error },
        'subject target check failed',
      );
    }
    target.result.durationMs += clock.now().getTime() - started;
  }
}

/** Records a target's first failure (refusal: `refused` with its reason; anything else: `failed`). */
export function markFailed(result: TargetResult, err: unknown, message?: string): void {
  if (result.status === 'failed' || result.status === 'refused') return;
  if (err instanceof RefusalError) {
    result.status = 'refused';
    result.reason = err.reason;
    result.error = err.message;
  } else {
    result.status = 'failed';
    result.error = message ?? errorLine(err);
  }
}
