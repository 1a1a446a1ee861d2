import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors/index.js';
import type { Logger } from 'pino';
import type { PolicyConfig } from '../config/schema.js';
import type { ResolvedConfig } from '../config/load-config.js';
import type { PolicyResult, RunDocument, StoreName, TargetResult } from '../types.js';
import type { EngineContext } from './engine-context.js';
import type { OpenPolicyRun } from './open-policy-run.js';
import { beginPolicyRun, finishPolicyRun, runPolicyTarget } from './policy-run.js';
import { runStatus } from './policy-status.js';

export interface RunOptions {
  /** `--policy`: run these (a disabled one named here is refused); none = every enabled policy. */
  policies?: readonly string[];
  /** `--store`: only targets of these stores. */
  stores?: readonly StoreName[];
  dryRun?: boolean;
  allowLarge?: boolean;
  runId?: string;
}

/** Subject policies plug in here (see `src/subjects/`); age policies run target by target. */
export type SubjectPolicyRunner = (
  ctx: EngineContext,
  run: OpenPolicyRun,
  options: { storeFilter?: ReadonlySet<StoreName> | undefined },
) => Promise<PolicyResult>;

/** Picks the policies of a run, refusing unknown names before anything happens. */
export function selectPolicies(config: ResolvedConfig, names: readonly string[] | undefined, logger?: Logger): PolicyConfig[] {
  const all = config.policies;
  if (!names || names.length === 0) {
    for (const p of all.filter((p) => !p.enabled)) logger?.warn({ policy: p.name }, 'policy is disabled (enabled: false): skipped');
    return all.filter((p) => p.enabled);
  }
  const unknown = names.filter((n) => !all.some((p) => p.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown policy ${unknown.join(', ')} (configured: ${all.map((p) => p.name).join(', ')})`);
  return all.filter((p) => names.includes(p.name));
}

/** The `--store` filter; a disabled store is a usage error. */
export function storeFilterOf(config: ResolvedConfig, stores: readonly StoreName[] | undefined): ReadonlySet<StoreName> | undefined {
  if (!stores || stores.length === 0) return undefined;
  for (const s of stores) {
    if (!config.enabledStores.has(s)) throw new UsageError(`--store ${s}: that store is disabled in this deployment`);
  }
  return new Set(stores);
}

/**
 * The stores these policies' targets name: what a run of them opens (`openEngine`'s `stores`).
 * `--store` does not narrow it: a subject policy needs to know that a store left out by `--store`
 * still holds data of its subjects (it then marks none of them purged).
 */
export function storesUsedBy(policies: readonly PolicyConfig[]): Set<StoreName> {
  return new Set(policies.flatMap((p) => p.targets.map((t) => t.store)));
}

/** Runs policies once, now, in this process: the engine behind `retention run`. */
export async function runPolicies(ctx: EngineContext, options: RunOptions = {}, subjectRunner?: SubjectPolicyRunner): Promise<RunDocument> {
  const policies = selectPolicies(ctx.config, options.policies, ctx.logger);
  const storeFilter = storeFilterOf(ctx.config, options.stores);
  const runId = options.runId ?? randomUUID();
  const dryRun = options.dryRun ?? false;
  const startedAt = ctx.clock.now();
  const results: PolicyResult[] = [];
  for (const policy of policies) {
    const begun = await beginPolicyRun(ctx, policy, { runId, dryRun });
    if ('refused' in begun) {
      results.push(begun.refused);
      continue;
    }
    const run = begun.open;
    if (run.cutoff === null) {
      if (!subjectRunner) {
        await run.lock.release();
        throw new Error(`policy ${policy.name} needs the subject runner`);
      }
      results.push(await subjectRunner(ctx, run, { storeFilter }));
      continue;
    }
    const targets: TargetResult[] = [];
    try {
      for (const target of policy.targets) {
        const result = await runPolicyTarget(ctx, run, target, { allowLarge: options.allowLarge ?? false, storeFilter });
        if (result) targets.push(result);
      }
    } finally {
      results.push(await finishPolicyRun(ctx, run, targets));
    }
  }
  return {
    runId,
    dryRun,
    status: runStatus(results),
    startedAt: startedAt.toISOString(),
    finishedAt: ctx.clock.now().toISOString(),
    policies: results,
  };
}
