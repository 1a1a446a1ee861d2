import { describe, it, expect } from 'vitest';
import { broadMatchProblem, globCouldMatchPrefix, queueKeysProblem } from '../../src/config/redis-glob.js';

describe('broadMatchProblem', () => {
  it('accepts a pattern with a literal prefix before its first wildcard', () => {
    expect(broadMatchProblem('im:reqlog:*', false)).toBeNull();
    expect(broadMatchProblem('\\*literal*', false)).toBeNull();
    expect(broadMatchProblem('im:cfg:<subject>', false)).toBeNull();
  });

  it('refuses a pattern that starts with a wildcard unless allowBroadMatch is set', () => {
    for (const match of ['*', '?x', '[a-z]*']) {
      expect(broadMatchProblem(match, false)).toContain('allowBroadMatch');
      expect(broadMatchProblem(match, true)).toBeNull();
    }
  });
});

describe('globCouldMatchPrefix', () => {
  const cases: Array<[glob: string, could: boolean]> = [
    ['retention:*', true],
    ['retention:', true],
    ['ret*', true],
    ['*', true],
    ['*:jobs', true],
    ['?etention:*', true],
    ['[a-z]*', true],
    ['[q-s]etention:*', true],
    ['im:*', false],
    ['retention', false],
    ['r?', false],
    ['[^r]*', false],
    ['[a-q]*', false],
    ['\\*etention:*', false],
    ['retentions:*', false],
  ];
  it.each(cases)('%s could match a key starting with "retention:": %s', (glob, could) => {
    expect(globCouldMatchPrefix(glob, 'retention:')).toBe(could);
  });
});

describe('queueKeysProblem', () => {
  it('names the queue prefix when a pattern could reach the queue keys', () => {
    expect(queueKeysProblem('retention:*', 'retention')).toContain('"retention:…"');
    expect(queueKeysProblem('*', 'jobs')).toContain('"jobs:…"');
  });

  it('counts <subject> as any text, since a subject id could be anything', () => {
    expect(queueKeysProblem('<subject>:*', 'retention')).not.toBeNull();
    expect(queueKeysProblem('im:cfg:<subject>', 'retention')).toBeNull();
  });

  it('leaves patterns under another prefix alone', () => {
    expect(queueKeysProblem('im:reqlog:*', 'retention')).toBeNull();
  });
});
