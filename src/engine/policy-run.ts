import type { Logger } from 'pino';
import type { PolicyConfig, TargetConfig } from '../config/schema.js';
import type { PolicyResult, StoreName, TargetResult } from '../types.js';
import type { EngineContext } from './engine-context.js';
import { computeCutoff, describeRetain, promiseMillis } from './cutoff.js';
import { policyStatus } from './policy-status.js';
import { runAgeTarget } from './run-age-target.js';
import { notRunResult, targetName } from './target-result.js';
import { errorLine } from '../lib/error-line.js';
import { randomUUID } from 'node:crypto';
import { appendDurably } from './durable-append.js';
import { HaltError } from './halt-error.js';
import { createProgressRecorder } from './progress-recorder.js';
import { watchPolicyLock } from './lock-watch.js';
import { recordedDeletions } from './recorded-deletions.js';
import { lockStillHeld, runEntry, type OpenPolicyRun } from './open-policy-run.js';

export interface BeginOptions {
  runId: string;
  dryRun: boolean;
  /**
   * Resume a run evaluated earlier (a queue run picked up again after its process died): the
   * cutoff is computed from this instant, so every part of the run deletes against the same one.
   * The clock-skew check still compares the clock's current time with MySQL's.
   * @defaultValue the clock's current time
   */
  evaluatedAt?: Date | undefined;
}

export type BeginOutcome = { open: OpenPolicyRun } | { refused: PolicyResult };

/**
 * A run refused before anything was touched: its `run-finished` data and its result, built in one
 * place for every refusal (the gates here, a subject policy without subjects or audit key).
 */
export function refusedRun(
  policy: PolicyConfig,
  evaluatedAt: Date,
  cutoff: Date | null,
  reason: string,
  message: string,
): { data: { status: 'refused'; reason: string; error: string; cutoff: string | null }; result: PolicyResult } {
  const at = cutoff?.toISOString() ?? null;
  return {
    data: { status: 'refused', reason, error: message, cutoff: at },
    result: {
      name: policy.name,
      category: policy.category,
      status: 'refused',
      reason,
      error: message,
      evaluatedAt: evaluatedAt.toISOString(),
      cutoff: at,
      targets: [],
    },
  };
}

/**
 * Opens a policy run: takes the single-flight lock, refuses on clock skew, closes runs left
 * abandoned by a crashed process, and audits `run-started`. A refusal is audited and returned.
 */
export async function beginPolicyRun(ctx: EngineContext, policy: PolicyConfig, options: BeginOptions): Promise<BeginOutcome> {
  const evaluatedAt = options.evaluatedAt ?? ctx.clock.now();
  const logger = ctx.logger.child({ runId: options.runId, policy: policy.name });
  const retain = describeRetain(policy.retain);
  const anchored = policy.retain.after === 'termination';
  const cutoff = anchored ? null : computeCutoff(policy.retain, evaluatedAt, ctx.config.timezone);
  const base = { runId: options.runId, policy: policy.name, dryRun: options.dryRun, retain };

  const refuse = async (reason: string, message: string): Promise<BeginOutcome> => {
    logger.warn({ reason }, message);
    const refused = refusedRun(policy, evaluatedAt, cutoff, reason, message);
    await ctx.audit.append({ ...base, kind: 'run-started', at: evaluatedAt, data: { cutoff: refused.data.cutoff } });
    await ctx.audit.append({ ...base, kind: 'run-finished', at: ctx.clock.now(), data: refused.data });
    await checkpointAfterRun(ctx, logger);
    return { refused: refused.result };
  };

  if (!policy.enabled) return refuse('disabled', `policy ${policy.name} is disabled (enabled: false)`);
  // A cutoff from the future would make records not yet due (some dated tomorrow) due.
  const latest = ctx.clock.now().getTime() + ctx.config.safety.maxClockSkewSeconds * 1000;
  if (evaluatedAt.getTime() > latest) {
    return refuse(
      'future-evaluation',
      `the run's evaluation time ${evaluatedAt.toISOString()} is later than now plus safety.maxClockSkewSeconds: its cutoff would include times not yet due`,
    );
  }
  const lock = await ctx.coordination.tryLockPolicy(policy.name);
  if (!lock) return refuse('already-running', `another run of policy ${policy.name} is in progress`);
  try {
    if (ctx.checkClockSkew !== false) {
      const server = await ctx.coordination.serverTime();
      const ours = ctx.clock.now();
      const skewMs = Math.abs(server.getTime() - ours.getTime());
      if (skewMs > ctx.config.safety.maxClockSkewSeconds * 1000) {
        await lock.release();
        return refuse(
          'clock-skew',
          `the worker's clock (${ours.toISOString()}) and MySQL's (${server.toISOString()}) differ by ${(skewMs / 1000).toFixed(1)} s, more than safety.maxClockSkewSeconds ${ctx.config.safety.maxClockSkewSeconds}`,
        );
      }
    }
    for (const abandoned of await ctx.audit.openRuns(policy.name)) {
      if (abandoned === options.runId) continue;
      // What the dead run's progress and target entries account for: the trail's answer to "how
      // much did it delete", a lower bound within docs/audit.md's stated margin.
      const recorded = recordedDeletions(await ctx.audit.runEntries(abandoned, policy.name));
      logger.warn({ abandonedRunId: abandoned, recordedDeleted: recorded.deleted }, 'closing a run left unfinished by a stopped process');
      await appendDurably(
        ctx,
        {
          ...base,
          runId: abandoned,
          kind: 'run-closed',
          at: ctx.clock.now(),
          data: { status: 'abandoned', closedByRunId: options.runId, deleted: recorded.deleted, targets: recorded.targets },
        },
        logger,
      );
    }
    await ctx.audit.append({
      ...base,
      kind: 'run-started',
      at: evaluatedAt,
      data: { cutoff: cutoff?.toISOString() ?? null, targets: policy.targets.length, category: policy.category },
    });
  } catch (err) {
    await lock.release();
    throw err;
  }
  logger.info({ cutoff: cutoff?.toISOString() ?? null, dryRun: options.dryRun }, 'policy run started');
  return { open: { runId: options.runId, policy, evaluatedAt, cutoff, dryRun: options.dryRun, lock, logger } };
}

