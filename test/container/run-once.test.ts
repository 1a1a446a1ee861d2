import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, countRows, insertOldRequestLogs } from '../support/queue/queue-fixture.js';
import { REDIS_TEST_URL } from '../support/redis.js';
import { AUDIT_KEY, createContainerScenario, type ContainerScenario } from '../support/container/container-scenario.js';
import type { RunDocument } from '../../src/types.js';

const SECRETS_DIR = '/run/secrets/retention';
const POLICIES = `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
  - name: broken
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_no_such_table, time: created_at }
`;

/**
 * The CronJob style: one `run --json` container per schedule, its configuration mounted as a
 * ConfigMap and its secrets as files (`${file:…}`), exactly as deploy/cronjob-run mounts them.
 */
describe('a one-shot `run --json` container (the CronJob style)', () => {
  let sc: ContainerScenario;
  let secrets: string;
  const run = (role: string, args: string[], env: Record<string, string> = {}) =>
    sc.run(role, ['run', ...args, '--json'], {
      // Blanked: the configuration reads the secrets from the files, not from the environment.
      env: { MYSQL_URL: '', QUEUE_REDIS_URL: '', AUDIT_KEY: '', ...env },
      mounts: { [secrets]: SECRETS_DIR },
    });

  beforeAll(async () => {
    sc = await createContainerScenario('run');
    sc.writeConfig(POLICIES, { secretsDir: SECRETS_DIR });
    secrets = mkdtempSync(join(tmpdir(), 'rwct-secrets-'));
    chmodSync(secrets, 0o755);
    for (const [file, value] of [
      ['mysql_url', sc.fx.db.url],
      ['audit_key', AUDIT_KEY],
      ['queue_redis_url', REDIS_TEST_URL],
    ]) {
      writeFileSync(join(secrets, file!), `${value}\n`);
      chmodSync(join(secrets, file!), 0o644);
    }
    await insertOldRequestLogs(sc.fx.db.pool, 3000, 10);
    await insertOldRequestLogs(sc.fx.db.pool, 500, 1);
  });
  afterAll(async () => {
    await sc?.drop();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it('exits 0 with a succeeded run document when the run succeeds', async () => {
    const r = await run('ok', ['--policy', 'log-data']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.status).toBe('succeeded');
    expect(doc.policies[0]!.targets[0]).toMatchObject({ store: 'mysql', target: 'im_request_log', status: 'succeeded', deleted: 3000 });
    expect(await countRows(sc.fx.db.pool, 'im_request_log')).toBe(500);
    // Logs on stderr, JSON, with the run id; the documents alone on stdout.
    const logs = r.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(logs.some((l) => (JSON.parse(l) as { runId?: string }).runId === doc.runId)).toBe(true);
    expect(r.stderr).not.toContain(sc.fx.db.url);
  });

  it('exits 1 with a failed run document when a target is refused, deleting nothing', async () => {
    await insertOldRequestLogs(sc.fx.db.pool, 200, 10);
    const r = await run('refused', ['--policy', 'broken']);
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const doc = JSON.parse(r.stdout) as RunDocument;
    expect(doc.status).toBe('failed');
    expect(doc.policies[0]!.targets[0]).toMatchObject({ target: 'im_no_such_table', status: 'refused', deleted: 0 });
    expect(await countRows(sc.fx.db.pool, 'im_request_log')).toBe(700);
    const finished = (await auditEntries(sc.fx.db.pool)).filter((e) => e.kind === 'run-finished');
    expect(finished.map((e) => e.data.status)).toEqual(['succeeded', 'failed']);
  });

  it('exits 2, naming the field, when its configuration is bad', async () => {
    const r = await run('badconfig', [], { HTTP_PORT: '70000' });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: number; message: string } };
    expect(doc.error.code).toBe(2);
    expect(doc.error.message).toContain('http.port');
  });
});
