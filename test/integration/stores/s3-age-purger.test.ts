import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import type { S3StoreConfig, S3TargetConfig } from '../../../src/config/schema.js';
import { runAgeTarget } from '../../../src/engine/run-age-target.js';
import { StopSignal } from '../../../src/engine/stop-signal.js';
import { fixedClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { AgePurger } from '../../../src/stores/purger.js';
import { createS3Store, type S3Store } from '../../../src/stores/s3/s3-store.js';
import { startS3FaultProxy, type S3FaultProxy } from '../../support/s3-fault-proxy.js';
import { startS3Server } from '../../support/s3-server.js';
import { testS3Client, testS3StoreConfig } from '../../support/s3-client.js';

/** Only `startS3Server`'s shape is relied on (the shared test helper's agreed signature). */
type TestS3Server = Awaited<ReturnType<typeof startS3Server>>;

const FORMAT = 'yyyy/MM/dd/HHmmssSSS';
const CUTOFF = new Date('2026-11-21T10:00:00.000Z');
const stamp = (ms: number) => DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat(FORMAT);

let server: TestS3Server;
let client: S3Client;
const opened: S3Store[] = [];

function openStore(overrides: Partial<S3StoreConfig> = {}): S3Store {
  const store = createS3Store(testS3StoreConfig(server, overrides), silentLogger());
  opened.push(store);
  return store;
}

function target(bucket: string, fields: Partial<S3TargetConfig> = {}): S3TargetConfig {
  return {
    store: 's3',
    bucket,
    prefix: 'logs/',
    time: { fromKey: '^logs/(\\d{4}/\\d{2}/\\d{2}/\\d{9})', format: FORMAT, keysInTimeOrder: true },
    allVersions: false,
    allowBroadMatch: false,
    batchSize: 50,
    pauseMs: 0,
    maxRunSeconds: 600,
    ...fields,
  };
}

async function put(bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map((Key) => client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
  }
}

async function listAll(bucket: string): Promise<Array<{ key: string; lastModified: Date }>> {
  const out: Array<{ key: string; lastModified: Date }> = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, lastModified: o.LastModified! });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

function run(purger: AgePurger, cutoff = CUTOFF, dryRun = false) {
  return runAgeTarget({
    purger,
    cutoff,
    tuning: { pauseMs: 0, maxRunSeconds: 600 },
    dryRun,
    allowLarge: false,
    clock: fixedClock(cutoff),
    stop: new StopSignal(),
    logger: silentLogger(),
    runId: 's3-test',
    policy: 's3-test',
  });
}

/** `count` keys one second apart, the first `due` of them before the cutoff. */
function timedKeys(count: number, due: number): string[] {
  return Array.from({ length: count }, (_, i) => `logs/${stamp(CUTOFF.getTime() + (i - due) * 1000)}-${i}.gz`);
}

beforeAll(async () => {
  server = await startS3Server();
  client = testS3Client(server);
});
afterAll(async () => {
  for (const store of opened) await store.close();
  client.destroy();
  await server.stop();
});

describe('S3 age purger: listing cost', () => {
  it('with the time leading the key, a run lists O(due) keys, not the whole prefix', async () => {
    const bucket = await server.createBucket();
    await put(bucket, timedKeys(600, 100));
    const store = openStore();
    const result = await run(store.agePurger(target(bucket), { zone: 'UTC' }));
    expect(result).toMatchObject({ status: 'succeeded', deleted: 100 });
    // 100 due keys in pages of 50: two pages of due keys and the page holding the first kept one.
    expect(store.stats.listed).toBeLessThanOrEqual(100 + 50 + 1);
    expect(store.stats.requests).toBeLessThanOrEqual(4);
    expect((await listAll(bucket)).length).toBe(500);
  });

  it('without keysInTimeOrder the same run lists every key of the prefix', async () => {
    const bucket = await server.createBucket();
    await put(bucket, timedKeys(600, 100));
    const store = openStore();
    const time = { fromKey: '^logs/(\\d{4}/\\d{2}/\\d{2}/\\d{9})', format: FORMAT, keysInTimeOrder: false };
    const result = await run(store.agePurger(target(bucket, { time }), { zone: 'UTC' }));
    expect(result).toMatchObject({ status: 'succeeded', deleted: 100 });
    expect(store.stats.listed).toBeGreaterThanOrEqual(600);
  });
});