export interface TargetOptions {
  allowLarge: boolean;
  /** Stores to include (`--store`); undefined = all. Targets of other stores are left out (null). */
  storeFilter?: ReadonlySet<StoreName> | undefined;
}

/** Runs one target of an open age-policy run and audits it. Returns null when filtered out. */
export async function runPolicyTarget(
  ctx: EngineContext,
  run: OpenPolicyRun,
  target: TargetConfig,
  options: TargetOptions,
): Promise<TargetResult | null> {
  if (options.storeFilter && !options.storeFilter.has(target.store)) return null;
  const name = targetName(target);
  const logger = run.logger.child({ store: target.store, target: name });
  const store = ctx.stores.get(target.store);
  const attempt = randomUUID();
  let result: TargetResult;
  if (run.halted) {
    // Not started: the run lost its lock or its audit trail before this target's turn.
    result = notRunResult(target, 'skipped', { reason: run.halted });
  } else if (!store) {
    logger.info('store disabled: target skipped');
    result = notRunResult(target, 'skipped', { reason: 'disabled' });
  } else if (run.cutoff === null) {
    throw new Error('runPolicyTarget is for age policies; subject policies run per subject');
  } else {
    let purger;
    try {
      purger = store.agePurger(target, {
        zone: ctx.config.timezone,
        now: () => ctx.clock.now(),
        retainMs: promiseMillis(run.policy.retain),
      });
    } catch (err) {
      result = notRunResult(target, 'failed', { error: errorLine(err) });
    }
    const recorder = createProgressRecorder(ctx, run, { store: target.store, target: name, attempt }, logger);
    const lock = watchPolicyLock(run);
    result ??= await runAgeTarget({
      purger: purger!,
      cutoff: run.cutoff,
      promiseMs: promiseMillis(run.policy.retain),
      tuning: target,
      dryRun: run.dryRun,
      maxDeleteFraction: run.policy.maxDeleteFraction,
      allowLarge: options.allowLarge,
      clock: ctx.clock,
      stop: ctx.stop,
      logger,
      runId: run.runId,
      policy: run.policy.name,
      progress: ctx.progress,
      stopGraceMs: ctx.config.safety.stopGraceSeconds * 1000,
      onBatchStart: () => lock.batchStarting(),
      betweenBatches: async (totals) => {
        await recorder.afterBatch(totals);
        if (!(await lock.afterBatch()))
          throw new HaltError('lock-lost', 'the policy lock was lost: another run may have started; stopped after the batch in hand');
      },
    });
    if (result.reason === 'audit-unavailable') run.halted ??= 'audit-unavailable';
  }
  // A target never started because the trail is unwritable: nothing was deleted, and another
  // entry would only wait out appendRetrySeconds again.
  if (run.halted === 'audit-unavailable' && result.status === 'skipped') return result;
  await auditTarget(ctx, run, result, { attempt });
  return result;
}

