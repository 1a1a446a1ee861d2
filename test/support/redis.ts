import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_TEST_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0';

export interface TestKeyspace {
  /** A unique key prefix such as `rt7f3a9c1e:`; every key a test writes starts with it. */
  prefix: string;
  redis: Redis;
  /** Removes every key under the prefix and closes the connection. */
  drop(): Promise<void>;
}

export async function createTestKeyspace(): Promise<TestKeyspace> {
  const prefix = `rt${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  return {
    prefix,
    redis,
    async drop() {
      await unlinkKeys(redis, `${prefix}*`);
      await redis.quit();
    },
  };
}

/** Hands each page of the keys matching `pattern` to `page`, by SCAN: KEYS would block the shared server. */
export async function scanPages(redis: Redis, pattern: string, page: (keys: string[]) => Promise<void> | void): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    await page(keys);
  } while (cursor !== '0');
}

/** Every key matching `pattern`. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  await scanPages(redis, pattern, (keys) => void found.push(...keys));
  return found;
}

/** Removes every key matching `pattern`, a page at a time. */
export async function unlinkKeys(redis: Redis, pattern: string): Promise<void> {
  await scanPages(redis, pattern, async (keys) => {
    if (keys.length > 0) await redis.unlink(...keys);
  });
}
