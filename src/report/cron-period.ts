import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';

/** Ticks read from now, and from the start of each month of the coming year. */
const TICKS_FROM_NOW = 200;
const TICKS_PER_MONTH = 32;

const cache = new Map<string, number>();

/**
 * The longest gap, in ms, between two consecutive ticks of a cron in a zone: a record that became
 * due just after one tick waits at most this long for the next, so the report calls a record
 * overdue only once it is older than `cutoff − period`.
 *
 * cron-parser is slow with zones (about 1 ms a tick), so instead of walking a whole year of ticks
 * it reads the next 200 and then, from the start of each of the next 13 months, the tick before
 * and 32 after: enough to see gaps that depend on the month (`0 0 31 * *`, `* * * 2 *`) and on
 * daylight-saving days. Cached per cron and zone.
 */
export function longestCronGap(cron: string, zone: string, from: Date = new Date()): number {
  const key = `${cron}\u0000${zone}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let longest = gapsFrom(cron, zone, from, TICKS_FROM_NOW, false);
  const monthStart = DateTime.fromJSDate(from, { zone }).startOf('month');
  for (let m = 1; m <= 13; m += 1) {
    longest = Math.max(longest, gapsFrom(cron, zone, monthStart.plus({ months: m }).toJSDate(), TICKS_PER_MONTH, true));
  }
  cache.set(key, longest);
  return longest;
}

function gapsFrom(cron: string, zone: string, start: Date, ticks: number, withPrevious: boolean): number {
  let from = start;
  if (withPrevious) {
    // Walk on from the tick before `start`, so the gap across `start` is measured too.
    try {
      from = CronExpressionParser.parse(cron, { currentDate: start, tz: zone }).prev().toDate();
    } catch {
      from = start;
    }
  }
  const iterator = CronExpressionParser.parse(cron, { currentDate: from, tz: zone });
  let previous: number | null = withPrevious && from !== start ? from.getTime() : null;
  let longest = 0;
  for (let i = 0; i < ticks; i += 1) {
    let at: number;
    try {
      at = iterator.next().getTime();
    } catch {
      break; // no further tick (an end date, or an impossible date such as Feb 30)
    }
    if (previous !== null) longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest;
}