/**
 * Appends a target's entry (retried for `audit.appendRetrySeconds`). Never throws: when the entry
 * cannot be written, the result is marked `unaudited` and the run halted, so `run-finished`
 * carries its counts and says they are missing from the trail, and nothing more is deleted.
 */
export async function auditTarget(
  ctx: EngineContext,
  run: OpenPolicyRun,
  result: TargetResult,
  extra: { attempt?: string } = {},
): Promise<boolean> {
  const { store, target, unaudited: _unaudited, ...data } = result;
  try {
    await appendDurably(
      ctx,
      runEntry(run, {
        kind: 'target',
        store,
        target,
        at: ctx.clock.now(),
        data: { ...data, ...extra, cutoff: run.cutoff?.toISOString() ?? null },
      }),
      run.logger,
    );
    return true;
  } catch (err) {
    result.unaudited = true;
    run.halted ??= 'audit-unavailable';
    run.logger.error({ err, store, target, deleted: result.deleted }, 'target entry could not be appended to the audit trail');
    return false;
  }
}

/** Closes a policy run: audits `run-finished`, releases the lock, and logs the audit head. */
export async function finishPolicyRun(
  ctx: EngineContext,
  run: OpenPolicyRun,
  targets: TargetResult[],
  extra: Partial<Pick<PolicyResult, 'subjects'>> = {},
): Promise<PolicyResult> {
  let status = policyStatus(targets);
  let reason: string | undefined;
  const unaudited = targets.filter((t) => t.unaudited);
  const lockHeld = await lockStillHeld(run).catch(() => false);
  if (!lockHeld) {
    status = 'failed';
    reason = 'lock-lost';
  }
  if (unaudited.length > 0) {
    status = 'failed';
    reason = 'audit-incomplete';
  }
  const result: PolicyResult = {
    name: run.policy.name,
    category: run.policy.category,
    status,
    ...(reason ? { reason } : {}),
    evaluatedAt: run.evaluatedAt.toISOString(),
    cutoff: run.cutoff?.toISOString() ?? null,
    ...extra,
    targets,
  };
  try {
    // Without the lock, another run may have closed this one (`run-closed`): a finish after that
    // would contradict the trail, so the facts stay in the target entries and nothing is added.
    if (!lockHeld && !(await ctx.audit.openRuns(run.policy.name)).includes(run.runId)) {
      run.logger.error('this run was closed by another run after its lock was lost: no run-finished is written');
      return result;
    }
    // Counts are what was deleted, whether or not every target entry made it into the trail;
    // `unaudited` names the targets whose entries are missing.
    await appendDurably(
      ctx,
      runEntry(run, {
        kind: 'run-finished',
        at: ctx.clock.now(),
        data: {
          status,
          ...(reason ? { reason } : {}),
          cutoff: result.cutoff,
          deleted: targets.reduce((n, t) => n + t.deleted, 0),
          targets: targets.length,
          ...(extra.subjects ? { subjects: extra.subjects } : {}),
          ...(unaudited.length > 0
            ? {
                unaudited: {
                  deleted: unaudited.reduce((n, t) => n + t.deleted, 0),
                  targets: unaudited.map((t) => ({ store: t.store, target: t.target, deleted: t.deleted, status: t.status })),
                },
              }
            : {}),
        },
      }),
      run.logger,
    );
    const head = await ctx.audit.head();
    run.logger.info({ status, headHash: head?.hash ?? null }, 'policy run finished; audit head');
  } finally {
    await run.lock.release();
  }
  await checkpointAfterRun(ctx, run.logger);
  return result;
}

/**
 * Signs the audit head once the run is closed (after its lock is released: a checkpoint is not
 * part of the run). It never changes the run's outcome: a failure is a warning, and a sink that
 * failed is retried at the next checkpoint.
 */
async function checkpointAfterRun(ctx: EngineContext, logger: Logger): Promise<void> {
  if (!ctx.checkpoints) return;
  try {
    await ctx.checkpoints.checkpoint();
  } catch (err) {
    logger.warn({ err: { message: errorLine(err) } }, 'could not sign an audit checkpoint; the next run tries again');
  }
}

export { targetName } from './target-result.js';
