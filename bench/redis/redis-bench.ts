import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allSamples, errorCount, ProbeClient } from '../probe/probe-client.js';
import { runChild, tail } from '../support/child-process.js';
import { summarizeLatencies, type LatencySummary } from '../support/stats.js';
import { runWorkerCli, writeWorkerConfig, type BenchPolicy } from '../support/worker-cli.js';
import { createBenchDatabase } from '../mysql/bench-database.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { MonitoringKeys, writeCollections } from './redis-dataset.js';

const DAY_MS = 86_400_000;
const GET_RATE = 200;

export interface RedisKeyMethod {
  id: string;
  label: string;
  keysScanned: number;
  keysDeleted: number;
  wallMs: number;
  /** The worker's own target time (from its run document); the wall time of redis-cli. */
  purgeMs: number;
  keysScannedPerSecond: number;
  keysDeletedPerSecond: number;
  ratioToRedisCli: number | null;
  get: LatencySummary;
  peakRssKib: number | null;
}

export interface RedisBenchResult {
  server: string;
  keys: number;
  dueKeys: number;
  collections: number;
  members: number;
  dueMembers: number;
  loadSeconds: number;
  idleGet: LatencySummary;
  keyMethods: RedisKeyMethod[];
  memberPurge: { label: string; deleted: number; wallMs: number; membersPerSecond: number; get: LatencySummary };
  expiry: {
    keys: number;
    /** From the expiry time until DBSIZE no longer counts them, ms. */
    reclaimMs: number;
    keysPerSecond: number;
    get: LatencySummary;
    timedOut: boolean;
    /** Expired keys DBSIZE still counted at the expiry time (should be all of them). */
    countedAtExpiry: number;
    loadedBeforeExpiry: boolean;
  };
  /** The defaults run again on a larger keyspace (`--redis-memory-keys`): is memory flat? */
  memory: {
    keys: number;
    dueKeys: number;
    keysDeleted: number;
    wallMs: number;
    keysDeletedPerSecond: number;
    peakRssKib: number | null;
  } | null;
}

export interface RedisBenchOptions {
  keys: number;
  /** Keys of the memory run (0: none). */
  memoryKeys: number;
  collections: number;
  mysqlServerUrl: string;
  log: (line: string) => void;
}

/**
 * The Redis scenario on a private redis-server: the worker's key purge (as `retention run`) against
 * `redis-cli --scan | xargs redis-cli unlink`, the sorted-set/stream member purge, and Redis's own
 * expiry of the same keys. A GET loop on kept keys runs in a separate process throughout.
 */
