import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import {
  createQueueFixture,
  auditEntries,
  configurationDataPolicy,
  countRows,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { queueWarnings } from '../../../src/queue/queue-warnings.js';
import { resolveConfigText } from '../../../src/config/load-config.js';
import { REDIS_TEST_URL } from '../../support/redis.js';

const SUBJECTS = configurationDataPolicy();

describe('a subject policy run through the queue', () => {
  let fx: QueueFixture;

  beforeAll(async () => {
    fx = await createQueueFixture('q_subject');
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('runs through the queue as a subject-batch child and purges the due subject', async () => {
    const terminated = new Date(Date.now() - 100 * 86_400_000);
    await fx.db.pool.query(
      "INSERT INTO im_account (app_id, uin, status, terminated_at) VALUES (1400000101, 7, 'terminated', ?), (1400000102, 8, 'active', NULL)",
      [terminated],
    );
    await fx.db.pool.query(
      "INSERT INTO im_app_config (app_id, app_name, created_at, updated_at) VALUES (1400000101, 'gone', NOW(), NOW()), (1400000102, 'kept', NOW(), NOW())",
    );
    await fx.db.pool.query(
      "INSERT INTO im_push_certificate (app_id, platform) VALUES (1400000101, 'apns'), (1400000101, 'fcm'), (1400000102, 'apns')",
    );
    const { config } = fx.writeConfig(SUBJECTS);
    const worker = await fx.startWorker(config, { report: false });
    const { jobs, runId } = await enqueueRuns(worker.queues, config, config.policies);
    const outcome = await waitForRuns(worker.queues, config, jobs, { pollMs: 100, timeoutMs: 30_000 });
    expect(outcome.results[0]).toMatchObject({ name: 'configuration-data', status: 'succeeded', subjects: { due: 1, purged: 1 } });
    expect(await countRows(fx.db.pool, 'im_app_config')).toBe(1);
    expect(await countRows(fx.db.pool, 'im_push_certificate')).toBe(1);
    const entries = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId);
    expect(entries.filter((e) => e.kind === 'subject')).toHaveLength(1);
    // The job payload names the policy, never a subject.
    const job = await worker.queues.runs.getJob(jobs[0]!.jobId);
    expect(JSON.stringify(job!.data)).not.toContain('1400000101');
    expect(JSON.stringify(job!.returnvalue)).not.toContain('1400000101');
  });
});

describe('startup warnings about the queue Redis', () => {
  const config = (dataUrl: string) =>
    resolveConfigText(
      `
stores: { mysql: { url: "mysql://root@127.0.0.1:3306/im" }, redis: { url: "${dataUrl}" } }
queue: { redisUrl: "${REDIS_TEST_URL}", prefix: q }
policies:
  - { name: p, category: log, retain: { days: 1 }, schedule: { cron: "0 * * * *" }, targets: [{ store: mysql, table: t, time: at }] }
`,
      'warnings',
      {},
    );
  let queue: Redis;
  beforeAll(async () => {
    queue = new Redis(REDIS_TEST_URL, { lazyConnect: true });
    await queue.connect();
  });
  afterAll(async () => {
    await queue.quit();
  });

  it('warns when the queue shares its database with the Redis data store, and not when it has its own', async () => {
    const url = new URL(REDIS_TEST_URL);
    const db = Number(url.pathname.slice(1) || 0);
    const shared = await queueWarnings(queue, config(REDIS_TEST_URL));
    expect(shared.some((w) => w.includes(`shares Redis database ${db}`))).toBe(true);
    url.pathname = `/${db + 1}`;
    const apart = await queueWarnings(queue, config(url.toString()));
    expect(apart.some((w) => w.includes('shares Redis database'))).toBe(false);
  });

  it("reports the server's eviction policy when it is not noeviction", async () => {
    const policy = /maxmemory_policy:(\S+)/.exec(await queue.info('memory'))?.[1];
    const warnings = await queueWarnings(queue, config(''));
    expect(warnings.some((w) => w.includes('maxmemory-policy'))).toBe(policy !== 'noeviction');
  });
});
