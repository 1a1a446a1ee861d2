import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createCliFixture, type CliFixture } from '../../support/cli-fixture.js';
import { runCli } from '../../support/cli.js';
import { REDIS_TEST_URL } from '../../support/redis.js';
import { Redis } from 'ioredis';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { openConsole } from '../../../src/console/open-console.js';
import type { ConsoleServer } from '../../../src/console/console-server.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { generateSigningKey } from '../../../src/audit/signing-key.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'console-test-token';
const ARTIFACTS = join('test', 'artifacts', 'console');

function configYaml(mysqlUrl: string, queuePrefix: string, signingKeyFile: string): string {
  return `
timezone: UTC
stores:
  mysql: { url: "${mysqlUrl}" }
  mongo: { url: "" }
  redis: { url: "" }
queue: { redisUrl: "${REDIS_TEST_URL}", prefix: ${queuePrefix} }
audit: { key: "console-test-key", signingKey: "\${file:${signingKeyFile}}" }
console: { enabled: true, port: 0, token: "${TOKEN}" }
policies:
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "7 * * * *" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at }
      - { store: mysql, table: im_exception_log, time: occurred_at }
  - name: monitoring-data
    category: monitoring
    retain: { days: 2 }
    schedule: { cron: "*/10 * * * *" }
    targets:
      - { store: mysql, table: im_monitoring_stat, time: window_start }
  - name: configuration-data
    category: configuration
    retain: { months: 2, after: termination }
    schedule: { cron: "17 3 * * *" }
    subjects:
      { store: mysql, table: im_account, id: app_id, status: status, terminatedValue: terminated,
        terminatedAt: terminated_at, legalHold: legal_hold, markPurged: config_purged_at }
    targets:
      - { store: mysql, table: im_app_config, subject: app_id }
      - { store: mysql, table: im_push_certificate, subject: app_id }
`;
}

async function dropKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_TEST_URL);
  const keys = await redis.keys(pattern);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
}

interface Snapshot {
  head: string;
  counts: Record<string, number>;
}

