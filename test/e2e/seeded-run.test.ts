import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { createTestMongoDatabase, type TestMongoDatabase } from '../support/mongo.js';
import { runCli } from '../support/cli.js';

/**
 * The whole product on seeded data: `retention seed` fills MySQL, MongoDB (wire test server or
 * TEST_MONGO_URL) and Redis; `retention run --json` must purge exactly what is due in all three.
 * Redis database 5 is this file's own (the seeder writes the reference `im:*` keys).
 */
const REDIS_URL = 'redis://127.0.0.1:6379/5';

interface Snapshot {
  mysql: Record<string, number[]>;
  mongo: Record<string, number[]>;
  zset: number[];
  stream: number[];
  monitoringKeys: number[];
}

async function snapshot(db: TestDatabase, mongo: TestMongoDatabase, redis: Redis): Promise<Snapshot> {
  const mysql: Record<string, number[]> = {};
  for (const [table, column] of [
    ['im_request_log', 'requested_at'],
    ['im_exception_log', 'occurred_at'],
    ['im_monitoring_stat', 'window_start'],
  ] as const) {
    const [rows] = await db.pool.query(`SELECT ${column} AS t FROM ${table}`);
    mysql[table] = (rows as { t: Date }[]).map((r) => r.t.getTime());
  }
  const mongoTimes: Record<string, number[]> = {};
  for (const [collection, field] of [
    ['request_logs', 'requestedAt'],
    ['exception_logs', 'occurredAt'],
    ['monitoring_stats', 'windowStart'],
  ] as const) {
    const docs = await mongo.db
      .collection(collection)
      .find({}, { projection: { [field]: 1 } })
      .toArray();
    mongoTimes[collection] = docs.map((d) => (d[field] as Date).getTime());
  }
  const zset: number[] = [];
  const stream: number[] = [];
  const monitoringKeys: number[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'im:*', 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (key.startsWith('im:reqlog:')) {
        const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
        for (let i = 1; i < flat.length; i += 2) zset.push(Number(flat[i]));
      } else if (key.startsWith('im:exception:')) {
        for (const [id] of await redis.xrange(key, '-', '+')) stream.push(Number(id.split('-')[0]));
      } else if (key.startsWith('im:mon:')) {
        monitoringKeys.push(DateTime.fromFormat(key.slice(-12), 'yyyyMMddHHmm', { zone: 'UTC' }).toMillis());
      }
    }
  } while (cursor !== '0');
  return { mysql, mongo: mongoTimes, zset, stream, monitoringKeys };
}

const kept = (times: number[], cutoff: number) => times.filter((t) => t >= cutoff).sort((a, b) => a - b);
const sorted = (times: number[]) => [...times].sort((a, b) => a - b);

describe('retention run on seeded data in every store', () => {
  let db: TestDatabase;
  let mongo: TestMongoDatabase;
  let redis: Redis;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_seeded');
    mongo = await createTestMongoDatabase('e2e_seeded');
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
    dir = mkdtempSync(join(tmpdir(), 'retention-e2e-'));
    config = join(dir, 'retention.yaml');
    // The default configuration, pointed at this test's stores.
    const text = (await import('node:fs')).readFileSync('config/retention.yaml', 'utf8');
    writeFileSync(
      config,
      text
        .replace('${MYSQL_URL-mysql://root@127.0.0.1:3306/im}', db.url)
        .replace('${MONGO_URL-mongodb://127.0.0.1:27017/im}', mongo.url)
        .replace('${REDIS_URL-redis://127.0.0.1:6379/0}', REDIS_URL)
        .replace('${AUDIT_KEY-}', 'e2e-audit-key'),
    );
  });
  afterAll(async () => {
    await redis.flushdb();
    await redis.quit();
    await mongo.drop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('purges exactly the due records of the log and monitoring policies', async () => {
    const seed = await runCli(['--config', config, 'seed', '--apps', '30', '--days', '10', '--rows', '4000', '--json']);
    expect(seed.code, seed.stderr).toBe(0);
    const again = await runCli(['--config', config, 'seed']);
    expect(again.code).toBe(2);

    const before = await snapshot(db, mongo, redis);
    const run = await runCli(['--config', config, 'run', '--policy', 'log-data', '--policy', 'monitoring-data', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.status).toBe('succeeded');
    for (const policy of doc.policies) {
      expect(policy.targets).toHaveLength(policy.name === 'log-data' ? 6 : 3);
      for (const t of policy.targets) expect(t, `${t.store} ${t.target}`).toMatchObject({ status: 'succeeded', error: null });
    }
    const cutoffOf = (name: string) => Date.parse(doc.policies.find((p: { name: string }) => p.name === name).cutoff);
    const logCutoff = cutoffOf('log-data');
    const monCutoff = cutoffOf('monitoring-data');
    const after = await snapshot(db, mongo, redis);

    expect(sorted(after.mysql.im_request_log!)).toEqual(kept(before.mysql.im_request_log!, logCutoff));
    expect(sorted(after.mysql.im_exception_log!)).toEqual(kept(before.mysql.im_exception_log!, logCutoff));
    expect(sorted(after.mysql.im_monitoring_stat!)).toEqual(kept(before.mysql.im_monitoring_stat!, monCutoff));
    expect(sorted(after.mongo.request_logs!)).toEqual(kept(before.mongo.request_logs!, logCutoff));
    expect(sorted(after.mongo.exception_logs!)).toEqual(kept(before.mongo.exception_logs!, logCutoff));
    expect(sorted(after.mongo.monitoring_stats!)).toEqual(kept(before.mongo.monitoring_stats!, monCutoff));
    expect(sorted(after.zset)).toEqual(kept(before.zset, logCutoff));
    expect(sorted(after.stream)).toEqual(kept(before.stream, logCutoff));
    expect(sorted(after.monitoringKeys)).toEqual(kept(before.monitoringKeys, monCutoff));

    // Something was actually due everywhere, and the run document counts it.
    const deleted = (name: string, target: string) =>
      doc.policies.find((p: { name: string }) => p.name === name).targets.find((t: { target: string }) => t.target === target).deleted;
    expect(deleted('log-data', 'im_request_log')).toBe(before.mysql.im_request_log!.length - after.mysql.im_request_log!.length);
    expect(deleted('log-data', 'im:reqlog:*')).toBe(before.zset.length - after.zset.length);
    expect(deleted('monitoring-data', 'im:mon:*')).toBe(before.monitoringKeys.length - after.monitoringKeys.length);
    expect(deleted('log-data', 'request_logs')).toBeGreaterThan(0);

    const verify = await runCli(['--config', config, 'audit', 'verify', '--json']);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
  });
});
