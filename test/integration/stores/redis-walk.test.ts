import { describe, expect, it } from 'vitest';
import type { PurgeWalk } from '../../../src/stores/purger.js';
import { KeyScanner } from '../../../src/stores/redis/key-scanner.js';
import { runOnNode } from '../../../src/stores/redis/node-commands.js';
import type { RecordKind } from '../../../src/stores/redis/record-kind.js';
import { openScanWalk } from '../../../src/stores/redis/scan-walk.js';
import { sortedSetRecords } from '../../../src/stores/redis/sorted-set-records.js';
import { keyNameRecords } from '../../../src/stores/redis/key-records.js';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { redisStoreFixture } from './redis-fixtures.js';

/** Runs the walk's batches until it is done; returns what they deleted. */
async function walkToTheEnd(walk: PurgeWalk): Promise<number> {
  let deleted = 0;
  for (let done = false; !done;) {
    const batch = await walk.nextBatch();
    deleted += batch.deleted;
    done = batch.done;
  }
  return deleted;
}

const cutoffMs = Date.parse('2026-11-21T10:00:00.012Z');

const fx = redisStoreFixture();

describe('Redis purge walk', () => {
  it('reports what a failed batch deleted with the next batch, and retries its keys without counting them twice', async () => {
    const { redis, prefix } = fx.space;
    for (let app = 0; app < 40; app += 1) await redis.zadd(`${prefix}fail:${app}`, cutoffMs - 1, 'old', cutoffMs, 'kept');
    const real = sortedSetRecords((node, commands) => runOnNode(node, fx.keyspace.route, commands), 100);
    let failures = 0;
    // Deletes for real, then reports a failure once, as a connection dropped mid-pipeline would.
    const flaky: RecordKind = {
      ...real,
      async purge(batch, cutoff) {
        const outcome = await real.purge(batch, cutoff);
        if (failures > 0) return outcome;
        failures += 1;
        return { ...outcome, error: new Error('ECONNRESET (simulated)') };
      },
    };
    const scanner = new KeyScanner(fx.keyspace, { match: `${prefix}fail:*`, count: 1000, type: 'zset', excludePrefix: `${prefix}queue:` });
    const walk = openScanWalk(scanner, flaky, cutoffMs, 10);

    await expect(walk.nextBatch()).rejects.toThrow(/simulated/);
    const deleted = await walkToTheEnd(walk);
    expect(deleted).toBe(40);
    for (let app = 0; app < 40; app += 1) expect(await redis.zrange(`${prefix}fail:${app}`, '0', '-1')).toEqual(['kept']);
  });

  it('runs a batch as several pipelines in flight; a failed one is retried, none counted twice', async () => {
    const { redis, prefix } = fx.space;
    // 2,500 keys, half due: one 5,000-key batch is three pipelines of at most 1,000 keys.
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2500; i += 1) pipeline.set(`${prefix}multi:${i}:${i % 2 === 0 ? '202611211000' : '202611211001'}`, '1');
    await pipeline.exec();
    const real = keyNameRecords(
      (node, commands) => runOnNode(node, fx.keyspace.route, commands),
      true,
      keyNameTime(':(\\d{12})$', 'yyyyMMddHHmm', 'UTC'),
      null,
    );
    let calls = 0;
    const flaky: RecordKind = {
      ...real,
      async purge(batch, cutoff) {
        calls += 1;
        // The second pipeline of the first batch fails before it reaches Redis.
        if (calls === 2) throw new Error('ECONNRESET (simulated)');
        return real.purge(batch, cutoff);
      },
    };
    const scanner = new KeyScanner(fx.keyspace, { match: `${prefix}multi:*`, count: 1000, excludePrefix: `${prefix}queue:` });
    const walk = openScanWalk(scanner, flaky, Date.parse('2026-11-21T10:01:00.000Z'), 5000);

    await expect(walk.nextBatch()).rejects.toThrow(/simulated/);
    const deleted = await walkToTheEnd(walk);
    expect(calls).toBeGreaterThan(3);
    expect(deleted).toBe(1250);
    const left = await redis.keys(`${prefix}multi:*`);
    expect(left).toHaveLength(1250);
    expect(left.every((key) => key.endsWith('202611211001'))).toBe(true);
  });
});

describe('runOnNode', () => {
  it("returns a lone command's own error in its slot, as it does for a command of a pipeline", async () => {
    const { redis, prefix } = fx.space;
    const key = Buffer.from(`${prefix}lone:string`);
    await redis.set(key, 'v');
    const [node] = await fx.keyspace.masters();
    const [alone] = await runOnNode(node!, fx.keyspace.route, [['LPUSH', key, 'x']]);
    const [first, second] = await runOnNode(node!, fx.keyspace.route, [
      ['LPUSH', key, 'x'],
      ['GET', key],
    ]);
    expect(alone).toBeInstanceOf(Error);
    expect((alone as Error).message).toMatch(/^WRONGTYPE/);
    expect((first as Error).message).toBe((alone as Error).message);
    expect(second).toEqual(Buffer.from('v'));
  });
});
