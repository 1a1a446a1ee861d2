import { DateTime } from 'luxon';
import type { RetainRule } from '../config/schema.js';
import { retentionMillis } from '../engine/cutoff.js';

/**
 * A subject's deadline: `terminatedAt + months` calendar months in `zone` (luxon `plus`, which
 * keeps the wall-clock time and clamps to the month's end: Dec 28–31 + 2 months → Feb 28, or
 * Feb 29 in a leap year). Its configuration data is due once `deadline < now`.
 *
 * This is deliberately not `terminatedAt < now − months`: because of the clamping, that form is
 * up to three days late (Jan 31 + 1 month = Feb 28), and in a zone with daylight saving the
 * subtraction can land an hour on the wrong side of the promise.
 */
export function subjectDeadline(terminatedAt: Date, months: number, zone: string): Date {
  const deadline = DateTime.fromJSDate(terminatedAt, { zone }).plus({ months });
  if (!deadline.isValid)
    throw new Error(`cannot compute a deadline in zone ${zone}: ${deadline.invalidExplanation ?? deadline.invalidReason}`);
  return deadline.toJSDate();
}

/** Strict, like the age policies' `time < cutoff`: a subject whose deadline is exactly now is kept. */
export function isPastDeadline(terminatedAt: Date, months: number, zone: string, now: Date): boolean {
  return subjectDeadline(terminatedAt, months, zone).getTime() < now.getTime();
}

/**
 * Days added to `now − months` to bound the SQL candidate query. The exhaustive check in
 * test/unit/subject-deadline.test.ts measured the largest distance between a due
 * `terminatedAt` and `now − months` at exactly 3 days (month-end clamping, Jan 31 + 1 month =
 * Feb 28; daylight saving never added to it), so 4 days leaves a whole day to spare. Candidates
 * inside the margin are read and then rejected by `isPastDeadline`; nothing due is ever missed.
 */
export const CANDIDATE_MARGIN_DAYS = 4;

/**
 * The deadline under a policy's rule: calendar months as above; days and hours are exact
 * durations (7 days = 168 h in every zone), as for the age policies.
 */
export function retainDeadline(terminatedAt: Date, retain: RetainRule, zone: string): Date {
  if (retain.months !== undefined) return subjectDeadline(terminatedAt, retain.months, zone);
  return new Date(terminatedAt.getTime() + retentionMillis(retain));
}

/**
 * The SQL bound: every subject whose deadline has passed at `now` has `terminatedAt` strictly
 * before it. The exact decision is always made in code, with the deadline.
 */
export function candidateBound(now: Date, retain: RetainRule, zone: string): Date {
  const start = DateTime.fromJSDate(now, { zone });
  const exact =
    retain.months !== undefined ? start.minus({ months: retain.months }) : start.minus({ milliseconds: retentionMillis(retain) });
  const bound = exact.plus({ days: CANDIDATE_MARGIN_DAYS });
  if (!bound.isValid)
    throw new Error(`cannot compute a candidate bound in zone ${zone}: ${bound.invalidExplanation ?? bound.invalidReason}`);
  return bound.toJSDate();
}