describe('S3 age purger: time: lastModified', () => {
  it('is exact at the boundary of the time the server gives (kept at it, deleted 1 ms after)', async () => {
    const bucket = await server.createBucket();
    await put(bucket, ['logs/a', 'logs/b']);
    const listed = await listAll(bucket);
    const times = listed.map((o) => o.lastModified.getTime()).sort((a, b) => a - b);
    const oldest = times[0]!;
    const store = openStore();
    const purger = store.agePurger(target(bucket, { time: 'lastModified' }), { zone: 'UTC' });
    // A cutoff equal to the oldest LastModified keeps it: due means strictly older.
    expect((await purger.count(new Date(oldest))).due).toBe(0);
    const atBoundary = await run(purger, new Date(oldest));
    expect(atBoundary.deleted).toBe(0);
    const newest = times[times.length - 1]!;
    const after = await run(purger, new Date(newest + 1));
    expect(after.deleted).toBe(2);
    expect(await listAll(bucket)).toEqual([]);
  });
});

describe('S3 age purger: per-key errors and permissions', () => {
  let proxy: S3FaultProxy;
  beforeAll(async () => {
    proxy = await startS3FaultProxy(server.endpoint, client);
  });
  afterAll(() => proxy.close());

  it('retries keys a DeleteObjects answer reports failed, counts those that keep failing, and fails the target', async () => {
    const bucket = await server.createBucket();
    const keys = timedKeys(30, 20);
    await put(bucket, keys);
    const flaky = keys[3]!;
    const stuck = keys[7]!;
    let flakyFailures = 0;
    proxy.failKey = (key) => {
      if (key === flaky && flakyFailures < 2) {
        flakyFailures += 1;
        return 'InternalError';
      }
      return key === stuck ? 'SlowDown' : null;
    };
    const store = openStore({ endpoint: proxy.endpoint });
    const result = await run(store.agePurger(target(bucket, { batchSize: 10 }), { zone: 'UTC' }));
    proxy.failKey = () => null;
    expect(result.status).toBe('failed');
    expect(result.deleted).toBe(19);
    expect(result.error).toContain('1 due objects');
    expect(result.error).toContain('SlowDown');
    const left = (await listAll(bucket)).map((o) => o.key);
    expect(left).toContain(stuck);
    expect(left).not.toContain(flaky);
    expect(left.length).toBe(11);
    // The next run retries the stuck key and finishes.
    const again = await run(openStore({ endpoint: proxy.endpoint }).agePurger(target(bucket, { batchSize: 10 }), { zone: 'UTC' }));
    expect(again).toMatchObject({ status: 'succeeded', deleted: 1 });
  });

  it('refuses the target when every key is denied (credentials without delete permission), deleting nothing', async () => {
    const bucket = await server.createBucket();
    await put(bucket, timedKeys(5, 3));
    proxy.failKey = () => 'AccessDenied';
    const result = await run(openStore({ endpoint: proxy.endpoint }).agePurger(target(bucket), { zone: 'UTC' }));
    proxy.failKey = () => null;
    expect(result).toMatchObject({ status: 'refused', reason: 'access-denied', deleted: 0 });
    expect(result.error).toContain(bucket);
    expect((await listAll(bucket)).length).toBe(5);
  });
});

describe('S3 age purger: bad input is refused before anything is deleted', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await server.createBucket();
    await put(bucket, timedKeys(4, 4));
  });

  it.each([
    ['a bucket that does not exist', () => target('rt-no-such-bucket'), 'no-bucket'],
    ['an empty prefix (the whole bucket)', () => target(bucket, { prefix: '' }), 'broad-match'],
    [
      'a fromKey that matches any key',
      () => target(bucket, { time: { fromKey: '(.*)', format: FORMAT, keysInTimeOrder: false } }),
      'broad-match',
    ],
    [
      'keysInTimeOrder with a format that does not sort',
      () => target(bucket, { time: { fromKey: '(\\d{8})', format: 'ddMMyyyy', keysInTimeOrder: true } }),
      'unordered-keys',
    ],
  ])('%s', async (_what, make, reason) => {
    const result = await run(openStore().agePurger(make(), { zone: 'UTC' }));
    expect(result).toMatchObject({ status: 'refused', reason, deleted: 0 });
    expect(result.error).toMatch(/rt-no-such-bucket|rt-/);
    expect((await listAll(bucket)).length).toBe(4);
  });

  // s3rver checks the access key id, not SigV4 signatures: an unknown key id is its 403.
  it.skipIf(process.env.TEST_S3_URL)(
    'credentials the server rejects: refused (access-denied), and no credential in the error',
    async () => {
      const keyId = 'AKIATESTLEAKCHECK0001';
      const secret = 'wrong-secret-c2VjcmV0LXZhbHVl';
      const result = await run(openStore({ accessKeyId: keyId, secretAccessKey: secret }).agePurger(target(bucket), { zone: 'UTC' }));
      expect(result).toMatchObject({ status: 'refused', reason: 'access-denied', deleted: 0 });
      expect(result.error).toContain(bucket);
      expect(result.error).not.toContain(secret);
      expect(result.error).not.toContain(keyId);
      expect((await listAll(bucket)).length).toBe(4);
    },
  );
});
