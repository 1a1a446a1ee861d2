import { describe, it, expect } from 'vitest';
import { recheckSubject } from '../../src/subjects/subject-recheck.js';
import { redactSubjectIds } from '../../src/subjects/redact-subject-ids.js';
import { retainDeadline } from '../../src/subjects/deadline.js';
import type { LockedSubject } from '../../src/subjects/subject-source.js';

const NOW = new Date('2026-11-28T10:00:00.000Z');
const deadlineOf = (t: Date) => retainDeadline(t, { months: 2 }, 'UTC');
const row = (fields: Partial<LockedSubject> = {}): LockedSubject => ({
  id: '42',
  terminated: true,
  terminatedAt: new Date('2026-09-01T00:00:00.000Z'),
  held: false,
  unmarked: true,
  ...fields,
});

describe('recheckSubject: the last check on the locked row', () => {
  it('confirms a row that is still due, with its deadline', () => {
    expect(recheckSubject(row(), false, deadlineOf, NOW)).toEqual({ due: true, deadline: new Date('2026-11-01T00:00:00.000Z') });
  });

  it('skips with the reason that changed since selection', () => {
    expect(recheckSubject(undefined, false, deadlineOf, NOW)).toMatchObject({ due: false, reason: 'locked' });
    expect(recheckSubject(undefined, true, deadlineOf, NOW)).toMatchObject({ due: false, reason: 'account-gone' });
    expect(recheckSubject(row({ terminated: false }), false, deadlineOf, NOW)).toMatchObject({ due: false, reason: 'reactivated' });
    expect(recheckSubject(row({ terminatedAt: null }), false, deadlineOf, NOW)).toMatchObject({
      due: false,
      reason: 'no-termination-time',
    });
    expect(recheckSubject(row({ held: true }), false, deadlineOf, NOW)).toMatchObject({ due: false, reason: 'legal-hold' });
    expect(recheckSubject(row({ unmarked: false }), false, deadlineOf, NOW)).toMatchObject({ due: false, reason: 'already-purged' });
    expect(recheckSubject(row({ terminatedAt: new Date('2026-10-01T00:00:00.000Z') }), false, deadlineOf, NOW)).toMatchObject({
      due: false,
      reason: 'not-due',
    });
  });

  it('keeps a subject whose deadline is exactly now (strict, like the age policies)', () => {
    expect(recheckSubject(row({ terminatedAt: new Date('2026-09-28T10:00:00.000Z') }), false, deadlineOf, NOW)).toMatchObject({
      due: false,
      reason: 'not-due',
    });
  });
});

describe('retainDeadline with days', () => {
  it('adds exact hours, not calendar days, across a DST change', () => {
    expect(retainDeadline(new Date('2026-03-28T12:00:00.000Z'), { days: 2 }, 'Europe/Paris').toISOString()).toBe(
      '2026-03-30T12:00:00.000Z',
    );
  });
});

describe('redactSubjectIds', () => {
  it('replaces whole ids only, with or without leading zeros, and leaves other numbers', () => {
    const ids = new Set(['1400000101', '18446744073709551615']);
    expect(redactSubjectIds('UNLINK im:cfg:1400000101:tags failed (code 14000001010)', ids)).toBe(
      'UNLINK im:cfg:<subject>:tags failed (code 14000001010)',
    );
    expect(redactSubjectIds('near 18446744073709551615, 001400000101 at line 1', ids)).toBe('near <subject>, <subject> at line 1');
  });
});
