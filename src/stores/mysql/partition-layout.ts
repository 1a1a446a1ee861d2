import type { Pool, RowDataPacket } from 'mysql2/promise';
import { RefusalError } from '../../errors/refusal-error.js';
import type { AgeTargetPlan } from './check-target.js';
import { cutoffParam, type SqlParam } from './sql-values.js';
import { INTEGER_TYPES } from './table-shape.js';

/**
 * How the partitioning expression maps a row's time to the value compared with `LESS THAN`:
 * - `column`: the time column itself (`RANGE(col)` on an epoch integer, or `RANGE COLUMNS(col)`);
 * - `to_days`: `RANGE(TO_DAYS(col))`, a day number (TO_DAYS('1970-01-01') = 719528);
 * - `unix_timestamp`: `RANGE(UNIX_TIMESTAMP(col))` on a TIMESTAMP column, whole seconds.
 */
export type PartitionFunction = 'column' | 'to_days' | 'unix_timestamp';

export interface RangePartition {
  name: string;
  /** `PARTITION_DESCRIPTION` as the server writes it: `739983`, `'2026-01-02 00:00:00'`, `MAXVALUE`. */
  lessThan: string;
  /**
   * The latest instant (in µs since the epoch) a row of this partition can hold, given the column's
   * precision; null for the MAXVALUE partition (no bound).
   */
  latestMicros: number | null;
  /** For an integer time column partitioned by itself: the bound as an exact integer. */
  integerBound: bigint | null;
  /** The bound as an instant (ms since the epoch), for pre-creation; null for MAXVALUE. */
  boundMs: number | null;
}

export interface PartitionLayout {
  fn: PartitionFunction;
  /** In `PARTITION_ORDINAL_POSITION` order, i.e. ascending bounds. */
  partitions: RangePartition[];
}

const EPOCH_DAY = 719_528;
const DAY_US = 86_400_000_000;
/** MIN_USABLE_DATETIME ('1000-01-01 00:00:00') in µs since the epoch, and the value just below it. */
const FIRST_USABLE_MICROS = Date.UTC(1000, 0, 1) * 1000;
const LAST_UNUSABLE_TEXT = '0999-12-31 23:59:59.999999';
const FUNCTION_EXPRESSION = /^\s*(to_days|unix_timestamp)\s*\(\s*`?([A-Za-z0-9_$]+)`?\s*\)\s*$/i;
const COLUMN_EXPRESSION = /^\s*`?([A-Za-z0-9_$]+)`?\s*$/;
const DATETIME_LITERAL = /^'(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?'$/;

/** Where to point a user whose table the partition path cannot read. */
const OFF_HINT = 'set partitions: { action: off } on the target to purge it row by row';

/**
 * Reads a table's partitioning from information_schema.PARTITIONS. Null when the table is not
 * partitioned. Refuses (RefusalError `partitioning`) what the partition path cannot judge exactly:
 * subpartitions, LIST/HASH/KEY/SYSTEM_TIME methods, and any expression but the time column itself,
 * TO_DAYS(time) or UNIX_TIMESTAMP(time) — guessing there could drop rows that are not due.
 */
