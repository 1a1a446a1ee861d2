import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../src/lib/map-concurrent.js';

/** A task that finishes when the test says so, recording how many run at once. */
function gate() {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const release = new Map<number, () => void>();
  const task = (item: number) =>
    new Promise<number>((resolve) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      started.push(item);
      release.set(item, () => {
        inFlight -= 1;
        resolve(item * 10);
      });
    });
  return { task, started, release, peak: () => peak };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapConcurrent', () => {
  it('runs at most `limit` calls at once, starts the next as one ends, and keeps the items’ order', async () => {
    const g = gate();
    const done = mapConcurrent([1, 2, 3, 4, 5], 2, g.task);
    await tick();
    expect(g.started).toEqual([1, 2]);
    g.release.get(2)?.();
    await tick();
    expect(g.started).toEqual([1, 2, 3]);
    for (const item of [1, 3, 4, 5]) {
      await tick();
      g.release.get(item)?.();
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(g.peak()).toBe(2);
  });

  it('treats a limit above the item count, or below 1, as the bounds it can be', async () => {
    const g = gate();
    const wide = mapConcurrent([1, 2], 8, g.task);
    await tick();
    expect(g.started).toEqual([1, 2]);
    g.release.get(1)?.();
    g.release.get(2)?.();
    expect(await wide).toEqual([10, 20]);
    expect(await mapConcurrent([3, 4], 0, async (n) => n)).toEqual([3, 4]);
    expect(await mapConcurrent([], 2, async (n: number) => n)).toEqual([]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const failing = mapConcurrent([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('count failed');
      return n;
    });
    await expect(failing).rejects.toThrow('count failed');
    expect(started).toEqual([1, 2]);
  });
});
