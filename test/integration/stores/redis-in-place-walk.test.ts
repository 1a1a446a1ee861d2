import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisTargetConfig } from '../../../src/config/schema.js';
import { openInPlaceWalk } from '../../../src/stores/redis/in-place-walk.js';
import { keyNameRecords } from '../../../src/stores/redis/key-records.js';
import { runOnNode } from '../../../src/stores/redis/node-commands.js';
import { keyNameTime } from '../../../src/stores/redis/record-time.js';
import { createRedisAgePurger } from '../../../src/stores/redis/redis-age-purger.js';
import { RespScanConnection } from '../../../src/stores/redis/resp-scan-connection.js';
import { sortableKeyTime } from '../../../src/stores/redis/sortable-key-time.js';
import { startPrivateRedis } from '../../support/private-redis.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { REDIS_TEST_URL } from '../../support/redis.js';
import { drainThroughFailures, keysAroundTheCutoff, redisStoreFixture, redisTarget } from './redis-fixtures.js';

const fx = redisStoreFixture();
const CUTOFF = new Date('2026-12-03T10:30:00.000Z');
const FROM_KEY = '(\\d{12})$';
const FORMAT = 'yyyyMMddHHmm';
const upstream = new URL(REDIS_TEST_URL);

let proxy: TcpProxy;
beforeAll(async () => {
  proxy = await startTcpProxy(upstream.hostname, Number(upstream.port || 6379));
});
afterAll(async () => {
  await proxy?.close();
});

/** An in-place walk of `match` whose connection goes through the proxy. */
function walkThroughProxy(match: string, commandTimeout?: number) {
  const time = sortableKeyTime(FROM_KEY, FORMAT, 'UTC')!;
  const run = (node: Redis, commands: Parameters<typeof runOnNode>[2]) => runOnNode(node, fx.keyspace.route, commands);
  return openInPlaceWalk({
    keyspace: fx.keyspace,
    match,
    scanCount: 100,
    excludePrefix: '',
    time,
    cutoffText: time.textAtOrAfter(CUTOFF.getTime())!,
    cutoffMs: CUTOFF.getTime(),
    fallback: keyNameRecords(run, true, keyNameTime(FROM_KEY, FORMAT, 'UTC'), time),
    batchSize: 100,
    connect: (node) =>
      RespScanConnection.open({
        ...node.options,
        host: '127.0.0.1',
        port: proxy.port,
        ...(commandTimeout === undefined ? {} : { commandTimeout }),
      }),
  });
}

function purger(target: RedisTargetConfig) {
  return createRedisAgePurger(target, {
    keyspace: fx.keyspace,
    run: (node, commands) => runOnNode(node, fx.keyspace.route, commands),
    multiKeyUnlink: true,
    queuePrefix: `${fx.space.prefix}queue`,
    zone: 'UTC',
  });
}

