import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import { auditEntries, auditOf, createQueueFixture, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually } from '../../support/queue/spawn-worker.js';
import { startS3Server } from '../../support/s3-server.js';
import { testS3Client } from '../../support/s3-client.js';

/** Only `startS3Server`'s shape is relied on (the shared test helper's agreed signature). */
type TestS3Server = Awaited<ReturnType<typeof startS3Server>>;

const PREFIXES = ['logs/app/', 'logs/web/', 'dumps/'];
const DAY = 86_400_000;

describe('store: s3 through the worker: one target job per prefix', () => {
  let fx: QueueFixture;
  let server: TestS3Server;
  let client: S3Client;
  let bucket: string;

  const count = async (prefix: string) => (await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).KeyCount ?? 0;

  beforeAll(async () => {
    fx = await createQueueFixture('q_s3');
    server = await startS3Server();
    fx.onDrop('s3 server', () => server.stop());
    client = testS3Client(server);
    fx.onDrop('s3 client', () => client.destroy());
    bucket = await server.createBucket();
    const now = Date.now();
    for (const prefix of PREFIXES) {
      for (let n = 0; n < 6; n += 1) {
        const ms = n < 4 ? now - 9 * DAY - n * 1000 : now - DAY + n * 1000;
        const key = `${prefix}${DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat('yyyyMMddHHmmssSSS')}.gz`;
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
      }
    }
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('a scheduled run fans its S3 targets out as target jobs, deletes what is due in each, and audits every target', async () => {
    const { file } = fx.writeConfig(
      `  - name: object-logs
    category: log
    retain: { days: 7 }
    schedule: { cron: "*/5 * * * * *" }
    targets:
${PREFIXES.map((p) => `      - { store: s3, bucket: ${bucket}, prefix: "${p}", time: { fromKey: "(\\\\d{17})\\\\.gz$", format: yyyyMMddHHmmssSSS, keysInTimeOrder: false } }`).join('\n')}`,
      {
        concurrency: 2,
        extraStores: `  s3: { endpoint: "${server.endpoint}", region: us-east-1, forcePathStyle: true, accessKeyId: "${server.accessKeyId}", secretAccessKey: "${server.secretAccessKey}" }`,
      },
    );
    const worker = fx.spawnWorker(file, 'solo');
    await worker.httpPort();
    const finished = await eventually(
      async () => (await auditEntries(fx.db.pool)).find((e) => e.kind === 'run-finished' && e.policy === 'object-logs') ?? null,
      60_000,
      'a closed run of object-logs',
    );
    const own = (await auditEntries(fx.db.pool)).filter((e) => e.runId === finished.runId && e.kind === 'target');
    expect(own.map((e) => e.target).sort()).toEqual(PREFIXES.map((p) => `${bucket}/${p}`).sort());
    expect(own.every((e) => e.store === 's3')).toBe(true);
    for (const prefix of PREFIXES) expect(await count(prefix)).toBe(2);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
    worker.child.kill('SIGTERM');
    expect((await worker.exit).code).toBe(0);
  });
});
