import { describe, expect, it } from 'vitest';
import { fieldTime, keyNameTime } from '../../../src/stores/redis/record-time.js';
import { createSubjectKeyMatcher } from '../../../src/stores/redis/subject-key-matcher.js';

const b = (text: string) => Buffer.from(text, 'utf8');

describe('Redis record times', () => {
  it('reads epoch texts exactly, flooring sub-millisecond fractions', () => {
    const seconds = fieldTime('epoch_s', 'UTC');
    const millis = fieldTime('epoch_ms', 'UTC');
    expect(seconds(b('1717236000'))).toBe(1717236000000);
    expect(seconds(b('1717235999.999'))).toBe(1717235999999);
    expect(seconds(b('1717236000.0001'))).toBe(1717236000000);
    expect(seconds(b('-1.5'))).toBe(-1500);
    expect(millis(b('-1.5'))).toBe(-2);
    expect(millis(b('12.7'))).toBe(12);
    for (const junk of ['', ' 1', '1e3', '0x10', 'NaN', '1.', '99999999999999999999']) expect(millis(b(junk)), junk).toBeNull();
  });

  it('takes the first capture group of fromKey, or its whole match, in the given zone', () => {
    expect(keyNameTime('(\\d{8})$', 'yyyyMMdd', 'Europe/Paris')(b('x:20240101'))).toBe(Date.parse('2023-12-31T23:00:00Z'));
    expect(keyNameTime('\\d{8}$', 'yyyyMMdd', 'UTC')(b('x:20240101'))).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(keyNameTime('(\\d{8})$', 'yyyyMMdd', 'UTC')(b('x:2024010'))).toBeNull();
  });
});

describe('Redis subject key matcher', () => {
  it('knows the key of an exact pattern without scanning, resolving glob escapes', () => {
    const matcher = createSubjectKeyMatcher('im:cfg\\:<subject>');
    expect(matcher.mode).toBe('exact');
    if (matcher.mode === 'exact') expect(matcher.keyOf('18446744073709551615').toString()).toBe('im:cfg:18446744073709551615');
  });

  it('captures the id of a delimited pattern and ignores ids not asked for', () => {
    const matcher = createSubjectKeyMatcher('im:cfg:<subject>:*');
    expect(matcher.mode).toBe('scan');
    if (matcher.mode !== 'scan') return;
    expect(matcher.scanPattern).toBe('im:cfg:*:*');
    const wanted = new Set(['9007199254740993']);
    expect(matcher.subjectOf(b('im:cfg:9007199254740993:tags'), wanted)).toBe('9007199254740993');
    expect(matcher.subjectOf(b('im:cfg:9007199254740992:tags'), wanted)).toBeNull();
    expect(matcher.subjectOf(b('im:cfg:9007199254740993'), wanted)).toBeNull();
    expect(matcher.subjectOf(b('im:cfg:x9007199254740993:tags'), wanted)).toBeNull();
  });
});
