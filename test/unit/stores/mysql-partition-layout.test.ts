import { describe, it, expect } from 'vitest';
import type { AgeTargetPlan, TimeFormat } from '../../../src/stores/mysql/check-target.js';
import { latestValueParam, parsePartitionLayout, whollyDue, type PartitionRow } from '../../../src/stores/mysql/partition-layout.js';
import { intervalStart, planPremake } from '../../../src/stores/mysql/partition-purge.js';
import { RefusalError } from '../../../src/errors/refusal-error.js';
import { DEFAULT_MYSQL_PARTITIONS } from '../../../src/config/schema.js';

function plan(columnType: string, timeFormat: TimeFormat = 'datetime', nullable = false): AgeTargetPlan {
  const dataType = columnType.replace(/\(.*$/, '').replace(/ unsigned$/, '');
  const time = { name: 'at', dataType, columnType, nullable };
  const id = { name: 'id', dataType: 'bigint', columnType: 'bigint', nullable: false };
  return {
    table: 't',
    time,
    timeFormat,
    index: { name: 'idx_at', columns: [time], unique: false },
    walkKey: [time, id],
    primaryKey: [id, time],
    rangeKey: null,
  };
}

function rows(method: string, expr: string, bounds: string[]): PartitionRow[] {
  return bounds.map((description, i) => ({ name: `p${i}`, sub: null, method, expr, description }));
}

/** Which partitions (by name) are wholly due at `cutoff`. */
function due(p: AgeTargetPlan, r: PartitionRow[], cutoff: string): string[] {
  const layout = parsePartitionLayout(p, r);
  return layout.partitions.filter((x) => whollyDue(p, x, new Date(cutoff))).map((x) => x.name);
}

describe('which partitions are wholly before the cutoff, to the millisecond', () => {
  it('RANGE COLUMNS on DATETIME(3): a bound equal to the cutoff qualifies, one 1 ms later does not', () => {
    const p = plan('datetime(3)');
    const r = rows('RANGE COLUMNS', '`at`', ["'2026-01-02 00:00:00'", "'2026-01-03 00:00:00.001'", 'MAXVALUE']);
    expect(due(p, r, '2026-01-02T00:00:00.000Z')).toEqual(['p0']);
    expect(due(p, r, '2026-01-01T23:59:59.999Z')).toEqual([]);
    expect(due(p, r, '2026-01-03T00:00:00.000Z')).toEqual(['p0']);
    expect(due(p, r, '2026-01-03T00:00:00.001Z')).toEqual(['p0', 'p1']);
  });

  it('DATETIME(0) can hold no value between a whole second and a bound half a second later', () => {
    const p = plan('datetime');
    // Rows < 00:00:00.500 in a whole-second column are ≤ 23:59:59.999…→ at most 00:00:00.
    const r = rows('RANGE COLUMNS', '`at`', ["'2026-01-02 00:00:00.500'", 'MAXVALUE']);
    expect(due(p, r, '2026-01-02T00:00:00.001Z')).toEqual(['p0']);
    expect(due(p, r, '2026-01-02T00:00:00.000Z')).toEqual([]);
  });

  it('TO_DAYS: LESS THAN TO_DAYS(d) holds rows before midnight of d, whatever their precision', () => {
    const p = plan('datetime(3)');
    const r = rows('RANGE', 'to_days(`at`)', ['739983', '739984', 'MAXVALUE']); // 2026-01-02, 2026-01-03
    expect(due(p, r, '2026-01-02T00:00:00.000Z')).toEqual(['p0']);
    expect(due(p, r, '2026-01-01T23:59:59.999Z')).toEqual([]);
    expect(due(p, r, '2026-01-02T12:00:00.000Z')).toEqual(['p0']);
  });

  it('UNIX_TIMESTAMP on TIMESTAMP(3): rows before the bound second', () => {
    const p = plan('timestamp(3)');
    const r = rows('RANGE', 'unix_timestamp(`at`)', ['1767312000', 'MAXVALUE']);
    expect(due(p, r, '2026-01-02T00:00:00.000Z')).toEqual(['p0']);
    expect(due(p, r, '2026-01-01T23:59:59.999Z')).toEqual([]);
  });

  it('an epoch_s column partitioned by itself follows the whole-second rule of the row purge', () => {
    const p = plan('int', 'epoch_s');
    const r = rows('RANGE', '`at`', ['1000', 'MAXVALUE']);
    // Rows ≤ 999 s; due at cutoff 999.001 s (999 < 999.001) but not at 999.000 s.
    expect(due(p, r, new Date(999_001).toISOString())).toEqual(['p0']);
    expect(due(p, r, new Date(999_000).toISOString())).toEqual([]);
  });

  it('an epoch_ms column: a bound equal to the cutoff qualifies', () => {
    const p = plan('bigint', 'epoch_ms');
    const r = rows('RANGE COLUMNS', '`at`', ['1000', 'MAXVALUE']);
    expect(due(p, r, new Date(1000).toISOString())).toEqual(['p0']);
    expect(due(p, r, new Date(999).toISOString())).toEqual([]);
  });
});

describe('the latest value a partition admits (the lower limit of the walk beside the counts)', () => {
  const latest = (p: AgeTargetPlan, r: PartitionRow[]) =>
    parsePartitionLayout(p, r).partitions.map((x) => (x.lessThan === 'MAXVALUE' ? null : latestValueParam(x)));
  it('one column unit below the bound, in UTC text with microseconds or as an exact integer', () => {
    expect(latest(plan('datetime(3)'), rows('RANGE', 'to_days(`at`)', ['739983', 'MAXVALUE']))).toEqual([
      '2026-01-01 23:59:59.999000',
      null,
    ]);
    expect(latest(plan('datetime'), rows('RANGE COLUMNS', '`at`', ["'2026-01-02 00:00:00.500'", 'MAXVALUE']))).toEqual([
      '2026-01-02 00:00:00.000000',
      null,
    ]);
    expect(latest(plan('datetime(6)'), rows('RANGE COLUMNS', '`at`', ["'2026-01-02 00:00:00.000005'", 'MAXVALUE']))).toEqual([
      '2026-01-02 00:00:00.000004',
      null,
    ]);
    expect(latest(plan('timestamp(3)'), rows('RANGE', 'unix_timestamp(`at`)', ['1767312000', 'MAXVALUE']))).toEqual([
      '2026-01-01 23:59:59.999000',
      null,
    ]);
    expect(latest(plan('bigint', 'epoch_ms'), rows('RANGE COLUMNS', '`at`', ['9007199254740993', 'MAXVALUE']))).toEqual([
      9007199254740992n,
      null,
    ]);
  });
  it('is never printed below the first usable time (a TO_DAYS catch-all for zero dates)', () => {
    expect(latest(plan('datetime(3)'), rows('RANGE', 'to_days(`at`)', ['1', '739983', 'MAXVALUE']))).toEqual([
      '0999-12-31 23:59:59.999999',
      '2026-01-01 23:59:59.999000',
      null,
    ]);
  });
  it('has none for the MAXVALUE partition', () => {
    const [max] = parsePartitionLayout(plan('datetime(3)'), rows('RANGE', 'to_days(`at`)', ['MAXVALUE'])).partitions;
    expect(() => latestValueParam(max!)).toThrow(/MAXVALUE/);
  });
});

describe('partitioning the partition path refuses', () => {
  const p = plan('datetime(3)');
  const refusal = (r: PartitionRow[]) => () => parsePartitionLayout(p, r);
  it.each([
    ['HASH', rows('HASH', 'to_days(`at`)', [''])],
    ['LIST', rows('LIST', '`at`', ['1'])],
    ['KEY', rows('KEY', '`id`', [''])],
    ['another column', rows('RANGE', '`id`', ['10', 'MAXVALUE'])],
    ['an expression it cannot read', rows('RANGE', 'year(`at`)', ['2026', 'MAXVALUE'])],
    ['two columns', rows('RANGE COLUMNS', '`at`,`id`', ["'2026-01-02',1", 'MAXVALUE'])],
    ['subpartitions', rows('RANGE', 'to_days(`at`)', ['739983']).map((r) => ({ ...r, sub: 'p0sp0' }))],
  ])('%s', (_label, r) => {
    expect(refusal(r)).toThrow(RefusalError);
    expect(refusal(r)).toThrow(/partitions: \{ action: off \}/);
  });
  it('TO_DAYS of a TIMESTAMP (zone-dependent)', () => {
    expect(() => parsePartitionLayout(plan('timestamp(3)'), rows('RANGE', 'to_days(`at`)', ['739983', 'MAXVALUE']))).toThrow(
      /not an expression it can read/,
    );
  });
  it('UNIX_TIMESTAMP of a DATETIME (zone-dependent)', () => {
    expect(() => parsePartitionLayout(p, rows('RANGE', 'unix_timestamp(`at`)', ['1', 'MAXVALUE']))).toThrow(
      /not an expression it can read/,
    );
  });
});

describe('pre-creating future partitions', () => {
  const p = plan('datetime(3)');
  const now = new Date('2026-01-05T13:00:00Z'); // a Monday
  const options = { ...DEFAULT_MYSQL_PARTITIONS, premake: 2, interval: 'day' as const };
  it('adds daily partitions up to the end of the premake-th day after today', () => {
    const layout = parsePartitionLayout(p, rows('RANGE', 'to_days(`at`)', ['739986', 'MAXVALUE'])); // < 2026-01-05
    const planned = planPremake(p, layout, now, options);
    expect(planned.map((x) => [x.name, x.lessThan])).toEqual([
      ['p20260105', String(739987)],
      ['p20260106', String(739988)],
      ['p20260107', String(739989)],
    ]);
    const covered = parsePartitionLayout(p, rows('RANGE', 'to_days(`at`)', ['739989', 'MAXVALUE']));
    expect(planPremake(p, covered, now, options)).toEqual([]);
  });
  it('writes DATETIME bounds for RANGE COLUMNS and aligns weeks to Monday, months to the 1st', () => {
    const layout = parsePartitionLayout(p, rows('RANGE COLUMNS', '`at`', ["'2026-01-05 00:00:00'", 'MAXVALUE']));
    expect(planPremake(p, layout, now, { ...options, premake: 1, interval: 'week' }).map((x) => x.lessThan)).toEqual([
      "'2026-01-12 00:00:00'",
      "'2026-01-19 00:00:00'",
    ]);
    expect(new Date(intervalStart(now.getTime(), 'month')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(intervalStart(Date.parse('2026-01-04T10:00:00Z'), 'week')).toISOString()).toBe('2025-12-29T00:00:00.000Z');
  });
  it('plans nothing without a MAXVALUE partition to split', () => {
    const layout = parsePartitionLayout(p, rows('RANGE', 'to_days(`at`)', ['739986']));
    expect(planPremake(p, layout, now, options)).toEqual([]);
  });
});
