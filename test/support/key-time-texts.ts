import { randomInt } from 'node:crypto';
import { DateTime } from 'luxon';

/** Sortable key-time shapes, zones and cutoffs (on a unit boundary, and 1 ms past one) that the judges are checked on. */
export const KEY_TIME_CASES = [
  { format: 'yyyyMMddHHmm', zone: 'UTC', cutoff: '2026-12-03T10:30:00.000Z', literal: '' },
  { format: 'yyyyMMddHHmm', zone: 'UTC', cutoff: '2026-12-03T10:30:00.001Z', literal: ':' },
  { format: 'yyyyMMddHHmmssSSS', zone: 'UTC', cutoff: '2026-03-01T00:00:00.000Z', literal: 'at:' },
  { format: 'yyyyMMdd', zone: 'UTC+5:30', cutoff: '2026-12-03T18:30:00.000Z', literal: '' },
  { format: 'yyyyMMdd', zone: 'UTC-3', cutoff: '2024-02-29T12:00:00.000Z', literal: '_' },
] as const;

/** Texts of `width` digits around the cutoff, canonical or not, that a careless judge would get wrong. */
export function timeTexts(format: string, cutoffMs: number, zone: string): string[] {
  const width = format.length;
  const at = DateTime.fromMillis(cutoffMs, { zone });
  const unit = ({ 8: 'day', 12: 'minute', 17: 'millisecond' } as const)[width as 8 | 12 | 17];
  const texts = new Set<string>();
  for (let i = -3; i <= 3; i += 1)
    texts.add(
      at
        .startOf(unit)
        .plus({ [unit]: i })
        .toFormat(format),
    );
  const day = at.toFormat('yyyyMMdd');
  const previousDay = at.minus({ days: 1 }).toFormat('yyyyMMdd');
  const tailZeros = (s: string) => (s + '0'.repeat(width)).slice(0, width);
  const edges = [
    `${previousDay}24`, // hour 24: luxon reads the next midnight
    `${day}24`,
    `${previousDay}2401`,
    `${day.slice(0, 4)}0001`, // month 00
    `${day.slice(0, 4)}1301`, // month 13
    `${day.slice(0, 6)}00`, // day 00
    `${day.slice(0, 6)}32`,
    '20240229',
    '20230229',
    '19000229',
    '20000229',
    '00000229',
    '00000101',
    `${day}0060`, // minute 60
    `${day}236000`, // second 60 (texts of 17 digits)
    `${day}235960`,
    '99999999',
  ];
  for (const e of edges) texts.add(tailZeros(e));
  for (let i = 0; i < 300; i += 1) {
    // Random times near the cutoff (within two years, or within a few units), to catch an order the edges miss.
    const offsetMs = i % 2 === 0 ? randomInt(-2 * 365, 2 * 365) * 86_400_000 + randomInt(0, 86_400_000) : randomInt(-5000, 5000) * 60_000;
    texts.add(DateTime.fromMillis(cutoffMs + offsetMs, { zone }).toFormat(format));
  }
  for (let i = 0; i < 100; i += 1) {
    // And random digits: mostly not a calendar date at all.
    let digits = String(at.year - randomInt(0, 3));
    while (digits.length < width) digits += String(randomInt(0, 10));
    texts.add(digits);
  }
  return [...texts];
}

/**
 * Key names `<base><i>:<literal><text>` for every text, and beside each the same digits behind
 * another literal, one digit more or less, or bytes that are not UTF-8; plus Arabic-Indic digits
 * and a name too short to hold a time.
 */
export function keyNamesAround(base: string, literal: string, texts: readonly string[]): Buffer[] {
  const names: Buffer[] = [];
  texts.forEach((text, i) => {
    names.push(Buffer.from(`${base}${i}:${literal}${text}`));
    names.push(Buffer.from(`${base}${i}:${literal}x${text}`));
    names.push(Buffer.from(`${base}${i}:${literal}${text.slice(1)}`));
    names.push(Buffer.from(`${base}${i}:${literal}7${text}`));
    names.push(Buffer.concat([Buffer.from(`${base}${i}:${literal}`), Buffer.from([0xe2, 0x28]), Buffer.from(text)]));
  });
  const width = texts[0]?.length ?? 8;
  names.push(Buffer.from(`${base}arabic-digits:${literal}${'\u0662'.repeat(width)}`));
  names.push(Buffer.from(`${base}short:${literal}1`));
  return names;
}
