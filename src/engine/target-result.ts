import type { TargetConfig } from '../config/schema.js';
import { targetLabel } from '../stores/kafka/target-label.js';
import type { TargetResult, TargetStatus } from '../types.js';

/** Identifies a target within a policy: the table, collection, Redis match pattern, `bucket/prefix` (S3), or Kafka topic (`match:REGEX` for a regex). */
export function targetName(target: TargetConfig): string {
  switch (target.store) {
    case 'mysql':
      return target.table;
    case 'mongo':
      return target.collection;
    case 'redis':
      return target.match;
    case 's3':
      return `${target.bucket}/${target.prefix}`;
    case 'kafka':
      return targetLabel(target);
  }
}

/**
 * The result of a target that deleted nothing in this attempt: not started (`skipped`, a store
 * disabled, a run halted), not run (`partial`, the next run does it), or failed before any batch.
 * The one factory for these, so that a new field of TargetResult is set in one place.
 */
export function notRunResult(
  target: TargetConfig,
  status: TargetStatus,
  extra: { reason?: string | undefined; error?: string | null } = {},
): TargetResult {
  return {
    store: target.store,
    target: targetName(target),
    status,
    ...(extra.reason ? { reason: extra.reason } : {}),
    deleted: 0,
    error: extra.error ?? null,
    batches: 0,
    durationMs: 0,
  };
}
