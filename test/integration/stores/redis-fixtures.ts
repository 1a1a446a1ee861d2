import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { PurgeWalk, Store } from '../../../src/stores/purger.js';
import { createRedisStore, type RedisStoreConfig } from '../../../src/stores/redis/redis-store.js';
import { REDIS_TEST_URL } from '../../support/redis.js';

/** A Redis target with the schema's defaults, as config validation would produce it. */
export function redisTarget(fields: Pick<RedisTargetConfig, 'type' | 'match'> & Partial<RedisTargetConfig>): RedisTargetConfig {
  return { store: 'redis', allowBroadMatch: false, scanCount: 1000, batchSize: 1000, pauseMs: 0, maxRunSeconds: 600, ...fields };
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
