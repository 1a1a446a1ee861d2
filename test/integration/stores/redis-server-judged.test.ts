import { describe, expect, it, onTestFinished } from 'vitest';
import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { runOnNode } from '../../../src/stores/redis/node-commands.js';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { createRedisAgePurger } from '../../../src/stores/redis/redis-age-purger.js';
import { drain, drainThroughFailures, keysAroundTheCutoff, redisStoreFixture, redisTarget } from './redis-fixtures.js';
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

describe('Sortable key times judged on their bytes, by Redis (script) and by the worker in place', () => {
  for (const [{ format, zone, cutoff, literal }, judgeOnServer] of KEY_TIME_CASES.flatMap((c) => [
    [c, true] as const,
    [c, false] as const,
  ])) {
    it(`deletes exactly the keys the worker's reader calls due (judged by ${judgeOnServer ? 'Redis' : 'the worker'}): ${format} in ${zone}, cutoff ${cutoff}, literal "${literal}"`, async () => {
      const { redis, prefix } = fx.space;
      const cutoffMs = Date.parse(cutoff);
      const base = `${prefix}${format}:${zone}:${cutoffMs}:${judgeOnServer}:`;
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

      const target = redisTarget({
        type: 'key',
        match: `${prefix}*`,
        time: { fromKey, format },
        scanCount: 200,
        batchSize: 150,
        judgeOnServer,
      });
      const walk = purger(target, zone).openWalk(new Date(cutoffMs));
      expect(walk).toHaveProperty('judgedBy', judgeOnServer ? 'redis' : 'worker');
      const { deleted } = await drain(walk);

      const kept = new Set<string>();
      for (const name of names) if (await redis.exists(name)) kept.add(name.toString('hex'));
      const gone = names.filter((name) => !kept.has(name.toString('hex'))).map((n) => n.toString('hex'));
      expect(gone.sort()).toEqual(expected.map((n) => n.toString('hex')).sort());
      expect(deleted).toBe(expected.length);
    });
  }

  it('lets Redis judge only when told to, on a single server, for a key time that sorts as text', () => {
    const sortable = {
      type: 'key' as const,
      match: `${fx.space.prefix}x:*`,
      time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' },
      judgeOnServer: true,
    };
    const cutoff = new Date('2026-12-03T10:30:00Z');
    expect(purger(redisTarget(sortable), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'redis');
    expect(purger(redisTarget({ ...sortable, judgeOnServer: false }), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'UTC', false).openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    expect(purger(redisTarget(sortable), 'Europe/Paris').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
    const field = { type: 'key' as const, match: `${fx.space.prefix}x:*`, time: { fromField: 'at', format: 'epoch_ms' as const } };
    expect(purger(redisTarget(field), 'UTC').openWalk(cutoff)).toHaveProperty('judgedBy', 'worker');
  });
});

describe('Redis judging key times itself: a script call that fails', () => {
  const cutoff = new Date('2026-12-03T10:30:00.000Z');

  for (const when of ['before Redis ran it', 'after Redis ran it (its reply lost)'] as const) {
    it(`fails the batch ${when}; the next batches repeat that page and leave no due key behind`, async () => {
      const { match, due } = await keysAroundTheCutoff(fx.space, when.startsWith('before') ? 'fail-before' : 'fail-after');
      let calls = 0;
      let lostUnlinked = 0;
      const judged = createRedisAgePurger(
        redisTarget({
          type: 'key',
          match,
          time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' },
          scanCount: 100,
          batchSize: 100,
          judgeOnServer: true,
        }),
        {
          keyspace: fx.keyspace,
          run: async (node, commands) => {
            calls += 1;
            if (calls === 3 && when.startsWith('before')) throw new Error('ECONNRESET (simulated, before sending)');
            const replies = await runOnNode(node, fx.keyspace.route, commands);
            if (calls === 3) {
              lostUnlinked = Number((replies[0] as unknown[])[1]);
              throw new Error('ECONNRESET (simulated, reply lost)');
            }
            return replies;
          },
          multiKeyUnlink: true,
          queuePrefix: `${fx.space.prefix}queue`,
          zone: 'UTC',
        },
      );
      const walk = judged.openWalk(cutoff);
      const { deleted, failures } = await drainThroughFailures(walk);
      expect(failures).toBe(1);
      expect(await judged.count(cutoff)).toMatchObject({ due: 0, total: 200 });
      // Counted from replies: a lost reply's keys are gone but not counted (docs/audit.md).
      expect(deleted + lostUnlinked).toBe(due);
      if (when.startsWith('before')) expect(lostUnlinked).toBe(0);
      else expect(lostUnlinked).toBeGreaterThan(0);
    });
  }
});

describe('Redis judging key times itself: batches larger than a SCAN page', () => {
  it('takes several pages per batch, one script call of scanCount keys each, and deletes at most batchSize per batch', async () => {
    const { redis, prefix } = fx.space;
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1200; i += 1) pipeline.set(`${prefix}pages:${i}:${i % 2 === 0 ? '202612031029' : '202612031031'}`, '1');
    await pipeline.exec();
    const counts: unknown[] = [];
    let calls = 0;
    const judged = createRedisAgePurger(
      redisTarget({
        type: 'key',
        match: `${prefix}pages:*`,
        time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' },
        scanCount: 100,
        batchSize: 500,
        judgeOnServer: true,
      }),
      {
        keyspace: fx.keyspace,
        run: (node, commands) => {
          for (const command of commands) {
            if (command[0] !== 'EVALSHA') continue;
            calls += 1;
            counts.push(command[5]); // ['EVALSHA', sha, 0, cursor, match, scanCount, …]
          }
          return runOnNode(node, fx.keyspace.route, commands);
        },
        multiKeyUnlink: true,
        queuePrefix: `${prefix}queue`,
        zone: 'UTC',
      },
    );
    const cutoff = new Date('2026-12-03T10:30:00.000Z');
    const walk = judged.openWalk(cutoff);
    const batches: { deleted: number; calls: number }[] = [];
    for (let done = false; !done && batches.length < 1000;) {
      const before = calls;
      const batch = await walk.nextBatch();
      batches.push({ deleted: batch.deleted, calls: calls - before });
      done = batch.done;
    }
    expect(batches.reduce((n, b) => n + b.deleted, 0)).toBe(600);
    expect(Math.max(...batches.map((b) => b.deleted))).toBeLessThanOrEqual(500);
    // A batch reads about 500 keys, so it goes on past its first page: one script call per page,
    // each reading at most scanCount keys, so Redis is held no longer than with one page a batch.
    expect(Math.max(...batches.map((b) => b.calls))).toBeGreaterThan(1);
    expect(new Set(counts)).toEqual(new Set([100]));
    expect(await judged.count(cutoff)).toMatchObject({ due: 0, total: 600 });
  });
});
