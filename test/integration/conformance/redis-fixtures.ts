import { DateTime } from 'luxon';
import { Cluster, Redis } from 'ioredis';
import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Store } from '../../../src/stores/purger.js';
import { createRedisStore, type RedisStoreConfig } from '../../../src/stores/redis/redis-store.js';
import type { AgeConformanceFixture } from './age-purger-conformance.js';

const CONTEXT = { zone: 'UTC' };
const SHARDS = 3;

type Client = Redis | Cluster;

function target(fields: Pick<RedisTargetConfig, 'type' | 'match'> & Partial<RedisTargetConfig>, batchSize: number): RedisTargetConfig {
  // scanCount = batchSize too, so that a key target's batch (one SCAN page) stays small.
  return {
    store: 'redis',
    allowBroadMatch: false,
    judgeOnServer: false,
    scanCount: batchSize,
    batchSize,
    pauseMs: 0,
    maxRunSeconds: 600,
    ...fields,
  };
}

/** Every key of the client matching `pattern`, over every master. */
async function scanAll(client: Client, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, page] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const k of page) keys.add(k);
    } while (cursor !== '0');
  }
  return [...keys];
}

interface RedisFixtureOptions {
  /** Unique prefix of every key of the suite, e.g. `rt1a2b3c4d:`. */
  prefix: string;
  config: RedisStoreConfig;
  connect(): Client;
  /** Key targets: let Redis judge sortable key names (the default), or judge every key in the client. */
  judgeOnServer?: boolean;
  /** Extra cleanup after the suite (a private cluster's shutdown). */
  onClose?: () => Promise<void>;
}

function baseFixture(
  options: RedisFixtureOptions,
  kind: {
    insert(client: Client, times: readonly (Date | null)[]): Promise<void>;
    remainingTimes(client: Client): Promise<number[]>;
    remainingUnusable(client: Client): Promise<number>;
    removeExternally(client: Client, time: Date): Promise<void>;
    target(batchSize: number): RedisTargetConfig;
    hasUnusableRecords: boolean;
  },
): AgeConformanceFixture {
  let client: Client;
  let store: Store;
  return {
    async open() {
      client = options.connect();
      store = createRedisStore(options.config, { queuePrefix: `${options.prefix}queue`, logger: silentLogger() });
    },
    async close() {
      await this.reset();
      await store.close();
      await client.quit();
      await options.onClose?.();
    },
    async reset() {
      for (const key of await scanAll(client, `${options.prefix}*`)) await client.unlink(key);
    },
    insert: (times) => kind.insert(client, times),
    remainingTimes: () => kind.remainingTimes(client),
    remainingUnusable: () => kind.remainingUnusable(client),
    removeExternally: (time) => kind.removeExternally(client, time),
    purger: (batchSize) => store.agePurger(kind.target(batchSize), CONTEXT),
    misconfiguredPurger: () =>
      store.agePurger(target({ type: 'key', match: '*', time: { fromKey: '(\\d{17})', format: 'yyyyMMddHHmmssSSS' } }, 100), CONTEXT),
    hasUnusableRecords: kind.hasUnusableRecords,
  };
}

const FORMAT = 'yyyyMMddHHmmssSSS';
const stamp = (d: Date) => DateTime.fromJSDate(d, { zone: 'UTC' }).toFormat(FORMAT);

/** `key` targets whose time is in the key name, to the millisecond: `<prefix>ev:<n>:<yyyyMMddHHmmssSSS>`. */
export function keyNameFixture(options: RedisFixtureOptions): AgeConformanceFixture {
  let n = 0;
  return baseFixture(options, {
    hasUnusableRecords: true,
    async insert(client, times) {
      for (const t of times) await client.set(`${options.prefix}ev:${n++}:${t === null ? 'no-time' : stamp(t)}`, '1');
    },
    async remainingTimes(client) {
      const keys = await scanAll(client, `${options.prefix}ev:*`);
      return keys
        .map((k) => /:(\d{17})$/.exec(k)?.[1])
        .filter((s): s is string => s !== undefined)
        .map((s) => DateTime.fromFormat(s, FORMAT, { zone: 'UTC' }).toMillis())
        .sort((a, b) => a - b);
    },
    async remainingUnusable(client) {
      return (await scanAll(client, `${options.prefix}ev:*:no-time`)).length;
    },
    async removeExternally(client, time) {
      for (const k of await scanAll(client, `${options.prefix}ev:*:${stamp(time)}`)) await client.unlink(k);
    },
    target: (batchSize) =>
      target(
        {
          type: 'key',
          match: `${options.prefix}ev:*`,
          time: { fromKey: '(\\d{17})$', format: FORMAT },
          judgeOnServer: options.judgeOnServer ?? false,
        },
        batchSize,
      ),
  });
}

/** Sorted-set members scored by epoch ms, spread over three keys. */
export function sortedSetFixture(options: RedisFixtureOptions): AgeConformanceFixture {
  let n = 0;
  const keys = Array.from({ length: SHARDS }, (_, i) => `${options.prefix}zs:${i}`);
  return baseFixture(options, {
    hasUnusableRecords: false,
    async insert(client, times) {
      for (const t of times) await client.zadd(keys[n % SHARDS]!, t!.getTime(), `member-${n++}`);
    },
    async remainingTimes(client) {
      const scores: number[] = [];
      for (const key of keys) {
        const flat = await client.zrange(key, '0', '-1', 'WITHSCORES');
        for (let i = 1; i < flat.length; i += 2) scores.push(Number(flat[i]));
      }
      return scores.sort((a, b) => a - b);
    },
    remainingUnusable: async () => 0,
    async removeExternally(client, time) {
      for (const key of keys) await client.zremrangebyscore(key, time.getTime(), time.getTime());
    },
    target: (batchSize) => target({ type: 'sorted-set', match: `${options.prefix}zs:*` }, batchSize),
  });
}

/** Stream entries whose ID's millisecond part is the time, spread over three keys. */
export function streamFixture(options: RedisFixtureOptions): AgeConformanceFixture {
  const keys = Array.from({ length: SHARDS }, (_, i) => `${options.prefix}st:${i}`);
  return baseFixture(options, {
    hasUnusableRecords: false,
    async insert(client, times) {
      // Stream IDs only grow: add in time order.
      const sorted = [...times].map((t) => t!.getTime()).sort((a, b) => a - b);
      let i = 0;
      for (const ms of sorted) await client.xadd(keys[i++ % SHARDS]!, `${ms}-*`, 'cause', 'x');
    },
    async remainingTimes(client) {
      const times: number[] = [];
      for (const key of keys) {
        for (const [id] of await client.xrange(key, '-', '+')) times.push(Number(id.split('-')[0]));
      }
      return times.sort((a, b) => a - b);
    },
    remainingUnusable: async () => 0,
    async removeExternally(client, time) {
      for (const key of keys) {
        const ids = (await client.xrange(key, `${time.getTime()}-0`, `${time.getTime()}-18446744073709551615`)).map(([id]) => id);
        if (ids.length > 0) await client.xdel(key, ...ids);
      }
    },
    target: (batchSize) => target({ type: 'stream', match: `${options.prefix}st:*` }, batchSize),
  });
}
