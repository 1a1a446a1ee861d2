import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/mysql.js';
import { freePort, podman, start, until, type Container } from '../support/container/podman.js';
import { parsePrometheusText, sampleValue } from '../support/queue/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createReferenceTables } from '../../src/seed/mysql-reference-schema.js';

interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/**
 * The worker container exactly as docker-compose.yml runs it: the image's own configuration
 * (config/retention.yaml), configured by the environment alone. Its Redis servers (data and
 * queue) are a private redis-server on a free port, so the default queue prefix is its own.
 */
describe('the worker container: /healthz, /readyz, /metrics and the HEALTHCHECK', () => {
  let db: TestDatabase;
  let redisServer: ChildProcess;
  let redisPort: number;
  let proxy: TcpProxy;
  const containers: Container[] = [];
  const id = Math.random().toString(16).slice(2, 8);

  const composeEnv = (httpPort: number, overrides: Record<string, string> = {}) => ({
    MYSQL_URL: db.url,
    MONGO_URL: '',
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    QUEUE_REDIS_URL: `redis://127.0.0.1:${redisPort}/1`,
    AUDIT_KEY: 'container-test-key',
    HTTP_PORT: String(httpPort),
    LOG_LEVEL: 'info',
    ...overrides,
  });
  const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  const readiness = async (port: number) => {
    const res = await get(port, '/readyz');
    return { status: res.status, body: (await res.json()) as Readiness };
  };

  beforeAll(async () => {
    db = await createTestDatabase('ct_http');
    await createReferenceTables(db.pool);
    redisPort = await freePort();
    redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await until(
      async () => {
        const r = new Redis(redisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        r.on('error', () => {}); // refused until it listens: the rejection of connect() says so
        try {
          await r.connect();
          return (await r.ping()) === 'PONG';
        } finally {
          r.disconnect();
        }
      },
      10_000,
      'the private redis-server',
    );
    proxy = await startTcpProxy('127.0.0.1', 3306);
  });
  afterAll(async () => {
    for (const c of containers) await c.remove();
    await proxy?.close();
    redisServer?.kill('SIGTERM');
    await db?.drop();
  });

  it('serves /healthz, /readyz (MySQL and both Redis reachable) and /metrics, and its HEALTHCHECK passes', async () => {
    const port = await freePort();
    const worker = await start({ name: `rwct-http-a-${id}`, command: [], env: composeEnv(port) });
    containers.push(worker);
    await until(async () => (await get(port, '/healthz')).ok, 60_000, 'the worker to answer /healthz');

    const health = await get(port, '/healthz');
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');

    const ready = await readiness(port);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, checks: { queue: { ok: true }, mysql: { ok: true }, redis: { ok: true } } });

    // The report runs at start and fills its gauges; the defaults come from prom-client.
    const samples = await until(
      async () => {
        const parsed = parsePrometheusText(await (await get(port, '/metrics')).text());
        return sampleValue(parsed, 'retention_report_up') === 1 ? parsed : null;
      },
      60_000,
      'the first report in /metrics',
    );
    expect(sampleValue(samples, 'retention_report_up')).toBe(1);
    expect(sampleValue(samples, 'retention_target_overdue_records', { policy: 'log-data', store: 'mysql', target: 'im_request_log' })).toBe(
      0,
    );
    expect(sampleValue(samples, 'retention_scheduler_next_run_timestamp_seconds', { policy: 'log-data' })).toBeGreaterThan(
      Date.now() / 1000,
    );
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);

    // The image's HEALTHCHECK, run by podman in the container (no systemd here for its timer).
    const check = await podman(['healthcheck', 'run', worker.name]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const state = JSON.parse((await podman(['inspect', worker.name, '--format', '{{json .State.Health}}'])).stdout) as { Status: string };
    expect(state.Status).toBe('healthy');

    // It runs as the image's user, whatever the process inside.
    expect((await podman(['exec', worker.name, 'id', '-u'])).stdout.trim()).toBe('1000');
  });

  it('is not ready, naming the store, when pointed at a closed port, and names MySQL once MySQL goes away', async () => {
    const port = await freePort();
    const closed = await freePort();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const worker = await start({
      name: `rwct-http-b-${id}`,
      command: [],
      env: composeEnv(port, { REDIS_URL: `redis://127.0.0.1:${closed}/0`, MYSQL_URL: viaProxy.toString() }),
    });
    containers.push(worker);
    await until(async () => (await get(port, '/healthz')).ok, 60_000, 'the worker to answer /healthz');

    const first = await readiness(port);
    expect(first.status).toBe(503);
    expect(first.body.ready).toBe(false);
    expect(first.body.checks.redis?.ok).toBe(false);
    expect(first.body.checks.redis?.error).toMatch(/cannot reach|ECONNREFUSED|no answer/);
    expect(first.body.checks.mysql).toEqual({ ok: true });
    expect(first.body.checks.queue).toEqual({ ok: true });
    // Alive all the same: liveness does not depend on the stores.
    expect((await podman(['healthcheck', 'run', worker.name])).code).toBe(0);

    proxy.cut();
    const down = await until(
      async () => {
        const r = await readiness(port);
        return r.body.checks.mysql?.ok === false ? r : null;
      },
      20_000,
      '/readyz to name MySQL',
    );
    expect(down.status).toBe(503);
    expect(down.body.checks.queue).toEqual({ ok: true });
    // No password or URL in what the probe says.
    expect(JSON.stringify(down.body)).not.toMatch(/mysql:\/\/|container-test-key/);
    proxy.resume();
  });
});
