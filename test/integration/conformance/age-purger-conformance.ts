import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgePurger } from '../../../src/stores/purger.js';
import { runAgeTarget } from '../../../src/engine/run-age-target.js';
import { StopSignal } from '../../../src/engine/stop-signal.js';
import { fixedClock, type Clock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logging/logger.js';

/**
 * What a store must provide to be put through the conformance suite: a target it can fill with
 * records stamped at given times, read back, and tamper with as "someone else" would.
 */
export interface AgeConformanceFixture {
  /** Called once before the suite. */
  open(): Promise<void>;
  /** Called once after the suite. */
  close(): Promise<void>;
  /** Empties the target. */
  reset(): Promise<void>;
  /** Writes one record per time; `null` = a record with no usable time (when the store has such records). */
  insert(times: readonly (Date | null)[]): Promise<void>;
  /** Times (epoch ms) of the records left with a usable time, ascending. */
  remainingTimes(): Promise<number[]>;
  /** Records left with no usable time. */
  remainingUnusable(): Promise<number>;
  /**
   * Deletes the record stamped `time` behind the purger's back. Returns how many records went with
   * it when the store can only delete a prefix (Kafka: DeleteRecords takes every record of the
   * partition before it too); nothing means the one record.
   */
  removeExternally(time: Date): Promise<number | void>;
  /** A purger for the target, with this batch size. */
  purger(batchSize: number): AgePurger;
  /** A purger for a misconfigured target that `check()` must refuse before touching anything. */
  misconfiguredPurger(): AgePurger;
  /** Whether the store can hold records with no usable time. @defaultValue true */
  hasUnusableRecords?: boolean;
}

const CUTOFF = new Date('2026-11-21T10:00:00.000Z');
const at = (deltaMs: number) => new Date(CUTOFF.getTime() + deltaMs);

async function drain(purger: AgePurger, cutoff: Date): Promise<{ deleted: number; batches: number }> {
  const walk = purger.openWalk(cutoff);
  let deleted = 0;
  let batches = 0;
  for (let guard = 0; guard < 10_000; guard += 1) {
    const batch = await walk.nextBatch();
    batches += 1;
    deleted += batch.deleted;
    if (batch.done) return { deleted, batches };
  }
  throw new Error('the walk never finished');
}

/** The one suite every store's age purger must pass. */
export function describeAgePurgerConformance(storeName: string, fixture: AgeConformanceFixture): void {
  describe(`age purger conformance: ${storeName}`, () => {
    beforeAll(() => fixture.open());
    afterAll(() => fixture.close());
    beforeEach(() => fixture.reset());

    it('deletes a record 1 ms before the cutoff and keeps the ones at and after it', async () => {
      await fixture.insert([at(-86_400_000), at(-1), at(0), at(1)]);
      const result = await drain(fixture.purger(100), CUTOFF);
      expect(result.deleted).toBe(2);
      expect(await fixture.remainingTimes()).toEqual([CUTOFF.getTime(), CUTOFF.getTime() + 1]);
    });

    it('purges over several batches and keeps every newer record', async () => {
      const old = Array.from({ length: 130 }, (_, i) => at(-1 - i * 1000));
      const fresh = Array.from({ length: 20 }, (_, i) => at(i * 1000));
      await fixture.insert([...old, ...fresh]);
      const result = await drain(fixture.purger(25), CUTOFF);
      expect(result.deleted).toBe(130);
      expect(result.batches).toBeGreaterThanOrEqual(2);
      expect(await fixture.remainingTimes()).toEqual(fresh.map((d) => d.getTime()));
    });

    it('a dry-run count reports exactly what is due and deletes nothing', async () => {
      await fixture.insert([at(-3), at(-2), at(-1), at(0), at(5)]);
      const purger = fixture.purger(100);
      await purger.check();
      const counts = await purger.count(CUTOFF);
      expect(counts.due).toBe(3);
      expect(counts.total).toBeGreaterThanOrEqual(5);
      expect((await fixture.remainingTimes()).length).toBe(5);
    });

    it('refuses a misconfigured target before touching anything', async () => {
      await fixture.insert([at(-1)]);
      await expect(fixture.misconfiguredPurger().check()).rejects.toMatchObject({ name: 'RefusalError' });
      expect(await fixture.remainingTimes()).toEqual([at(-1).getTime()]);
    });

    it('never deletes records without a usable time, and counts them', async () => {
      if (fixture.hasUnusableRecords === false) return;
      await fixture.insert([null, null, at(-1), at(1)]);
      const purger = fixture.purger(100);
      expect((await purger.count(CUTOFF)).unusableTime).toBe(2);
      expect((await drain(purger, CUTOFF)).deleted).toBe(1);
      expect(await fixture.remainingUnusable()).toBe(2);
      expect((await purger.inspect(CUTOFF)).unusableTime).toBe(2);
    });

    it('carries on when someone else removes a due record mid-run, counting only its own deletions', async () => {
      const old = Array.from({ length: 200 }, (_, i) => at(-1 - i * 1000)).reverse();
      await fixture.insert([...old, at(0)]);
      const walk = fixture.purger(20).openWalk(CUTOFF);
      const first = await walk.nextBatch();
      expect(first.done).toBe(false);
      const stillDue = (await fixture.remainingTimes()).filter((t) => t < CUTOFF.getTime());
      expect(stillDue.length).toBeGreaterThan(0);
      const removed = (await fixture.removeExternally(new Date(stillDue[stillDue.length - 1]!))) ?? 1;
      let deleted = first.deleted;
      for (let guard = 0; guard < 1000; guard += 1) {
        const batch = await walk.nextBatch();
        deleted += batch.deleted;
        if (batch.done) break;
      }
      expect(deleted).toBe(200 - removed);
      expect(await fixture.remainingTimes()).toEqual([CUTOFF.getTime()]);
    });

    it('stops at the time budget with the target partial; the next run finishes', async () => {
      await fixture.insert(Array.from({ length: 100 }, (_, i) => at(-1 - i * 1000)));
      let t = CUTOFF.getTime();
      const ticking: Clock = { now: () => new Date((t += 400)) };
      const run = (clock: Clock) =>
        runAgeTarget({
          purger: fixture.purger(10),
          cutoff: CUTOFF,
          tuning: { pauseMs: 0, maxRunSeconds: 1 },
          dryRun: false,
          allowLarge: false,
          clock,
          stop: new StopSignal(),
          logger: silentLogger(),
          runId: 'conformance',
          policy: 'conformance',
        });
      const first = await run(ticking);
      expect(first).toMatchObject({ status: 'partial', reason: 'time-budget' });
      expect(first.deleted).toBeGreaterThan(0);
      expect(first.deleted).toBeLessThan(100);
      const second = await run(fixedClock(CUTOFF));
      expect(second.status).toBe('succeeded');
      expect(first.deleted + second.deleted).toBe(100);
      expect(await fixture.remainingTimes()).toEqual([]);
    });

    it('reports the oldest remaining record and the overdue count', async () => {
      await fixture.insert([at(-5000), at(-1), at(10)]);
      const inspection = await fixture.purger(100).inspect(CUTOFF);
      expect(inspection.oldest?.getTime()).toBe(at(-5000).getTime());
      expect(inspection.overdue).toBe(2);
    });
  });
}
