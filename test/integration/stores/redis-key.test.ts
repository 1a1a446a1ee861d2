import { describe, expect, it } from 'vitest';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';

/** 12:00 in Paris (summer time, UTC+2). */
const cutoff = new Date('2024-06-01T10:00:00.000Z');
const ms = cutoff.getTime();

const fx = redisStoreFixture();

async function existing(keys: string[]): Promise<string[]> {
  const flags = await Promise.all(keys.map((k) => fx.space.redis.exists(k)));
  return keys.filter((_, i) => flags[i] === 1);
}

describe('Redis key target timed by its name', () => {
  it('reads key-name times in the configured zone (Europe/Paris), so keys from 10:00 to 11:59 in their digits are due at 10:00Z', async () => {
    const { redis, prefix } = fx.space;
    const keys = {
      // 11:59 Paris = 09:59Z: due. Read as UTC it would be 11:59Z and kept.
      before: `${prefix}mon:1:login:202406011159`,
      at: `${prefix}mon:1:login:202406011200`,
      after: `${prefix}mon:1:login:202406011201`,
      // 10:30 Paris = 08:30Z: due, though the same digits read as UTC would be kept.
      earlier: `${prefix}mon:2:login:202406011030`,
      garbage: `${prefix}mon:1:login:notatime`,
      month13: `${prefix}mon:1:login:202413011200`,
    };
    for (const key of Object.values(keys)) await redis.hset(key, 'total', '1');
    const purger = fx.store.agePurger(
      redisTarget({ type: 'key', match: `${prefix}mon:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' } }),
      { zone: 'Europe/Paris' },
    );
    await purger.check();

    expect(await purger.count(cutoff)).toEqual({ due: 2, total: 6, unusableTime: 2 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(2);
    expect(await existing(Object.values(keys))).toEqual([keys.at, keys.after, keys.garbage, keys.month13]);
    expect(await purger.inspect(cutoff)).toEqual({ oldest: cutoff, overdue: 0, unusableTime: 2 });
  });

  it('compares to the millisecond: a key stamped 1 ms before the cutoff goes, one stamped at it stays', async () => {
    const { redis, prefix } = fx.space;
    await redis.set(`${prefix}ms:20240601095959999`, 'x');
    await redis.set(`${prefix}ms:20240601100000000`, 'x');
    const purger = fx.store.agePurger(
      redisTarget({ type: 'key', match: `${prefix}ms:*`, time: { fromKey: ':(\\d{17})$', format: 'yyyyMMddHHmmssSSS' } }),
      { zone: 'UTC' },
    );
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(1);
    expect(await existing([`${prefix}ms:20240601095959999`, `${prefix}ms:20240601100000000`])).toEqual([`${prefix}ms:20240601100000000`]);
  });

  for (const judgeOnServer of [true, false]) {
    it(`deletes a page of keys in batches of at most batchSize keys, counting each key once (judged by ${judgeOnServer ? 'Redis' : 'the worker'})`, async () => {
      const { redis, prefix } = fx.space;
      const pipeline = redis.pipeline();
      for (let i = 0; i < 500; i += 1) pipeline.set(`${prefix}many${judgeOnServer}:${i}:202406010959`, 'x');
      for (let i = 0; i < 100; i += 1) pipeline.set(`${prefix}many${judgeOnServer}:${i}:202406011000`, 'x');
      await pipeline.exec();
      const purger = fx.store.agePurger(
        redisTarget({
          type: 'key',
          match: `${prefix}many${judgeOnServer}:*`,
          time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' },
          batchSize: 64,
          scanCount: 200,
          judgeOnServer,
        }),
        { zone: 'UTC' },
      );
      expect(await purger.count(cutoff)).toEqual({ due: 500, total: 600, unusableTime: 0 });
      const walk = purger.openWalk(cutoff);
      const batches: number[] = [];
      for (let done = false; !done && batches.length < 1000;) {
        const batch = await walk.nextBatch();
        batches.push(batch.deleted);
        done = batch.done;
      }
      expect(batches.reduce((a, b) => a + b, 0)).toBe(500);
      // SCAN pages of ~200 keys hold more due keys than a batch may delete: several batches per page.
      expect(Math.max(...batches)).toBeLessThanOrEqual(64);
      expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(500 / 64));
      expect(await purger.count(cutoff)).toEqual({ due: 0, total: 100, unusableTime: 0 });
    });
  }
});

describe('Redis key target timed by a hash field', () => {
  async function purgeWith(name: string, format: 'epoch_ms' | 'epoch_s' | 'iso', values: Record<string, string | null>, zone = 'UTC') {
    const { redis, prefix } = fx.space;
    for (const [suffix, value] of Object.entries(values)) {
      await redis.hset(`${prefix}${name}:${suffix}`, value === null ? { other: '1' } : { ts: value, other: '1' });
    }
    const purger = fx.store.agePurger(redisTarget({ type: 'key', match: `${prefix}${name}:*`, time: { fromField: 'ts', format } }), {
      zone,
    });
    await purger.check();
    const counted = await purger.count(cutoff);
    const { deleted } = await drain(purger.openWalk(cutoff));
    const left = (await existing(Object.keys(values).map((s) => `${prefix}${name}:${s}`))).map((k) => k.slice(`${prefix}${name}:`.length));
    return { counted, deleted, left };
  }

  it('epoch_ms: deletes ms − 1, keeps the cutoff itself, keeps and counts missing or unparsable fields', async () => {
    const result = await purgeWith('fms', 'epoch_ms', {
      due: String(ms - 1),
      at: String(ms),
      missing: null,
      junk: 'soon',
      fraction: `${ms - 1}.999`,
    });
    expect(result.counted).toEqual({ due: 2, total: 5, unusableTime: 2 });
    expect(result.deleted).toBe(2);
    expect(result.left.sort()).toEqual(['at', 'junk', 'missing']);
  });

  it('epoch_s: seconds with a fraction are compared exactly, without float rounding', async () => {
    const s = ms / 1000;
    const result = await purgeWith('fs', 'epoch_s', { at: String(s), due: `${s - 1}.999`, after: `${s}.0001`, empty: '' });
    expect(result.counted).toEqual({ due: 1, total: 4, unusableTime: 1 });
    expect(result.deleted).toBe(1);
    expect(result.left.sort()).toEqual(['after', 'at', 'empty']);
  });

  it('iso: honours offsets, reads offset-less times in the configured zone, keeps unparsable text', async () => {
    const result = await purgeWith(
      'fiso',
      'iso',
      {
        dueZ: '2024-06-01T09:59:59.999Z',
        atZ: '2024-06-01T10:00:00.000Z',
        // No offset: 11:59:59.999 in Paris = 09:59:59.999Z.
        duePlain: '2024-06-01T11:59:59.999',
        keptPlain: '2024-06-01T12:00:00',
        junk: 'yesterday',
      },
      'Europe/Paris',
    );
    expect(result.counted).toEqual({ due: 2, total: 5, unusableTime: 1 });
    expect(result.deleted).toBe(2);
    expect(result.left.sort()).toEqual(['atZ', 'junk', 'keptPlain']);
  });

  it('keeps a key that is not a hash and counts it as unusable', async () => {
    const { redis, prefix } = fx.space;
    await redis.set(`${prefix}fstr:1`, String(ms - 1));
    const purger = fx.store.agePurger(
      redisTarget({ type: 'key', match: `${prefix}fstr:*`, time: { fromField: 'ts', format: 'epoch_ms' } }),
      {
        zone: 'UTC',
      },
    );
    expect(await purger.count(cutoff)).toEqual({ due: 0, total: 1, unusableTime: 1 });
    expect((await drain(purger.openWalk(cutoff))).deleted).toBe(0);
    expect(await redis.get(`${prefix}fstr:1`)).toBe(String(ms - 1));
  });
});
