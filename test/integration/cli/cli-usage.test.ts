import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli } from '../../support/cli.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';

describe('bad configuration and usage exit 2 and touch nothing', () => {
  let db: TestDatabase;
  let dir: string;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const good = (url: string, table = 'im_request_log') => `
stores: { mysql: { url: "${url}" }, mongo: { url: "" }, redis: { url: "" } }
audit: { key: k }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: ${table}, time: requested_at }
`;

  beforeAll(async () => {
    db = await createTestDatabase('cli_usage');
    await createReferenceTables(db.pool);
    await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES (1, ?, ?, ?)', [
      Buffer.from([1, 2, 3, 4]),
      'x',
      new Date('2000-01-01T00:00:00Z'),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'retention-usage-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('touched nothing: the one old row is still there and no audit table was created', async () => {
    const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM im_request_log');
    expect(Number((rows as { n: string }[])[0]!.n)).toBe(1);
    const [tables] = await db.pool.query("SHOW TABLES LIKE 'retention_audit%'");
    expect(tables).toEqual([]);
  });

  it('an injection attempt in a table name is refused at load time, naming the field', async () => {
    const file = write('inject.yaml', good(db.url, '"im_request_log; DROP TABLE im_account"'));
    const r = await runCli(['--config', file, 'run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('policies[0].targets[0].table');
  });

  it('--json prints an error document with code 2', async () => {
    const file = write('bad-type.yaml', good(db.url).replace('days: 7', 'days: seven'));
    const r = await runCli(['--config', file, 'run', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 2 });
    expect(r.stderr).toContain('policies[0].retain.days');
  });

  it('an unknown --policy is a usage error listing the configured ones', async () => {
    const r = await runCli(['--config', write('ok.yaml', good(db.url)), 'run', '--policy', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown policy nope.*log-data/);
  });

  it('filtering on a disabled store is a usage error', async () => {
    const r = await runCli(['--config', write('ok2.yaml', good(db.url)), 'run', '--store', 'mongo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mongo.*disabled/);
  });

  it('an empty MYSQL_URL in the default config is a configuration error', async () => {
    const before = process.env.MYSQL_URL;
    process.env.MYSQL_URL = '';
    try {
      const r = await runCli(['--config', 'config/retention.yaml', 'config', 'check']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('stores.mysql.url');
    } finally {
      if (before === undefined) delete process.env.MYSQL_URL;
      else process.env.MYSQL_URL = before;
    }
  });

  it('an unknown command or option is a usage error', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['run', '--no-such-flag'])).code).toBe(2);
  });

  it('config check passes on a valid file and warns when there is no audit key', async () => {
    const file = write('nokey.yaml', good(db.url).replace('audit: { key: k }', ''));
    const r = await runCli(['--config', file, 'config', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/only detects accidents, not forgery/);
  });
});
