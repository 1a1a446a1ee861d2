import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import type { S3TargetConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { Store } from '../../../src/stores/purger.js';
import { createS3Store } from '../../../src/stores/s3/s3-store.js';
import { startS3Server } from '../../support/s3-server.js';
import { testS3Client, testS3StoreConfig } from '../../support/s3-client.js';
import { describeAgePurgerConformance, type AgeConformanceFixture } from './age-purger-conformance.js';

/** Only `startS3Server`'s shape is relied on (the shared test helper's agreed signature). */
type TestS3Server = Awaited<ReturnType<typeof startS3Server>>;

const FORMAT = 'yyyyMMddHHmmssSSS';
const stamp = (d: Date) => DateTime.fromJSDate(d, { zone: 'UTC' }).toFormat(FORMAT);

/**
 * Objects whose key carries their time to the ms. `ordered` keys start with the time
 * (`ev/<time>/<n>`: listing may stop at the first key not due); the others end with it
 * (`ev/<n>-<time>`: every key is listed). Each suite has its own bucket.
 */
function keyTimeFixture(ordered: boolean): AgeConformanceFixture {
  let server: TestS3Server;
  let client: S3Client;
  let store: Store;
  let bucket: string;
  let n = 0;
  const keyOf = (t: Date | null) => {
    n += 1;
    const time = t === null ? 'no-time' : stamp(t);
    return ordered ? `ev/${time}/${n}` : `ev/${String(n).padStart(6, '0')}-${time}`;
  };
  const keys = async (): Promise<string[]> => {
    const all: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ev/', ContinuationToken: token }));
      for (const o of page.Contents ?? []) all.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return all;
  };
  const timeOfKey = (k: string) => /(\d{17})/.exec(k)?.[1];
  const target = (fields: Partial<S3TargetConfig>, batchSize: number): S3TargetConfig => ({
    store: 's3',
    bucket,
    prefix: 'ev/',
    time: { fromKey: ordered ? '^ev/(\\d{17})/' : '-(\\d{17})$', format: FORMAT, keysInTimeOrder: ordered },
    allVersions: false,
    allowBroadMatch: false,
    batchSize,
    pauseMs: 0,
    maxRunSeconds: 600,
    ...fields,
  });
  return {
    async open() {
      server = await startS3Server();
      bucket = await server.createBucket();
      client = testS3Client(server);
      store = createS3Store(testS3StoreConfig(server), silentLogger());
    },
    async close() {
      await store.close();
      client.destroy();
      await server.stop();
    },
    async reset() {
      const all = await keys();
      for (let i = 0; i < all.length; i += 1000) {
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })) } }),
        );
      }
    },
    async insert(times) {
      for (const t of times) await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyOf(t), Body: 'x' }));
    },
    async remainingTimes() {
      return (await keys())
        .map(timeOfKey)
        .filter((s): s is string => s !== undefined)
        .map((s) => DateTime.fromFormat(s, FORMAT, { zone: 'UTC' }).toMillis())
        .sort((a, b) => a - b);
    },
    async remainingUnusable() {
      return (await keys()).filter((k) => k.includes('no-time')).length;
    },
    async removeExternally(time) {
      const gone = (await keys()).filter((k) => timeOfKey(k) === stamp(time));
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: gone.map((Key) => ({ Key })) } }));
    },
    purger: (batchSize) => store.agePurger(target({}, batchSize), { zone: 'UTC' }),
    misconfiguredPurger: () => store.agePurger(target({ prefix: '' }, 100), { zone: 'UTC' }),
  };
}

describeAgePurgerConformance('S3 objects with the time leading the key (listing stops early)', keyTimeFixture(true));
describeAgePurgerConformance('S3 objects with the time ending the key', keyTimeFixture(false));
