import { describe, expect, it } from 'vitest';
import { mergeSubjectTargets } from '../../src/subjects/merge-subject-targets.js';
import type { TargetResult } from '../../src/types.js';

const target = (over: Partial<TargetResult>): TargetResult => ({
  store: 'mysql',
  target: 't',
  status: 'succeeded',
  deleted: 0,
  error: null,
  batches: 0,
  durationMs: 0,
  ...over,
});

describe('merging the shares of a subject-policy run', () => {
  it('sums counts and keeps the worst status with its reason and error', () => {
    const base = [target({ durationMs: 5 }), target({ store: 'redis', target: 'k:*', status: 'skipped', reason: 'disabled' })];
    const merged = mergeSubjectTargets(base, [
      [target({ deleted: 3, batches: 1, durationMs: 10 }), base[1]!],
      [target({ status: 'partial', reason: 'time-budget', deleted: 2, batches: 1 }), base[1]!],
      [target({ status: 'failed', error: 'boom', deleted: 1, batches: 1 }), base[1]!],
    ]);
    expect(merged[0]).toEqual(target({ status: 'failed', error: 'boom', deleted: 6, batches: 3, durationMs: 15 }));
    expect(merged[1]).toEqual(base[1]);
  });

  it('adds dry-run counts and leaves a run without shares as its base', () => {
    const base = [target({ wouldDelete: 0 })];
    expect(mergeSubjectTargets(base, [[target({ wouldDelete: 4 })], [target({ wouldDelete: 5 })]])[0]!.wouldDelete).toBe(9);
    expect(mergeSubjectTargets(base, [])).toEqual(base);
  });
});
