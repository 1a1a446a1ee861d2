import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import { generateSigningKey } from '../../../src/audit/signing-key.js';
import { runCli } from '../../support/cli.js';
import { AUDIT_KEY, SubjectFixture } from './subject-fixture.js';

const NOW = '2026-11-28T10:00:00.000Z';
const TWO_MONTHS_AGO = '2026-09-28T10:00:00.000Z';
const DAY = 86_400_000;
const at = (iso: string, deltaMs = 0) => new Date(new Date(iso).getTime() + deltaMs);

let fx: SubjectFixture;
let dir: string;
let configFile: string;
let publicFile: string;
let signingKeyFile: string;

beforeAll(async () => {
  fx = await SubjectFixture.create('subject_cert');
  dir = mkdtempSync(join(tmpdir(), 'retention-subject-cert-'));
  const pair = generateSigningKey();
  signingKeyFile = join(dir, 'signing.pem');
  publicFile = join(dir, 'signing.pub.pem');
  writeFileSync(signingKeyFile, pair.privatePem, { mode: 0o600 });
  writeFileSync(publicFile, pair.publicPem);
  configFile = join(dir, 'retention.yaml');
  writeFileSync(configFile, fx.configYaml({ signingKeyFile }));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await fx?.drop();
});

describe("a subject's deletion certificate", () => {
  const due = '1400000201';
  const notYet = '1400000202';

  it('certifies a purged subject: promise, deadline, stores and counts, its entries, and the run’s checkpoint', async () => {
    await fx.addAccounts([
      { id: due, terminatedAt: at(TWO_MONTHS_AGO, -DAY) },
      { id: notYet, terminatedAt: at(TWO_MONTHS_AGO, DAY) },
    ]);
    await fx.addConfiguration([due, notYet]);
    const engine = await fx.openEngine(NOW, { signingKeyFile });
    let runId: string;
    try {
      const doc = await fx.run(engine);
      expect(doc.status).toBe('succeeded');
      runId = doc.runId;
    } finally {
      await engine.close();
    }
    // The subject run signed a checkpoint as it finished.
    const signed = fx.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'audit checkpoint signed');
    expect(signed).toHaveLength(1);

    const r = await runCli(['--config', configFile, 'audit', 'certificate', '--subject', `00${due}`]);
    expect(r.code).toBe(0);
    const cert = JSON.parse(r.stdout) as Record<string, unknown> & {
      entries: { kind: string; id: string }[];
      checkpoint: { headId: string };
    };
    expect(cert).toMatchObject({
      type: 'retention-deletion-certificate',
      scope: 'subject',
      subject: { id: due, hash: subjectHash(AUDIT_KEY, due) },
      policy: {
        name: 'configuration-data',
        category: 'configuration',
        retain: '2 months after termination',
        promise:
          "The configuration data of an account is deleted from every configured store within 2 months after the account's termination.",
      },
      runId,
      deadline: at(NOW, -DAY).toISOString(),
      deletedAt: NOW,
      status: 'purged',
      marked: true,
      stores: ['mysql', 'mongo', 'redis'],
      checkpoint: { headId: String(signed[0]!.headId) },
    });
    expect(cert.targets).toContainEqual({ store: 'mysql', target: 'im_push_certificate', status: 'succeeded', deleted: '2' });
    expect(cert.entries.map((e) => e.kind)).toEqual(['run-started', 'subject']);

    const file = join(dir, 'cert.json');
    writeFileSync(file, r.stdout);
    expect((await runCli(['audit', 'certificate', 'verify', file, '--public-key', publicFile])).code).toBe(0);
    // Nothing the worker logged carries the subject id.
    expect(fx.logLines.join('\n')).not.toContain(due);
  });

  it('issues none for a subject that was not purged (exit 1), and refuses an id that is not decimal (exit 2)', async () => {
    const r = await runCli(['--config', configFile, 'audit', 'certificate', '--subject', notYet]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/no complete purge/);
    expect(r.stderr).not.toContain(notYet);
    expect((await runCli(['--config', configFile, 'audit', 'certificate', '--subject', '12ab'])).code).toBe(2);
  });
});
