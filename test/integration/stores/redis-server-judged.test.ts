import { describe, expect, it, onTestFinished } from 'vitest';
import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { runOnNode } from '../../../src/stores/redis/node-commands.js';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { createRedisAgePurger } from '../../../src/stores/redis/redis-age-purger.js';
import { drain, redisStoreFixture, redisTarget } from './redis-fixtures.js';
import { KEY_TIME_CASES, keyNamesAround, timeTexts } from '../../support/key-time-texts.js';

const fx = redisStoreFixture();

function purger(target: RedisTargetConfig, zone: string, multiKeyUnlink = true) {
  return createRedisAgePurger(target, {
    keyspace: fx.keyspace,
    run: (node, commands) => runOnNode(node, fx.keyspace.route, commands),
    multiKeyUnlink,
    queuePrefix: `${fx.space.prefix}queue`,
    zone,
  });
}

describe('Redis judging key times itself', () => {
  for (const { format, zone, cutoff, literal } of KEY_TIME_CASES) {
    it(`deletes exactly the keys the worker's reader calls due: ${format} in ${zone}, cutoff ${cutoff}, literal "${literal}"`, async () => {
      const { redis, prefix } = fx.space;
      const cutoffMs = Date.parse(cutoff);
      const base = `${prefix}${format}:${zone}:${cutoffMs}:`;
      const texts = timeTexts(format, cutoffMs, zone);
      const names = keyNamesAround(base, literal, texts);
      // Under the job queue's prefix: never touched, however old its name says it is.
      names.push(Buffer.from(`${prefix}queue:${literal}${'0'.repeat(format.length)}`));
      const pipeline = redis.pipeline();
      for (const name of names) pipeline.set(name, '1');
      await pipeline.exec();
      // By the names' bytes: some are not UTF-8, which a string SCAN of the prefix could not remove.
      onTestFinished(async () => {
        await redis.unlink(...names);
      });

      const fromKey = `${literal}(\\d{${format.length}})$`;
      const read = keyNameTime(fromKey, format, zone);
      const queue = `${prefix}queue:`;
      const expected = names.filter((name) => {
        if (name.toString('latin1').startsWith(queue)) return false;
        const ms = read(name);
        return ms !== null && ms < cutoffMs;
      });
      expect(expected.length).toBeGreaterThan(50);
      expect(expected.length).toBeLessThan(names.length - 50);

      const target = redisTarget({ type: 'key', match: `${prefix}*`, time: { fromKey, format }, scanCount: 200, batchSize: 150 });
      const walk = purger(target, zone).openWalk(new Date(cutoffMs));
      expect(walk).toHaveProperty('judgedBy', 'redis');
      const { deleted } = await drain(walk);

      const kept = new Set<string>();
      for (const name of names) if (await redis.exists(name)) kept.add(name.toString('hex'));
      const gone = names.filter((name) => !kept.has(name.toString('hex'))).map((n) => n.toString('hex'));
      expect(gone.sort()).toEqual(expected.map((n) => n.toString('hex')).sort());
      expect(deleted).toBe(expected.length);
    });
  }

  it('leaves the judging to the worker when told to, in a cluster, or for a key time that does not sort as text', () => {
    const sortable = { type: 'key' as const, match: `${fx.space.prefix}x:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' } };
    const cutoff = new Date('2026-12-03T10:30:00Z');
    expect(purger(redisTarget(sortable), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'redis');
    expect(purger(redisTarget({ ...sortable, judgeOnServer: false }), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'UTC', false).openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'Europe/Paris').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    const field = { type: 'key' as const, match: `${fx.space.prefix}x:*`, time: { fromField: 'at', format: 'epoch_ms' as const } };
    expect(purger(redisTarget(field), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
  });
});