describe('the read-only web console, in a real browser', () => {
  let fx: CliFixture;
  let file: string;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  const consoleErrors: string[] = [];
  const queuePrefix = `rtc${randomBytes(4).toString('hex')}`;
  let publicKeyFile: string;

  async function snapshot(): Promise<Snapshot> {
    const counts: Record<string, number> = {};
    for (const table of ['im_request_log', 'im_exception_log', 'im_monitoring_stat', 'im_account', 'im_app_config', 'retention_audit']) {
      const [rows] = await fx.db.pool.query(`SELECT COUNT(*) AS n FROM ${table}`);
      counts[table] = Number((rows as { n: string }[])[0]!.n);
    }
    const [head] = await fx.db.pool.query('SELECT hash FROM retention_audit ORDER BY id DESC LIMIT 1');
    return { head: String((head as { hash: string }[])[0]!.hash), counts };
  }

  async function open(path: string, name: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${name}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${name}: ${e.message}`));
    const res = await page.goto(new URL(path, server.url).toString());
    expect(res?.status(), `${path} status`).toBe(200);
    return page;
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fx = await createCliFixture('console');
    const pair = generateSigningKey();
    publicKeyFile = fx.writeConfig(pair.publicPem, 'signing.pub.pem');
    const yaml = configYaml(fx.db.url, queuePrefix, fx.writeConfig(pair.privatePem, 'signing.pem'));
    file = fx.writeConfig(yaml);
    expect((await runCli(['--config', file, 'seed', '--apps', '60', '--days', '14', '--rows', '3000'])).code).toBe(0);
    expect((await runCli(['--config', file, 'run', '--dry-run'])).code).toBe(0);
    expect((await runCli(['--config', file, 'run'])).code).toBe(0);
    const config = resolveConfigText(yaml, file, {});
    server = await openConsole(config, silentLogger());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({
      httpCredentials: { username: 'auditor', password: TOKEN },
      viewport: { width: 1280, height: 900 },
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await fx?.drop();
    await dropKeys(`${queuePrefix}:*`);
  });

  it('answers 401 without credentials, and with a wrong token', async () => {
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(server.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(server.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    const csp = ok.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(ok.headers.get('x-frame-options')).toBe('DENY');
  });

  it('Promises: one row per target, with the figures and the verdict of `retention report`', async () => {
    const report = await runCli(['--config', file, 'report', '--json']);
    const expected = JSON.parse(report.stdout) as {
      targets: { policy: string; target: string; overdue: number; status: string }[];
      subjects: unknown[];
    };
    const page = await open('/', 'promises');
    const rows = page.locator('#promises tbody tr');
    expect(await rows.count()).toBe(expected.targets.length + expected.subjects.length);
    for (const t of expected.targets) {
      const row = page.locator(`#promises tbody tr[data-policy="${t.policy}"][data-target="${t.target}"]`);
      expect(await row.locator('td.overdue').textContent()).toBe(String(t.overdue));
      expect(await row.locator('td.status').textContent()).toBe(t.status);
    }
    expect(await page.locator('#verdict').textContent()).toContain(`exits ${report.code}`);
    const blocked = (JSON.parse(report.stdout) as { blocked?: unknown[] }).blocked ?? [];
    expect(await page.locator('#blocked tbody tr').count()).toBe(blocked.length);
    await shoot(page, 'promises');
  });

  it('Runs: every run of the trail, its deleted count, and the charts drawn from the same figures', async () => {
    const listed = JSON.parse((await runCli(['--config', file, 'audit', 'list', '--since', '24h', '--json'])).stdout) as {
      runs: { runId: string; policy: string; dryRun: boolean; targets: { data: { deleted?: string; wouldDelete?: string } }[] }[];
    };
    const page = await open('/runs?since=1d', 'runs');
    expect(await page.locator('#runs tbody tr').count()).toBe(listed.runs.length);
    for (const run of listed.runs) {
      const sum = run.targets.reduce((n, t) => n + Number((run.dryRun ? t.data.wouldDelete : t.data.deleted) ?? 0), 0);
      expect(await page.locator(`#runs tr[data-run="${run.runId}"][data-policy="${run.policy}"] td.deleted`).textContent()).toBe(
        String(sum),
      );
    }
    await page.locator('#chart-deleted[data-drawn]').waitFor({ timeout: 15_000 });
    await page.locator('#chart-duration[data-drawn]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#chart-deleted canvas').count()).toBe(1);
    await shoot(page, 'runs');

    await page.locator('#runs tbody tr a').first().click();
    await page.locator('#entries').waitFor();
    expect(await page.locator('#run-policies tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#run-policies td.status').first().textContent()).toMatch(/succeeded/);
    await shoot(page, 'run');
  });

  it('Audit chain: the verification, entry count and head of `retention audit verify`', async () => {
    const verify = JSON.parse((await runCli(['--config', file, 'audit', 'verify', '--json'])).stdout) as {
      ok: boolean;
      entries: number;
      headHash: string;
    };
    const page = await open('/chain', 'chain');
    expect(await page.locator('#chain-status').textContent()).toContain('Intact');
    expect(await page.locator('#chain-entries').textContent()).toBe(String(verify.entries));
    expect(await page.locator('#chain-head').textContent()).toBe(verify.headHash);
    // Every policy run signed a checkpoint; the newest is proven against the chain.
    expect(await page.locator('#checkpoint-status').textContent()).toContain('Proven');
    expect(Number(await page.locator('#checkpoint-entries').textContent())).toBeGreaterThan(0);
    expect(Number(await page.locator('#checkpoint-entries').textContent())).toBeLessThanOrEqual(verify.entries);
    await shoot(page, 'chain');
  });

  it('Subject lookup: finds a purged subject and not a kept one, and the id never reaches a URL', async () => {
    const [purged] = await fx.db.pool.query('SELECT app_id FROM im_account WHERE config_purged_at IS NOT NULL LIMIT 1');
    const [kept] = await fx.db.pool.query("SELECT app_id FROM im_account WHERE status = 'active' LIMIT 1");
    const purgedId = String((purged as { app_id: string }[])[0]!.app_id);
    const keptId = String((kept as { app_id: string }[])[0]!.app_id);

    const page = await open('/subject', 'subject');
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.fill('input[name=id]', purgedId);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
    expect(await page.locator('#subject-result').textContent()).toContain('Purged at');
    expect(await page.content()).not.toContain(purgedId);
    expect(await page.locator('#certificate-status').textContent()).toContain('can be issued');
    await shoot(page, 'subject');

    // The certificate: the id typed again, downloaded, and valid by `audit certificate verify`.
    await page.fill('input[name=id]', purgedId);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#certificate-button')]);
    const certificateFile = join(ARTIFACTS, 'deletion-certificate.json');
    await download.saveAs(certificateFile);
    const verified = await runCli(['--config', file, 'audit', 'certificate', 'verify', certificateFile, '--public-key', publicKeyFile]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    await page.goto(new URL('/subject', server.url).toString());
    await page.fill('input[name=id]', keptId);
    await Promise.all([page.waitForNavigation(), page.click('form button')]);
    expect(await page.locator('#subject-result').textContent()).toContain('No purge of this subject');
    expect(urls.some((u) => u.includes(purgedId) || u.includes(keptId))).toBe(false);
  });

  it('Queue: Bull Board for the worker queues, read-only', async () => {
    const page = await open('/queue/', 'queue');
    await page.getByText('runs', { exact: false }).first().waitFor({ timeout: 20_000 });
    await shoot(page, 'queue');
    const auth = { authorization: `Bearer ${TOKEN}` };
    const clean = await fetch(new URL('/queue/api/queues/runs/clean/completed', server.url), { method: 'PUT', headers: auth });
    expect(clean.status).toBeGreaterThanOrEqual(400);
  });

  it('changed nothing, refuses writes, and logged no error in the browser', async () => {
    const before = await snapshot();
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/', '/runs', '/chain', '/subject']) {
      for (const method of ['PUT', 'DELETE', 'PATCH'])
        expect((await fetch(new URL(path, server.url), { method, headers: auth })).status).toBe(404);
    }
    expect(await snapshot()).toEqual(before);
    expect(consoleErrors).toEqual([]);
  });
});
