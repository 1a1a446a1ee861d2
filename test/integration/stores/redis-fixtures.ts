import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { PurgeWalk, Store } from '../../../src/stores/purger.js';
import { createRedisStore, type RedisStoreConfig } from '../../../src/stores/redis/redis-store.js';
import { openRedisKeyspace, type RedisKeyspace } from '../../../src/stores/redis/redis-keyspace.js';
import { afterAll, beforeAll } from 'vitest';
import { createTestKeyspace, REDIS_TEST_URL, type TestKeyspace } from '../../support/redis.js';

/** A Redis target with the schema's defaults, as config validation would produce it. */
export function redisTarget(fields: Pick<RedisTargetConfig, 'type' | 'match'> & Partial<RedisTargetConfig>): RedisTargetConfig {
  return {
    store: 'redis',
    allowBroadMatch: false,
    judgeOnServer: false,
    scanCount: 1000,
    batchSize: fields.type === 'key' ? 5000 : 1000,
    pauseMs: 0,
    maxRunSeconds: 600,
    ...fields,
  };
}

/** A store on the shared test Redis (or `config`), whose queue keys live under `<prefix>queue:`. */
export function testStore(prefix: string, config: RedisStoreConfig = { url: REDIS_TEST_URL }): Store {
  return createRedisStore(config, { queuePrefix: `${prefix}queue`, logger: silentLogger() });
}

/** Runs a walk to its end; returns what it deleted and in how many batches. */
export async function drain(walk: PurgeWalk): Promise<{ deleted: number; batches: number }> {
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const { deleted: n, done } = await walk.nextBatch();
    deleted += n;
    batches += 1;
    if (done) return { deleted, batches };
    if (batches > 1_000_000) throw new Error('the walk never finished');
  }
}

/**
 * Drains a walk the way the engine's retries would: a failed batch is counted and the walk called
 * again. `beforeBatch(i)` runs before the i-th call (to inject a fault).
 */
export async function drainThroughFailures(
  walk: PurgeWalk,
  beforeBatch?: (i: number) => void,
): Promise<{ deleted: number; failures: number }> {
  let deleted = 0;
  let failures = 0;
  for (let done = false, i = 0; !done; i += 1) {
    if (i >= 1000) throw new Error('the walk never finished');
    beforeBatch?.(i);
    const batch = await walk.nextBatch().catch(() => null);
    if (!batch) {
      failures += 1;
      continue;
    }
    deleted += batch.deleted;
    done = batch.done;
  }
  return { deleted, failures };
}

/** 600 keys under `<prefix><tag>:`: 400 named a minute before 2026-12-03 10:30 UTC (due at that cutoff), 200 a minute after. */
export async function keysAroundTheCutoff(space: TestKeyspace, tag: string): Promise<{ match: string; due: number }> {
  const pipeline = space.redis.pipeline();
  for (let i = 0; i < 600; i += 1) pipeline.set(`${space.prefix}${tag}:${i}:${i % 3 === 0 ? '202612031031' : '202612031029'}`, '1');
  await pipeline.exec();
  return { match: `${space.prefix}${tag}:*`, due: 400 };
}

/** What every test of a Redis store file shares (see `redisStoreFixture`). */
export interface RedisStoreFixture {
  /** The file's own key prefix on the test Redis, and a connection to write and read keys directly. */
  readonly space: TestKeyspace;
  /** A store on the test Redis whose queue keys live under the file's prefix. */
  readonly store: Store;
  /** The store layer's view of the test Redis, for tests of walks and record kinds below the store. */
  readonly keyspace: RedisKeyspace;
}

/**
 * Registers the file's hooks: a key prefix of its own and a store over the test Redis, opened
 * before the first test; the store closed and every key under the prefix removed after the last.
 */
export function redisStoreFixture(): RedisStoreFixture {
  let space: TestKeyspace | undefined;
  let store: Store | undefined;
  let keyspace: RedisKeyspace | undefined;
  beforeAll(async () => {
    space = await createTestKeyspace();
    store = testStore(space.prefix);
    keyspace = openRedisKeyspace({ url: REDIS_TEST_URL }, silentLogger());
  });
  afterAll(async () => {
    await keyspace?.close();
    await store?.close();
    await space?.drop();
  });
  return {
    get space() {
      if (!space) throw new Error('redisStoreFixture: no keyspace outside the tests');
      return space;
    },
    get keyspace() {
      if (!keyspace) throw new Error('redisStoreFixture: no keyspace outside the tests');
      return keyspace;
    },
    get store() {
      if (!store) throw new Error('redisStoreFixture: no store outside the tests');
      return store;
    },
  };
}
