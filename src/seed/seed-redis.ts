import { Redis, type ChainableCommander } from 'ioredis';
import { DateTime } from 'luxon';
import { UsageError } from '../errors/index.js';
import { demoAccounts, demoIp, INTERFACES, pick, prng, spreadTime, type SeedOptions } from './demo-data.js';

export interface RedisSeedCounts {
  requestLogMembers: number;
  exceptionEntries: number;
  monitoringKeys: number;
  configKeys: number;
}

const PIPELINE = 1000;

/**
 * Fills the reference Redis keys under `im:`: request-log sorted sets, exception streams,
 * per-minute monitoring hashes and cached configuration. Refuses existing `im:` keys unless `force`.
 */
export async function seedRedis(url: string, options: SeedOptions, force: boolean): Promise<RedisSeedCounts> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  try {
    if (!force) {
      const [, keys] = await redis.scan('0', 'MATCH', 'im:*', 'COUNT', 1000);
      if (keys.length > 0) throw new UsageError('Redis already has im:* keys; seed with --force to add more');
    }
    const rand = prng(13);
    const appIds = demoAccounts(options).map((a) => a.appId);
    let pipeline = redis.pipeline();
    let queued = 0;
    const flush = async (force = false) => {
      if (queued >= PIPELINE || (force && queued > 0)) {
        await pipeline.exec();
        pipeline = redis.pipeline();
        queued = 0;
      }
    };
    const add = async (fn: (p: ChainableCommander) => void) => {
      fn(pipeline);
      queued += 1;
      await flush();
    };
    const members = Math.max(1, Math.floor(options.rows / 4));
    for (let i = 0; i < members; i += 1) {
      const at = spreadTime(rand, options);
      const member = JSON.stringify({ ip: demoIp(rand), interface: pick(rand, INTERFACES), time: at.toISOString(), n: i });
      await add((p) => p.zadd(`im:reqlog:${pick(rand, appIds)}`, at.getTime(), member));
    }
    const entries = Math.max(1, Math.floor(members / 10));
    const streamTimes = Array.from({ length: entries }, () => spreadTime(rand, options).getTime()).sort((a, b) => a - b);
    for (const ms of streamTimes) {
      await add((p) =>
        p.xadd(`im:exception:${pick(rand, appIds)}`, `${ms}-*`, 'interface', pick(rand, INTERFACES), 'cause', 'upstream timeout'),
      );
    }
    // One monitoring hash per app, interface and 30-minute window, named by the window's minute (UTC).
    let monitoringKeys = 0;
    const windows = Math.floor((options.days * 24 * 60) / 30);
    const start = DateTime.fromJSDate(options.now, { zone: 'UTC' }).startOf('minute');
    for (const appId of appIds.slice(0, Math.min(appIds.length, 20))) {
      const iface = pick(rand, INTERFACES);
      for (let w = 0; w < windows; w += 1) {
        const minute = start.minus({ minutes: w * 30 }).toFormat('yyyyMMddHHmm');
        await add((p) => p.hset(`im:mon:${appId}:${iface}:${minute}`, { total: 100, success: 99, delaySumMs: 4200 }));
        monitoringKeys += 1;
      }
    }
    let configKeys = 0;
    for (const appId of appIds) {
      await add((p) => p.hset(`im:cfg:${appId}`, { appName: `demo-${appId}`, callbackEnabled: '1' }));
      await add((p) => p.sadd(`im:cfg:${appId}:tags`, 'demo'));
      configKeys += 2;
    }
    await flush(true);
    return { requestLogMembers: members, exceptionEntries: entries, monitoringKeys, configKeys };
  } finally {
    await redis.quit();
  }
}