describe('Redis keys judged in place: the walk', () => {
  it('deletes in batches of at most batchSize, each count exact, and carries a page’s overflow to the next batch', async () => {
    const { match, due } = await keysAroundTheCutoff(fx.space, 'batches');
    // One page of 600 keys (scanCount far above), 400 due: batches of 150, 150, 100.
    const walk = purger(
      redisTarget({
        type: 'key',
        match,
        time: { fromKey: FROM_KEY, format: FORMAT },
        scanCount: 5000,
        batchSize: 150,
        judgeOnServer: false,
      }),
    ).openWalk(CUTOFF);
    expect(walk).toHaveProperty('judgedBy', 'worker');
    const batches: number[] = [];
    for (let done = false, i = 0; !done && i < 100; i += 1) {
      const batch = await walk.nextBatch();
      batches.push(batch.deleted);
      done = batch.done;
    }
    expect(Math.max(...batches)).toBeLessThanOrEqual(150);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(due);
    expect(await purger(redisTarget({ type: 'key', match, time: { fromKey: FROM_KEY, format: FORMAT } })).count(CUTOFF)).toMatchObject({
      due: 0,
      total: 200,
    });
  });

  it('a connection cut between batches fails one batch; the walk reconnects, repeats from where that batch started, and counts every key once', async () => {
    const { match, due } = await keysAroundTheCutoff(fx.space, 'cut');
    const walk = walkThroughProxy(match);
    const before = proxy.connections;
    const { deleted, failures } = await drainThroughFailures(walk, (i) => {
      if (i !== 2) return;
      proxy.cut();
      proxy.resume();
    });
    expect(failures).toBe(1);
    // Its first connection, and the one it opened after the cut.
    expect(proxy.connections - before).toBe(2);
    expect(deleted).toBe(due);
    expect(await purger(redisTarget({ type: 'key', match, time: { fromKey: FROM_KEY, format: FORMAT } })).count(CUTOFF)).toMatchObject({
      due: 0,
      total: 200,
    });
  });

  it('a server that stops answering fails the batch after commandTimeout ("Command timed out"), and the walk finishes once it answers again', async () => {
    const { match, due } = await keysAroundTheCutoff(fx.space, 'stall');
    const walk = walkThroughProxy(match, 300);
    let deleted = (await walk.nextBatch()).deleted;
    proxy.pause();
    const stalled = await walk.nextBatch().then(
      () => null,
      (err: Error) => err,
    );
    proxy.resume();
    expect(stalled?.message).toBe('Command timed out');
    for (let done = false, i = 0; !done && i < 1000; i += 1) {
      const batch = await walk.nextBatch();
      deleted += batch.deleted;
      done = batch.done;
    }
    // A reply lost with the dropped connection is not counted (docs/audit.md): at most the stalled batch's.
    expect(deleted).toBeLessThanOrEqual(due);
    expect(due - deleted).toBeLessThanOrEqual(100);
    expect(await purger(redisTarget({ type: 'key', match, time: { fromKey: FROM_KEY, format: FORMAT } })).count(CUTOFF)).toMatchObject({
      due: 0,
      total: 200,
    });
  });
});

describe('Redis keys judged in place: the connection', () => {
  it('selects the configured database: it sees only that database’s keys', async () => {
    const other = new Redis(REDIS_TEST_URL.replace(/\/\d*$/, '/3'));
    const key = `${fx.space.prefix}db3:202601010000`;
    try {
      await other.set(key, '1');
      const connection = await RespScanConnection.open({ host: upstream.hostname, port: Number(upstream.port || 6379), db: 3 });
      const seen: string[] = [];
      let cursor = '0';
      do {
        const page = await connection.scan(cursor, `${fx.space.prefix}db3:*`, 1000);
        for (let i = 0; i < page.ranges.length; i += 2) seen.push(page.bytes.toString('latin1', page.ranges[i], page.ranges[i + 1]));
        cursor = page.cursor;
      } while (cursor !== '0');
      connection.close();
      expect(seen).toEqual([key]);
    } finally {
      await other.unlink(key);
      other.disconnect();
    }
  });

  it('authenticates with the password, over a Unix socket too (a private redis-server with requirepass)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rw-resp-'));
    const socket = join(dir, 'redis.sock');
    const server = await startPrivateRedis({ password: 's3cret-pass', unixSocket: socket });
    try {
      const writer = new Redis({ host: '127.0.0.1', port: server.port, password: 's3cret-pass' });
      for (const endpoint of [{ host: '127.0.0.1', port: server.port }, { path: socket }]) {
        await writer.set('ev:202601010000', '1');
        const connection = await RespScanConnection.open({ ...endpoint, password: 's3cret-pass' });
        const page = await connection.scan('0', 'ev:*', 100);
        expect(page.bytes.toString('latin1', page.ranges[0], page.ranges[1])).toBe('ev:202601010000');
        expect(await connection.unlink(page.bytes, page.ranges)).toBe(1);
        connection.close();
        expect(await writer.exists('ev:202601010000')).toBe(0);
      }
      writer.disconnect();
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a rejected AUTH fails the open with Redis’s own words, never the password', async () => {
    const error = await RespScanConnection.open({
      host: upstream.hostname,
      port: Number(upstream.port || 6379),
      password: 'hunter2-secret',
    }).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/^Redis replied (ERR|WRONGPASS)/);
    expect(error?.message).not.toContain('hunter2-secret');
  });

  it('a refused connection fails with the socket’s code, which the store reports as unreachable', async () => {
    const closed = await startTcpProxy(upstream.hostname, Number(upstream.port || 6379));
    const port = closed.port;
    await closed.close();
    const error = await RespScanConnection.open({ host: '127.0.0.1', port }).then(
      () => null,
      (err: NodeJS.ErrnoException) => err,
    );
    expect(error?.code).toBe('ECONNREFUSED');
  });
});
