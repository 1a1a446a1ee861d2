import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli } from '../../support/cli.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { signDocument } from '../../../src/audit/signed-document.js';
import { loadSigningKey } from '../../../src/audit/signing-key.js';

// The certificate verifier an auditor copies from docs/audit.md, run exactly as printed there.
const DOC = fileURLToPath(new URL('../../../docs/audit.md', import.meta.url));
const DAY = 86_400_000;

let db: TestDatabase;
let dir: string;
let configFile: string;
let publicFile: string;
let otherPublicFile: string;
let script: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  db = await createTestDatabase('audit_cert');
  await createReferenceTables(db.pool);
  dir = mkdtempSync(join(tmpdir(), 'retention-cert-'));
  const keyFile = join(dir, 'signing.pem');
  publicFile = join(dir, 'signing.pub.pem');
  otherPublicFile = join(dir, 'other.pub.pem');
  const made = await runCli(['audit', 'keygen', '--out', keyFile, '--json']);
  writeFileSync(publicFile, (JSON.parse(made.stdout) as { publicKey: string }).publicKey);
  const other = await runCli(['audit', 'keygen', '--private-to-stdout', '--json']);
  writeFileSync(otherPublicFile, (JSON.parse(other.stdout) as { publicKey: string }).publicKey);
  configFile = join(dir, 'retention.yaml');
  writeFileSync(
    configFile,
    `
stores:
  mysql: { url: "${db.url}" }
  mongo: { url: "" }
  redis: { url: "" }
audit: { key: "cert-test-key", signingKey: "\${file:${keyFile}}" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
      - { store: mysql, table: im_exception_log, time: occurred_at }
`,
  );
  const doc = readFileSync(DOC, 'utf8');
  const block = /<!-- certificate-script[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/audit.md has no certificate-script block');
  expect(block.split('\n').filter(Boolean).length).toBeLessThanOrEqual(40);
  const scriptDir = join(dir, `doc-${randomBytes(4).toString('hex')}`);
  mkdirSync(scriptDir);
  script = join(scriptDir, 'verify-certificate.mjs');
  writeFileSync(script, block);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

async function insertOld(n: number): Promise<void> {
  const base = Date.now() - 30 * DAY;
  await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [
    Array.from({ length: n }, (_, i) => [1, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base + i)]),
  ]);
}

