import { describe, it, expect } from 'vitest';
import { DateTime } from 'luxon';
import { candidateBound, CANDIDATE_MARGIN_DAYS, isPastDeadline, subjectDeadline } from '../../src/subjects/deadline.js';

const iso = (d: Date) => d.toISOString();
const deadline = (at: string, zone = 'UTC', months = 2) => iso(subjectDeadline(new Date(at), months, zone));

describe('subjectDeadline: calendar months in the configured zone', () => {
  it('clamps Dec 31 + 2 months to Feb 28 in a common year', () => {
    expect(deadline('2025-12-31T10:00:00.000Z')).toBe('2026-02-28T10:00:00.000Z');
    expect(deadline('2025-12-28T10:00:00.000Z')).toBe('2026-02-28T10:00:00.000Z');
  });

  it('clamps Dec 31 + 2 months to Feb 29 in a leap year', () => {
    expect(deadline('2023-12-31T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
    expect(deadline('2023-12-30T08:00:00.000Z')).toBe('2024-02-29T08:00:00.000Z');
  });

  it('takes Feb 29 + 2 months to Apr 29', () => {
    expect(deadline('2024-02-29T12:34:56.789Z')).toBe('2024-04-29T12:34:56.789Z');
  });

  it('keeps the wall-clock time across the spring change in Europe/Paris (an hour fewer in UTC)', () => {
    // 12:00 CET (+01:00) → 12:00 CEST (+02:00) on Mar 30, 2026, after the Mar 29 change.
    expect(deadline('2026-01-30T11:00:00.000Z', 'Europe/Paris')).toBe('2026-03-30T10:00:00.000Z');
    // A UTC deployment would put the same termination's deadline an hour later.
    expect(deadline('2026-01-30T11:00:00.000Z', 'UTC')).toBe('2026-03-30T11:00:00.000Z');
  });

  it('moves a deadline that falls in the Paris spring gap forward to an existing time', () => {
    // 02:30 CET on Jan 29 → Mar 29 02:30 does not exist (02:00 → 03:00) → 03:30 CEST = 01:30Z.
    expect(deadline('2026-01-29T01:30:00.000Z', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
  });

  it('keeps the wall-clock time across the autumn change in Europe/Paris (an hour more in UTC)', () => {
    // 12:00 CEST on Aug 25 → 12:00 CET on Oct 25, 2026, the day of the change.
    expect(deadline('2026-08-25T10:00:00.000Z', 'Europe/Paris')).toBe('2026-10-25T11:00:00.000Z');
  });

  it('keeps the wall-clock time across both changes in America/New_York', () => {
    // 12:00 EST on Jan 8 → 12:00 EDT on Mar 8, 2026, the day clocks go forward.
    expect(deadline('2026-01-08T17:00:00.000Z', 'America/New_York')).toBe('2026-03-08T16:00:00.000Z');
    // 12:00 EDT on Sep 1 → 12:00 EST on Nov 1, 2026, the day clocks go back.
    expect(deadline('2026-09-01T16:00:00.000Z', 'America/New_York')).toBe('2026-11-01T17:00:00.000Z');
  });

  it('clamps by the local date in a zone other than UTC (Asia/Tokyo)', () => {
    // Dec 31 00:00 in Tokyo is still Dec 30 in UTC: the local month end decides.
    expect(deadline('2025-12-30T15:00:00.000Z', 'Asia/Tokyo')).toBe('2026-02-27T15:00:00.000Z');
    expect(deadline('2025-12-30T15:00:00.000Z', 'UTC')).toBe('2026-02-28T15:00:00.000Z');
  });

  it('is strict: a subject is due only after its deadline, not at it', () => {
    const terminatedAt = new Date('2025-12-31T10:00:00.000Z');
    expect(isPastDeadline(terminatedAt, 2, 'UTC', new Date('2026-02-28T10:00:00.000Z'))).toBe(false);
    expect(isPastDeadline(terminatedAt, 2, 'UTC', new Date('2026-02-28T10:00:00.001Z'))).toBe(true);
  });
});

describe('candidateBound: the SQL pre-filter never misses a due subject', () => {
  it('is needed: `terminated_at < now − months` misses a subject due by month-end clamping', () => {
    const terminatedAt = new Date('2025-01-31T12:00:00.000Z');
    const now = new Date('2025-02-28T12:00:00.001Z');
    expect(isPastDeadline(terminatedAt, 1, 'UTC', now)).toBe(true);
    const subtraction = DateTime.fromJSDate(now, { zone: 'UTC' }).minus({ months: 1 }).toJSDate();
    expect(terminatedAt < subtraction).toBe(false);
    expect(terminatedAt < candidateBound(now, { months: 1 }, 'UTC')).toBe(true);
  });

  it(`holds every hour of a leap year in three zones, with at most 3 of its ${CANDIDATE_MARGIN_DAYS} days used`, () => {
    const zones = ['UTC', 'Europe/Paris', 'America/New_York'];
    const start = Date.UTC(2023, 11, 1);
    const end = Date.UTC(2024, 11, 31);
    let worstMs = 0;
    for (const zone of zones) {
      for (const months of [1, 2]) {
        for (let ms = start; ms < end; ms += 3_600_000) {
          const terminatedAt = new Date(ms);
          // The earliest moment this subject is due: one millisecond after its deadline.
          const now = new Date(subjectDeadline(terminatedAt, months, zone).getTime() + 1);
          const bound = candidateBound(now, { months }, zone);
          if (!(terminatedAt < bound)) throw new Error(`missed ${terminatedAt.toISOString()} in ${zone} (+${months} months)`);
          const subtraction = DateTime.fromJSDate(now, { zone }).minus({ months }).toMillis();
          worstMs = Math.max(worstMs, ms - subtraction);
        }
      }
    }
    expect(worstMs).toBeLessThanOrEqual(3 * 86_400_000);
    expect(worstMs).toBeGreaterThan(2 * 86_400_000);
  });
});
