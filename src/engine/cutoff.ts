import { DateTime, Duration } from 'luxon';
import type { RetainRule } from '../config/schema.js';

/**
 * The cutoff of an age policy: `now − retain`. Days and hours are exact durations (7 days = 168 h
 * in every zone); months are calendar months in `zone`. A record is due when `time < cutoff`.
 */
export function computeCutoff(retain: RetainRule, now: Date, zone: string): Date {
  if (retain.months !== undefined) {
    const cutoff = DateTime.fromJSDate(now, { zone }).minus({ months: retain.months });
    if (!cutoff.isValid) throw new Error(`cannot compute a cutoff in zone ${zone}: ${cutoff.invalidExplanation ?? cutoff.invalidReason}`);
    return cutoff.toJSDate();
  }
  return new Date(now.getTime() - retentionMillis(retain));
}

/** The exact length of a days/hours rule in milliseconds. */
export function retentionMillis(retain: RetainRule): number {
  if (retain.days !== undefined) return Duration.fromObject({ days: retain.days }).as('milliseconds');
  if (retain.hours !== undefined) return Duration.fromObject({ hours: retain.hours }).as('milliseconds');
  throw new Error('retentionMillis needs a days or hours rule');
}

/** The shortest a calendar month can be. */
const SHORTEST_MONTH_MS = 28 * 24 * 3600 * 1000;

/**
 * The promise's length for comparing with something time-based that is not a cutoff (a store's
 * own expiry such as a TTL index, Kafka's `retention.ms`, another copy's retention): days and hours
 * exactly, a month as its shortest, 28 days, so anything at or under it keeps the promise in every month.
 */
export function promiseMillis(retain: RetainRule): number {
  return retain.months !== undefined ? retain.months * SHORTEST_MONTH_MS : retentionMillis(retain);
}

/** A human-readable rule, recorded in the audit trail: `7 days`, `2 months after termination`. */
export function describeRetain(retain: RetainRule): string {
  const [n, unit] =
    retain.days !== undefined ? [retain.days, 'day'] : retain.hours !== undefined ? [retain.hours, 'hour'] : [retain.months ?? 0, 'month'];
  return `${n} ${unit}${n === 1 ? '' : 's'}${retain.after ? ` after ${retain.after}` : ''}`;
}