export async function readPartitionLayout(pool: Pool, database: string, plan: AgeTargetPlan): Promise<PartitionLayout | null> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT PARTITION_NAME AS name, SUBPARTITION_NAME AS sub, PARTITION_METHOD AS method, PARTITION_EXPRESSION AS expr,
            PARTITION_DESCRIPTION AS description
       FROM information_schema.PARTITIONS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL
      ORDER BY PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION`,
    [database, plan.table],
  );
  if (rows.length === 0) return null;
  return parsePartitionLayout(
    plan,
    rows.map((r) => ({
      name: String(r.name),
      sub: r.sub === null || r.sub === undefined ? null : String(r.sub),
      method: String(r.method ?? ''),
      expr: String(r.expr ?? ''),
      description: r.description === null || r.description === undefined ? null : String(r.description),
    })),
  );
}

export interface PartitionRow {
  name: string;
  sub: string | null;
  method: string;
  expr: string;
  description: string | null;
}

/** The pure part of readPartitionLayout (unit-tested): rows of information_schema.PARTITIONS → a layout. */
export function parsePartitionLayout(plan: AgeTargetPlan, rows: readonly PartitionRow[]): PartitionLayout {
  const table = plan.table;
  const first = rows[0];
  if (!first) throw new Error('parsePartitionLayout needs at least one partition');
  if (rows.some((r) => r.sub !== null)) {
    throw new RefusalError('partitioning', `${table} has subpartitions: a partition cannot be dropped by time alone (${OFF_HINT})`);
  }
  const method = first.method.toUpperCase();
  if (method !== 'RANGE' && method !== 'RANGE COLUMNS') {
    throw new RefusalError(
      'partitioning',
      `${table} is partitioned by ${method || 'an unknown method'}; only RANGE and RANGE COLUMNS partitioning by the time column can be purged by partition (${OFF_HINT})`,
    );
  }
  const fn = readFunction(plan, method, first.expr);
  const precision = fractionalDigits(plan.time.columnType);
  const partitions = rows.map((r): RangePartition => {
    const lessThan = r.description ?? '';
    if (lessThan.toUpperCase() === 'MAXVALUE') return { name: r.name, lessThan, latestMicros: null, integerBound: null, boundMs: null };
    const bound = readBound(plan, fn, lessThan);
    if (bound === null) {
      throw new RefusalError(
        'partitioning',
        `${table} partition ${r.name} has a bound it cannot read (LESS THAN ${lessThan}) (${OFF_HINT})`,
      );
    }
    const latestMicros = bound.boundMicros === null ? null : latestBelow(bound.boundMicros, precision);
    return { name: r.name, lessThan, latestMicros, integerBound: bound.integerBound, boundMs: boundMs(plan, bound) };
  });
  return { fn, partitions };
}

function readFunction(plan: AgeTargetPlan, method: string, expr: string): PartitionFunction {
  const table = plan.table;
  const time = plan.time.name.toLowerCase();
  const wrong = (what: string) =>
    new RefusalError('partitioning', `${table} is partitioned by ${what}, not by its time column ${plan.time.name} (${OFF_HINT})`);
  const fnMatch = FUNCTION_EXPRESSION.exec(expr);
  if (fnMatch && method === 'RANGE') {
    const [, name, column] = fnMatch as unknown as [string, string, string];
    if (column.toLowerCase() !== time) throw wrong(expr);
    // TO_DAYS of a TIMESTAMP would depend on the session's zone (MySQL forbids it; refuse, don't guess).
    if (name.toLowerCase() === 'to_days' && plan.time.dataType === 'datetime') return 'to_days';
    if (name.toLowerCase() === 'unix_timestamp' && plan.time.dataType === 'timestamp') return 'unix_timestamp';
    throw new RefusalError(
      'partitioning',
      `${table}: ${expr} on a ${plan.time.columnType} column is not an expression it can read (${OFF_HINT})`,
    );
  }
  const columnMatch = COLUMN_EXPRESSION.exec(expr);
  if (columnMatch) {
    if (columnMatch[1]?.toLowerCase() !== time) throw wrong(expr);
    // RANGE(col) needs an integer column; RANGE COLUMNS(col) takes integers and DATETIME alike.
    if (INTEGER_TYPES.has(plan.time.dataType) || (method === 'RANGE COLUMNS' && plan.timeFormat === 'datetime')) return 'column';
  }
  throw new RefusalError(
    'partitioning',
    `${table} is partitioned by ${expr || 'an empty expression'}, an expression it cannot read (${OFF_HINT})`,
  );
}

/** A bound as an instant in µs (DATETIME and day/second functions) or as an exact integer (epoch columns). */
function readBound(
  plan: AgeTargetPlan,
  fn: PartitionFunction,
  text: string,
): { boundMicros: number | null; integerBound: bigint | null } | null {
  if (fn === 'column' && plan.timeFormat === 'datetime') {
    const micros = datetimeMicros(text);
    return micros === null ? null : { boundMicros: micros, integerBound: null };
  }
  const unquoted = text.replace(/^'(.*)'$/, '$1');
  if (!/^-?\d+$/.test(unquoted)) return null;
  const n = BigInt(unquoted);
  if (fn === 'to_days') return { boundMicros: Number(n - BigInt(EPOCH_DAY)) * DAY_US, integerBound: null };
  if (fn === 'unix_timestamp') return { boundMicros: Number(n) * 1_000_000, integerBound: null };
  return { boundMicros: null, integerBound: n };
}

function boundMs(plan: AgeTargetPlan, bound: { boundMicros: number | null; integerBound: bigint | null }): number {
  if (bound.boundMicros !== null) return Math.floor(bound.boundMicros / 1000);
  const n = Number(bound.integerBound);
  return plan.timeFormat === 'epoch_s' ? n * 1000 : n;
}

/** The `LESS THAN` value that puts rows before `ms` (an interval start, UTC midnight) in a partition. */
export function boundText(plan: AgeTargetPlan, fn: PartitionFunction, ms: number): string {
  switch (fn) {
    case 'to_days':
      return String(EPOCH_DAY + Math.floor(ms / 86_400_000));
    case 'unix_timestamp':
      return String(Math.floor(ms / 1000));
    case 'column':
      if (plan.timeFormat === 'datetime') return `'${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;
      return String(plan.timeFormat === 'epoch_s' ? Math.floor(ms / 1000) : ms);
  }
}

