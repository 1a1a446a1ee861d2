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
}

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
  return {
    prefix: shape[1] ?? '',
    width,
    textAtOrAfter(cutoffMs) {
      let start = DateTime.fromMillis(cutoffMs, { zone: resolvedZone }).startOf(unit);
      if (start.toMillis() < cutoffMs) start = start.plus({ [unit]: 1 });
      const text = start.toFormat(format);
      return text.length === width && /^\d+$/.test(text) ? text : null;
    },
  };
}
