import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'mysql2/promise';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { startS3Server, type TestS3Server } from '../../support/s3-server.js';
import { createMysqlPool } from '../../../src/stores/mysql/connection.js';
import { fixedClock } from '../../../src/clock.js';
import { Checkpointer } from '../../../src/audit/checkpointer.js';
import { checkpointLine, parseCheckpointFile } from '../../../src/audit/checkpoint.js';
import { s3Sink, type S3SinkOptions } from '../../../src/audit/checkpoint-sinks/s3-sink.js';
import { readChainLinks } from '../../../src/audit/read-chain-links.js';
import { generateSigningKey, loadSigningKey, loadVerifyingKey } from '../../../src/audit/signing-key.js';
import { verifyAgainstCheckpoint } from '../../../src/audit/verify-against-checkpoint.js';
import { appendMany, freshTrail } from './audit-fixtures.js';

// Against s3rver, started by the test (no object lock there). Object lock is exercised only when
// TEST_S3_URL points at a real endpoint whose TEST_S3_LOCKED_BUCKET has object lock enabled.
const pair = generateSigningKey();
const NOW = '2026-11-28T10:00:00.000Z';

let db: TestDatabase;
let pool: Pool;
let s3: TestS3Server;
let client: S3Client;

beforeAll(async () => {
  db = await createTestDatabase('audit_ckpt_s3');
  pool = createMysqlPool(db.url);
  s3 = await startS3Server();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  await pool?.end();
  await db?.drop();
});

function sinkOptions(bucket: string, extra: Partial<S3SinkOptions> = {}): S3SinkOptions {
  return {
    bucket,
    prefix: 'ckpt/',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    now: () => new Date(NOW),
    ...extra,
  };
}

async function objectText(bucket: string, key: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

describe('the S3 checkpoint sink', () => {
  it('puts each checkpoint as its own object, named by head, that verifies the chain', { timeout: 60_000 }, async () => {
    const bucket = await s3.createBucket();
    const trail = await freshTrail(pool, { key: 'k' });
    const sink = s3Sink('bucket', sinkOptions(bucket));
    const cp = new Checkpointer(pool, trail.tables, {
      key: loadSigningKey(pair.privatePem),
      sinks: [sink],
      clock: fixedClock(NOW),
      logger: pino({ level: 'silent' }),
    });
    try {
      await appendMany(trail, 3);
      const a = await cp.checkpoint();
      await appendMany(trail, 2, 3);
      const b = await cp.checkpoint();
      expect([...a.failed, ...b.failed]).toEqual([]);
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ckpt/' }));
      const keys = (listed.Contents ?? []).map((o) => o.Key);
      expect(keys).toEqual([
        `ckpt/${trail.tables.auditName}/${a.checkpoint.headId.padStart(20, '0')}-${a.id}.json`,
        `ckpt/${trail.tables.auditName}/${b.checkpoint.headId.padStart(20, '0')}-${b.id}.json`,
      ]);
      const newest = await objectText(bucket, keys[1]!);
      expect(newest).toBe(`${checkpointLine(b.checkpoint)}\n`);
      const verdict = await verifyAgainstCheckpoint(
        readChainLinks(pool, trail.tables),
        parseCheckpointFile(newest, keys[1]!),
        loadVerifyingKey(pair.publicPem),
        {
          auditKey: 'k',
          table: trail.tables.auditName,
        },
      );
      expect(verdict).toMatchObject({ ok: true, entries: 5 });
    } finally {
      await cp.close();
    }
  });

  it('a missing bucket is a sink failure: counted, pending, delivered once the bucket exists', { timeout: 60_000 }, async () => {
    const bucket = `rt-late-${Date.now()}`;
    const trail = await freshTrail(pool, { key: 'k' });
    const failures: string[] = [];
    const cp = new Checkpointer(pool, trail.tables, {
      key: loadSigningKey(pair.privatePem),
      sinks: [s3Sink('bucket', sinkOptions(bucket))],
      clock: fixedClock(NOW),
      logger: pino({ level: 'silent' }),
    });
    cp.onSinkFailure((s) => failures.push(s));
    try {
      await appendMany(trail, 1);
      const first = await cp.checkpoint();
      expect(first.failed.map((f) => f.sink)).toEqual(['bucket']);
      expect(failures).toEqual(['bucket']);
      await s3.createBucket(bucket);
      const second = await cp.checkpoint();
      expect(second.delivered.map((d) => d.id)).toEqual([first.id, second.id]);
    } finally {
      await cp.close();
    }
  });

  it.skipIf(!process.env.TEST_S3_URL || !process.env.TEST_S3_LOCKED_BUCKET)(
    'passes object lock through: the object carries the mode and retain-until date (real endpoint only)',
    { timeout: 60_000 },
    async () => {
      const bucket = process.env.TEST_S3_LOCKED_BUCKET!;
      const trail = await freshTrail(pool, { key: 'k' });
      const cp = new Checkpointer(pool, trail.tables, {
        key: loadSigningKey(pair.privatePem),
        sinks: [s3Sink('locked', sinkOptions(bucket, { objectLock: { mode: 'GOVERNANCE', retainDays: 1 }, now: () => new Date() }))],
        clock: fixedClock(NOW),
        logger: pino({ level: 'silent' }),
      });
      try {
        const outcome = await cp.checkpoint();
        expect(outcome.failed).toEqual([]);
        const key = `ckpt/${trail.tables.auditName}/${outcome.checkpoint.headId.padStart(20, '0')}-${outcome.id}.json`;
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        expect(got.ObjectLockMode).toBe('GOVERNANCE');
        expect(got.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
      } finally {
        await cp.close();
      }
    },
  );
});
