import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, countRows, insertOldRequestLogs } from '../support/queue/queue-fixture.js';
import { podman, until } from '../support/container/podman.js';
import { createContainerScenario, enqueuedLogPolicy, type ContainerScenario } from '../support/container/container-scenario.js';
import { WORKER_CONTAINER } from '../support/container/worker-container.js';

const ROWS = 40_000;
const POLICY = enqueuedLogPolicy([
  '{ store: mysql, table: im_request_log, time: requested_at, batchSize: 200, pauseMs: 200 }',
  '{ store: mysql, table: im_exception_log, time: occurred_at }',
]);

describe('podman stop of the worker container in the middle of a large purge', () => {
  let sc: ContainerScenario;

  beforeAll(async () => {
    sc = await createContainerScenario('stop');
    sc.writeConfig(POLICY);
    await insertOldRequestLogs(sc.fx.db.pool, ROWS, 10);
  });
  afterAll(async () => {
    await sc?.drop();
  });

  it('exits 0 within the stop timeout, and the next run finishes the job with the audit chain intact', async () => {
    const worker = await sc.start('worker-1', ['worker']);
    await until(async () => (await worker.logLines()).some((l) => l.msg === 'worker started'), 60_000, 'the worker to start');
    const enqueued = await sc.run('enqueue-1', ['enqueue', '--policy', 'log-data', '--json']);
    expect(enqueued.code, enqueued.stderr).toBe(0);

    await until(
      async () => {
        const left = await countRows(sc.fx.db.pool, 'im_request_log');
        return left < ROWS - 2000 && left > ROWS / 2;
      },
      90_000,
      'the purge to be under way',
    );
    const stoppedAt = Date.now();
    const stop = await podman(['stop', '-t', String(WORKER_CONTAINER.stopGraceSeconds), worker.name], 90_000);
    const stopSeconds = (Date.now() - stoppedAt) / 1000;
    console.log(`podman stop mid-purge: ${stopSeconds.toFixed(2)} s (timeout ${WORKER_CONTAINER.stopGraceSeconds} s)`);
    expect(stop.code, stop.stderr).toBe(0);
    // 0, not 137: it ended by itself before the timeout, when podman would have sent SIGKILL.
    expect(await sc.exitCode(worker)).toBe(0);
    expect(stopSeconds).toBeLessThan(WORKER_CONTAINER.stopGraceSeconds);
    const leftAtStop = await countRows(sc.fx.db.pool, 'im_request_log');
    expect(leftAtStop).toBeGreaterThan(0);

    const entries = await auditEntries(sc.fx.db.pool);
    const partial = entries.find((e) => e.kind === 'target' && e.target === 'im_request_log' && e.data.status === 'partial');
    expect(partial?.data.reason).toBe('signal');
    expect(entries.find((e) => e.kind === 'run-finished' && e.runId === partial!.runId)?.data.status).toBe('partial');
    const lines = await worker.logLines();
    expect(lines.some((l) => l.msg === 'worker stopped')).toBe(true);

    // The next run: a new worker container, the run handed to it by `enqueue --wait`.
    const next = await sc.start('worker-2', ['worker']);
    await until(async () => (await next.logLines()).some((l) => l.msg === 'worker started'), 60_000, 'the second worker to start');
    const waited = await sc.run('enqueue-2', ['enqueue', '--policy', 'log-data', '--wait', '--timeout', '240', '--json'], {}, 300_000);
    expect(waited.code, waited.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(waited.stdout) as { status: string; policies: { targets: { target: string; deleted: number }[] }[] };
    expect(doc.status).toBe('succeeded');
    expect(doc.policies[0]!.targets.find((t) => t.target === 'im_request_log')?.deleted).toBe(leftAtStop);
    expect(await countRows(sc.fx.db.pool, 'im_request_log')).toBe(0);

    const verify = await sc.run('verify', ['audit', 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, firstBad: null });
  });
});
