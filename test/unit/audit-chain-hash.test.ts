import { describe, it, expect } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../src/audit/chain-hash.js';
import { subjectHash, normalizeDecimalId } from '../../src/audit/subject-hash.js';

// Expected values computed outside Node: `printf '%s' '<64 zeros>{"a":"1"}' | sha256sum`
// and `… | openssl dgst -sha256 -hmac secret-key`.
describe('chainHash', () => {
  it('is plain SHA-256 of prevHash ‖ canonical when there is no key', () => {
    expect(chainHash('', GENESIS_HASH, '{"a":"1"}')).toBe('ecd1381966221dc1650f86c9424b1bcd8e275552a7a0aaafa0288ee979a5b87c');
  });

  it('is HMAC-SHA-256 keyed with the audit key when there is one', () => {
    expect(chainHash('secret-key', GENESIS_HASH, '{"a":"1"}')).toBe('dfe05b7d33f64f70b393ef7ecc601e7eebb30e05ccc7cbaf91f0c923b94d856a');
  });

  it('depends on the previous hash', () => {
    expect(chainHash('k', 'f'.repeat(64), '{}')).not.toBe(chainHash('k', GENESIS_HASH, '{}'));
  });
});

describe('subjectHash', () => {
  it('is HMAC-SHA-256(key, decimal id), deterministic', () => {
    expect(subjectHash('secret-key', '1400000101')).toBe('96190b99d3b4561e72361fd09d3852633c4d220f6122ff306ed0a5503134c1b0');
    expect(subjectHash('secret-key', 1400000101)).toBe(subjectHash('secret-key', '1400000101'));
  });

  it('differs by key', () => {
    expect(subjectHash('key-a', '42')).not.toBe(subjectHash('key-b', '42'));
  });

  it('treats leading zeros and bigints as the same decimal id', () => {
    expect(subjectHash('k', '0042')).toBe(subjectHash('k', 42n));
    expect(normalizeDecimalId('0')).toBe('0');
    expect(normalizeDecimalId('18446744073709551615')).toBe('18446744073709551615');
  });

  it('refuses to hash without a key, or a non-decimal id', () => {
    expect(() => subjectHash('', '42')).toThrow(/audit key/);
    expect(() => subjectHash('k', '4e2')).toThrow(TypeError);
    expect(() => subjectHash('k', -1)).toThrow(TypeError);
  });
});
