import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DateTime } from 'luxon';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { runCli, spawnCli } from '../../support/cli.js';
import { startS3Server } from '../../support/s3-server.js';
import { testS3Client } from '../../support/s3-client.js';

/** Only `startS3Server`'s shape is relied on (the shared test helper's agreed signature). */
type TestS3Server = Awaited<ReturnType<typeof startS3Server>>;

const DAY = 86_400_000;
const FORMAT = 'yyyy/MM/dd/HHmmss';
const keyAt = (ms: number, n: number) => `lb-logs/${DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat(FORMAT)}-${n}.log.gz`;

/** A deployment with MySQL (the audit trail) and the test S3 server; the secret comes from a file. */
function configYaml(db: TestDatabase, server: TestS3Server, bucket: string, secretFile: string, accessKeyId = server.accessKeyId): string {
  return `
stores:
  mysql: { url: "${db.url}" }
  mongo: { url: "" }
  redis: { url: "" }
  s3: { endpoint: "${server.endpoint}", region: us-east-1, forcePathStyle: true, accessKeyId: "${accessKeyId}", secretAccessKey: "\${file:${secretFile}}" }
audit: { key: "s3-cli-test-key" }
policies:
  - name: lb-access-logs
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: s3, bucket: ${bucket}, prefix: "lb-logs/", time: { fromKey: "^lb-logs/(\\\\d{4}/\\\\d{2}/\\\\d{2}/\\\\d{6})", format: "${FORMAT}", keysInTimeOrder: true } }
      - { store: s3, bucket: ${bucket}, prefix: "dumps/", time: lastModified }
`;
}

