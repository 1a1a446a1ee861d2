import { describe, expect, it } from 'vitest';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { sortableKeyTime } from '../../../src/stores/redis/sortable-key-time.js';
import { KEY_TIME_CASES, keyNamesAround, timeTexts } from '../../support/key-time-texts.js';

describe('sortable key times (judged by Redis)', () => {
  it('recognises trailing fixed-width digits written from the year down, in UTC or a fixed offset', () => {
    expect(sortableKeyTime('(\\d{12})$', 'yyyyMMddHHmm', 'UTC')).toMatchObject({ prefix: '', width: 12 });
    expect(sortableKeyTime(':(\\d{17})$', 'yyyyMMddHHmmssSSS', 'UTC+5:30')).toMatchObject({ prefix: ':', width: 17 });
    expect(sortableKeyTime('mon_/-(\\d{8})$', 'yyyyMMdd', 'utc')).toMatchObject({ prefix: 'mon_/-', width: 8 });
  });

  it('keeps every other shape for the worker to judge', () => {
    const refused: Array<[string, string, string]> = [
      ['(\\d{12})$', 'yyyyMMddHHmm', 'Europe/Paris'], // daylight saving: local texts repeat
      ['(\\d{12})$', 'yyyyMMddHHmm', 'Etc/UTC'], // an IANA zone luxon does not call universal
      ['(\\d{12})$', 'ddMMyyyyHHmm', 'UTC'], // not from the year down
      ['(\\d{12})$', 'yyyyMMddHHmmss', 'UTC'], // width and format disagree
      ['(\\d{12})', 'yyyyMMddHHmm', 'UTC'], // not anchored at the end
      ['^im:(\\d{12})$', 'yyyyMMddHHmm', 'UTC'], // regular-expression syntax in the literal
      ['.(\\d{12})$', 'yyyyMMddHHmm', 'UTC'],
      ['(\\d{12})$', 'yyyy-MM-dd HH:mm', 'UTC'],
      ['(\\d+)$', 'yyyyMMddHHmm', 'UTC'],
      ['(\\d{12})$', 'yyyyMMddHHmm', 'Not/AZone'],
    ];
    for (const [fromKey, format, zone] of refused)
      expect(sortableKeyTime(fromKey, format, zone), `${fromKey} ${format} ${zone}`).toBeNull();
  });

  it('gives the cutoff text a key must sort before: the cutoff itself on a unit boundary, the next unit otherwise', () => {
    const minutes = sortableKeyTime('(\\d{12})$', 'yyyyMMddHHmm', 'UTC')!;
    expect(minutes.textAtOrAfter(Date.parse('2026-12-03T10:30:00.000Z'))).toBe('202612031030');
    expect(minutes.textAtOrAfter(Date.parse('2026-12-03T10:30:00.001Z'))).toBe('202612031031');
    expect(minutes.textAtOrAfter(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('202701010000');
    const days = sortableKeyTime('(\\d{8})$', 'yyyyMMdd', 'UTC+5:30')!;
    // 2026-12-03T18:30Z is local midnight of the 4th at +05:30.
    expect(days.textAtOrAfter(Date.parse('2026-12-03T18:30:00.000Z'))).toBe('20261204');
    expect(days.textAtOrAfter(Date.parse('2026-12-03T18:29:59.999Z'))).toBe('20261204');
    expect(days.textAtOrAfter(Date.parse('2026-12-03T18:30:00.001Z'))).toBe('20261205');
    const years = sortableKeyTime('(\\d{4})$', 'yyyy', 'UTC')!;
    expect(years.textAtOrAfter(Date.parse('2026-01-01T00:00:00.000Z'))).toBe('2026');
    expect(years.textAtOrAfter(Date.parse('2026-01-01T00:00:00.001Z'))).toBe('2027');
    // A year of five digits cannot be compared with four-digit texts: the worker judges instead.
    expect(years.textAtOrAfter(Date.parse('+010000-01-01T00:00:00.001Z'))).toBeNull();
  });
});

describe("the worker's judgment of sortable key names by their bytes", () => {
  for (const { format, zone, cutoff, literal } of KEY_TIME_CASES) {
    it(`agrees with luxon on every name it decides, and leaves it the doubtful ones: ${format} in ${zone}, cutoff ${cutoff}`, () => {
      const cutoffMs = Date.parse(cutoff);
      const fromKey = `${literal}(\\d{${format.length}})$`;
      const time = sortableKeyTime(fromKey, format, zone)!;
      const cutoffText = Buffer.from(time.textAtOrAfter(cutoffMs)!, 'latin1');
      const read = keyNameTime(fromKey, format, zone);
      const verdicts = { due: 0, kept: 0, doubtful: 0 };
      for (const name of keyNamesAround('im:x:', literal, timeTexts(format, cutoffMs, zone))) {
        const verdict = time.judge(name, cutoffText);
        verdicts[verdict] += 1;
        const ms = read(name);
        if (verdict === 'doubtful') {
          // Digits before the cutoff's text that are not a canonical date: luxon refuses most.
          expect(name.toString('latin1')).toMatch(/\d+$/);
          continue;
        }
        expect(verdict === 'due', name.toString('latin1')).toBe(ms !== null && ms < cutoffMs);
      }
      expect(verdicts.due).toBeGreaterThan(50);
      expect(verdicts.kept).toBeGreaterThan(50);
      expect(verdicts.doubtful).toBeGreaterThan(0);
    });
  }
});
