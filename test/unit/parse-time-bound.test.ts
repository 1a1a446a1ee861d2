import { describe, expect, it } from 'vitest';
import { parseLimit, parseTimeBound } from '../../src/cli/parse-time-bound.js';
import { UsageError } from '../../src/errors/index.js';

const NOW = new Date('2026-12-03T12:00:00.000Z');

describe('parseTimeBound (--since / --until)', () => {
  it('takes short durations back from now', () => {
    expect(parseTimeBound('--since', '24h', NOW).toISOString()).toBe('2026-12-02T12:00:00.000Z');
    expect(parseTimeBound('--since', '7d', NOW).toISOString()).toBe('2026-11-26T12:00:00.000Z');
    expect(parseTimeBound('--since', '30m', NOW).toISOString()).toBe('2026-12-03T11:30:00.000Z');
    expect(parseTimeBound('--since', '90s', NOW).toISOString()).toBe('2026-12-03T11:58:30.000Z');
    expect(parseTimeBound('--since', '2w', NOW).toISOString()).toBe('2026-11-19T12:00:00.000Z');
  });

  it('takes ISO-8601 durations, calendar months included', () => {
    expect(parseTimeBound('--since', 'P1M', NOW).toISOString()).toBe('2026-11-03T12:00:00.000Z');
    expect(parseTimeBound('--since', 'PT12H', NOW).toISOString()).toBe('2026-12-03T00:00:00.000Z');
  });

  it('takes ISO-8601 instants (UTC without an offset) and dates (their start, UTC)', () => {
    expect(parseTimeBound('--until', '2026-11-01', NOW).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseTimeBound('--until', '2026-11-01T10:15:00.123Z', NOW).toISOString()).toBe('2026-11-01T10:15:00.123Z');
    expect(parseTimeBound('--until', '2026-11-01T10:15:00+02:00', NOW).toISOString()).toBe('2026-11-01T08:15:00.000Z');
    expect(parseTimeBound('--until', '2026-11-01T10:15', NOW).toISOString()).toBe('2026-11-01T10:15:00.000Z');
  });

  it('refuses anything else with a usage error naming the option', () => {
    for (const bad of ['yesterday', '24', 'h', '2026-13-01', 'P', '-1d']) {
      expect(() => parseTimeBound('--since', bad, NOW)).toThrow(UsageError);
    }
    expect(() => parseTimeBound('--until', 'soon', NOW)).toThrow(/^--until soon: expected/);
  });

  it('--limit takes positive integers only', () => {
    expect(parseLimit(undefined)).toBeUndefined();
    expect(parseLimit('5')).toBe(5);
    for (const bad of ['0', '-1', '1.5', 'ten']) expect(() => parseLimit(bad)).toThrow(UsageError);
  });
});
