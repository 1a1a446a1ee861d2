import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { spawnCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/mysql.js';
import { freePort } from '../../support/free-port.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';

const PASSWORD = 'right-redis-password';
const WRONG = 'wrong-redis-password-0xC0FFEE';

function configYaml(mysqlUrl: string, redisUrl: string): string {
  return `
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "${redisUrl}" }
audit: { key: "cli-secrets-key" }
policies:
  - name: sessions
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: redis, type: sorted-set, match: "rtsecret:*" }
`;
}

/** The JSON log lines of a process's stderr (pino), and whatever else it printed there. */
function logLines(stderr: string): { lines: Record<string, unknown>[]; other: string } {
  const lines: Record<string, unknown>[] = [];
  let other = '';
  for (const line of stderr.split('\n').filter(Boolean)) {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      other += `${line}\n`;
    }
  }
  return { lines, other };
}

describe('secrets never appear in output', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli_secrets');
    await createReferenceTables(db.pool);
    redis = await startPrivateRedis({ password: PASSWORD });
    dir = mkdtempSync(join(tmpdir(), 'retention-secrets-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('config check --connect with a wrong Redis password: not in any log line (AUTH arguments redacted), the store named unreachable', async () => {
    const file = join(dir, 'wrong-password.yaml');
    writeFileSync(file, configYaml(db.url, `redis://:${WRONG}@127.0.0.1:${redis.port}/0`));
    const cli = spawnCli(['--config', file, 'config', 'check', '--connect'], { LOG_LEVEL: 'debug' });
    const code = await cli.exit;
    expect(code).toBe(3);
    const { lines, other } = logLines(cli.stderr());
    // ioredis reported the failed AUTH (with its command) at least once: that is what used to leak.
    const authErrors = lines.filter((l) => JSON.stringify(l).includes('WRONGPASS'));
    expect(authErrors.length).toBeGreaterThan(0);
    expect(authErrors.some((l) => (l.err as { command?: { name?: string } } | undefined)?.command?.name === 'auth')).toBe(true);
    for (const l of authErrors) expect((l.err as { command: { args: unknown[] } }).command.args).toEqual(['***']);
    expect(cli.stderr()).not.toContain(WRONG);
    expect(other).not.toContain(WRONG);
    expect(cli.stdout()).not.toContain(WRONG);
    expect(cli.stdout()).toContain(`Redis at 127.0.0.1:${redis.port} is unreachable (WRONGPASS`);
    expect(cli.stdout()).not.toMatch(/max retries per request/i);
  }, 60_000);

  it('a Redis that is down: "Redis at host:port is unreachable", not "max retries per request"', async () => {
    const port = await freePort(); // nothing listens there
    const file = join(dir, 'down.yaml');
    writeFileSync(file, configYaml(db.url, `redis://:${WRONG}@127.0.0.1:${port}/0`));
    const cli = spawnCli(['--config', file, 'run', '--json'], {});
    expect(await cli.exit).toBe(1);
    const doc = JSON.parse(cli.stdout()) as { policies: { targets: { status: string; error: string }[] }[] };
    const target = doc.policies[0]!.targets[0]!;
    expect(target.status).toBe('failed');
    expect(target.error).toMatch(new RegExp(`^redis: Redis at 127\\.0\\.0\\.1:${port} is unreachable \\(.*ECONNREFUSED`));
    expect(cli.stdout() + cli.stderr()).not.toContain(WRONG);
  }, 60_000);

  it('a config error never echoes a value read with ${file:}', async () => {
    const secret = join(dir, 'shadow');
    writeFileSync(secret, 'root:$6$saltsalt$ShadowHashMaterialThatMustNotLeak:19000:0:99999:7:::\n');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, configYaml(db.url, '').replace('store: redis,', `store: "\${file:${secret}}",`));
    const cli = spawnCli(['--config', file, 'config', 'check'], {});
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toMatch(/policies\[0\]\.targets\[0\]\.store: must be one of .* \(got <value of a secret file>\)/);
    expect(cli.stderr() + cli.stdout()).not.toContain('ShadowHashMaterial');
  });
});
