import { Redis } from 'ioredis';
import type { ResolvedConfig } from '../config/load-config.js';

/**
 * Startup checks of the queue's Redis, as warnings (the worker still starts):
 * - an eviction policy other than `noeviction` lets Redis drop job and scheduler keys under
 *   memory pressure — a schedule can then vanish without an error;
 * - sharing the database of the Redis data store mixes the queue's keys with data the worker
 *   purges (config check already refuses patterns matching the queue prefix; this is the rest).
 */
export async function queueWarnings(queue: Redis, config: ResolvedConfig): Promise<string[]> {
  const warnings: string[] = [];
  const memory = await queue.info('memory');
  const policy = /maxmemory_policy:(\S+)/.exec(memory)?.[1];
  if (policy && policy !== 'noeviction') {
    warnings.push(
      `the queue's Redis evicts keys under memory pressure (maxmemory-policy ${policy}): set it to noeviction, or job schedulers and jobs may silently disappear`,
    );
  }
  const dataUrls = config.stores.redis.url ? [config.stores.redis.url] : (config.stores.redis.nodes ?? []);
  if (config.enabledStores.has('redis') && dataUrls.length > 0) {
    const queueRunId = runIdOf(await queue.info('server'));
    const queueDb = queue.options.db ?? 0;
    for (const url of dataUrls) {
      const data = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        connectTimeout: 3000,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      data.on('error', () => {});
      try {
        await data.connect();
        if (runIdOf(await data.info('server')) === queueRunId && (data.options.db ?? 0) === queueDb) {
          warnings.push(
            `the queue shares Redis database ${queueDb} with the Redis data store: give the queue its own Redis (QUEUE_REDIS_URL), or at least its own database`,
          );
          break;
        }
      } catch {
        // The data store is not reachable now: its own checks will say so.
      } finally {
        data.disconnect();
      }
    }
  }
  return warnings;
}

function runIdOf(info: string): string | undefined {
  return /run_id:(\S+)/.exec(info)?.[1];
}
