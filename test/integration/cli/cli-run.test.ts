import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli, spawnCli, waitFor } from '../../support/cli.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { logPolicyConfig } from '../../support/cli-fixture.js';

const DAY = 86_400_000;

function configYaml(mysqlUrl: string, targetExtra = ''): string {
  return logPolicyConfig(mysqlUrl, { targetExtra });
}

async function countRows(db: TestDatabase): Promise<number> {
  const [rows] = await db.pool.query('SELECT COUNT(*) AS n FROM im_request_log');
  return Number((rows as { n: string }[])[0]!.n);
}

async function insertOld(db: TestDatabase, n: number): Promise<void> {
  const base = Date.now() - 30 * DAY;
  const rows = Array.from({ length: n }, (_, i) => [1, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base + i)]);
  for (let i = 0; i < rows.length; i += 5000)
    await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [rows.slice(i, i + 5000)]);
}

describe('retention run (CLI)', () => {
  let db: TestDatabase;
  let dir: string;
  let configFile: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_run');
    await createReferenceTables(db.pool);
    dir = mkdtempSync(join(tmpdir(), 'retention-cli-'));
    configFile = join(dir, 'retention.yaml');
    writeFileSync(configFile, configYaml(db.url));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('run --json prints the documented run document and exits 0', async () => {
    await insertOld(db, 10);
    await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES (1, ?, ?, ?)', [
      Buffer.from([1, 2, 3, 4]),
      'sendmsg',
      new Date(),
    ]);
    const r = await runCli(['--config', configFile, 'run', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ dryRun: false, status: 'succeeded' });
    expect(doc.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(doc.startedAt)).toBeLessThanOrEqual(Date.parse(doc.finishedAt));
    const policy = doc.policies[0];
    expect(policy).toMatchObject({ name: 'log-data', category: 'log', status: 'succeeded' });
    expect(Date.parse(policy.evaluatedAt) - Date.parse(policy.cutoff)).toBe(7 * DAY);
    expect(policy.targets[0]).toMatchObject({ store: 'mysql', target: 'im_request_log', status: 'succeeded', deleted: 10, error: null });
    expect(await countRows(db)).toBe(1);
  });

  it('audit list shows the run and audit verify passes, in text and JSON', async () => {
    const list = await runCli(['--config', configFile, 'audit', 'list', '--json']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout).runs;
    expect(runs[0]).toMatchObject({ policy: 'log-data', status: 'succeeded' });
    const verify = await runCli(['--config', configFile, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    const result = JSON.parse(verify.stdout);
    expect(result).toMatchObject({ ok: true, firstBad: null });
    const withHead = await runCli(['--config', configFile, 'audit', 'verify', '--head', result.headHash]);
    expect(withHead.code).toBe(0);
    expect(withHead.stdout).toMatch(/intact/);
  });

  it('audit verify exits 1 and names the entry when a field was changed', async () => {
    const [rows] = await db.pool.query('SELECT MIN(id) AS id FROM retention_audit');
    const id = Number((rows as { id: string }[])[0]!.id);
    await db.pool.query('UPDATE retention_audit SET entry = REPLACE(entry, \'"log"\', \'"tampered"\') WHERE id = ?', [id]);
    const verify = await runCli(['--config', configFile, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(1);
    expect(JSON.parse(verify.stdout).firstBad).toMatchObject({ id, reason: 'hash mismatch' });
    await db.pool.query('DROP TABLE retention_audit, retention_audit_head');
  });

  it('SIGTERM stops a run after the batch in hand: exit 0, target partial, the next run completes', async () => {
    await insertOld(db, 20_000);
    const slowFile = join(dir, 'slow.yaml');
    writeFileSync(slowFile, configYaml(db.url, ', batchSize: 200, pauseMs: 20'));
    const cli = spawnCli(['--config', slowFile, 'run', '--json'], { LOG_LEVEL: 'debug' });
    await waitFor(() => cli.stderr().includes('"msg":"batch"'), 30_000, 'the first batch');
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
    const doc = JSON.parse(cli.stdout());
    expect(doc.status).toBe('partial');
    expect(doc.policies[0].targets[0]).toMatchObject({ status: 'partial', reason: 'signal' });
    const deleted = doc.policies[0].targets[0].deleted as number;
    expect(deleted).toBeGreaterThan(0);
    expect(await countRows(db)).toBe(20_000 - deleted + 1);
    const next = await runCli(['--config', configFile, 'run', '--json']);
    expect(JSON.parse(next.stdout).policies[0].targets[0].deleted).toBe(20_000 - deleted);
    const verify = await runCli(['--config', configFile, 'audit', 'verify']);
    expect(verify.code).toBe(0);
  });

  it('exits 3 from audit verify when MySQL cannot be reached, without printing the password', async () => {
    const file = join(dir, 'unreachable.yaml');
    writeFileSync(file, configYaml('mysql://root:hunter2@127.0.0.1:1/im'));
    const r = await runCli(['--config', file, 'audit', 'verify', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe(3);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});
