import { describe, expect, it } from 'vitest';
import { RefusalError, StoreError } from '../../../src/errors/index.js';
import { drain, redisStoreFixture, redisTarget, testStore } from './redis-fixtures.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2026-11-21T10:00:00.012Z');
const ms = cutoff.getTime();

const fx = redisStoreFixture();

async function refusal(check: Promise<void>): Promise<string> {
  const err: unknown = await check.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RefusalError);
  return (err as RefusalError).reason;
}

describe('Redis target checks', () => {
  it('accepts a prefixed pattern on a reachable server', async () => {
    await expect(
      fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${fx.space.prefix}reqlog:*` }), context).check(),
    ).resolves.toBeUndefined();
  });

  it('refuses a pattern with no literal prefix unless allowBroadMatch, for age and subject targets', async () => {
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'sorted-set', match: '*:reqlog' }), context).check())).toBe('broad-match');
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'sorted-set', match: '[a-z]m:*' }), context).check())).toBe('broad-match');
    expect(await refusal(fx.store.subjectPurger(redisTarget({ type: 'key', match: '*:cfg:<subject>' }), context).check())).toBe(
      'broad-match',
    );
  });

  it("refuses a pattern that could reach the queue's own keys, even with allowBroadMatch", async () => {
    const queue = `${fx.space.prefix}queue`;
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${queue}:*` }), context).check())).toBe('queue-keys');
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${fx.space.prefix}*` }), context).check())).toBe(
      'queue-keys',
    );
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'sorted-set', match: '*', allowBroadMatch: true }), context).check())).toBe(
      'queue-keys',
    );
  });

  it('never touches keys under the queue prefix, even in a walk over a pattern that matches them', async () => {
    const { redis, prefix } = fx.space;
    await redis.zadd(`${prefix}queue:bull:delayed`, ms - 1, 'job');
    await redis.zadd(`${prefix}queued:1`, ms - 1, 'old');
    // check() refuses this pattern; the walk is run anyway to show the scanner's own guard.
    const purger = fx.store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}queue*` }), context);
    expect(await purger.count(cutoff)).toEqual({ due: 1, total: 1, unusableTime: 0 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(1);
    expect(await redis.zrange(`${prefix}queue:bull:delayed`, '0', '-1')).toEqual(['job']);
    const subjects = fx.store.subjectPurger(redisTarget({ type: 'key', match: `${prefix}queue:<subject>` }), context);
    await redis.set(`${prefix}queue:42`, 'job');
    expect(await subjects.purgeSubjects(['42'])).toEqual(new Map([['42', 0]]));
    expect(await redis.get(`${prefix}queue:42`)).toBe('job');
  });

  it('refuses a fromKey that is not a regular expression, and a key target without a time', async () => {
    const badRegex = redisTarget({ type: 'key', match: `${fx.space.prefix}mon:*`, time: { fromKey: '(\\d{12}$', format: 'yyyyMMddHHmm' } });
    expect(await refusal(fx.store.agePurger(badRegex, context).check())).toBe('invalid-regex');
    expect(await refusal(fx.store.agePurger(redisTarget({ type: 'key', match: `${fx.space.prefix}mon:*` }), context).check())).toBe(
      'no-time',
    );
  });

  it('reports an unreachable server as a StoreError, without the URL password', async () => {
    const down = testStore(fx.space.prefix, { url: 'redis://user:s3cret@127.0.0.1:1/0' });
    try {
      const err: unknown = await down.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as Error).message).not.toContain('s3cret');
      const check: unknown = await down
        .agePurger(redisTarget({ type: 'sorted-set', match: `${fx.space.prefix}x:*` }), context)
        .check()
        .catch((e: unknown) => e);
      expect(check).toBeInstanceOf(StoreError);
    } finally {
      await down.close();
    }
  });
});
