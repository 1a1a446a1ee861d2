import { describe, expect, it } from 'vitest';
import { recordedDeletions, type DeletionEntry } from '../../src/engine/recorded-deletions.js';

const entry = (kind: string, target: string, data: Record<string, string>): DeletionEntry => ({ kind, store: 'mysql', target, data });

describe('recordedDeletions: what an abandoned run recorded', () => {
  it('takes the newest progress count of an attempt that was cut off, whatever the order of entries', () => {
    const r = recordedDeletions([
      entry('progress', 'im_request_log', { attempt: 'a', deleted: '30000' }),
      entry('progress', 'im_request_log', { attempt: 'a', deleted: '10000' }),
      entry('progress', 'im_request_log', { attempt: 'a', deleted: '20000' }),
    ]);
    expect(r).toEqual({ deleted: 30_000, targets: [{ store: 'mysql', target: 'im_request_log', deleted: 30_000 }] });
  });

  it("prefers an attempt's target entry to its progress, and sums attempts (a retried queue job)", () => {
    const r = recordedDeletions([
      entry('progress', 'im_request_log', { attempt: 'a', deleted: '10000' }),
      entry('target', 'im_request_log', { attempt: 'a', deleted: '12345' }),
      entry('progress', 'im_request_log', { attempt: 'b', deleted: '5000' }),
      entry('progress', 'im_exception_log', { attempt: 'c', deleted: '7' }),
    ]);
    expect(r.deleted).toBe(12_345 + 5000 + 7);
    expect(r.targets).toEqual([
      { store: 'mysql', target: 'im_request_log', deleted: 17_345 },
      { store: 'mysql', target: 'im_exception_log', deleted: 7 },
    ]);
  });

  it("lets a target entry without attempt (a subject policy's run total) stand for the whole target", () => {
    const r = recordedDeletions([
      entry('progress', 'im_app_config', { attempt: 'p1', deleted: '40' }),
      entry('progress', 'im_app_config', { attempt: 'p2', deleted: '60' }),
      entry('target', 'im_app_config', { deleted: '100' }),
    ]);
    expect(r.deleted).toBe(100);
  });

  it('ignores entries of other kinds and records nothing for a run that recorded nothing', () => {
    expect(
      recordedDeletions([entry('run-started', 'x', {}), { kind: 'subject', store: null, target: null, data: { deleted: '5' } }]),
    ).toEqual({
      deleted: 0,
      targets: [],
    });
  });
});
