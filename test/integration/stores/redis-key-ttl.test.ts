import { describe, expect, it } from 'vitest';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const HOUR = 3_600_000;
const RETAIN = 48 * HOUR;

const fx = redisStoreFixture();

/** `yyyyMMddHHmm` (UTC) of an instant. */
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');

describe('Redis key targets that carry their own TTL', () => {
  it('report counts keys with and without a TTL, and those whose TTL ends by their deadline; the purge still deletes every due key', async () => {
    const { redis, prefix } = fx.space;
    const now = Date.now();
    const cutoff = now - RETAIN;
    const key = (name: string, at: number) => `${prefix}mon:${name}:${stamp(at)}`;
    // Kept keys (an hour old): deadline = time + 48 h.
    const fresh = now - HOUR;
    await redis.set(key('no-ttl', fresh), '1');
    await redis.set(key('ttl-in-time', fresh), '1', 'PX', 24 * HOUR); // ends 23 h before its deadline
    await redis.set(key('ttl-too-late', fresh), '1', 'PX', 72 * HOUR); // ends 25 h after it
    // Due keys (three days old): deleted whatever their TTL, which can only end after their passed deadline.
    const old = now - 72 * HOUR;
    await redis.set(key('due-no-ttl', old), '1');
    await redis.set(key('due-ttl', old), '1', 'PX', HOUR);
    const target = redisTarget({ type: 'key', match: `${prefix}mon:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' } });
    const purger = fx.store.agePurger(target, { zone: 'UTC', retainMs: RETAIN, now: () => new Date(now) });

    const inspection = await purger.inspect(new Date(cutoff));
    expect(inspection.ttl).toEqual({ withTtl: 3, withoutTtl: 2, expiring: 1 });
    expect(inspection.overdue).toBe(2);

    // Without the promise (e.g. a caller that does not pass it) there is no TTL share.
    expect((await fx.store.agePurger(target, { zone: 'UTC' }).inspect(new Date(cutoff))).ttl).toBeUndefined();

    expect((await drain(purger.openWalk(new Date(cutoff)))).deleted).toBe(2);
    expect((await purger.inspect(new Date(cutoff))).ttl).toEqual({ withTtl: 2, withoutTtl: 1, expiring: 1 });
  });

  it('reads the TTL in the same pipeline as the hash field for fromField targets', async () => {
    const { redis, prefix } = fx.space;
    const now = Date.now();
    await redis.hset(`${prefix}sess:a`, 'at', String(now - HOUR));
    await redis.pexpire(`${prefix}sess:a`, HOUR);
    await redis.hset(`${prefix}sess:b`, 'at', String(now - HOUR));
    const target = redisTarget({ type: 'key', match: `${prefix}sess:*`, time: { fromField: 'at', format: 'epoch_ms' } });
    const purger = fx.store.agePurger(target, { zone: 'UTC', retainMs: RETAIN, now: () => new Date(now) });
    expect((await purger.inspect(new Date(now - RETAIN))).ttl).toEqual({ withTtl: 1, withoutTtl: 1, expiring: 1 });
  });
});
