import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createQueueFixture,
  auditEntries,
  auditOf,
  countRows,
  insertOldRequestLogs,
  logDataPolicy,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { eventually } from '../../support/queue/spawn-worker.js';

const ROWS = 40_000;
const POLICY = logDataPolicy({ cron: '*/4 * * * * *', batchSize: 200, pauseMs: 200, exceptionLog: true });

describe('SIGTERM in the middle of a large purge', () => {
  let fx: QueueFixture;
  let file: string;

  beforeAll(async () => {
    fx = await createQueueFixture('q_sigterm');
    await insertOldRequestLogs(fx.db.pool, ROWS, 10);
    ({ file } = fx.writeConfig(POLICY));
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('exits 0 after the batch in hand, with the target audited partial and the run closed', async () => {
    const worker = fx.spawnWorker(file, 'first');
    // Mid-purge: some rows gone, most still there.
    await eventually(
      async () => {
        const left = await countRows(fx.db.pool, 'im_request_log');
        return left < ROWS - 1000 && left > ROWS / 2;
      },
      60_000,
      'the purge to be under way',
    );
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exit;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(await countRows(fx.db.pool, 'im_request_log')).toBeGreaterThan(0);

    const entries = await auditEntries(fx.db.pool);
    const partial = entries.find((e) => e.kind === 'target' && e.target === 'im_request_log' && e.data.status === 'partial');
    expect(partial?.data.reason).toBe('signal');
    expect(Number(partial?.data.deleted)).toBeGreaterThan(0);
    const finished = entries.find((e) => e.kind === 'run-finished' && e.runId === partial!.runId);
    expect(finished?.data.status).toBe('partial');
    expect(worker.logs().some((l) => l.msg === 'worker stopped')).toBe(true);
  });

  it('completes the work on the next tick of a restarted worker', async () => {
    const before = (await auditEntries(fx.db.pool)).length;
    const worker = fx.spawnWorker(file, 'second');
    const done = await eventually(
      async () => {
        const later = (await auditEntries(fx.db.pool)).slice(before);
        return later.find((e) => e.kind === 'run-finished' && e.data.status === 'succeeded') ?? null;
      },
      90_000,
      'a succeeded run',
    );
    expect(done.policy).toBe('log-data');
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(0);
    worker.child.kill('SIGTERM');
    expect((await worker.exit).code).toBe(0);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });
});
