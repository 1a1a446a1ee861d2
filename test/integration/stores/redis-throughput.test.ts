import { describe, expect, it } from 'vitest';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const KEYS = 200_000;
const cutoff = new Date('2024-06-01T10:00:00.000Z');

const fx = redisStoreFixture();

describe('Redis purge throughput', () => {
  it(`purges ${KEYS} keys timed by their names with multi-key UNLINKs (keys/s printed, not asserted)`, async () => {
    const { redis, prefix } = fx.space;
    // One minute window per key over the 4 days before the cutoff, 50 apps × 1000 minutes each.
    for (let start = 0; start < KEYS; start += 10_000) {
      const pipeline = redis.pipeline();
      for (let i = start; i < start + 10_000; i += 1) {
        const minute = new Date(cutoff.getTime() - 60_000 * (1 + (i % 5000))).toISOString();
        const stamp = minute.slice(0, 16).replace(/[-T:]/g, '');
        pipeline.hset(`${prefix}mon:${i % 50}:if${Math.floor(i / 5000)}:${stamp}`, 'total', '1');
      }
      await pipeline.exec();
    }
    await redis.set(`${prefix}mon:kept:202406011000`, '1');
    const purger = fx.store.agePurger(
      redisTarget({ type: 'key', match: `${prefix}mon:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' } }),
      {
        zone: 'UTC',
      },
    );

    const started = performance.now();
    const { deleted, batches } = await drain(purger.openWalk(cutoff));
    const seconds = (performance.now() - started) / 1000;
    console.log(`redis purge: ${deleted} keys in ${seconds.toFixed(2)} s, ${batches} batches: ${Math.round(deleted / seconds)} keys/s`);

    expect(deleted).toBe(KEYS);
    expect(await purger.count(cutoff)).toEqual({ due: 0, total: 1, unusableTime: 0 });
  });
});
