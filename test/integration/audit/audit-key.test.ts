import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail, keyFingerprint } from '../../../src/audit/index.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';

const DAY = 86_400_000;
const KEY = 'the-right-audit-key';

/** The reference config's way: the key from the environment, empty when unset. */
function configYaml(mysqlUrl: string): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
queue: { redisUrl: "redis://127.0.0.1:1/0" }
audit: { key: "\${AUDIT_KEY-}" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`;
}

describe('the audit trail knows its key', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  const saved = process.env.AUDIT_KEY;

  const count = async () => Number(((await db.pool.query('SELECT COUNT(*) AS n FROM im_request_log'))[0] as { n: string }[])[0]!.n);
  const entries = async () => Number(((await db.pool.query('SELECT COUNT(*) AS n FROM retention_audit'))[0] as { n: string }[])[0]!.n);
  const fingerprint = async () =>
    ((await db.pool.query('SELECT key_fingerprint AS f FROM retention_audit_head WHERE id = 1'))[0] as { f: string | null }[])[0]!.f;
  const insertDue = async (n: number) => {
    const rows = Array.from({ length: n }, (_, i) => [1, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(Date.now() - 30 * DAY + i)]);
    await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [rows]);
  };
  const run = (key: string | undefined, ...argv: string[]) => {
    if (key === undefined) delete process.env.AUDIT_KEY;
    else process.env.AUDIT_KEY = key;
    return runCli(['--config', file, ...argv]);
  };

  beforeAll(async () => {
    db = await createTestDatabase('audit_key');
    await createReferenceTables(db.pool);
    dir = mkdtempSync(join(tmpdir(), 'retention-key-'));
    file = join(dir, 'retention.yaml');
    writeFileSync(file, configYaml(db.url));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.AUDIT_KEY;
    else process.env.AUDIT_KEY = saved;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it("records the key's fingerprint, never the key, on the first keyed run", async () => {
    await insertDue(5);
    const r = await run(KEY, 'run');
    expect(r.code).toBe(0);
    expect(await count()).toBe(0);
    expect(await fingerprint()).toBe(keyFingerprint(KEY));
    const [head] = await db.pool.query('SELECT * FROM retention_audit_head');
    expect(JSON.stringify(head)).not.toContain(KEY);
  });

  it.each([
    ['empty (AUDIT_KEY unset)', undefined, /audit\.key: is empty, but the audit trail retention_audit is written with a key/],
    ['wrong', 'another-key', /audit\.key: is not the key the audit trail retention_audit is written with/],
  ])('refuses a run with the key %s: exit 2 before anything is deleted or appended', async (_what, key, message) => {
    await insertDue(5);
    const before = await entries();
    const r = await run(key, 'run');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('another-key');
    expect(await count()).toBe(5);
    expect(await entries()).toBe(before);
    await db.pool.query('DELETE FROM im_request_log');
  });

  it('takes a key with a trailing newline from the environment as the key without it', async () => {
    await insertDue(3);
    const r = await run(`${KEY}\n`, 'run');
    expect(r.code).toBe(0);
    expect(await count()).toBe(0);
    expect((await run(KEY, 'audit', 'verify')).code).toBe(0);
  });

  it('refuses enqueue and worker with a wrong key (exit 2), before touching the queue', async () => {
    // The queue URL points at a closed port: reaching it would give exit 3, not 2.
    const enqueue = await run('another-key', 'enqueue');
    expect(enqueue.code).toBe(2);
    expect(enqueue.stderr).toMatch(/audit\.key: is not the key/);
    const worker = await run('another-key', 'worker');
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/audit\.key: is not the key/);
  });

  it('config check --connect names a wrong key (exit 2) and passes the right one', async () => {
    const wrong = await run('another-key', 'config', 'check', '--connect');
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toMatch(/refused +audit key: audit\.key is not the key the audit trail retention_audit is written with/);
    const right = await run(KEY, 'config', 'check', '--connect');
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/ok +audit key/);
  });

  it('audit verify with a wrong key says "wrong key" (exit 2), not that the chain is broken', async () => {
    const r = await run('another-key', 'audit', 'verify');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/wrong key/);
    expect(r.stdout).not.toMatch(/BROKEN/);
    const ok = await run(KEY, 'audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit chain intact/);
  });

  it('gives a trail made before fingerprints its fingerprint on first use with its key, and refuses another key', async () => {
    // A trail from before this change: entries, no fingerprint.
    await db.pool.query('UPDATE retention_audit_head SET key_fingerprint = NULL');
    await insertDue(2);
    expect((await run('another-key', 'run')).code).toBe(2);
    expect((await run(undefined, 'run')).code).toBe(2);
    expect(await fingerprint()).toBeNull();
    expect(await count()).toBe(2);
    expect((await run(KEY, 'run')).code).toBe(0);
    expect(await fingerprint()).toBe(keyFingerprint(KEY));
    expect(await count()).toBe(0);
    expect((await new AuditTrail(db.pool, { key: KEY, configHash: 't' }).verify()).ok).toBe(true);
  });
});
