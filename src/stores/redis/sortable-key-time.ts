import { DateTime, Info, type DateTimeUnit } from 'luxon';

/**
 * A key time that sorts as text: fixed-width digits at the end of the name, written from the year
 * down (`im:mon:…:202405011230`), in a zone without daylight saving. For such keys the text's order
 * is the time's order, so "due" is "the text sorts before the cutoff's text", a test Redis can run
 * itself beside SCAN (see `UNLINK_DUE_BY_NAME`): no key name crosses the network.
 */
export interface SortableKeyTime {
  /** Literal text just before the digits (`:` for `:(\d{12})$`), possibly empty. */
  readonly prefix: string;
  /** Digits in the time text (12 for `yyyyMMddHHmm`). */
  readonly width: number;
  /**
   * The smallest time text at or after the cutoff, or null when it has not `width` digits (a year
   * past 9999). A key whose text is canonical (every field in its calendar range) is due exactly
   * when its text sorts before this one.
   */
  textAtOrAfter(cutoffMs: number): string | null;
  /**
   * The same judgment as the `UNLINK_DUE_BY_NAME` script, on a key's bytes: `due` (canonical digits
   * before `cutoffText`), `doubtful` (digits before it, not canonical: for luxon to decide) or
   * `kept` (anything else: not this shape, or at or after the cutoff). The key is `bytes` from
   * `start` to `end` (the whole Buffer by default), so a key can be judged where it lies in a reply.
   */
  judge(bytes: Buffer, cutoffText: Buffer, keyStart?: number, keyEnd?: number): KeyVerdict;
}

export type KeyVerdict = 'due' | 'doubtful' | 'kept';

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The formats whose text sorts as time: a leading part of this one, each field fixed-width. */
const SORTABLE_FORMATS = ['yyyy', 'yyyyMM', 'yyyyMMdd', 'yyyyMMddHH', 'yyyyMMddHHmm', 'yyyyMMddHHmmss', 'yyyyMMddHHmmssSSS'];
const UNIT_OF_FORMAT: readonly DateTimeUnit[] = ['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond'];

/** `<literal>(\d{N})$` with a literal of plain characters (no regular-expression syntax in it). */
const TRAILING_DIGITS = /^([A-Za-z0-9:_/-]*)\(\\d\{(\d{1,2})\}\)\$$/;

/**
 * The sortable form of a `fromKey` + `format` + zone, or null when the key time is not of that
 * shape (any other regular expression, format or zone keeps the client-side judge).
 *
 * Why each condition:
 * - `<literal>(\d{N})$`: the first capture group is then always the last N bytes of the name, when
 *   they are ASCII digits preceded by the literal — what a byte-wise test in Lua sees too (an
 *   invalid UTF-8 sequence before them cannot swallow an ASCII byte when the name is decoded).
 * - a leading part of `yyyyMMddHHmmssSSS` of exactly N digits: fixed-width fields from the most
 *   significant down, so comparing texts compares times.
 * - a universal zone (UTC or a fixed offset): local times never repeat or skip, so the order of
 *   local texts is the order of instants.
 */
export function sortableKeyTime(fromKey: string, format: string, zone: string): SortableKeyTime | null {
  const shape = TRAILING_DIGITS.exec(fromKey);
  const fieldCount = SORTABLE_FORMATS.indexOf(format) + 1;
  const resolvedZone = Info.normalizeZone(zone);
  if (!shape || fieldCount === 0 || !resolvedZone.isValid || !resolvedZone.isUniversal) return null;
  const width = Number(shape[2]);
  if (width !== format.length) return null;
  const unit = UNIT_OF_FORMAT[fieldCount - 1]!;
  const prefix = Buffer.from(shape[1] ?? '', 'latin1');
  return {
    prefix: shape[1] ?? '',
    width,
    judge(key, cutoffText, keyStart = 0, keyEnd = key.length) {
      const start = keyEnd - width;
      if (start - prefix.length < keyStart || prefix.compare(key, start - prefix.length, start) !== 0) return 'kept';
      let before = false;
      let decided = false;
      for (let i = 0; i < width; i += 1) {
        const byte = key[start + i]!;
        if (byte < DIGIT_0 || byte > DIGIT_9) return 'kept';
        if (!decided && byte !== cutoffText[i]) {
          before = byte < cutoffText[i]!;
          decided = true;
        }
      }
      if (!before) return 'kept';
      return canonical(key, start, width) ? 'due' : 'doubtful';
    },
    textAtOrAfter(cutoffMs) {
      let start = DateTime.fromMillis(cutoffMs, { zone: resolvedZone }).startOf(unit);
      if (start.toMillis() < cutoffMs) start = start.plus({ [unit]: 1 });
      const text = start.toFormat(format);
      return text.length === width && /^\d+$/.test(text) ? text : null;
    },
  };
}

/** Each field of the digits at `start` in its calendar range (month 01–12, day within the month, hour 00–23, minute and second 00–59). */
function canonical(key: Buffer, start: number, width: number): boolean {
  const field = (from: number, length: number): number => {
    let n = 0;
    for (let i = 0; i < length; i += 1) n = n * 10 + (key[start + from + i]! - DIGIT_0);
    return n;
  };
  if (width >= 6) {
    const month = field(4, 2);
    if (month < 1 || month > 12) return false;
    if (width >= 8) {
      const year = field(0, 4);
      const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
      const days = month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
      const day = field(6, 2);
      if (day < 1 || day > days) return false;
    }
  }
  if (width >= 10 && field(8, 2) > 23) return false;
  if (width >= 12 && field(10, 2) > 59) return false;
  if (width >= 14 && field(12, 2) > 59) return false;
  return true;
}
