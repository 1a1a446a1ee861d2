import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import {
  createQueueFixture,
  auditEntries,
  auditOf,
  configurationDataPolicy,
  countRows,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { scanKeys } from '../../support/redis.js';
import { eventually } from '../../support/queue/spawn-worker.js';
import type { RunningWorker } from '../../../src/queue/start-worker.js';
import { enqueueRuns, waitForRuns } from '../../../src/queue/enqueue-runs.js';
import { policyHash, subjectBatchPayload, type PolicyRunPayload } from '../../../src/queue/job-payloads.js';
import { JobSigner } from '../../../src/queue/job-signature.js';
import { POLICY_RUN_JOB, SUBJECT_BATCH_JOB, TARGETS_QUEUE } from '../../../src/queue/queue-names.js';
import { subjectHash } from '../../../src/audit/subject-hash.js';
import type { ResolvedConfig } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { PolicyResult } from '../../../src/types.js';

const POLICY = configurationDataPolicy({ batchSize: 10 });

// Ids above 2^53: they must stay exact decimal strings from the table to the claim.
const BASE = 9_007_199_254_741_000n;
const id = (n: number) => (BASE + BigInt(n)).toString();
const DUE = Array.from({ length: 35 }, (_, i) => id(i + 1));
const HELD = [id(36), id(37), id(38)];
const ACTIVE = [id(39), id(40)];
const RECENT = [id(41), id(42)];
const ALL = [...DUE, ...HELD, ...ACTIVE, ...RECENT];

describe('a subject policy fanned out over subject-batch jobs', () => {
  let fx: QueueFixture;
  let config: ResolvedConfig;
  let targets: Queue;
  const workers: RunningWorker[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    fx = await createQueueFixture('q_subject_fan');
    const old = new Date(Date.now() - 100 * 86_400_000);
    const recent = new Date(Date.now() - 10 * 86_400_000);
    const accounts = [
      ...DUE.map((a) => [a, 'terminated', old, 0]),
      ...HELD.map((a) => [a, 'terminated', old, 1]),
      ...ACTIVE.map((a) => [a, 'active', null, 0]),
      ...RECENT.map((a) => [a, 'terminated', recent, 0]),
    ];
    await fx.db.pool.query('INSERT INTO im_account (app_id, uin, status, terminated_at, legal_hold) VALUES ?', [
      accounts.map(([a, status, at, hold], i) => [BigInt(a as string), i + 1, status, at, hold]),
    ]);
    await fx.db.pool.query('INSERT INTO im_app_config (app_id, app_name, created_at, updated_at) VALUES ?', [
      ALL.map((a) => [BigInt(a), 'app', new Date(), new Date()]),
    ]);
    await fx.db.pool.query('INSERT INTO im_push_certificate (app_id, platform) VALUES ?', [
      ALL.flatMap((a) => [
        [BigInt(a), 'apns'],
        [BigInt(a), 'fcm'],
      ]),
    ]);
    config = fx.writeConfig(POLICY).config;
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    for (const name of ['alpha', 'beta']) {
      workers.push(await fx.startWorker(config, { logger: createLogger({ level: 'debug', destination }), name, report: false }));
    }
    targets = fx.bullQueue(TARGETS_QUEUE);
  });

  afterAll(async () => {
    await fx?.drop();
  });

  const subjectJobsOf = async (runId: string) =>
    (await targets.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'], 0, -1)).filter(
      (j) => j.name === SUBJECT_BATCH_JOB && j.id!.startsWith(runId),
    );

  it('counts in a dry run without deleting, locking, marking or auditing a subject', async () => {
    const queues = workers[0]!.queues;
    const policy = config.policies[0]!;
    const runId = '6f1d2c3b-4a59-4e8f-9a1b-2c3d4e5f6a7b';
    const data: PolicyRunPayload = {
      policy: policy.name,
      trigger: 'enqueue',
      policyHash: policyHash(config, policy),
      configHash: config.hash,
      runId,
      dryRun: true,
    };
    await queues.runs.add(POLICY_RUN_JOB, new JobSigner(config.audit.key).sign(POLICY_RUN_JOB, data), { jobId: `${runId}.dry` });
    const outcome = await waitForRuns(queues, config, [{ policy: policy.name, jobId: `${runId}.dry` }], { pollMs: 100, timeoutMs: 60_000 });
    const result = outcome.results[0] as PolicyResult;
    expect(result).toMatchObject({ status: 'succeeded', subjects: { due: 35, purged: 0, held: 3, withoutTerminationTime: 0 } });
    expect(result.targets.map((t) => t.wouldDelete)).toEqual([35, 70]);
    expect(await subjectJobsOf(runId)).toHaveLength(4);
    expect(await countRows(fx.db.pool, 'im_app_config')).toBe(ALL.length);
    expect(await countRows(fx.db.pool, 'im_account', 'config_purged_at IS NOT NULL')).toBe(0);
    expect((await auditEntries(fx.db.pool)).filter((e) => e.runId === runId && e.kind === 'subject')).toHaveLength(0);
  });

  it('purges and audits each due subject exactly once over four batch jobs, and closes the run with their counts', async () => {
    const queues = workers[0]!.queues;
    const { jobs, runId } = await enqueueRuns(queues, config, config.policies);
    const outcome = await waitForRuns(queues, config, jobs, { pollMs: 100, timeoutMs: 60_000 });
    expect(outcome.results[0]).toMatchObject({
      name: 'configuration-data',
      status: 'succeeded',
      subjects: { due: 35, purged: 35, failed: 0, skipped: 0, deferred: 0, held: 3, withoutTerminationTime: 0 },
    });
    expect((outcome.results[0] as PolicyResult).targets.map((t) => [t.target, t.status, t.deleted])).toEqual([
      ['im_app_config', 'succeeded', 35],
      ['im_push_certificate', 'succeeded', 70],
    ]);

    const batches = await subjectJobsOf(runId);
    expect(batches.map((j) => j.id).sort()).toEqual([0, 1, 2, 3].map((k) => `${runId}.s${k}`));
    expect(batches.every((j) => j.finishedOn && !j.failedReason)).toBe(true);
    const perJob = batches.map((j) => (j.returnvalue as { counts: { purged: number } }).counts.purged).sort((a, b) => a - b);
    expect(perJob).toEqual([5, 10, 10, 10]);
    // Both replicas wait on the queue; each takes a batch while the other purges one.
    expect(new Set(batches.map((j) => j.processedBy))).toEqual(new Set(['alpha', 'beta']));

    const entries = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId);
    const subjects = entries.filter((e) => e.kind === 'subject');
    expect(subjects.map((e) => e.subjectHash).sort()).toEqual(DUE.map((a) => subjectHash('queue-test-key', a)).sort());
    expect(subjects.every((e) => e.data.status === 'purged' && e.data.marked === true)).toBe(true);
    // The trail's canonical JSON writes integers as strings.
    expect(entries.filter((e) => e.kind === 'target').map((e) => [e.target, e.data.deleted])).toEqual([
      ['im_app_config', '35'],
      ['im_push_certificate', '70'],
    ]);
    const finished = entries.filter((e) => e.kind === 'run-finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]!.data).toMatchObject({
      status: 'succeeded',
      deleted: '105',
      subjects: { due: '35', purged: '35', failed: '0', skipped: '0', deferred: '0', held: '3', withoutTerminationTime: '0' },
    });

    const kept = [...HELD, ...ACTIVE, ...RECENT];
    expect(await countRows(fx.db.pool, 'im_app_config')).toBe(kept.length);
    expect(await countRows(fx.db.pool, 'im_push_certificate')).toBe(kept.length * 2);
    expect(await countRows(fx.db.pool, 'im_account', 'config_purged_at IS NOT NULL')).toBe(DUE.length);
    expect(await countRows(fx.db.pool, 'im_account', `config_purged_at IS NOT NULL AND app_id IN (${kept.join(',')})`)).toBe(0);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });

  it('counts the subjects of a batch job that failed for good as failed, and leaves them for the next run', async () => {
    const more = Array.from({ length: 25 }, (_, i) => id(101 + i));
    const old = new Date(Date.now() - 100 * 86_400_000);
    await fx.db.pool.query('INSERT INTO im_account (app_id, uin, status, terminated_at) VALUES ?', [
      more.map((a, i) => [BigInt(a), 1000 + i, 'terminated', old]),
    ]);
    await fx.db.pool.query('INSERT INTO im_app_config (app_id, app_name, created_at, updated_at) VALUES ?', [
      more.map((a) => [BigInt(a), 'app', new Date(), new Date()]),
    ]);
    ALL.push(...more);
    const queues = workers[0]!.queues;
    // Held back until one child's sealed range is altered: it no longer opens, and the job fails for good.
    await queues.targets.pause();
    const { jobs, runId } = await enqueueRuns(queues, config, config.policies);
    const children = await eventually(
      async () => {
        const found = await subjectJobsOf(runId);
        return found.length === 3 ? found : null;
      },
      30_000,
      'three subject-batch jobs',
    );
    const victim = children.find((j) => j.id === `${runId}.s1`)!;
    const payload = subjectBatchPayload.parse(victim.data);
    const tag = Buffer.from(payload.range.tag, 'base64');
    tag[0] = tag[0]! ^ 1;
    // Re-signed, as by a replica with the audit key: the range's own seal still catches the change.
    await victim.updateData(
      new JobSigner(config.audit.key).sign(SUBJECT_BATCH_JOB, { ...payload, range: { ...payload.range, tag: tag.toString('base64') } }),
    );
    await queues.targets.resume();

    const outcome = await waitForRuns(queues, config, jobs, { pollMs: 100, timeoutMs: 60_000 });
    const result = outcome.results[0] as PolicyResult;
    expect(result).toMatchObject({
      status: 'failed',
      subjects: { due: 25, purged: 25 - payload.due, failed: payload.due, skipped: 0, deferred: 0, held: 3 },
    });
    expect(result.targets.every((t) => t.status === 'failed' && /subject batch failed: .*does not open/.test(t.error ?? ''))).toBe(true);
    const audited = (await auditEntries(fx.db.pool)).filter((e) => e.runId === runId && e.kind === 'subject');
    expect(audited).toHaveLength(25 - payload.due);
    expect(await countRows(fx.db.pool, 'im_account', `app_id IN (${more.join(',')}) AND config_purged_at IS NULL`)).toBe(payload.due);
    expect(await countRows(fx.db.pool, 'im_app_config', `app_id IN (${more.join(',')})`)).toBe(payload.due);
    expect((await auditOf(fx.db.pool).verify()).ok).toBe(true);
  });

  it('never puts a subject id in clear in the queue: payloads, names, ids, return values, keys, logs', async () => {
    const found: string[] = [];
    for (const key of await scanKeys(fx.redis, `${fx.prefix}:*`)) found.push(key, ...(await valuesOf(fx, key)));
    expect(found.some((v) => v.includes('subject-batch'))).toBe(true);
    const text = found.join('\n');
    for (const a of ALL) expect(text).not.toContain(a);
    const logs = logLines.join('');
    expect(logs).toContain('subject batch done');
    for (const a of ALL) expect(logs).not.toContain(a);
  });
});

/** Every value stored under a key, whatever its type, as text. */
async function valuesOf(fx: QueueFixture, key: string): Promise<string[]> {
  switch (await fx.redis.type(key)) {
    case 'string':
      return [(await fx.redis.get(key)) ?? ''];
    case 'hash':
      return Object.entries(await fx.redis.hgetall(key)).flat();
    case 'list':
      return fx.redis.lrange(key, 0, -1);
    case 'set':
      return fx.redis.smembers(key);
    case 'zset':
      return fx.redis.zrange(key, '0', '-1');
    case 'stream':
      return (await fx.redis.xrange(key, '-', '+')).flatMap(([entryId, fields]) => [entryId, ...fields]);
    default:
      return [];
  }
}
