/**
 * Helpers for BSON values as the server holds them: plain JS values from `BSON.deserialize`
 * with int64 decoded as bigint, plus bson classes (ObjectId, Binary, Decimal128, ...).
 */
import { BSON, Decimal128, Long, ObjectId, type Document } from 'mongodb';

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * One JS representation per numeric value, whatever its BSON type (int32, int64, double,
 * Decimal128): integers within ±(2^53 − 1) and non-integers are numbers, larger integers are
 * bigints. Equal numbers thus become identical values (`Long(5)` and `5`; `Long(2^53 + 2)` and
 * the double 2^53 + 2), while 2^53 + 1 stays distinct from the double 2^53 it would round to.
 */
export function canonicalNumber(value: number | bigint | Long | Decimal128): number | bigint {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'bigint') return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  if (value instanceof Long) return canonicalNumber(value.toBigInt());
  const text = value.toString();
  return /^-?\d+$/.test(text) ? canonicalNumber(BigInt(text)) : canonicalNumber(Number(text));
}

/**
 * How an integer beyond ±(2^53 − 1) appears in the views mingo works on. mingo cannot take a
 * bigint in a query (it JSON-stringifies conditions), but compares instances of one class by
 * their `toString()`, which is exact. bson-order.ts and the `$type` operator know it as a number.
 */
export class LargeInteger {
  constructor(readonly value: bigint) {}

  toString(): string {
    return this.value.toString();
  }

  toJSON(): string {
    return this.value.toString();
  }
}

/**
 * A view of `value` for mingo, with every number in its `canonicalNumber` form (large integers
 * as `LargeInteger`), so that int64 and Decimal128 values match int32/double ones as in mongod.
 * The range operators and sorting, which must order large integers, use bson-order.ts.
 * Returns the very same object when nothing had to change, so the common case allocates nothing.
 */
export function toComparable<T>(value: T): T {
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Long || value instanceof Decimal128) {
    const canonical = canonicalNumber(value);
    return (typeof canonical === 'bigint' ? new LargeInteger(canonical) : canonical) as T;
  }
  return mapContainers(value, toComparable);
}

/** Undoes `toComparable` for results computed on views (aggregation output): large integers become int64 again. */
export function fromComparable<T>(value: T): T {
  if (value instanceof LargeInteger) return value.value as T;
  return mapContainers(value, fromComparable);
}

/** Applies `convert` to the items of an array or plain object, copying it only if an item changed. */
function mapContainers<T>(value: T, convert: (item: unknown) => unknown): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const converted = convert(item);
      if (!Object.is(converted, item)) {
        copy ??= value.slice();
        copy[index] = converted;
      }
    });
    return (copy ?? value) as T;
  }
  if (isPlainObject(value)) {
    let copy: Document | undefined;
    for (const key of Object.keys(value)) {
      const item: unknown = value[key];
      const converted = convert(item);
      if (!Object.is(converted, item)) {
        copy ??= { ...value };
        copy[key] = converted;
      }
    }
    return (copy ?? value) as T;
  }
  return value;
}

/**
 * A string that is equal for two values exactly when mongod considers them equal
 * (1, 1.0 and 1n are the same number). Used for distinct and unique indexes.
 */
export function valueKey(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return `n:${value === 0 ? 0 : canonicalNumber(value)}`;
    case 'string':
      return `s:${JSON.stringify(value)}`;
    case 'boolean':
      return `b:${value}`;
  }
  if (value instanceof Long || value instanceof Decimal128) return `n:${canonicalNumber(value)}`;
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (value instanceof ObjectId) return `o:${value.toHexString()}`;
  if (value instanceof RegExp) return `r:${value.source}/${value.flags}`;
  if (Array.isArray(value)) return `a:[${value.map(valueKey).join(',')}]`;
  if (isPlainObject(value)) {
    const fields = Object.keys(value).map((key) => `${JSON.stringify(key)}:${valueKey(value[key])}`);
    return `{${fields.join(',')}}`;
  }
  return `x:${BSON.EJSON.stringify(value, { relaxed: false })}`;
}

/** Renders a value the way mongod prints it in error messages (`dup key: { _id: ObjectId('…') }`). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (isPlainObject(value)) return formatDocument(value);
  return BSON.EJSON.stringify(value);
}

export function formatDocument(document: Document): string {
  const fields = Object.keys(document).map((key) => `${key}: ${formatValue(document[key])}`);
  return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
}

/** Reads a dotted path through embedded documents (no array traversal). */
export function getPath(document: Document, path: string): unknown {
  let current: unknown = document;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Document)[part];
  }
  return current;
}

/** Writes a dotted path, creating embedded documents on the way. */
export function setPath(document: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let current = document;
  for (const part of parts) {
    const next: unknown = current[part];
    if (next === null || typeof next !== 'object') current[part] = {};
    current = current[part] as Document;
  }
  current[last] = value;
}

/** True when two documents serialise to identical BSON (same fields, order and types). */
export function sameBson(a: Document, b: Document): boolean {
  const left = BSON.serialize(a);
  const right = BSON.serialize(b);
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(right);
}

/** Puts `_id` first, as mongod stores it. */
export function withIdFirst(document: Document): Document {
  if (Object.keys(document)[0] === '_id' || !('_id' in document)) return document;
  const { _id, ...rest } = document;
  return { _id, ...rest };
}
