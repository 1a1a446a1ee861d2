/**
 * MongoDB's sort order for BSON values and a stable sort by a `{ field: 1 | -1, … }` spec.
 *
 * mingo's own sort brackets types in a different order (ObjectId after Date, booleans before
 * Dates) and keeps int64 apart from numbers, so sorting is done here; mingo keeps matching.
 * https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
 */
import { Binary, BSONRegExp, BSONSymbol, Decimal128, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document } from 'mongodb';
import { CommandError } from './errors.js';
import { isPlainObject, LargeInteger } from './values.js';

/** Rank of a value's type in MongoDB's comparison order (all numeric types share one). */
export function typeRank(value: unknown): number {
  if (value instanceof MinKey) return 1;
  if (value === null || value === undefined) return 2;
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    value instanceof Long ||
    value instanceof Decimal128 ||
    value instanceof LargeInteger
  ) {
    return 3;
  }
  if (typeof value === 'string' || value instanceof BSONSymbol) return 4;
  if (Array.isArray(value)) return 6;
  if (value instanceof Binary) return 7;
  if (value instanceof ObjectId) return 8;
  if (typeof value === 'boolean') return 9;
  if (value instanceof Date) return 10;
  if (value instanceof Timestamp) return 11;
  if (value instanceof RegExp || value instanceof BSONRegExp) return 12;
  if (value instanceof MaxKey) return 100;
  if (isPlainObject(value)) return 5;
  return 13; // Code and other rarities: after regular expressions
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function compareNumbers(a: unknown, b: unknown): number {
  const asNumberOrBigInt = (v: unknown): number | bigint =>
    typeof v === 'bigint' || typeof v === 'number'
      ? v
      : v instanceof Long
        ? v.toBigInt()
        : v instanceof LargeInteger
          ? v.value
          : Number(String(v));
  const x = asNumberOrBigInt(a);
  const y = asNumberOrBigInt(b);
  if (typeof x === 'number' && Number.isNaN(x)) return typeof y === 'number' && Number.isNaN(y) ? 0 : -1;
  if (typeof y === 'number' && Number.isNaN(y)) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return sign(a.length - b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return sign((a[i] as number) - (b[i] as number));
  return 0;
}

/** Compares two BSON values the way mongod orders them. */
export function compareBson(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return sign(rankA - rankB);
  switch (rankA) {
    case 3:
      return compareNumbers(a, b);
    case 4:
      return compareStrings(String(a), String(b));
    case 5:
      return compareDocuments(a as Document, b as Document);
    case 6:
      return compareArrays(a as unknown[], b as unknown[]);
    case 7: {
      const [x, y] = [a as Binary, b as Binary];
      return sign(x.length() - y.length()) || sign(x.sub_type - y.sub_type) || compareBytes(x.value(), y.value());
    }
    case 8:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case 9:
      return sign(Number(a) - Number(b));
    case 10:
      return sign((a as Date).getTime() - (b as Date).getTime());
    case 11: {
      const [x, y] = [a as Timestamp, b as Timestamp];
      return sign(x.t - y.t) || sign(x.i - y.i);
    }
    case 12: {
      const [x, y] = [regexParts(a), regexParts(b)];
      return compareStrings(x.source, y.source) || compareStrings(x.flags, y.flags);
    }
    default:
      return 0;
  }
}

function regexParts(value: unknown): { source: string; flags: string } {
  if (value instanceof RegExp) return { source: value.source, flags: value.flags };
  const regex = value as BSONRegExp;
  return { source: regex.pattern, flags: regex.options };
}

function compareDocuments(a: Document, b: Document): number {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  for (let i = 0; i < Math.min(keysA.length, keysB.length); i++) {
    const [ka, kb] = [keysA[i] as string, keysB[i] as string];
    const order = sign(typeRank(a[ka]) - typeRank(b[kb])) || compareStrings(ka, kb) || compareBson(a[ka], b[kb]);
    if (order !== 0) return order;
  }
  return sign(keysA.length - keysB.length);
}

function compareArrays(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareBson(a[i], b[i]);
    if (order !== 0) return order;
  }
  return sign(a.length - b.length);
}

/** Every value a dotted path reaches, descending into arrays (of values and of documents). */
function valuesAt(value: unknown, path: string[]): unknown[] {
  if (path.length === 0) return Array.isArray(value) ? value : [value];
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(head)) return valuesAt(value[Number(head)], rest);
    return value.flatMap((item) => (isPlainObject(item) ? valuesAt(item, path) : []));
  }
  if (!isPlainObject(value)) return [undefined];
  return valuesAt(value[head], rest);
}

/**
 * The value a document sorts by for one key: with arrays, the smallest element when ascending
 * and the largest when descending (mongod's rule); missing sorts as null.
 */
function sortKey(document: Document, path: string[], direction: 1 | -1): unknown {
  const values = valuesAt(document, path);
  if (values.length === 0) return undefined;
  return values.reduce((best, value) => (compareBson(value, best) * direction < 0 ? value : best));
}

function parseSortSpec(spec: Document): Array<{ path: string[]; direction: 1 | -1 }> {
  return Object.entries(spec).map(([field, direction]) => {
    const numeric = typeof direction === 'bigint' ? Number(direction) : direction;
    if (numeric !== 1 && numeric !== -1) {
      throw new CommandError('BadValue', '$sort key ordering must be 1 (for ascending) or -1 (for descending)');
    }
    return { path: field.split('.'), direction: numeric };
  });
}

/**
 * A stable sort of `documents` by a sort specification; returns a new array.
 * `$natural` sorts by position in `documents` (natural order when given a collection's documents).
 */
export function sortBySpec<T extends Document>(documents: readonly T[], spec: Document): T[] {
  const keys = parseSortSpec(spec);
  const decorated = documents.map((document, index) => ({
    document,
    values: keys.map(({ path, direction }) => (path[0] === '$natural' ? index : sortKey(document, path, direction))),
  }));
  decorated.sort((a, b) => {
    for (const [i, { direction }] of keys.entries()) {
      const order = compareBson(a.values[i], b.values[i]) * direction;
      if (order !== 0) return order;
    }
    return 0; // Array.prototype.sort is stable: ties keep their input order
  });
  return decorated.map(({ document }) => document);
}
