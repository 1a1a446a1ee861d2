import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCutoff } from '../../../src/engine/cutoff.js';
import { createLogger } from '../../../src/logging/logger.js';
import { enqueueRuns } from '../../../src/queue/enqueue-runs.js';
import { policyHash, type PolicyRunPayload, type TargetPayload } from '../../../src/queue/job-payloads.js';
import { JobSigner, SIGNATURE_FIELD } from '../../../src/queue/job-signature.js';
import { POLICY_RUN_JOB, RUNS_QUEUE, TARGET_JOB } from '../../../src/queue/queue-names.js';
import type { RunningWorker } from '../../../src/queue/start-worker.js';
import type { ResolvedConfig } from '../../../src/config/load-config.js';
import {
  auditEntries,
  countRows,
  createQueueFixture,
  insertOldRequestLogs,
  logDataPolicy,
  type QueueFixture,
} from '../../support/queue/queue-fixture.js';
import { eventually } from '../../support/queue/spawn-worker.js';

// Never due during the test: every run comes from the test itself.
const POLICY = logDataPolicy();
const RECENT = 'requested_at > NOW() - INTERVAL 5 DAY';
const NEXT_YEAR = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

describe('the queue is a trust boundary: payloads are signed, their times checked', () => {
  let fx: QueueFixture;
  let config: ResolvedConfig;
  let worker: RunningWorker;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    fx = await createQueueFixture('q_trust');
    await insertOldRequestLogs(fx.db.pool, 300, 3); // kept: 3 days old under a 7-day rule
    await insertOldRequestLogs(fx.db.pool, 300, 10); // due
    config = fx.writeConfig(POLICY).config;
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    worker = await fx.startWorker(config, { logger: createLogger({ level: 'info', destination }), report: false });
    // Jobs are edited while no worker takes them.
    await worker.queues.runs.pause();
    await worker.queues.targets.pause();
  });
  afterAll(async () => {
    await fx?.drop();
  });

  const failedFor = (job: Job) =>
    eventually(
      async () => ((await job.getState()) === 'failed' ? ((await worker.queues.runs.getJob(job.id!)) ?? job) : null),
      30_000,
      `job ${job.id} to fail`,
    );
  const failedTarget = (id: string) =>
    eventually(
      async () => ((await worker.queues.targets.getJobState(id)) === 'failed' ? worker.queues.targets.getJob(id) : null),
      30_000,
      `job ${id} to fail`,
    );

  it('refuses a job whose data was edited in Redis (HSET) to move evaluatedAt a year ahead: nothing deleted, nothing audited', async () => {
    const { runId, jobs } = await enqueueRuns(worker.queues, config, config.policies);
    const jobId = jobs[0]!.jobId;
    const key = `${fx.prefix}:${RUNS_QUEUE}:${jobId}`;
    const data = JSON.parse((await fx.redis.hget(key, 'data'))!) as Record<string, unknown>;
    expect(typeof data[SIGNATURE_FIELD]).toBe('string');
    // The attacker keeps the signature and changes one field.
    const edited = JSON.stringify({ ...data, evaluatedAt: NEXT_YEAR() });
    await fx.redis.hset(key, 'data', edited);
    await worker.queues.runs.resume();
    const failed = await failedFor((await worker.queues.runs.getJob(jobId))!);
    await worker.queues.runs.pause();

    expect(failed.failedReason).toMatch(/job refused: its signature does not match its data/);
    expect(failed.attemptsMade).toBe(1); // UnrecoverableError: not retried
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(600);
    expect((await auditEntries(fx.db.pool)).filter((e) => e.runId === runId)).toHaveLength(0);
    const refused = lines.find((l) => l.msg === 'job refused: its payload is not trusted' && l.jobId === jobId);
    expect(refused).toMatchObject({ level: 50, queue: RUNS_QUEUE, job: POLICY_RUN_JOB });
    // Logged without the payload.
    expect(JSON.stringify(refused)).not.toContain(JSON.parse(edited).evaluatedAt as string);
    expect(JSON.stringify(refused)).not.toContain(data[SIGNATURE_FIELD] as string);
  });

  it('refuses an unsigned job', async () => {
    const policy = config.policies[0]!;
    const data: PolicyRunPayload = {
      policy: policy.name,
      trigger: 'enqueue',
      policyHash: policyHash(config, policy),
      configHash: config.hash,
    };
    const job = await worker.queues.runs.add(POLICY_RUN_JOB, data, { jobId: `unsigned-${randomUUID()}` });
    await worker.queues.runs.resume();
    const failed = await failedFor(job);
    await worker.queues.runs.pause();
    expect(failed.failedReason).toMatch(/job refused: it is not signed/);
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(600);
  });

  it('refuses a properly signed job whose evaluatedAt is later than now plus the allowed skew', async () => {
    const policy = config.policies[0]!;
    const signer = new JobSigner(config.audit.key);
    const data: PolicyRunPayload = {
      policy: policy.name,
      trigger: 'enqueue',
      policyHash: policyHash(config, policy),
      configHash: config.hash,
      runId: randomUUID(),
      evaluatedAt: NEXT_YEAR(),
    };
    const job = await worker.queues.runs.add(POLICY_RUN_JOB, signer.sign(POLICY_RUN_JOB, data), { jobId: `future-${randomUUID()}` });
    await worker.queues.runs.resume();
    const failed = await failedFor(job);
    await worker.queues.runs.pause();
    expect(failed.failedReason).toMatch(/evaluatedAt .* is later than now .* plus safety\.maxClockSkewSeconds 60/);
    expect(await countRows(fx.db.pool, 'im_request_log', RECENT)).toBe(300);
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(600);
  });

  it('refuses a signed job evaluated before the resume window (a replay)', async () => {
    const policy = config.policies[0]!;
    const data: PolicyRunPayload = {
      policy: policy.name,
      trigger: 'enqueue',
      policyHash: policyHash(config, policy),
      configHash: config.hash,
      runId: randomUUID(),
      evaluatedAt: new Date(Date.now() - (config.queue.resumeWindowSeconds + 60) * 1000).toISOString(),
    };
    const job = await worker.queues.runs.add(POLICY_RUN_JOB, new JobSigner(config.audit.key).sign(POLICY_RUN_JOB, data), {
      jobId: `old-${randomUUID()}`,
    });
    await worker.queues.runs.resume();
    const failed = await failedFor(job);
    await worker.queues.runs.pause();
    expect(failed.failedReason).toMatch(/older than queue\.resumeWindowSeconds 86400/);
  });

  it('refuses a signed target job whose cutoff is not the one its evaluatedAt gives under the policy', async () => {
    const policy = config.policies[0]!;
    const evaluatedAt = new Date();
    const runId = randomUUID();
    const child: TargetPayload = {
      runId,
      policy: policy.name,
      policyHash: policyHash(config, policy),
      targetIndex: 0,
      evaluatedAt: evaluatedAt.toISOString(),
      // The right one is evaluatedAt − 7 days; this one would take everything older than now.
      cutoff: evaluatedAt.toISOString(),
      dryRun: false,
      allowLarge: false,
    };
    expect(computeCutoff(policy.retain, evaluatedAt, 'UTC').getTime()).not.toBe(evaluatedAt.getTime());
    const id = `${runId}.t0`;
    await worker.queues.targets.add(TARGET_JOB, new JobSigner(config.audit.key).sign(TARGET_JOB, child), { jobId: id });
    await worker.queues.targets.resume();
    const failed = (await failedTarget(id))!;
    await worker.queues.targets.pause();
    expect(failed.failedReason).toMatch(/its cutoff .* is not the one its evaluatedAt gives under the policy/);
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(600);
  });

  it('still runs a job signed by enqueue: the due rows go, the recent ones stay', async () => {
    const { jobs } = await enqueueRuns(worker.queues, config, config.policies);
    await worker.queues.runs.resume();
    await worker.queues.targets.resume();
    await eventually(async () => (await worker.queues.runs.getJobState(jobs[0]!.jobId)) === 'completed', 30_000, 'the run to complete');
    expect(await countRows(fx.db.pool, 'im_request_log')).toBe(300);
    expect(await countRows(fx.db.pool, 'im_request_log', RECENT)).toBe(300);
  });
});
