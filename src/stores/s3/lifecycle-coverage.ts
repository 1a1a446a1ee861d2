/** The parts of a bucket lifecycle rule that decide whether it expires a prefix's objects. */
export interface LifecycleRule {
  id?: string | undefined;
  enabled: boolean;
  /** The rule's key prefix ('' = the whole bucket); undefined when its filter cannot be read as one. */
  prefix: string | undefined;
  /** The rule also filters on tags or object size: it covers only some objects of its prefix. */
  narrowed: boolean;
  /** Expiration of current versions, in days after creation. */
  expirationDays?: number | undefined;
  /** Permanent removal of noncurrent versions, in days after they became noncurrent. */
  noncurrentDays?: number | undefined;
}

export interface LifecycleCoverage {
  /** The rule that expires every object of the prefix within the promise, if any. */
  rule: LifecycleRule | null;
  /** Why no rule covers it (for the report's warning). */
  reason: string | null;
}

/**
 * Whether the bucket's own lifecycle expires every object under `prefix` within `withinDays`: an
 * enabled rule whose prefix contains the target's, not narrowed by tags or size, expiring current
 * objects at or under the promise, and, in a versioned bucket, removing noncurrent versions too
 * (expiring a current version there only hides it behind a delete marker). Lifecycle rules run
 * about once a day and count whole days; the worker is then the backstop, to the ms.
 */
export function lifecycleCoverage(
  rules: readonly LifecycleRule[],
  prefix: string,
  withinDays: number,
  versioned: boolean,
): LifecycleCoverage {
  const applicable = rules.filter((r) => r.enabled && r.prefix !== undefined && prefix.startsWith(r.prefix) && !r.narrowed);
  if (applicable.length === 0) return { rule: null, reason: 'no enabled lifecycle rule covers the whole prefix' };
  const expiring = applicable.filter((r) => r.expirationDays !== undefined && r.expirationDays <= withinDays);
  if (expiring.length === 0) {
    const days = applicable.flatMap((r) => (r.expirationDays === undefined ? [] : [r.expirationDays]));
    return {
      rule: null,
      reason:
        days.length > 0
          ? `the lifecycle rules expire objects after ${Math.min(...days)} days, more than the promise (${withinDays} days)`
          : 'no lifecycle rule of the prefix expires objects',
    };
  }
  if (!versioned) return { rule: expiring[0]!, reason: null };
  const noncurrent = applicable.find(
    (r) => r.noncurrentDays !== undefined && r.noncurrentDays + Math.min(...expiring.map((e) => e.expirationDays!)) <= withinDays,
  );
  if (!noncurrent) {
    return {
      rule: null,
      reason: 'the bucket is versioned and no rule removes noncurrent versions within the promise (expiry only adds a delete marker)',
    };
  }
  return { rule: expiring[0]!, reason: null };
}
