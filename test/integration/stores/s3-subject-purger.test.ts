import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3TargetConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { createS3Store, type S3Store } from '../../../src/stores/s3/s3-store.js';
import { startS3Server } from '../../support/s3-server.js';
import { testS3Client, testS3StoreConfig } from '../../support/s3-client.js';

/** Only `startS3Server`'s shape is relied on (the shared test helper's agreed signature). */
type TestS3Server = Awaited<ReturnType<typeof startS3Server>>;

describe('S3 subject purger: { bucket, prefix: "config/<subject>/" }', () => {
  let server: TestS3Server;
  let client: S3Client;
  let store: S3Store;
  let bucket: string;
  const target = (prefix: string): S3TargetConfig => ({
    store: 's3',
    bucket,
    prefix,
    allVersions: false,
    allowBroadMatch: false,
    batchSize: 2,
    pauseMs: 0,
    maxRunSeconds: 600,
  });
  const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();

  beforeAll(async () => {
    server = await startS3Server();
    client = testS3Client(server);
    bucket = await server.createBucket();
    store = createS3Store(testS3StoreConfig(server), silentLogger());
    const objects = [
      'config/1/app.json',
      'config/1/cert.p12',
      'config/1/push/ios.json',
      'config/12/app.json',
      'config/2/app.json',
      'other/1/app.json',
    ];
    for (const Key of objects) await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}' }));
  });
  afterAll(async () => {
    await store.close();
    client.destroy();
    await server.stop();
  });

  it('counts and deletes every object of each subject, and only theirs (subject 1 is not subject 12)', async () => {
    const purger = store.subjectPurger(target('config/<subject>/'), { zone: 'UTC' });
    await purger.check();
    expect(Object.fromEntries(await purger.countSubjects(['1', '3']))).toEqual({ '1': 3, '3': 0 });
    expect(Object.fromEntries(await purger.purgeSubjects(['1', '3']))).toEqual({ '1': 3, '3': 0 });
    expect(await keys()).toEqual(['config/12/app.json', 'config/2/app.json', 'other/1/app.json']);
    // Deleting what is already gone is not an error.
    expect(Object.fromEntries(await purger.purgeSubjects(['1']))).toEqual({ '1': 0 });
  });

  it('refuses a prefix where <subject> is not followed by a delimiter, before anything is deleted', async () => {
    const purger = store.subjectPurger(target('config/<subject>'), { zone: 'UTC' });
    await expect(purger.check()).rejects.toMatchObject({ name: 'RefusalError', reason: 'subject-pattern' });
    expect((await keys()).length).toBe(3);
  });

  it('refuses a bucket that does not exist, naming it', async () => {
    const purger = store.subjectPurger({ ...target('config/<subject>/'), bucket: 'rt-no-such-bucket' }, { zone: 'UTC' });
    await expect(purger.check()).rejects.toMatchObject({
      name: 'RefusalError',
      reason: 'no-bucket',
      message: expect.stringContaining('rt-no-such-bucket'),
    });
  });
});
