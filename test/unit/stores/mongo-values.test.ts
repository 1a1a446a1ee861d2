import { describe, expect, it } from 'vitest';
import { Decimal128, Long } from 'mongodb';
import { mongoDatabaseName } from '../../../src/stores/mongo/mongo-database-name.js';
import { subjectIdValues } from '../../../src/stores/mongo/subject-id-values.js';
import { timeFilters } from '../../../src/stores/mongo/time-filters.js';

describe('mongoDatabaseName', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/im', 'im'],
    ['mongodb://user:pw@h1:1,h2:2/logs?replicaSet=rs0', 'logs'],
    ['mongodb+srv://cluster.example.net/app%5Fdb?retryWrites=true', 'app_db'],
    ['mongodb://127.0.0.1:27017/', 'im'],
    ['mongodb://127.0.0.1:27017', 'im'],
    ['mongodb://127.0.0.1:27017/?authSource=admin', 'im'],
  ])('reads %s as database %s', (url, name) => {
    expect(mongoDatabaseName(url)).toBe(name);
  });
});

describe('subjectIdValues', () => {
  it('uses a plain number up to 2^53 - 1, plus the decimal string', () => {
    expect(subjectIdValues('1400000101')).toEqual([1400000101, '1400000101']);
    expect(subjectIdValues('9007199254740991')).toEqual([9007199254740991, '9007199254740991']);
  });

  it('uses an exact int64 above 2^53 - 1', () => {
    const [value] = subjectIdValues('9007199254740993');
    expect(value).toBeInstanceOf(Long);
    expect((value as Long).toString()).toBe('9007199254740993');
    expect((subjectIdValues('-9223372036854775808')[0] as Long).toString()).toBe('-9223372036854775808');
  });

  it('uses a Decimal128 for unsigned ids beyond the int64 range', () => {
    const [value] = subjectIdValues('18446744073709551615');
    expect(value).toBeInstanceOf(Decimal128);
    expect((value as Decimal128).toString()).toBe('18446744073709551615');
  });

  it.each(['', '01', '-0', '1.5', '1e3', ' 1', '0x10', '1; drop'])('rejects %j', (id) => {
    expect(() => subjectIdValues(id)).toThrow(/not a decimal integer/);
  });
});

describe('timeFilters', () => {
  it('compares epoch_s against the exact fractional cutoff', () => {
    const cutoff = new Date(10_500);
    expect(timeFilters('t', 'epoch_s').due(cutoff)).toEqual({ t: { $lt: 10.5, $not: { $type: 'array' } } });
    expect(timeFilters('t', 'epoch_ms').due(cutoff)).toEqual({ t: { $lt: 10_500, $not: { $type: 'array' } } });
    expect(timeFilters('t', 'datetime').due(cutoff)).toEqual({ t: { $lt: cutoff, $not: { $type: 'array' } } });
  });

  it('reads stored numbers back as dates in the target format', () => {
    expect(timeFilters('t', 'epoch_s').toDate(10)).toEqual(new Date(10_000));
    expect(timeFilters('t', 'epoch_ms').toDate(Long.fromNumber(10))).toEqual(new Date(10));
    expect(timeFilters('t', 'datetime').toDate('2026-01-01')).toBeNull();
  });
});
