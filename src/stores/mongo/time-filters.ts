import type { Document, Filter } from 'mongodb';
import { Decimal128, Long } from 'mongodb';

/** How a target stores its time: a BSON Date, or a number of milliseconds / seconds since the epoch. */
export type TimeFormat = 'datetime' | 'epoch_ms' | 'epoch_s';

/** The queries an age purger needs for one time field, in one time format. */
export interface TimeFilters {
  /** Records with a usable time strictly before `cutoff`: the records due. */
  due(cutoff: Date): Filter<Document>;
  /** Records with a usable time (any value). */
  usable: Filter<Document>;
  /** Records whose time is missing, null, of another type, or an array: never deleted. */
  unusable: Filter<Document>;
  /** The stored value of a usable time as a Date. */
  toDate(value: unknown): Date | null;
}

/**
 * Builds the filters for a time field. Every filter relies on MongoDB's type bracketing:
 * `{ $lt: <Date> }` only ever matches Dates and `{ $lt: <number> }` only numbers (int, long,
 * double, decimal), so a string, a missing field or null is never due.
 *
 * Arrays are excluded explicitly: MongoDB matches `$lt`/`$type` against each element of an array,
 * so `[old, new]` would be due because of its old element. An array is not a time, so it is
 * counted as unusable and kept. The three sets due, kept-but-usable and unusable partition the
 * collection.
 *
 * `epoch_s` compares against the exact cutoff in fractional seconds, so `time < cutoff` stays
 * strict to the millisecond: with a cutoff of 10.5 s, 10 s is due and 11 s is kept.
 */
export function timeFilters(field: string, format: TimeFormat): TimeFilters {
  const type = format === 'datetime' ? 'date' : 'number';
  const notArray = { $not: { $type: 'array' } };
  const cutoffValue = (cutoff: Date): Date | number =>
    format === 'datetime' ? cutoff : format === 'epoch_ms' ? cutoff.getTime() : cutoff.getTime() / 1000;
  return {
    due: (cutoff) => ({ [field]: { $lt: cutoffValue(cutoff), ...notArray } }),
    usable: { [field]: { $type: type, ...notArray } },
    unusable: { $or: [{ [field]: { $not: { $type: type } } }, { [field]: { $type: 'array' } }] },
    toDate: (value) => storedToDate(value, format),
  };
}

function storedToDate(value: unknown, format: TimeFormat): Date | null {
  if (format === 'datetime') return value instanceof Date && !Number.isNaN(value.getTime()) ? value : null;
  const n = toNumber(value);
  if (n === null) return null;
  const date = new Date(format === 'epoch_ms' ? n : n * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) {
    const n = Number(value.toString());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
