import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCheckCommand } from '../../../src/cli/commands/config-check.js';
import { reportCommand } from '../../../src/cli/commands/report.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { ComplianceReport } from '../../../src/report/compliance-report.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createTestMongoDatabase, type TestMongoDatabase } from '../../support/mongo.js';

describe('config check and report name a MongoDB TTL index that keeps the promise', () => {
  let db: TestDatabase;
  let mongo: TestMongoDatabase;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    db = await createTestDatabase('native_ttl');
    mongo = await createTestMongoDatabase('native_ttl');
    await mongo.db.collection('request_logs').createIndex({ requestedAt: 1 }, { expireAfterSeconds: 6 * 86_400 });
    await mongo.db.collection('other_logs').createIndex({ requestedAt: 1 });
    dir = mkdtempSync(join(tmpdir(), 'rt-native-ttl-'));
    file = join(dir, 'retention.yaml');
    writeFileSync(
      file,
      `
stores:
  mysql: { url: "${db.url}" }
  mongo: { url: "${mongo.url}" }
audit: { key: "test-key" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 3 * * *" }
    targets:
      - { store: mongo, collection: request_logs, time: requestedAt }
      - { store: mongo, collection: other_logs, time: requestedAt }
`,
    );
  });
  afterAll(async () => {
    await mongo?.drop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const io = (sink: { out: string }) => ({ stdout: (t: string) => (sink.out += t), stderr: () => {}, logger: silentLogger() });

  it('config check --connect says which collection is enforced by TTL', async () => {
    const sink = { out: '' };
    expect(await configCheckCommand({ config: file, connect: true, json: true }, io(sink))).toBe(0);
    const checks = (JSON.parse(sink.out) as { checks: Array<{ target: string; enforcedBy?: string; message: string | null }> }).checks;
    expect(checks.find((c) => c.target === 'request_logs')).toMatchObject({
      enforcedBy: 'TTL index requestedAt_1 (expireAfterSeconds 518400)',
      message: expect.stringContaining('the worker sweeps what it has not reached yet'),
    });
    expect(checks.find((c) => c.target === 'other_logs')?.enforcedBy).toBeUndefined();
  });

  it('report gives enforcedBy per target, and the text form says so', async () => {
    const sink = { out: '' };
    await reportCommand({ config: file, json: true }, io(sink));
    const doc = JSON.parse(sink.out) as ComplianceReport;
    expect(doc.targets.find((t) => t.target === 'request_logs')?.enforcedBy).toBe('TTL index requestedAt_1 (expireAfterSeconds 518400)');
    expect(doc.targets.find((t) => t.target === 'other_logs')?.enforcedBy).toBeUndefined();
    const text = { out: '' };
    await reportCommand({ config: file, json: false }, io(text));
    expect(text.out).toMatch(/request_logs .*enforced by TTL index requestedAt_1 \(expireAfterSeconds 518400\)/);
  });
});