export async function runRedisBench(options: RedisBenchOptions): Promise<RedisBenchResult> {
  const { log } = options;
  const redis: PrivateRedis = await startPrivateRedis();
  const db = await createBenchDatabase(options.mysqlServerUrl);
  const dir = await mkdtemp(join(tmpdir(), 'retention-bench-redis-'));
  let probe: ProbeClient | null = null;
  try {
    const info = await redis.client.info('server');
    const server = `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} (private, port ${redis.port})`;
    const cutoffMs = Date.now() - 2 * DAY_MS;
    const mon = new MonitoringKeys(options.keys, cutoffMs);
    const membersPer = 20;

    log(`Redis: loading ${mon.dueCount + mon.keptCount} keys and ${options.collections} sorted sets / streams…`);
    const started = performance.now();
    await mon.write(redis.client, 'all');
    const collections = await writeCollections(redis.client, options.collections, membersPer, Date.now() - 7 * DAY_MS);
    const loadSeconds = (performance.now() - started) / 1000;
    log(`  loaded in ${loadSeconds.toFixed(1)} s`);

    // Settings left out take the config's defaults (scanCount 1000; batchSize 5000 for key targets).
    const policies = (settings: { scanCount?: number; batchSize?: number; judgeOnServer?: boolean }): BenchPolicy[] => [
      {
        name: 'bench-mon',
        retain: { days: 2 },
        targets: [
          {
            store: 'redis',
            type: 'key',
            match: 'im:mon:*',
            time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' },
            ...settings,
          },
        ],
      },
      {
        name: 'bench-log',
        retain: { days: 7 },
        targets: [
          { store: 'redis', type: 'sorted-set', match: 'im:reqlog:*' },
          { store: 'redis', type: 'stream', match: 'im:exception:*' },
        ],
      },
    ];
    const defaultsConfig = await writeWorkerConfig(dir, 'redis-defaults', {
      mysqlUrl: db.url,
      redisUrl: redis.url,
      policies: policies({}),
    });
    const tunedConfig = await writeWorkerConfig(dir, 'redis-tuned', {
      mysqlUrl: db.url,
      redisUrl: redis.url,
      policies: policies({ scanCount: 5000, batchSize: 5000 }),
    });

    const scriptConfig = await writeWorkerConfig(dir, 'redis-judged-by-redis', {
      mysqlUrl: db.url,
      redisUrl: redis.url,
      policies: policies({ judgeOnServer: true }),
    });

    probe = await ProbeClient.start({ mode: 'redis', url: redis.url, rate: GET_RATE, keys: mon.sampleKept(2000) });
    await probe.resume();
    const window = async <T>(fn: () => Promise<T>): Promise<{ value: T; get: LatencySummary }> => {
      await probe!.mark();
      const value = await fn();
      const w = await probe!.collect();
      return { value, get: summarizeLatencies(allSamples(w), errorCount(w)) };
    };
    const idle = await window(() => new Promise((resolve) => setTimeout(resolve, 3000)));

    const keyMethods: RedisKeyMethod[] = [];
    const measureKeys = async (
      id: string,
      label: string,
      purge: () => Promise<{ wallMs: number; purgeMs: number; peakRssKib: number | null; passes: number }>,
    ) => {
      const before = await redis.client.dbsize();
      const { value, get } = await window(purge);
      const after = await redis.client.dbsize();
      const deleted = before - after;
      const scanned = before * value.passes;
      const method: RedisKeyMethod = {
        id,
        label,
        keysScanned: scanned,
        keysDeleted: deleted,
        wallMs: value.wallMs,
        purgeMs: value.purgeMs,
        keysScannedPerSecond: scanned / (value.wallMs / 1000),
        keysDeletedPerSecond: deleted / (value.wallMs / 1000),
        ratioToRedisCli: null,
        get,
        peakRssKib: value.peakRssKib,
      };
      keyMethods.push(method);
      log(
        `  ${id}: ${deleted} keys deleted in ${(value.wallMs / 1000).toFixed(2)} s = ${Math.round(method.keysDeletedPerSecond)} keys/s, GET p99 ${get.p99.toFixed(2)} ms`,
      );
      if (deleted !== mon.dueCount) log(`  warning: ${id} deleted ${deleted} keys, ${mon.dueCount} were due`);
    };
    let dueLoadMs = 0;
    const reloadDue = async () => {
      const t = performance.now();
      await mon.write(redis.client, 'due');
      dueLoadMs = performance.now() - t;
    };

    await measureKeys('worker-defaults', 'worker, defaults (judged in place by the worker; scanCount 1000, batchSize 5000)', async () => {
      const r = await runWorkerCli(defaultsConfig, 'bench-mon');
      return { wallMs: r.wallMs, purgeMs: r.targets.reduce((sum, t) => sum + t.durationMs, 0), peakRssKib: r.peakRssKib, passes: 1 };
    });
    const members = await window(() => runWorkerCli(defaultsConfig, 'bench-log'));
    const membersResult = {
      label: 'worker, defaults: sorted-set members and stream entries',
      deleted: members.value.deleted,
      wallMs: members.value.wallMs,
      membersPerSecond: members.value.deleted / (members.value.wallMs / 1000),
      get: members.get,
    };
    log(
      `  members: ${membersResult.deleted} in ${(membersResult.wallMs / 1000).toFixed(2)} s = ${Math.round(membersResult.membersPerSecond)} members/s`,
    );

    await reloadDue();
    await measureKeys('worker-tuned', 'worker, tuned (judged in place; scanCount 5000, batchSize 5000)', async () => {
      const r = await runWorkerCli(tunedConfig, 'bench-mon');
      return { wallMs: r.wallMs, purgeMs: r.targets.reduce((sum, t) => sum + t.durationMs, 0), peakRssKib: r.peakRssKib, passes: 1 };
    });

    await reloadDue();
    await measureKeys(
      'worker-script',
      'worker, judged by Redis in a Lua script (judgeOnServer: true; scanCount 1000, batchSize 5000)',
      async () => {
        const r = await runWorkerCli(scriptConfig, 'bench-mon');
        return { wallMs: r.wallMs, purgeMs: r.targets.reduce((sum, t) => sum + t.durationMs, 0), peakRssKib: r.peakRssKib, passes: 1 };
      },
    );

    await reloadDue();
    const cli = `redis-cli -h 127.0.0.1 -p ${redis.port}`;
    const script = mon.duePatterns.map((p) => `${cli} --scan --pattern '${p}' | xargs -r -n 1000 ${cli} unlink > /dev/null`).join(' && ');
    await measureKeys('redis-cli', "redis-cli --scan --pattern '<due day>*' | xargs -n 1000 redis-cli unlink", async () => {
      const r = await runChild('bash', ['-c', `set -o pipefail; ${script}`]);
      if (r.code !== 0) throw new Error(`the redis-cli pipeline failed (exit ${r.code}):\n${tail(r.stderr)}`);
      return { wallMs: r.wallMs, purgeMs: r.wallMs, peakRssKib: null, passes: mon.duePatterns.length };
    });
    const baseline = keyMethods.find((m) => m.id === 'redis-cli');
    for (const m of keyMethods) if (baseline) m.ratioToRedisCli = m.keysDeletedPerSecond / baseline.keysDeletedPerSecond;

    // Redis's own expiry: the due keys written again with an expiry time a little after the load
    // ends (an EXPIREAT already in the past deletes the key at once, inside the command).
    const keptTotal = await redis.client.dbsize();
    const expireAt = Date.now() + Math.round(Math.max(10_000, 3 * dueLoadMs));
    await mon.write(redis.client, 'due', expireAt);
    const loadedBeforeExpiry = Date.now() < expireAt;
    log(`  expiry: ${(await redis.client.dbsize()) - keptTotal} keys written, expiring in ${expireAt - Date.now()} ms`);
    while (Date.now() < expireAt) await new Promise((resolve) => setTimeout(resolve, 5));
    const sizeAtExpiry = await redis.client.dbsize();
    const expiry = await window(async () => {
      const deadline = Date.now() + 600_000;
      for (;;) {
        const size = await redis.client.dbsize();
        if (size <= keptTotal) return { reclaimMs: Date.now() - expireAt, timedOut: false };
        if (Date.now() > deadline) return { reclaimMs: Date.now() - expireAt, timedOut: true };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    });
    log(
      `  Redis expiry reclaimed ${mon.dueCount} keys in ${(expiry.value.reclaimMs / 1000).toFixed(3)} s ` +
        `(${sizeAtExpiry - keptTotal} expired keys still counted at the expiry time${loadedBeforeExpiry ? '' : '; the load overran the expiry time'})`,
    );

    let memory: RedisBenchResult['memory'] = null;
    if (options.memoryKeys > 0) {
      // A fresh keyspace of another size, purged with the defaults: peak RSS against the main run's.
      await redis.client.flushall();
      const big = new MonitoringKeys(options.memoryKeys, cutoffMs);
      log(`  memory run: loading ${big.dueCount + big.keptCount} keys…`);
      await big.write(redis.client, 'all');
      const before = await redis.client.dbsize();
      const r = await runWorkerCli(defaultsConfig, 'bench-mon');
      const keysDeleted = before - (await redis.client.dbsize());
      memory = {
        keys: big.dueCount + big.keptCount,
        dueKeys: big.dueCount,
        keysDeleted,
        wallMs: r.wallMs,
        keysDeletedPerSecond: keysDeleted / (r.wallMs / 1000),
        peakRssKib: r.peakRssKib,
      };
      log(
        `  memory run: ${keysDeleted} keys deleted in ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${((r.peakRssKib ?? 0) / 1024).toFixed(1)} MiB`,
      );
    }

    return {
      memory,
      server,
      keys: mon.dueCount + mon.keptCount,
      dueKeys: mon.dueCount,
      collections: options.collections,
      members: collections.total,
      dueMembers: collections.due,
      loadSeconds,
      idleGet: idle.get,
      keyMethods,
      memberPurge: membersResult,
      expiry: {
        keys: mon.dueCount,
        reclaimMs: expiry.value.reclaimMs,
        keysPerSecond: mon.dueCount / (expiry.value.reclaimMs / 1000),
        get: expiry.get,
        timedOut: expiry.value.timedOut,
        countedAtExpiry: sizeAtExpiry - keptTotal,
        loadedBeforeExpiry,
      },
    };
  } finally {
    await probe?.stop();
    await redis.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
