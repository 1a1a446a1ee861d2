import type { S3TargetConfig } from '../../config/schema.js';
import { keyNameTime } from '../redis/record-time.js';

/** An object as listed: its key, its server time, and (versioned listings) its version. */
export interface ListedObject {
  key: string;
  lastModified: Date | undefined;
  versionId?: string | undefined;
}

/** The time of a listed object in epoch ms, or null when it has none usable. */
export type ObjectTime = (object: ListedObject) => number | null;

/**
 * Reads an object's time: the server's `LastModified`, or the time written in the key with the
 * same `fromKey`/`format` rules as Redis key names (one parser for both, so both read a key alike).
 */
export function objectTime(time: NonNullable<S3TargetConfig['time']>, zone: string): ObjectTime {
  if (time === 'lastModified') {
    return (object) => {
      const ms = object.lastModified?.getTime();
      return ms === undefined || !Number.isFinite(ms) ? null : ms;
    };
  }
  const read = keyNameTime(time.fromKey, time.format, zone);
  return (object) => read(Buffer.from(object.key, 'utf8'));
}

/** The units of a time, largest first, as luxon writes them at a fixed width. */
const ORDERED_UNITS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS'];

/**
 * Why a luxon format cannot be trusted to sort keys in time order, or null when it can: it must
 * write fixed-width units largest first (`yyyy/MM/dd`, `yyyyMMddHHmmssSSS`), starting with the
 * year and skipping none, with only literal separators between them. Then byte order of the texts
 * is time order, and a listing (which S3 returns in byte order) can stop at the first key not due.
 */
export function unorderedFormatProblem(format: string): string | null {
  const units: string[] = [];
  for (let i = 0; i < format.length;) {
    const ch = format[i]!;
    if (ch === "'") {
      const end = format.indexOf("'", i + 1);
      if (end < 0) return `format "${format}" has an unterminated quote`;
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (format[j] === ch) j += 1;
      units.push(format.slice(i, j));
      i = j;
      continue;
    }
    i += 1;
  }
  const expected = ORDERED_UNITS.slice(0, units.length);
  if (units.length === 0 || units.some((u, k) => u !== expected[k])) {
    return `format "${format}" does not sort in time order (it must be fixed-width units, largest first: yyyy, MM, dd, HH, mm, ss, SSS)`;
  }
  return null;
}