describe('store: s3 through the CLI (run, run --dry-run, report, audit)', () => {
  let db: TestDatabase;
  let server: TestS3Server;
  let client: S3Client;
  let bucket: string;
  let dir: string;
  let configFile: string;
  let secretFile: string;

  const keys = async (prefix: string) =>
    ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    db = await createTestDatabase('s3_cli');
    server = await startS3Server();
    client = testS3Client(server);
    bucket = await server.createBucket();
    dir = mkdtempSync(join(tmpdir(), 'retention-s3-'));
    secretFile = join(dir, 's3-secret');
    writeFileSync(secretFile, `${server.secretAccessKey}\n`);
    configFile = join(dir, 'retention.yaml');
    writeFileSync(configFile, configYaml(db, server, bucket, secretFile));
    const now = Date.now();
    for (let n = 0; n < 12; n += 1) {
      const ms = n < 8 ? now - 10 * DAY - n * 60_000 : now - DAY + n * 1000;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: keyAt(ms, n), Body: 'GET /v4/openim 200' }));
    }
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'dumps/fresh.json', Body: '{}' }));
  });
  afterAll(async () => {
    client.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('run --dry-run counts the due objects and deletes nothing', async () => {
    const r = await runCli(['--config', configFile, 'run', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const [logs, dumps] = JSON.parse(r.stdout).policies[0].targets;
    expect(logs).toMatchObject({ store: 's3', target: `${bucket}/lb-logs/`, status: 'succeeded', wouldDelete: 8, deleted: 0 });
    expect(dumps).toMatchObject({ store: 's3', target: `${bucket}/dumps/`, wouldDelete: 0 });
    expect((await keys('lb-logs/')).length).toBe(12);
  });

  it('run deletes the objects older than 7 days, keeps the rest, and audits it', async () => {
    const r = await runCli(['--config', configFile, 'run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).policies[0].targets[0]).toMatchObject({ status: 'succeeded', deleted: 8 });
    expect((await keys('lb-logs/')).length).toBe(4);
    expect(await keys('dumps/')).toEqual(['dumps/fresh.json']);
    const list = await runCli(['--config', configFile, 'audit', 'list', '--json']);
    const runs = JSON.parse(list.stdout).runs;
    expect(runs[0]).toMatchObject({ policy: 'lb-access-logs', status: 'succeeded' });
    const verify = await runCli(['--config', configFile, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    const [rows] = await db.pool.query("SELECT entry FROM retention_audit WHERE JSON_EXTRACT(entry, '$.kind') = 'target'");
    const entries = (rows as Array<{ entry: string | object }>).map((r) => (typeof r.entry === 'string' ? JSON.parse(r.entry) : r.entry));
    expect(entries.some((e) => e.store === 's3' && e.target === `${bucket}/lb-logs/`)).toBe(true);
  });

  it('report lists the targets, notes the load-balancer logs it covers, and says what it cannot read of the bucket', async () => {
    const r = await runCli(['--config', configFile, 'report', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.targets.map((t: { store: string; status: string }) => [t.store, t.status])).toEqual([
      ['s3', 'ok'],
      ['s3', 'ok'],
    ]);
    expect(doc.notes.map((n: { code: string }) => n.code)).toContain('lb-access-logs');
    if (!process.env.TEST_S3_URL) {
      // s3rver has no lifecycle API (501): the report says it cannot check, rather than guessing.
      expect(doc.warnings.find((w: { code: string }) => w.code === 'not-readable')?.message).toContain(bucket);
    }
    const text = await runCli(['--config', configFile, 'report']);
    expect(text.stdout).toContain('load-balancer access logs');
  });

  it('a bucket that does not exist: the target is refused by name and run exits 1, nothing else deleted', async () => {
    const bad = join(dir, 'missing-bucket.yaml');
    writeFileSync(bad, configYaml(db, server, 'rt-missing-bucket', secretFile));
    const r = await runCli(['--config', bad, 'run', '--json']);
    expect(r.code).toBe(1);
    const target = JSON.parse(r.stdout).policies[0].targets[0];
    expect(target).toMatchObject({ store: 's3', target: 'rt-missing-bucket/lb-logs/', status: 'refused', reason: 'no-bucket' });
    expect((await keys('lb-logs/')).length).toBe(4);
  });

  it('no credential appears in the log lines, the output or the errors of a run refused for bad credentials', async () => {
    const keyId = 'AKIALEAKCHECK7777';
    const secret = 'c2VjcmV0LXZhbHVlLW5vdC10by1sZWFr';
    writeFileSync(join(dir, 'bad-secret'), secret);
    const bad = join(dir, 'bad-credentials.yaml');
    writeFileSync(bad, configYaml(db, server, bucket, join(dir, 'bad-secret'), keyId));
    const cli = spawnCli(['--config', bad, 'run', '--json'], { LOG_LEVEL: 'debug' });
    const code = await cli.exit;
    expect(code).toBe(1);
    const out = cli.stdout() + cli.stderr();
    expect(cli.stderr()).toContain('"runId"');
    expect(out).toContain('access-denied');
    expect(out).not.toContain(secret);
    expect(out).not.toContain(keyId);
    // The SDK's Node 20 support notice is switched off; nothing but pino lines on stderr.
    expect(cli.stderr()).not.toContain('NodeVersionSupportWarning');
    for (const line of cli.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect((await keys('lb-logs/')).length).toBe(4);
  });
});

describe('store: s3 in a subject policy through the CLI (configuration exported to a bucket)', () => {
  let db: TestDatabase;
  let server: TestS3Server;
  let client: S3Client;
  let bucket: string;
  let dir: string;
  let configFile: string;

  const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();

  beforeAll(async () => {
    db = await createTestDatabase('s3_subject');
    await createReferenceTables(db.pool);
    server = await startS3Server();
    client = testS3Client(server);
    bucket = await server.createBucket();
    dir = mkdtempSync(join(tmpdir(), 'retention-s3-subject-'));
    configFile = join(dir, 'retention.yaml');
    writeFileSync(
      configFile,
      `
stores:
  mysql: { url: "${db.url}" }
  mongo: { url: "" }
  redis: { url: "" }
  s3: { endpoint: "${server.endpoint}", region: us-east-1, forcePathStyle: true, accessKeyId: "${server.accessKeyId}", secretAccessKey: "${server.secretAccessKey}" }
audit: { key: "s3-subject-test-key" }
policies:
  - name: configuration-data
    category: configuration
    retain: { months: 2, after: termination }
    schedule: { cron: "17 3 * * *" }
    subjects:
      { store: mysql, table: im_account, id: app_id, status: status, terminatedValue: terminated,
        terminatedAt: terminated_at, legalHold: legal_hold, markPurged: config_purged_at }
    targets:
      - { store: s3, bucket: ${bucket}, prefix: "config/<subject>/" }
`,
    );
    const longAgo = new Date(Date.now() - 90 * DAY);
    await db.pool.query(
      "INSERT INTO im_account (app_id, uin, status, terminated_at) VALUES (1400000101, 1, 'terminated', ?), (1400000102, 2, 'active', NULL), (14000001011, 3, 'terminated', ?)",
      [longAgo, new Date()],
    );
    for (const key of [
      'config/1400000101/app.json',
      'config/1400000101/push/ios.p12',
      'config/1400000102/app.json',
      'config/14000001011/app.json',
    ]) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{}' }));
    }
  });
  afterAll(async () => {
    client.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('dry run counts the due subject objects; run deletes them, marks the subject purged and audits it without its id', async () => {
    const dry = await runCli(['--config', configFile, 'run', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).policies[0].targets[0]).toMatchObject({
      store: 's3',
      target: `${bucket}/config/<subject>/`,
      wouldDelete: 2,
    });
    expect((await keys()).length).toBe(4);

    const r = await runCli(['--config', configFile, 'run', '--json']);
    expect(r.code).toBe(0);
    const policy = JSON.parse(r.stdout).policies[0];
    expect(policy.subjects).toMatchObject({ due: 1, purged: 1 });
    expect(policy.targets[0]).toMatchObject({ store: 's3', status: 'succeeded', deleted: 2 });
    // Only the due subject's prefix: not an active account, not 14000001011 (which starts with the same digits).
    expect(await keys()).toEqual(['config/14000001011/app.json', 'config/1400000102/app.json']);
    const [marked] = await db.pool.query('SELECT app_id FROM im_account WHERE config_purged_at IS NOT NULL');
    expect((marked as Array<{ app_id: string }>).map((m) => String(m.app_id))).toEqual(['1400000101']);
    const [audit] = await db.pool.query('SELECT entry FROM retention_audit');
    expect(JSON.stringify(audit)).not.toContain('1400000101');
    const answer = await runCli(['--config', configFile, 'audit', 'subject', '1400000101', '--json']);
    expect(answer.code).toBe(0);
  });
});
