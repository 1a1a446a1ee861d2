import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { createTestKeyspace, REDIS_TEST_URL, type TestKeyspace } from '../../support/redis.js';
import { runCli } from '../../support/cli.js';
import { AUDIT_COLUMN_CHARS } from '../../../src/audit/audit-columns.js';

/** A Redis target whose `match` is exactly `length` characters, under the test's key prefix. */
function configYaml(mysqlUrl: string, prefix: string, length: number): string {
  const match = `${prefix}${'x'.repeat(length - prefix.length - 1)}*`;
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "${REDIS_TEST_URL}" }
audit: { key: "limits-test-key" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: redis, type: key, match: "${match}", time: { fromField: t, format: epoch_ms } }
`;
}

describe('a configuration the audit trail cannot record is refused before anything is deleted', () => {
  let db: TestDatabase;
  let space: TestKeyspace;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('audit_limits');
    space = await createTestKeyspace();
    dir = mkdtempSync(join(tmpdir(), 'retention-limits-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await space.drop();
    await db.drop();
  });

  it('config check exits 2 naming the field when a Redis match is longer than the audit target column', async () => {
    expect(AUDIT_COLUMN_CHARS.target).toBe(1024);
    const file = join(dir, 'long.yaml');
    writeFileSync(file, configYaml(db.url, space.prefix, AUDIT_COLUMN_CHARS.target + 1));
    const r = await runCli(['--config', file, 'config', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain('policies[0].targets[0].match');
    expect(r.stderr + r.stdout).toMatch(/1025 characters long.*column of 1024 \(target\)/);
  });

  it('run exits 2 with the same message and deletes nothing', async () => {
    const file = join(dir, 'long.yaml');
    const key = `${space.prefix}${'x'.repeat(AUDIT_COLUMN_CHARS.target + 1 - space.prefix.length - 1)}old`;
    await space.redis.hset(key, 't', String(Date.now() - 30 * 86_400_000));
    const r = await runCli(['--config', file, 'run', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toContain('policies[0].targets[0].match');
    expect(await space.redis.exists(key)).toBe(1);
  });

  it('a match of exactly 1,024 characters passes config check, and its run is audited', async () => {
    const file = join(dir, 'fits.yaml');
    writeFileSync(file, configYaml(db.url, space.prefix, AUDIT_COLUMN_CHARS.target));
    expect((await runCli(['--config', file, 'config', 'check'])).code).toBe(0);
    const run = await runCli(['--config', file, 'run', '--json']);
    expect(run.code).toBe(0);
    const [rows] = await db.pool.query("SELECT CHAR_LENGTH(target) AS n FROM retention_audit WHERE kind = 'target'");
    expect(Number((rows as { n: string }[])[0]!.n)).toBe(1024);
  });
});
