import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createQueueFixture,
  auditEntries,
  countRows,
  insertOldRequestLogs,
  logDataPolicy,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';

const ROWS = 20_000;
const BATCH = 100;
const EVERY_RECORDS = 500;
const POLICY = logDataPolicy({ batchSize: BATCH, pauseMs: 50 });

describe('a worker killed mid-target leaves progress entries', () => {
  let fx: QueueFixture;

  beforeAll(async () => {
    fx = await createQueueFixture('q_progress');
    await insertOldRequestLogs(fx.db.pool, ROWS, 10);
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('the trail accounts for the rows the target job deleted, within progressEveryRecords − 1 plus one batch', async () => {
    const written = fx.writeConfig(POLICY, {
      audit: `{ table: retention_audit, key: "queue-test-key", progressEveryRecords: ${EVERY_RECORDS}, progressEverySeconds: 3600 }`,
    });
    const { worker, runId } = await fx.purgeUnderWay(written, 'doomed', ROWS - 1500);
    worker.child.kill('SIGKILL');
    expect((await worker.exit).signal).toBe('SIGKILL');

    const gone = ROWS - (await countRows(fx.db.pool, 'im_request_log'));
    const progress = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId && e.kind === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => e.target === 'im_request_log' && typeof e.data.attempt === 'string')).toBe(true);
    const recorded = Math.max(...progress.map((e) => Number(e.data.deleted)));
    expect(recorded).toBeGreaterThanOrEqual(1000);
    expect(gone).toBeGreaterThanOrEqual(recorded);
    expect(gone - recorded).toBeLessThanOrEqual(EVERY_RECORDS - 1 + BATCH);
  }, 120_000);
});
