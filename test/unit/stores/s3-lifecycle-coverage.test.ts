import { describe, expect, it } from 'vitest';
import { lifecycleCoverage, type LifecycleRule } from '../../../src/stores/s3/lifecycle-coverage.js';
import { lifecycleRuleOf } from '../../../src/stores/s3/bucket-settings.js';
import { unorderedFormatProblem } from '../../../src/stores/s3/object-time.js';
import { promiseDays } from '../../../src/report/copies/s3-copies.js';

const rule = (fields: Partial<LifecycleRule>): LifecycleRule => ({ enabled: true, prefix: '', narrowed: false, ...fields });

describe('lifecycleCoverage', () => {
  it('a rule on a parent prefix expiring at the promise covers the target', () => {
    const found = lifecycleCoverage([rule({ id: 'logs-7d', prefix: 'logs/', expirationDays: 7 })], 'logs/app/', 7, false);
    expect(found.rule?.id).toBe('logs-7d');
  });

  it('a rule expiring after the promise does not cover it, and says by how much', () => {
    const found = lifecycleCoverage([rule({ prefix: 'logs/', expirationDays: 30 })], 'logs/', 7, false);
    expect(found.rule).toBeNull();
    expect(found.reason).toContain('30 days');
  });

  it('a rule on another or a narrower prefix does not cover it', () => {
    expect(lifecycleCoverage([rule({ prefix: 'other/', expirationDays: 1 })], 'logs/', 7, false).rule).toBeNull();
    expect(lifecycleCoverage([rule({ prefix: 'logs/app/', expirationDays: 1 })], 'logs/', 7, false).rule).toBeNull();
  });

  it('disabled rules, rules narrowed by tags or size, and unreadable filters do not cover it', () => {
    expect(lifecycleCoverage([rule({ enabled: false, expirationDays: 1 })], 'logs/', 7, false).rule).toBeNull();
    expect(lifecycleCoverage([rule({ narrowed: true, expirationDays: 1 })], 'logs/', 7, false).rule).toBeNull();
    expect(lifecycleCoverage([rule({ prefix: undefined, expirationDays: 1 })], 'logs/', 7, false).rule).toBeNull();
  });

  it('in a versioned bucket, expiry covers only with noncurrent versions removed within the promise too', () => {
    const current = rule({ id: 'exp', prefix: 'logs/', expirationDays: 5 });
    expect(lifecycleCoverage([current], 'logs/', 7, true).rule).toBeNull();
    expect(lifecycleCoverage([current, rule({ prefix: 'logs/', noncurrentDays: 3 })], 'logs/', 7, true).rule).toBeNull();
    expect(lifecycleCoverage([current, rule({ prefix: 'logs/', noncurrentDays: 2 })], 'logs/', 7, true).rule?.id).toBe('exp');
  });
});

describe('lifecycleRuleOf (the SDK rule shapes)', () => {
  it('reads Filter.Prefix, Filter.And.Prefix and the legacy Prefix; tags narrow it', () => {
    expect(lifecycleRuleOf({ Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 7 } })).toMatchObject({
      prefix: 'logs/',
      narrowed: false,
      expirationDays: 7,
    });
    expect(lifecycleRuleOf({ Status: 'Enabled', Prefix: 'old/' })).toMatchObject({ prefix: 'old/' });
    expect(lifecycleRuleOf({ Status: 'Enabled', Filter: {} })).toMatchObject({ prefix: '' });
    expect(lifecycleRuleOf({ Status: 'Enabled', Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }] } } })).toMatchObject({
      prefix: 'a/',
      narrowed: true,
    });
    expect(lifecycleRuleOf({ Status: 'Disabled', Filter: { Tag: { Key: 'k', Value: 'v' } } })).toMatchObject({
      enabled: false,
      narrowed: true,
    });
  });
});

describe('promiseDays', () => {
  it('counts whole days, hours rounded down and months at their shortest', () => {
    expect(promiseDays({ days: 7 })).toBe(7);
    expect(promiseDays({ hours: 50 })).toBe(2);
    expect(promiseDays({ months: 2, after: 'termination' })).toBe(56);
  });
});

describe('unorderedFormatProblem (keysInTimeOrder)', () => {
  it.each(['yyyy/MM/dd', 'yyyyMMddHHmmssSSS', "yyyy-MM-dd'T'HH", 'yyyy'])('accepts %s', (f) =>
    expect(unorderedFormatProblem(f)).toBeNull(),
  );
  it.each(['dd/MM/yyyy', 'yyyy/M/d', 'yyyy/dd', 'MMM yyyy', 'x', "'unterminated"])('refuses %s', (f) =>
    expect(unorderedFormatProblem(f)).not.toBeNull(),
  );
});
