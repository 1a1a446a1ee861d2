import type { PolicyConfig, TargetConfig } from '../config/schema.js';
import type { EngineContext } from '../engine/engine-context.js';
import { errorLine } from '../lib/error-line.js';
import { promiseMillis } from '../engine/cutoff.js';
import { targetName } from '../engine/policy-run.js';
import { RefusalError, StoreError } from '../errors/index.js';
import type { TargetReport } from './compliance-report.js';

export interface AgeTargetWindow {
  now: Date;
  cutoff: Date;
  overdueBefore: Date;
  periodMs: number;
  /** The promise as a fixed length (`promiseMillis`), for stores with a retention setting of their own. */
  promiseMs: number;
}

/** One age-policy target: the oldest remaining record, the overdue and unusable counts. */
export async function inspectAgeTarget(
  ctx: EngineContext,
  policy: PolicyConfig,
  target: TargetConfig,
  window: AgeTargetWindow,
): Promise<TargetReport> {
  const base = {
    policy: policy.name,
    category: policy.category,
    store: target.store,
    target: targetName(target),
    cutoff: window.cutoff.toISOString(),
    overdueBefore: window.overdueBefore.toISOString(),
    periodSeconds: Math.round(window.periodMs / 1000),
  };
  const empty = { oldest: null, oldestAgeSeconds: null, overdue: 0, unusableTime: 0 };
  const store = ctx.stores.get(target.store);
  if (!store) return { ...base, ...empty, status: 'disabled', error: null };
  try {
    const purger = store.agePurger(target, { zone: ctx.config.timezone, retainMs: promiseMillis(policy.retain), now: () => window.now });
    const inspection = await purger.inspect(window.overdueBefore);
    const nativeExpiry = (await purger.nativeExpiry?.()) ?? null;
    // Kafka: the topic's own retention.ms, judged only (`apply: false`: report never changes it).
    const retention = purger.reviewRetention ? await purger.reviewRetention(window.promiseMs, { apply: false }) : undefined;
    const tooLong = retention?.some((f) => f.finding === 'longer-than-promise' || f.finding === 'compact-only') ?? false;
    const oldestAgeSeconds = inspection.oldest
      ? Math.max(0, Math.round((window.now.getTime() - inspection.oldest.getTime()) / 1000))
      : null;
    return {
      ...base,
      status: inspection.overdue > 0 ? 'overdue' : tooLong ? 'retention-exceeds-promise' : 'ok',
      oldest: inspection.oldest?.toISOString() ?? null,
      oldestAgeSeconds,
      overdue: inspection.overdue,
      unusableTime: inspection.unusableTime,
      ...(nativeExpiry ? { enforcedBy: nativeExpiry } : {}),
      ...(inspection.ttl ? { ttl: inspection.ttl } : {}),
      ...(retention ? { retention } : {}),
      error: null,
    };
  } catch (err) {
    // A refused target (no index, unknown column) cannot be checked either: its data is not purged.
    const status = err instanceof StoreError ? 'unreachable' : err instanceof RefusalError ? 'refused' : 'error';
    return { ...base, ...empty, status, error: errorLine(err) };
  }
}