async function runOnce(dryRun = false): Promise<string> {
  const r = await runCli(['--config', configFile, 'run', '--json', ...(dryRun ? ['--dry-run'] : [])]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { runId: string }).runId;
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('run certificates', () => {
  let runId: string;
  let certFile: string;
  let cert: Record<string, unknown> & {
    entries: { id: string; kind: string; hash: string }[];
    checkpoint: { headId: string; headHash: string };
    policies: Record<string, unknown>[];
  };

  it('certifies what a run deleted, per target, resting on its entries and a covering checkpoint', async () => {
    await insertOld(6);
    runId = await runOnce();
    const r = await runCli(['--config', configFile, 'audit', 'certificate', '--run', runId]);
    expect(r.code).toBe(0);
    cert = JSON.parse(r.stdout) as typeof cert;
    expect(cert).toMatchObject({ type: 'retention-deletion-certificate', format: '1', scope: 'run', runId });
    expect(cert.policies).toEqual([
      expect.objectContaining({
        name: 'log-data',
        category: 'log',
        retain: '7 days',
        promise: 'Records are deleted from mysql im_request_log, mysql im_exception_log once they are older than 7 days.',
        status: 'succeeded',
        deleted: '6',
        targets: [
          { store: 'mysql', target: 'im_request_log', status: 'succeeded', deleted: '6' },
          { store: 'mysql', target: 'im_exception_log', status: 'succeeded', deleted: '0' },
        ],
      }),
    ]);
    expect(cert.entries.map((e) => e.kind)).toEqual(['run-started', 'target', 'target', 'run-finished']);
    const [rows] = await db.pool.query('SELECT id, hash FROM retention_audit WHERE run_id = ? ORDER BY id', [runId]);
    expect(cert.entries.map((e) => ({ id: Number(e.id), hash: e.hash }))).toEqual(
      (rows as { id: string; hash: string }[]).map((row) => ({ id: Number(row.id), hash: row.hash })),
    );
    // The run signed a checkpoint when it finished; that is the one that covers it.
    const [ckpt] = await db.pool.query('SELECT head_id, head_hash FROM retention_audit_ckpt ORDER BY id LIMIT 1');
    expect(cert.checkpoint).toMatchObject({ headId: String((ckpt as { head_id: string }[])[0]!.head_id) });
    certFile = write('run.json', r.stdout);
  });

  it('certificate verify and the docs script accept it', async () => {
    const ok = await runCli(['audit', 'certificate', 'verify', certFile, '--public-key', publicFile]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/^certificate valid: .* 4 audit entries are covered/) as unknown });
    expect(await runScript(certFile, publicFile)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^ok: run certificate; 4 entries/) as unknown,
    });
  });

  it('names the failed check: wrong key, changed count, changed checkpoint, entry beyond the checkpoint', async () => {
    const original = JSON.parse(readFileSync(certFile, 'utf8')) as Record<string, unknown> & typeof cert;
    // Re-signed by the right key around a forged checkpoint or an uncovered entry: only the inner checks catch those.
    const key = loadSigningKey(readFileSync(join(dir, 'signing.pem'), 'utf8'));
    const resign = (doc: Record<string, unknown>) => {
      const { signature: _s, keyId: _k, ...body } = doc;
      return `${JSON.stringify(signDocument(body, key), null, 2)}\n`;
    };
    const lastId = Number(original.checkpoint.headId) + 1;
    const cases: [string, string, string][] = [
      ['wrong key', readFileSync(certFile, 'utf8'), 'key id'],
      ['count', readFileSync(certFile, 'utf8').replace('"deleted": "6"', '"deleted": "60"'), 'signature'],
      ['checkpoint', resign({ ...original, checkpoint: { ...original.checkpoint, headHash: '0'.repeat(64) } }), 'checkpoint signature'],
      [
        'coverage',
        resign({
          ...original,
          entries: [...original.entries, { id: String(lastId), kind: 'target', at: '2026-01-01T00:00:00.000Z', hash: 'f'.repeat(64) }],
        }),
        'coverage',
      ],
    ];
    for (const [name, text, check] of cases) {
      const file = write(`${name}.json`, text);
      const publicKey = name === 'wrong key' ? otherPublicFile : publicFile;
      const cli = await runCli(['audit', 'certificate', 'verify', file, '--public-key', publicKey, '--json']);
      expect(cli.code, name).toBe(1);
      expect((JSON.parse(cli.stdout) as { failed: { check: string } }).failed.check, name).toBe(check);
      const doc = await runScript(file, publicKey);
      expect(doc.code, name).toBe(1);
      expect(doc.stderr, name).toMatch(new RegExp(`^certificate INVALID: ${check}`));
    }
  });

  it('a malformed certificate exits 2 naming the line', async () => {
    const text = readFileSync(certFile, 'utf8').split('\n');
    text[5] = `${text[5]},,`;
    const r = await runCli(['audit', 'certificate', 'verify', write('broken.json', text.join('\n')), '--public-key', publicFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json line 6: not valid JSON/);
  });

  it('makes a checkpoint when none covers the run yet, and refuses dry runs and unknown runs', async () => {
    await db.pool.query('DELETE FROM retention_audit_ckpt');
    const r = await runCli(['--config', configFile, 'audit', 'certificate', '--run', runId]);
    expect(r.code).toBe(0);
    const [count] = await db.pool.query('SELECT COUNT(*) AS n FROM retention_audit_ckpt');
    expect(Number((count as { n: string }[])[0]!.n)).toBe(1);
    const dry = await runOnce(true);
    const refused = await runCli(['--config', configFile, 'audit', 'certificate', '--run', dry]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/dry run/) as unknown });
    expect((await runCli(['--config', configFile, 'audit', 'certificate', '--run', 'no-such-run'])).code).toBe(1);
    expect((await runCli(['--config', configFile, 'audit', 'certificate'])).code).toBe(2);
  });
  it('--trail also checks its entries and checkpoint against the audit trail', async () => {
    const verify = (file: string) =>
      runCli(['--config', configFile, 'audit', 'certificate', 'verify', file, '--public-key', publicFile, '--trail', '--json']);
    expect((await verify(certFile)).code).toBe(0);
    const original = JSON.parse(readFileSync(certFile, 'utf8')) as Record<string, unknown> & typeof cert;
    const key = loadSigningKey(readFileSync(join(dir, 'signing.pem'), 'utf8'));
    const { signature: _s, keyId: _k, ...body } = original;
    const wrongHash = write(
      'wrong-hash.json',
      JSON.stringify(
        signDocument({ ...body, entries: original.entries.map((e, i) => (i === 1 ? { ...e, hash: 'e'.repeat(64) } : e)) }, key),
      ),
    );
    const r = await verify(wrongHash);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, failed: { check: 'trail entry' } });
    // Signed and offline-valid, but its target entry was removed from the trail afterwards.
    await db.pool.query('DELETE FROM retention_audit WHERE id = ?', [Number(original.entries[1]!.id)]);
    const gone = await verify(certFile);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ ok: false, failed: { check: 'trail chain' } });
    expect((await runCli(['audit', 'certificate', 'verify', certFile, '--public-key', publicFile])).code).toBe(0);
  });
});
