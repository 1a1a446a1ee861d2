import mysql from 'mysql2';
import type { TimeFormat } from './check-target.js';
import { INTEGER_TYPES, type ColumnInfo } from './table-shape.js';

/**
 * Values bound into the purge statements. Two traps are avoided here: a string compared with an
 * integer column may be compared as a double (MySQL's documented conversion rule, so
 * '9007199254740993' could also match …992), and a JS number loses integers above 2^53. Integers therefore travel as BigInt (mysql2 writes them as
 * bare literals), decimals as validated raw literals.
 */

/** A value mysql2 can bind: what `query(sql, values)` accepts. */
export type SqlParam = string | number | bigint | Date | Buffer | null | ReturnType<typeof mysql.raw>;

const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** The earliest DATETIME MySQL documents; anything below it (a zero date) is not a usable time. */
export const MIN_USABLE_DATETIME = '1000-01-01 00:00:00';

/**
 * A key value read back from a walk (BIGINTs as strings, dates as strings via `dateStrings`)
 * turned into a parameter that compares exactly with its column.
 */
export function keyParam(column: ColumnInfo, value: unknown): SqlParam {
  if (value === null || value === undefined) return null;
  if (INTEGER_TYPES.has(column.dataType)) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === 'string' && INTEGER_TEXT.test(value)) return BigInt(value);
    throw new Error(`unexpected value type for integer column ${column.name}`);
  }
  if (column.dataType === 'decimal') {
    const text = String(value);
    if (!DECIMAL_TEXT.test(text)) throw new Error(`unexpected value for decimal column ${column.name}`);
    return mysql.raw(text);
  }
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    value instanceof Date ||
    Buffer.isBuffer(value)
  )
    return value;
  return String(value);
}

/**
 * A subject id (an exact decimal string) as a parameter for the subject column, or null when it
 * cannot match any row of that column (e.g. `abc` against an integer column).
 */
export function subjectParam(column: ColumnInfo, subjectId: string): SqlParam | null {
  if (INTEGER_TYPES.has(column.dataType)) return INTEGER_TEXT.test(subjectId) ? BigInt(subjectId) : null;
  if (column.dataType === 'decimal') return DECIMAL_TEXT.test(subjectId) ? mysql.raw(subjectId) : null;
  return subjectId;
}

/**
 * The cutoff as the column stores time. `time < cutoff` must hold exactly as for the instant:
 * for whole seconds `t < cutoffMs / 1000` ⇔ `t < ceil(cutoffMs / 1000)` since `t` is an integer.
 * A Date is written by mysql2 in UTC with milliseconds (the pool's `timezone: 'Z'`).
 */
export function cutoffParam(format: TimeFormat, cutoff: Date): SqlParam {
  const ms = cutoff.getTime();
  if (!Number.isFinite(ms)) throw new Error('the cutoff is not a valid date');
  switch (format) {
    case 'datetime':
      return cutoff;
    case 'epoch_ms':
      return BigInt(ms);
    case 'epoch_s':
      return BigInt(Math.ceil(ms / 1000));
  }
}

/** A stored time read back (a Date for DATETIME/TIMESTAMP, a number or string for epochs) as a Date. */
export function timeFromStored(format: TimeFormat, value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  const n = Number(value);
  if (!Number.isFinite(n)) return null;
  return new Date(format === 'epoch_s' ? n * 1000 : n);
}
