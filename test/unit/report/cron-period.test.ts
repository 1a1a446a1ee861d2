import { describe, expect, it } from 'vitest';
import { longestCronGap } from '../../../src/report/cron-period.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const FROM = new Date('2026-01-15T12:00:00Z');

describe('longestCronGap', () => {
  it('is one minute for every minute and one hour for hourly', () => {
    expect(longestCronGap('* * * * *', 'UTC', FROM)).toBe(60_000);
    expect(longestCronGap('7 * * * *', 'UTC', FROM)).toBe(HOUR);
  });

  it('sees the longest of irregular gaps across months (the 31st skips short months)', () => {
    expect(longestCronGap('0 0 31 * *', 'UTC', FROM)).toBe(61 * DAY);
  });

  it('sees a gap that spans most of a year (every minute of February only)', () => {
    expect(longestCronGap('* * * 2 *', 'UTC', FROM)).toBeGreaterThan(330 * DAY);
  });

  it('counts the extra hour of a daylight-saving fall-back day in the zone', () => {
    expect(longestCronGap('17 3 * * *', 'Europe/Paris', FROM)).toBe(25 * HOUR);
    expect(longestCronGap('17 3 * * *', 'UTC', FROM)).toBe(DAY);
  });

  it('reads seconds in a six-field cron', () => {
    expect(longestCronGap('*/5 * * * * *', 'UTC', FROM)).toBe(5000);
  });
});
