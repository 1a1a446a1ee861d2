import { DateTime, Duration } from 'luxon';
import { UsageError } from '../errors/index.js';

const SHORT_UNITS: Record<string, string> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks' };

/**
 * `--since` / `--until`: an ISO-8601 instant (`2026-11-01T10:00:00Z`; without an offset: UTC),
 * a date (`2026-11-01`: its start, UTC), or a duration back from `now` (`24h`, `7d`, `30m`,
 * `90s`, `2w`, or ISO `P1M`, `PT12H`). Throws UsageError naming the option.
 */
export function parseTimeBound(option: string, text: string, now: Date): Date {
  const value = text.trim();
  const short = /^(\d+)\s*([smhdw])$/.exec(value);
  if (short) return back(now, Duration.fromObject({ [SHORT_UNITS[short[2]!]!]: Number(short[1]) }));
  if (/^P/i.test(value)) {
    const duration = Duration.fromISO(value.toUpperCase());
    if (duration.isValid && duration.toMillis() > 0) return back(now, duration);
  } else if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    // A calendar date first: luxon would also read `24` as an hour of today.
    const at = DateTime.fromISO(value, { zone: 'utc', setZone: true });
    if (at.isValid) return at.toJSDate();
  }
  throw new UsageError(
    `${option} ${text}: expected an ISO-8601 time or date (2026-11-01T10:00:00Z, 2026-11-01) or a duration back from now (24h, 7d, P1M)`,
  );
}

function back(now: Date, duration: Duration): Date {
  return DateTime.fromJSDate(now, { zone: 'utc' }).minus(duration).toJSDate();
}

/** `--limit N`: a positive integer. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--limit ${text}: expected a positive integer`);
  return n;
}
