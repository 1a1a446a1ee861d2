import { describe, expect, it } from 'vitest';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2026-11-21T10:00:00.012Z');
const ms = cutoff.getTime();

const fx = redisStoreFixture();

async function ids(key: string): Promise<string[]> {
  return (await fx.space.redis.xrange(key, '-', '+')).map(([id]) => id);
}

describe('Redis stream target', () => {
  it("removes entries whose ID millisecond is before the cutoff and keeps the cutoff's own millisecond", async () => {
    const { redis, prefix } = fx.space;
    const key = `${prefix}exception:1`;
    for (const id of [`${ms - 1}-0`, `${ms - 1}-7`, `${ms}-0`, `${ms}-1`, `${ms + 5}-0`]) await redis.xadd(key, id, 'cause', 'x');
    const purger = fx.store.agePurger(redisTarget({ type: 'stream', match: `${prefix}exception:*` }), context);
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 5, unusableTime: 0 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(2);
    expect(await ids(key)).toEqual([`${ms}-0`, `${ms}-1`, `${ms + 5}-0`]);
  });

  it('trims a long backlog batchSize entries per command and counts it in bounded chunks', async () => {
    const { redis, prefix } = fx.space;
    const key = `${prefix}backlog:1`;
    for (let i = 0; i < 25; i += 1) await redis.xadd(key, `${ms - 100 + i}-0`, 'cause', 'x');
    await redis.xadd(key, `${ms}-0`, 'cause', 'kept');
    await redis.xadd(`${prefix}backlog:2`, `${ms - 1}-0`, 'cause', 'x');
    const purger = fx.store.agePurger(redisTarget({ type: 'stream', match: `${prefix}backlog:*`, batchSize: 10 }), context);

    expect(await purger.count(cutoff)).toEqual({ due: 26, total: 27, unusableTime: 0 });
    const { deleted, batches } = await drain(purger.openWalk(cutoff));
    expect(deleted).toBe(26);
    expect(batches).toBeGreaterThanOrEqual(3);
    expect(await ids(key)).toEqual([`${ms}-0`]);
    // A stream emptied by the purge stays as an empty key: Redis keeps it.
    expect(await redis.xlen(`${prefix}backlog:2`)).toBe(0);
    expect(await purger.count(cutoff)).toEqual({ due: 0, total: 1, unusableTime: 0 });
  });

  it('reports the oldest remaining entry and how many are overdue', async () => {
    const { redis, prefix } = fx.space;
    await redis.xadd(`${prefix}inspect:1`, `${ms - 5000}-3`, 'cause', 'x');
    await redis.xadd(`${prefix}inspect:1`, `${ms + 1}-0`, 'cause', 'x');
    await redis.xadd(`${prefix}inspect:2`, `${ms - 2}-0`, 'cause', 'x');
    const purger = fx.store.agePurger(redisTarget({ type: 'stream', match: `${prefix}inspect:*` }), context);

    expect(await purger.inspect(cutoff)).toEqual({ oldest: new Date(ms - 5000), overdue: 2, unusableTime: 0 });
  });

  it('deletes nothing for a cutoff at the epoch, below every possible ID', async () => {
    const { redis, prefix } = fx.space;
    await redis.xadd(`${prefix}epoch:1`, '0-1', 'cause', 'x');
    const purger = fx.store.agePurger(redisTarget({ type: 'stream', match: `${prefix}epoch:*` }), context);
    expect((await drain(purger.openWalk(new Date(0)))).deleted).toBe(0);
    expect((await drain(purger.openWalk(new Date(1)))).deleted).toBe(1);
  });
});
