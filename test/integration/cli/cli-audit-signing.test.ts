import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { runCli, spawnCli } from '../../support/cli.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';

const DAY = 86_400_000;

function configYaml(mysqlUrl: string, keyFile: string, sinks: string): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
audit:
  key: "cli-test-key"
  signingKey: "\${file:${keyFile}}"
  checkpoints:
    sinks: ${sinks}
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
`;
}

describe('signed checkpoints on the command line', () => {
  let db: TestDatabase;
  let dir: string;
  let keyFile: string;
  let publicFile: string;
  let sinkFile: string;
  let configFile: string;
  let downPort: number;

  beforeAll(async () => {
    db = await createTestDatabase('cli_signing');
    await createReferenceTables(db.pool);
    dir = mkdtempSync(join(tmpdir(), 'retention-signing-'));
    keyFile = join(dir, 'signing.pem');
    publicFile = join(dir, 'signing.pub.pem');
    sinkFile = join(dir, 'checkpoints.jsonl');
    downPort = await freePort();
    configFile = join(dir, 'retention.yaml');
    writeFileSync(
      configFile,
      configYaml(
        db.url,
        keyFile,
        `[{ type: file, name: worm, path: "${sinkFile}" }, { type: webhook, name: down, url: "http://127.0.0.1:${downPort}/hook", timeoutMs: 1000 }]`,
      ),
    );
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('keygen writes the private key with mode 0600, prints the public key and key id, never overwrites', async () => {
    const r = await runCli(['audit', 'keygen', '--out', keyFile, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { keyId: string; publicKey: string; privateKeyFile: string };
    expect(out.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(out.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(r.stdout).not.toContain('PRIVATE KEY');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    writeFileSync(publicFile, out.publicKey);

    const again = await runCli(['audit', 'keygen', '--out', keyFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/never overwritten/);
    expect((await runCli(['audit', 'keygen'])).code).toBe(2);
    const toStdout = await runCli(['audit', 'keygen', '--private-to-stdout']);
    expect(toStdout.stdout).toMatch(/BEGIN PRIVATE KEY[\s\S]*BEGIN PUBLIC KEY[\s\S]*key id: [0-9a-f]{64}/);
  });

  it('a signing key that is not Ed25519 exits 2 naming audit.signingKey, before any connection', async () => {
    const rsaFile = join(dir, 'ec.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(rsaFile, pem);
    const badConfig = join(dir, 'bad-key.yaml');
    // MySQL on a closed port: reaching it would exit 3 (or 1 for run), not 2.
    writeFileSync(badConfig, configYaml(`mysql://root@127.0.0.1:${downPort}/nowhere`, rsaFile, '[]'));
    for (const argv of [['run'], ['audit', 'checkpoint'], ['audit', 'certificate', '--run', 'x']]) {
      const r = await runCli(['--config', badConfig, ...argv]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/audit\.signingKey: is a key of type ec; .*Ed25519/);
      expect(r.stderr).not.toContain(pem.split('\n')[1]!);
    }
  });

  it('audit checkpoint and certificate without audit.signingKey exit 2 naming the field', async () => {
    const noKey = join(dir, 'no-key.yaml');
    writeFileSync(noKey, configYaml(db.url, keyFile, '[]').replace(/ {2}signingKey: .*\n/, ''));
    for (const argv of [
      ['audit', 'checkpoint'],
      ['audit', 'certificate', '--run', 'x'],
    ]) {
      const r = await runCli(['--config', noKey, ...argv]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/audit\.signingKey: is not set/);
    }
  });

  it('a run writes a checkpoint to the file sink; the unreachable webhook is a warning and the run still succeeds', async () => {
    const base = Date.now() - 30 * DAY;
    await db.pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [
      Array.from({ length: 5 }, (_, i) => [1, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base + i)]),
    ]);
    const cli = spawnCli(['--config', configFile, 'run', '--json'], { LOG_LEVEL: 'info' });
    expect(await cli.exit).toBe(0);
    const doc = JSON.parse(cli.stdout()) as { status: string; policies: { targets: { deleted: number }[] }[] };
    expect(doc.status).toBe('succeeded');
    expect(doc.policies[0]!.targets[0]!.deleted).toBe(5);
    const lines = readFileSync(sinkFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const logs = cli
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.msg === 'audit checkpoint signed')).toMatchObject({
      headHash: (JSON.parse(lines[0]!) as { headHash: string }).headHash,
    });
    expect(logs.find((l) => l.level === 40 && l.sink === 'down')).toMatchObject({ msg: expect.stringMatching(/not delivered/) as unknown });
  });

  it('audit checkpoint signs now; audit verify --checkpoint proves the chain with the sink file', async () => {
    const r = await runCli(['--config', configFile, 'audit', 'checkpoint', '--json']);
    // The webhook is still down: stored and signed, but not delivered everywhere.
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { checkpoint: { headId: string }; delivered: { sink: string }[]; failed: { sink: string }[] };
    expect(out.delivered.map((d) => d.sink)).toEqual(['worm']);
    expect(out.failed.map((f) => f.sink)).toEqual(['down']);
    expect(readFileSync(sinkFile, 'utf8').trim().split('\n')).toHaveLength(2);

    const ok = await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', sinkFile, '--public-key', publicFile]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/proven by 2 signed checkpoints .*nothing cut off/) as unknown });
    const json = await runCli([
      '--config',
      configFile,
      'audit',
      'verify',
      '--checkpoint',
      sinkFile,
      '--public-key',
      readFileSync(publicFile, 'utf8'),
      '--json',
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      checkpoints: 2,
      provenHead: { id: Number(out.checkpoint.headId) },
      failed: null,
    });
  });

  it('audit verify --checkpoint proves a database restored from a backup (the audit tables copied elsewhere)', async () => {
    const restored = await createTestDatabase('cli_signing_restored');
    try {
      for (const table of ['retention_audit', 'retention_audit_head', 'retention_audit_ckpt']) {
        await restored.pool.query(`CREATE TABLE \`${table}\` LIKE \`${db.name}\`.\`${table}\``);
        await restored.pool.query(`INSERT INTO \`${table}\` SELECT * FROM \`${db.name}\`.\`${table}\``);
      }
      const restoredConfig = join(dir, 'restored.yaml');
      writeFileSync(restoredConfig, configYaml(restored.url, keyFile, '[]'));
      const r = await runCli([
        '--config',
        restoredConfig,
        'audit',
        'verify',
        '--checkpoint',
        sinkFile,
        '--public-key',
        publicFile,
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, checkpoints: 2, failed: null });
    } finally {
      await restored.drop();
    }
  });

  it('audit verify --checkpoint exits 1 naming the check, and 2 for a malformed file or missing key', async () => {
    const otherPublic = join(dir, 'other.pub.pem');
    const other = await runCli(['audit', 'keygen', '--private-to-stdout', '--json']);
    writeFileSync(otherPublic, (JSON.parse(other.stdout) as { publicKey: string }).publicKey);
    const wrongKey = await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', sinkFile, '--public-key', otherPublic]);
    expect(wrongKey).toMatchObject({ code: 1, stdout: expect.stringMatching(/line 1 .*: key id check failed/) as unknown });

    const [first, second] = readFileSync(sinkFile, 'utf8').trim().split('\n');
    const modified = join(dir, 'modified.jsonl');
    writeFileSync(modified, `${first}\n${second!.replace(/"entries":"\d+"/, '"entries":"1"')}\n`);
    const sig = await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', modified, '--public-key', publicFile]);
    expect(sig).toMatchObject({ code: 1, stdout: expect.stringMatching(/line 2 .*: signature check failed/) as unknown });

    const malformed = join(dir, 'malformed.jsonl');
    writeFileSync(malformed, `${first}\n{"type":"retention-audit-checkpoint",\n`);
    const bad = await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', malformed, '--public-key', publicFile]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/malformed\.jsonl line 2: not JSON/) as unknown });
    expect((await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', sinkFile])).code).toBe(2);

    // Entries cut off after the last checkpoint was signed, head row moved back with them.
    const [rows] = await db.pool.query('SELECT MAX(id) AS id FROM retention_audit');
    const newest = Number((rows as { id: string }[])[0]!.id);
    await db.pool.query('DELETE FROM retention_audit WHERE id >= ?', [newest - 1]);
    await db.pool.query('UPDATE retention_audit_head h JOIN retention_audit a ON a.id = ? SET h.last_id = a.id, h.last_hash = a.hash', [
      newest - 2,
    ]);
    expect((await runCli(['--config', configFile, 'audit', 'verify'])).code).toBe(0);
    const cut = await runCli(['--config', configFile, 'audit', 'verify', '--checkpoint', sinkFile, '--public-key', publicFile]);
    expect(cut).toMatchObject({ code: 1, stdout: expect.stringMatching(/head check failed .*cut off/) as unknown });
  });
  it('a refused run (disabled policy named with --policy) is checkpointed too', async () => {
    const refusedSink = join(dir, 'refused.jsonl');
    const file = join(dir, 'disabled.yaml');
    writeFileSync(
      file,
      configYaml(db.url, keyFile, `[{ type: file, path: "${refusedSink}" }]`).replace(
        '    category: log',
        '    category: log\n    enabled: false',
      ),
    );
    const r = await runCli(['--config', file, 'run', '--policy', 'log-data', '--json']);
    expect((JSON.parse(r.stdout) as { policies: { status: string }[] }).policies[0]!.status).toBe('refused');
    const [rows] = await db.pool.query('SELECT id, hash FROM retention_audit ORDER BY id DESC LIMIT 1');
    const head = (rows as { id: string; hash: string }[])[0]!;
    expect(JSON.parse(readFileSync(refusedSink, 'utf8'))).toMatchObject({ headId: String(head.id), headHash: head.hash });
  });
});
