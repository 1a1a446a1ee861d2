/**
 * The canonical form of an audit entry: the exact text that is hashed and stored, so that an
 * auditor can re-hash it with any tool. It is JSON with
 * - object keys sorted by UTF-16 code unit (byte order for the ASCII keys the worker writes),
 *   properties whose value is `undefined` left out, no whitespace anywhere;
 * - every number written as a string: integers in plain decimal digits (`1200`, never `1.2e3`),
 *   other finite numbers as ECMAScript `Number.prototype.toString` (`0.25`); bigints in decimal;
 * - Dates as ISO-8601 UTC with milliseconds (`2026-11-28T10:00:00.012Z`);
 * - strings escaped so that the text is pure ASCII: `"` and `\` backslash-escaped, `\b \f \n \r \t`
 *   as such, every other code unit below 0x20 or from 0x7f up as `\u` + 4 lower-case hex digits.
 * Because no number survives as a JSON number, parsing the text back and writing it again gives
 * the same bytes (verification relies on that).
 */

/** A value as it reads back from canonical text: numbers and times have become strings. */
export type CanonicalJson = string | boolean | null | readonly CanonicalJson[] | { readonly [key: string]: CanonicalJson };

/** Deeper than any entry the worker writes; stops a cyclic object with a clear error. */
const MAX_DEPTH = 32;

/** Writes `value` in canonical form; throws TypeError (naming the path) for what has none. */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0);
}

function write(value: unknown, path: string, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return quote(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no canonical form`);
      // BigInt() writes every integer in plain digits (1e21 → "1000000000000000000000") and -0 as "0".
      return quote(Number.isInteger(value) ? BigInt(value).toString() : String(value));
    case 'object':
      break;
    default:
      throw new TypeError(`${path}: a ${typeof value} has no canonical form`);
  }
  if (depth >= MAX_DEPTH) throw new TypeError(`${path}: nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`${path}: an invalid Date has no canonical form`);
    return quote(value.toISOString());
  }
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, i) => write(item === undefined ? null : item, `${path}[${i}]`, depth + 1));
    return `[${items.join(',')}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw new TypeError(`${path}: a ${name} has no canonical form; pass a plain object`);
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${quote(k)}:${write(record[k], `${path}.${k}`, depth + 1)}`);
  return `{${members.join(',')}}`;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[code];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code < 0x7f) out += text[i];
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}