/** A quoted DATETIME literal (`'2026-01-02'`, `'2026-01-02 00:00:00.500'`) read as UTC, in µs. */
export function datetimeMicros(text: string): number | null {
  const m = DATETIME_LITERAL.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const fraction = Number((m[7] ?? '').padEnd(6, '0'));
  return Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + fraction;
}

/**
 * The latest value a column of `precision` fractional digits can hold strictly below a bound:
 * rows satisfy `value < bound`, so the last one is a column unit before the bound rounded up to
 * that unit (DATETIME(0) below 00:00:00.500 is 00:00:00; below 00:00:01 also 00:00:00).
 */
function latestBelow(boundMicros: number, precision: number): number {
  const unit = 10 ** (6 - Math.min(6, Math.max(0, precision)));
  return Math.ceil(boundMicros / unit) * unit - unit;
}

/** `datetime(3)` → 3; `timestamp` → 0. */
function fractionalDigits(columnType: string): number {
  const m = /\((\d)\)/.exec(columnType);
  return m ? Number(m[1]) : 0;
}

/**
 * True when every row the partition can hold is before the cutoff: the exact test of the purge
 * (`time < cutoff`) applied to the latest value the partition admits. The MAXVALUE partition never is.
 */
export function whollyDue(plan: AgeTargetPlan, partition: RangePartition, cutoff: Date): boolean {
  if (partition.integerBound !== null) {
    // Integer column, rows ≤ bound − 1; due is `t < cutoffParam` (ceil for epoch_s, see sql-values).
    const limit = cutoffParam(plan.timeFormat, cutoff) as bigint;
    return partition.integerBound - 1n < limit;
  }
  if (partition.latestMicros === null) return false;
  return partition.latestMicros < cutoff.getTime() * 1000;
}

/**
 * The latest value `partition` admits, as a parameter for the time column: `time > it` holds for
 * no row of this partition nor of any before it (bounds ascend). DATETIME and TIMESTAMP values go
 * as UTC text with microseconds (the pool's sessions run in UTC), integers as exact integers.
 */
export function latestValueParam(partition: RangePartition): SqlParam {
  if (partition.integerBound !== null) return partition.integerBound - 1n;
  if (partition.latestMicros === null) throw new Error(`partition ${partition.name} (MAXVALUE) has no latest value`);
  // Below the first usable time (a catch-all `LESS THAN (1)` of TO_DAYS holds only zero dates)
  // any value under it selects the same due rows; this one still prints as a date.
  if (partition.latestMicros < FIRST_USABLE_MICROS) return LAST_UNUSABLE_TEXT;
  const ms = Math.floor(partition.latestMicros / 1000);
  const micros = partition.latestMicros - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}${String(micros).padStart(3, '0')}`;
}
