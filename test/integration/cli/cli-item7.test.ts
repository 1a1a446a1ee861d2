import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTables } from '../../../src/audit/index.js';
import { AUDIT_TABLE_MAX_LENGTH } from '../../../src/config/schema.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';

const DAY = 86_400_000;

function configYaml(mysqlUrl: string, target: string, extra = ''): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "item7-key"${extra} }
policies:
  - name: events
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - ${target}
`;
}

describe('smaller checks that keep a run from deleting what is not due (CLI)', () => {
  let db: TestDatabase;
  let dir: string;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const count = async (table: string) => Number(((await db.pool.query(`SELECT COUNT(*) AS n FROM ${table}`))[0] as { n: string }[])[0]!.n);

  beforeAll(async () => {
    db = await createTestDatabase('cli_item7');
    await createReferenceTables(db.pool);
    await db.pool.query('CREATE TABLE ev_s (id BIGINT PRIMARY KEY AUTO_INCREMENT, at_s BIGINT NOT NULL, KEY ix_at (at_s))');
    const now = Date.now();
    // Epoch seconds: 30 days old, 1 day old, and one dated tomorrow.
    for (const ms of [now - 30 * DAY, now - DAY, now + DAY])
      await db.pool.query('INSERT INTO ev_s (at_s) VALUES (?)', [Math.floor(ms / 1000)]);
    dir = mkdtempSync(join(tmpdir(), 'retention-item7-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('refuses an epoch_s column declared epoch_ms: config check --connect exits 2, run deletes nothing (not even the row dated tomorrow)', async () => {
    const file = write('epoch.yaml', configYaml(db.url, '{ store: mysql, table: ev_s, time: at_s, timeFormat: epoch_ms }'));
    const check = await runCli(['--config', file, 'config', 'check', '--connect']);
    expect(check.code).toBe(2);
    expect(check.stdout).toMatch(
      /refused +events mysql ev_s: .*ev_s\.at_s holds values that read as 1970-01-.* under timeFormat epoch_ms: they look like epoch seconds/,
    );
    const run = await runCli(['--config', file, 'run', '--json']);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { policies: { targets: { status: string; reason: string; deleted: number }[] }[] };
    expect(doc.policies[0]!.targets[0]).toMatchObject({ status: 'refused', reason: 'implausible-time', deleted: 0 });
    expect(await count('ev_s')).toBe(3);
    // Declared right, the same table purges only the 30-day-old row.
    const right = write('epoch-right.yaml', configYaml(db.url, '{ store: mysql, table: ev_s, time: at_s, timeFormat: epoch_s }'));
    expect((await runCli(['--config', right, 'config', 'check', '--connect'])).code).toBe(0);
    expect((await runCli(['--config', right, 'run'])).code).toBe(0);
    expect(await count('ev_s')).toBe(2);
  });

  it('refuses a 61-character audit.table in config check (exit 2), not at run time', async () => {
    const long = `a${'x'.repeat(60)}`;
    const file = write(
      'long-audit.yaml',
      configYaml(db.url, '{ store: mysql, table: im_request_log, time: requested_at }', `, table: ${long}`),
    );
    const check = await runCli(['--config', file, 'config', 'check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/audit\.table: must be at most 59 characters/);
    // The longest name config accepts is one the audit tables accept.
    expect(() => auditTables('a'.repeat(AUDIT_TABLE_MAX_LENGTH))).not.toThrow();
    expect(() => auditTables('a'.repeat(AUDIT_TABLE_MAX_LENGTH + 1))).toThrow();
  });

  it.each([
    ['safety.maxClockSkewSeconds', 'safety: { maxClockSkewSeconds: 0 }', /safety\.maxClockSkewSeconds: must be at least 1/],
    ['safety.maxClockSkewSeconds', 'safety: { maxClockSkewSeconds: 86400 }', /safety\.maxClockSkewSeconds: must be at most 3600/],
    ['pauseMs', '', /targets\[0\]\.pauseMs: must be at most 60000/],
    ['maxRunSeconds', '', /targets\[0\]\.maxRunSeconds: must be at most 86400/],
  ])('bounds %s in config check', async (field, top, message) => {
    const tuning = field === 'pauseMs' ? ', pauseMs: 3600000' : field === 'maxRunSeconds' ? ', maxRunSeconds: 31536000' : '';
    const text = `${top}\n${configYaml(db.url, `{ store: mysql, table: im_request_log, time: requested_at${tuning} }`)}`;
    const check = await runCli(['--config', write(`bounds-${field}.yaml`, text), 'config', 'check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(message);
  });

  it('reports unusableTime on a real run, not only on a dry run', async () => {
    await db.pool.query('CREATE TABLE ev_null (id BIGINT PRIMARY KEY AUTO_INCREMENT, at DATETIME(3) NULL, KEY ix_at (at))');
    await db.pool.query('INSERT INTO ev_null (at) VALUES (NULL), (NULL), (?), (?)', [new Date(Date.now() - 30 * DAY), new Date()]);
    const file = write('unusable.yaml', configYaml(db.url, '{ store: mysql, table: ev_null, time: at }'));
    const run = await runCli(['--config', file, 'run', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { policies: { targets: { deleted: number; unusableTime?: number }[] }[] };
    expect(doc.policies[0]!.targets[0]).toMatchObject({ deleted: 1, unusableTime: 2 });
    expect((await runCli(['--config', file, 'run'])).stdout).toMatch(/deleted 0\b.*, 2 with no usable time/);
  });
});
