import { describe, expect, it } from 'vitest';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2026-11-21T10:00:00.012Z');
const ms = cutoff.getTime();

const fx = redisStoreFixture();

describe('Redis sorted-set target', () => {
  it('removes members scored before the cutoff and keeps the one scored exactly at it', async () => {
    const { redis, prefix } = fx.space;
    for (const app of ['1', '2']) await redis.zadd(`${prefix}reqlog:${app}`, ms - 1, 'old', ms, 'edge', ms + 1, 'new');
    const purger = fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}reqlog:*` }), context);
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 6, unusableTime: 0 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(2);
    expect(await redis.zrange(`${prefix}reqlog:1`, '0', '-1')).toEqual(['edge', 'new']);
    expect(await redis.zrange(`${prefix}reqlog:2`, '0', '-1')).toEqual(['edge', 'new']);
    expect(await purger.count(cutoff)).toEqual({ due: 0, total: 4, unusableTime: 0 });
  });

  it('bounds each command to batchSize members and comes back to a key until nothing is due', async () => {
    const { redis, prefix } = fx.space;
    const key = `${prefix}bounded:1`;
    const members = Array.from({ length: 25 }, (_, i) => [ms - 1000 + i, `m${i}`]).flat();
    await redis.zadd(key, ...members, ms, 'kept');
    for (let app = 2; app <= 6; app += 1) await redis.zadd(`${prefix}bounded:${app}`, ms - 5, 'old', ms + 5, 'new');
    const purger = fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}bounded:*`, batchSize: 4 }), context);

    expect((await purger.count(cutoff)).due).toBe(30);
    const { deleted, batches } = await drain(purger.openWalk(cutoff));
    expect(deleted).toBe(30);
    // 25 members 4 at a time: at least 7 batches for that key alone.
    expect(batches).toBeGreaterThanOrEqual(7);
    expect(await redis.zrange(key, '0', '-1')).toEqual(['kept']);
  });

  it('lets Redis drop a sorted set emptied by the purge, and leaves keys of other types alone', async () => {
    const { redis, prefix } = fx.space;
    await redis.zadd(`${prefix}mixed:z`, ms - 10, 'a', ms - 20, 'b');
    await redis.set(`${prefix}mixed:s`, 'not a sorted set');
    await redis.hset(`${prefix}mixed:h`, 'score', String(ms - 10));
    const purger = fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}mixed:*` }), context);

    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 2, unusableTime: 0 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(2);
    expect(await redis.exists(`${prefix}mixed:z`)).toBe(0);
    expect(await redis.get(`${prefix}mixed:s`)).toBe('not a sorted set');
    expect(await redis.hget(`${prefix}mixed:h`, 'score')).toBe(String(ms - 10));
  });

  it('reports the oldest remaining member and how many are overdue', async () => {
    const { redis, prefix } = fx.space;
    await redis.zadd(`${prefix}inspect:1`, ms - 3000, 'a', ms + 10, 'b');
    await redis.zadd(`${prefix}inspect:2`, ms - 7000, 'c', ms - 1, 'd', ms, 'e');
    const purger = fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}inspect:*` }), context);

    expect(await purger.inspect(cutoff)).toEqual({ oldest: new Date(ms - 7000), overdue: 3, unusableTime: 0 });
    await drain(purger.openWalk(cutoff));
    expect(await purger.inspect(cutoff)).toEqual({ oldest: cutoff, overdue: 0, unusableTime: 0 });
  });

  it('counts each member once when two walks race over the same keys (deletions come from replies)', async () => {
    const { redis, prefix } = fx.space;
    for (let app = 0; app < 200; app += 1) await redis.zadd(`${prefix}race:${app}`, ms - 1, 'old', ms - 2, 'older', ms, 'kept');
    const target = redisTarget({ type: 'sorted-set', match: `${prefix}race:*`, batchSize: 7, scanCount: 10 });
    const [a, b] = [fx.store.agePurger(target, context), fx.store.agePurger(target, context)];
    const results = await Promise.all([drain(a.openWalk(cutoff)), drain(b.openWalk(cutoff))]);
    expect(results[0].deleted + results[1].deleted).toBe(400);
    expect(await a.count(cutoff)).toEqual({ due: 0, total: 200, unusableTime: 0 });
  });
});
