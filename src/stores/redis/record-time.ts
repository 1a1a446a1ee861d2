import { DateTime } from 'luxon';

/** A time read from a record, in epoch milliseconds, or null when the record holds no usable time. */
export type TimeReader = (source: Buffer) => number | null;

/** Time texts remembered per reader (bounded memory). @defaultValue 10000 */
const RECENT_TIMES = 10_000;

/**
 * Reads the time written in a key name: the first capture group of `fromKey` (or its whole match),
 * parsed with the luxon `format` in `zone` (`im:mon:1:x:202405011230` → 12:30 in that zone).
 */
export function keyNameTime(fromKey: string, format: string, zone: string): TimeReader {
  const pattern = new RegExp(fromKey);
  // Built once: fromFormat would rebuild its parser for every key (≈0.4 ms each, a bottleneck).
  const parser = DateTime.buildFormatParser(format);
  // Many keys share a time text (every app and interface of one minute): remember recent ones.
  const recent = new Map<string, number | null>();
  return (key) => {
    const found = pattern.exec(key.toString('utf8'));
    if (!found) return null;
    const text = found[1] ?? found[0];
    let ms = recent.get(text);
    if (ms === undefined) {
      const time = DateTime.fromFormatParser(text, parser, { zone });
      ms = time.isValid ? time.toMillis() : null;
      if (recent.size >= RECENT_TIMES) recent.clear();
      recent.set(text, ms);
    }
    return ms;
  };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Reads the time held in a hash field: `epoch_ms`, `epoch_s` (either may have a fraction) or an
 * ISO 8601 text (without an offset, it is read in `zone`).
 *
 * Epochs are parsed from their decimal text and floored to the millisecond, never multiplied as
 * floats: for an integer cutoff, `time < cutoff` ⇔ `floor(time) < cutoff`, so the comparison at the
 * boundary stays exact (1700000000.123 s is 1700000000123 ms, not 1700000000122.9998).
 */
export function fieldTime(format: 'epoch_ms' | 'epoch_s' | 'iso', zone: string): TimeReader {
  if (format === 'iso') {
    return (value) => {
      const time = DateTime.fromISO(value.toString('utf8'), { zone });
      return time.isValid ? time.toMillis() : null;
    };
  }
  const scale = format === 'epoch_s' ? 3 : 0;
  return (value) => epochMillis(value.toString('utf8'), scale);
}

/** `text` × 10^scale, floored to an integer, or null when it is not a plain decimal number. */
function epochMillis(text: string, scale: number): number | null {
  const parts = DECIMAL.exec(text);
  if (!parts) return null;
  const [, sign = '', whole = '', fraction = ''] = parts;
  const digits = fraction.padEnd(scale, '0');
  let ms = BigInt(whole + digits.slice(0, scale));
  const remainder = digits.slice(scale);
  if (sign === '-') ms = /[1-9]/.test(remainder) ? -ms - 1n : -ms;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER) || ms < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(ms);
}
