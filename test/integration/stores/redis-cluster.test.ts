import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import type { Store } from '../../../src/stores/purger.js';
import { TRIM_SORTED_SET } from '../../../src/stores/redis/lua-scripts.js';
import { integerReply, runOnNode, scriptCommand } from '../../../src/stores/redis/node-commands.js';
import { startRedisCluster, type RedisClusterHandle } from '../../support/redis-cluster.js';
import { drain, redisTarget, testStore } from './redis-fixtures.js';

const context = { zone: 'UTC' };
const cutoff = new Date('2024-06-01T10:00:00.000Z');
const ms = cutoff.getTime();
const prefix = 'rc:';
/** Above 2^53, so exactness of ids is exercised over the cluster too. */
const SUBJECT = '9007199254740993';

let cluster: RedisClusterHandle;
let client: Cluster;
let store: Store;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = new Cluster(cluster.nodes, { redisOptions: { protocol: 2 } });
  store = testStore(prefix, { nodes: cluster.nodes });
});

afterAll(async () => {
  await store?.close();
  client?.disconnect();
  await cluster?.stop();
});

/** How many keys each master holds: proves the keys are spread over every master. */
async function keysPerMaster(): Promise<number[]> {
  return Promise.all(client.nodes('master').map((node) => node.dbsize()));
}

/** The master holding an existing key, and another master. */
async function mastersOf(key: string) {
  const masters = client.nodes('master');
  const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
  const counts = await Promise.all(masters.map(async (node) => Number(await node.call('CLUSTER', 'COUNTKEYSINSLOT', slot))));
  return { owner: masters[counts.findIndex((n) => n > 0)]!, other: masters[counts.findIndex((n) => n === 0)]! };
}

describe('Redis store on a 3-master cluster', () => {
  it('purges sorted sets, name-timed keys and subjects whose keys are spread over every master', async () => {
    for (let app = 0; app < 300; app += 1) {
      await client.zadd(`${prefix}reqlog:${app}`, ms - 1, 'old', ms, 'kept');
      await client.set(`${prefix}mon:${app}:202406010959`, '1');
      await client.set(`${prefix}mon:${app}:202406011000`, '1');
    }
    for (let i = 0; i < 60; i += 1) await client.set(`${prefix}cfg:${SUBJECT}:${i}`, 'v');
    await client.set(`${prefix}cfg:${SUBJECT}`, 'v');
    await client.set(`${prefix}cfg:${SUBJECT}0:x`, 'v');
    await client.zadd(`${prefix}queue:bull:delayed`, ms - 1, 'job');
    const spread = await keysPerMaster();
    expect(spread).toHaveLength(3);
    for (const n of spread) expect(n).toBeGreaterThan(100);

    const zsets = store.agePurger(redisTarget({ type: 'sorted-set', match: `${prefix}reqlog:*`, batchSize: 50 }), context);
    await zsets.check();
    expect(await zsets.count(cutoff)).toEqual({ due: 300, total: 600, unusableTime: 0 });
    expect((await drain(zsets.openWalk(cutoff))).deleted).toBe(300);
    expect(await zsets.inspect(cutoff)).toEqual({ oldest: cutoff, overdue: 0, unusableTime: 0 });

    const keys = store.agePurger(
      redisTarget({ type: 'key', match: `${prefix}mon:*`, time: { fromKey: '(\\d{12})$', format: 'yyyyMMddHHmm' }, batchSize: 64 }),
      context,
    );
    expect(await keys.count(cutoff)).toEqual({ due: 300, total: 600, unusableTime: 0 });
    expect((await drain(keys.openWalk(cutoff))).deleted).toBe(300);
    expect(await keys.count(cutoff)).toEqual({ due: 0, total: 300, unusableTime: 0 });

    const nested = store.subjectPurger(redisTarget({ type: 'key', match: `${prefix}cfg:<subject>:*` }), context);
    const exact = store.subjectPurger(redisTarget({ type: 'key', match: `${prefix}cfg:<subject>` }), context);
    expect(await nested.countSubjects([SUBJECT])).toEqual(new Map([[SUBJECT, 60]]));
    expect(await nested.purgeSubjects([SUBJECT])).toEqual(new Map([[SUBJECT, 60]]));
    expect(await exact.purgeSubjects([SUBJECT])).toEqual(new Map([[SUBJECT, 1]]));
    expect(await client.exists(`${prefix}cfg:${SUBJECT}0:x`)).toBe(1);
    expect(await client.zcard(`${prefix}queue:bull:delayed`)).toBe(1);
  });

  it('purges a stream on whichever master holds it', async () => {
    const key = `${prefix}exception:{7}`;
    for (const id of [`${ms - 2}-0`, `${ms - 1}-3`, `${ms}-0`]) await client.xadd(key, id, 'cause', 'x');
    const streams = store.agePurger(redisTarget({ type: 'stream', match: `${prefix}exception:*` }), context);
    expect(await streams.count(cutoff)).toEqual({ due: 2, total: 3, unusableTime: 0 });
    expect((await drain(streams.openWalk(cutoff))).deleted).toBe(2);
    expect((await client.xrange(key, '-', '+')).map(([id]) => id)).toEqual([`${ms}-0`]);
  });

  it('sends a command again through the cluster when the master it went to does not hold the slot (MOVED)', async () => {
    const key = `${prefix}moved:1`;
    await client.set(key, 'v');
    const { other } = await mastersOf(key);
    const [reply] = await runOnNode(other, client, [['UNLINK', Buffer.from(key)]]);
    expect(integerReply(reply)).toBe(1);
    expect(await client.exists(key)).toBe(0);
  });

  it('resends a script with EVAL when a master lost its script cache (NOSCRIPT)', async () => {
    const key = `${prefix}noscript:{1}`;
    await client.zadd(key, ms - 1, 'old', ms, 'kept');
    const { owner: node } = await mastersOf(key);
    const command = scriptCommand(TRIM_SORTED_SET, Buffer.from(key), [`(${ms}`, 100]);
    await runOnNode(node, client, [command]); // loads the scripts on that node
    await node.call('SCRIPT', 'FLUSH');
    await client.zadd(key, ms - 2, 'older');
    const [reply] = await runOnNode(node, client, [command]);
    expect(reply).toEqual([1, 0]);
    expect(await client.zrange(key, '0', '-1')).toEqual(['kept']);
  });
});
