import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueFixture, insertOldRequestLogs, logDataPolicy, type QueueFixture } from '../../support/queue/queue-fixture.js';
import { eventually } from '../../support/queue/spawn-worker.js';
import { parsePrometheusText, sampleValue } from '../../support/queue/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import type { RunningWorker } from '../../../src/queue/start-worker.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { silentLogger } from '../../../src/logging/logger.js';
import type { ResolvedConfig } from '../../../src/config/load-config.js';
import type { RunDocument } from '../../../src/types.js';
import { enqueueCommand } from '../../../src/cli/commands/enqueue.js';

const POLICY = logDataPolicy();

describe('the worker HTTP endpoints', () => {
  let fx: QueueFixture;
  let proxy: TcpProxy;
  let worker: RunningWorker | null = null;
  let config: ResolvedConfig;
  let file: string;
  let base: string;

  beforeAll(async () => {
    fx = await createQueueFixture('q_http');
    proxy = await startTcpProxy('127.0.0.1', 3306);
    fx.onDrop('proxy', () => proxy.close());
    // MySQL (stores, audit, locks) through the proxy, so the test can cut it off.
    const url = new URL(fx.db.url);
    url.port = String(proxy.port);
    ({ config, file } = fx.writeConfig(POLICY, { mysqlUrl: url.toString(), reportSeconds: 1 }));
    worker = await fx.startWorker(config, { name: 'http' });
    base = `http://127.0.0.1:${worker.httpPort}`;
  });
  afterAll(async () => {
    // Connected again, so that the worker can close its MySQL connections before the proxy goes.
    proxy?.resume();
    await fx?.drop();
  });

  it('has every policy and target series from the start: last success 0, counters 0, build info, Node defaults', async () => {
    const samples = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
    const policy = { policy: 'log-data' };
    const target = { ...policy, store: 'mysql', target: 'im_request_log' };
    // The policy never ran (its schedule is once a year): "never succeeded" is 0, not absent.
    expect(sampleValue(samples, 'retention_policy_last_success_timestamp_seconds', policy)).toBe(0);
    expect(sampleValue(samples, 'retention_policy_failures_total', policy)).toBe(0);
    expect(sampleValue(samples, 'retention_policy_runs_total', { ...policy, status: 'failed' })).toBe(0);
    expect(sampleValue(samples, 'retention_ticks_skipped_total', policy)).toBe(0);
    expect(sampleValue(samples, 'retention_policy_schedule_period_seconds', policy)).toBeGreaterThanOrEqual(365 * 86_400);
    expect(sampleValue(samples, 'retention_target_deleted_records_total', target)).toBe(0);
    expect(sampleValue(samples, 'retention_target_runs_total', { ...target, status: 'failed' })).toBe(0);
    expect(sampleValue(samples, 'retention_build_info', { node_version: process.version })).toBe(1);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'retention_process_cpu_seconds_total')).toBeUndefined();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
  });

  it('goes unready while MariaDB is unreachable and ready again after', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    proxy.cut();
    const down = await eventually(
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 503 ? ((await res.json()) as { checks: Record<string, { ok: boolean }> }) : null;
      },
      15_000,
      '/readyz to say 503',
    );
    expect(down.checks.mysql?.ok).toBe(false);
    expect(down.checks.queue?.ok).toBe(true);
    proxy.resume();
    await eventually(async () => (await fetch(`${base}/readyz`)).status === 200, 15_000, '/readyz to say 200 again');
  });

  it('serves valid Prometheus text whose figures move after a run and after the report', async () => {
    // Older than the cutoff by more than the schedule's period (a year): overdue.
    await insertOldRequestLogs(fx.db.pool, 500, 400);
    const samples = async () => parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
    const labels = { policy: 'log-data', store: 'mysql', target: 'im_request_log' };
    // The report runs every second: the planted rows show as overdue.
    await eventually(
      async () => sampleValue(await samples(), 'retention_target_overdue_records', labels) === 500,
      15_000,
      'the overdue gauge to show the planted rows',
    );
    const before = sampleValue(await samples(), 'retention_target_deleted_records_total', labels) ?? 0;

    const { jobs } = await enqueueRuns(worker!.queues, config, config.policies);
    const outcome = await waitForRuns(worker!.queues, config, jobs, { pollMs: 100, timeoutMs: 30_000 });
    expect(outcome.results[0]?.status).toBe('succeeded');

    const after = await samples();
    expect(sampleValue(after, 'retention_target_deleted_records_total', labels)).toBe(before + 500);
    expect(sampleValue(after, 'retention_policy_runs_total', { policy: 'log-data', status: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'retention_policy_last_success_timestamp_seconds', { policy: 'log-data' })).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(sampleValue(after, 'retention_scheduler_next_run_timestamp_seconds', { policy: 'log-data' })).toBeGreaterThan(Date.now() / 1000);
    await eventually(
      async () => sampleValue(await samples(), 'retention_target_overdue_records', labels) === 0,
      15_000,
      'the overdue gauge to drop to 0',
    );
    expect(sampleValue(await samples(), 'retention_report_up')).toBe(1);
  });

  it('hands a run to the worker with `enqueue --wait` and reports it like `run`', async () => {
    await insertOldRequestLogs(fx.db.pool, 40, 10);
    let out = '';
    const io = { stdout: (t: string) => (out += t), stderr: () => {}, logger: silentLogger() };
    const code = await enqueueCommand({ config: file, wait: true, json: true, timeout: '30' }, io);
    const doc = JSON.parse(out) as RunDocument;
    expect(code).toBe(0);
    expect(doc.status).toBe('succeeded');
    expect(doc.policies[0]?.targets[0]).toMatchObject({ target: 'im_request_log', status: 'succeeded', deleted: 40 });
    out = '';
    expect(await enqueueCommand({ config: file, policy: ['nope'] }, io).catch((err: Error) => err.name)).toBe('UsageError');
  });
});
