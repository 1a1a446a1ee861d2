import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import { processJob } from '../../../jobs/index.js';
import { resolveConfigText, type ResolvedConfig } from '../../../src/config/load-config.js';
import { AuditTrail, type AuditRecord } from '../../../src/audit/index.js';
import { TeardownStack } from '../../../src/lib/teardown-stack.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { enqueueRuns, type EnqueuedRun } from '../../../src/queue/enqueue-runs.js';
import { closeQueueConnection, createQueueConnection } from '../../../src/queue/queue-connection.js';
import { openRetentionQueues, type RetentionQueues } from '../../../src/queue/retention-queues.js';
import { startWorker, type RunningWorker, type StartWorkerOptions } from '../../../src/queue/start-worker.js';
import type { WorkerTiming } from '../../../src/queue/worker-timing.js';
import { createReferenceTables } from '../../../src/seed/mysql-reference-schema.js';
import { REDIS_TEST_URL, unlinkKeys } from '../redis.js';
import { createTestDatabase, type TestDatabase } from '../mysql.js';
import { eventually, spawnWorker, TEST_TIMING, type WorkerProcess } from './spawn-worker.js';

export interface QueueFixture {
  db: TestDatabase;
  /** A unique BullMQ prefix for this test file. */
  prefix: string;
  redis: Redis;
  dir: string;
  /** Writes a configuration file for these policies (YAML list items) and returns its path and resolution. */
  writeConfig(
    policies: string,
    options?: {
      name?: string;
      mysqlUrl?: string;
      concurrency?: number;
      attempts?: number;
      backoffMs?: number;
      reportSeconds?: number;
      progressLogSeconds?: number;
      /** More entries of `stores:` (YAML lines indented two spaces), such as an `s3:` or `kafka:` store. */
      extraStores?: string;
      /** Replaces the `audit:` mapping (its table and key must stay as auditOf expects). */
      audit?: string;
    },
  ): { file: string; config: ResolvedConfig };
  /**
   * A worker in this process, as `retention worker` starts it, with the test timing, no HTTP port
   * of its own and a silent logger unless `options` say otherwise; shut down by `drop`.
   */
  startWorker(config: ResolvedConfig, options?: Partial<StartWorkerOptions>): Promise<RunningWorker>;
  /** A worker process on a configuration file (`spawnWorker`); killed by `drop` if it is still running. */
  spawnWorker(configFile: string, name: string, timing?: Partial<WorkerTiming>, env?: Record<string, string>): WorkerProcess;
  /** The retention queues on a connection of their own, as `enqueue` opens them; closed by `drop`. */
  openQueues(config: ResolvedConfig): RetentionQueues;
  /**
   * A worker process on a written configuration, one run of its policies enqueued, and the wait
   * until fewer than `rowsBelow` rows of `im_request_log` are left: a purge under way, for the test
   * to interrupt.
   */
  purgeUnderWay(
    written: { file: string; config: ResolvedConfig },
    workerName: string,
    rowsBelow: number,
  ): Promise<{ worker: WorkerProcess; queues: RetentionQueues; runId: string; jobs: EnqueuedRun[] }>;
  /** A BullMQ handle on one of the fixture's queues (`RUNS_QUEUE`, `TARGETS_QUEUE`), to read its jobs; closed by `drop`. */
  bullQueue(name: string): Queue;
  /** Registers one more release step for `drop` (a proxy, a server the test started). */
  onDrop(what: string, release: () => unknown): void;
  /**
   * Releases what the tests started through the fixture, newest first; then removes the queue's
   * keys, the database and the files. Every step runs; the first failure is thrown after.
   */
  drop(): Promise<void>;
}

/** A test database with the reference tables, a unique queue prefix, and a scratch directory. */
export async function createQueueFixture(label: string): Promise<QueueFixture> {
  const db = await createTestDatabase(label);
  await createReferenceTables(db.pool);
  const prefix = `rtq${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const failures: unknown[] = [];
  const teardown = new TeardownStack((_what, err) => failures.push(err));
  teardown.push('files', () => rmSync(dir, { recursive: true, force: true }));
  teardown.push('database', () => db.drop());
  teardown.push('queue keys', async () => {
    await unlinkKeys(redis, `${prefix}:*`);
    await redis.quit();
  });
  const fixture: QueueFixture = {
    db,
    prefix,
    redis,
    dir,
    writeConfig(policies, options = {}) {
      const yaml = `
timezone: UTC
stores:
  mysql: { url: "${options.mysqlUrl ?? db.url}" }
  mongo: { url: "" }
  redis: { url: "" }
${options.extraStores ?? ''}
queue: { redisUrl: "${REDIS_TEST_URL}", prefix: ${prefix}, concurrency: ${options.concurrency ?? 1}, attempts: ${options.attempts ?? 2}, backoffMs: ${options.backoffMs ?? 200}, keepJobsSeconds: 3600${options.progressLogSeconds === undefined ? '' : `, progressLogSeconds: ${options.progressLogSeconds}`} }
http: { port: 0 }
safety: { maxClockSkewSeconds: 60 }
audit: ${options.audit ?? '{ table: retention_audit, key: "queue-test-key" }'}
report: { intervalSeconds: ${options.reportSeconds ?? 3600} }
policies:
${policies}
`;
      const file = join(dir, `${options.name ?? 'retention'}.yaml`);
      writeFileSync(file, yaml);
      return { file, config: resolveConfigText(yaml, file, {}) };
    },
    async startWorker(config, options = {}) {
      const worker = await startWorker(config, { processJob, logger: silentLogger(), timing: TEST_TIMING, httpPort: 0, ...options });
      teardown.push('worker', () => worker.shutdown('test over'));
      return worker;
    },
    spawnWorker(configFile, name, timing, env) {
      const worker = spawnWorker(configFile, name, timing, env);
      teardown.push('worker process', () => {
        if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      });
      return worker;
    },
    openQueues(config) {
      const connection = createQueueConnection(config.queue.redisUrl, { logger: silentLogger() });
      teardown.push('queue connection', () => closeQueueConnection(connection));
      const queues = openRetentionQueues(config.queue, connection, silentLogger());
      teardown.push('queues', () => queues.close());
      return queues;
    },
    async purgeUnderWay({ file, config }, workerName, rowsBelow) {
      const queues = fixture.openQueues(config);
      const worker = fixture.spawnWorker(file, workerName);
      await worker.httpPort();
      const { runId, jobs } = await enqueueRuns(queues, config, config.policies);
      await eventually(async () => (await countRows(db.pool, 'im_request_log')) < rowsBelow, 60_000, 'the purge to be under way');
      return { worker, queues, runId, jobs };
    },
    bullQueue(name) {
      const queue = new Queue(name, { connection: redis, prefix });
      teardown.push('bullmq queue', () => queue.close());
      return queue;
    },
    onDrop(what, release) {
      teardown.push(what, release);
    },
    async drop() {
      await teardown.release();
      if (failures.length > 0) throw failures[0];
    },
  };
  return fixture;
}

/**
 * The `log-data` policy most queue tests run, as a YAML list item: `im_request_log` kept 7 days by
 * `requested_at`, with `im_exception_log` by `occurred_at` as a second target when asked. Its
 * default schedule (once a year) never comes due during a test: its runs come from the test.
 */
export function logDataPolicy(options: { cron?: string; batchSize?: number; pauseMs?: number; exceptionLog?: boolean } = {}): string {
  const tuning =
    (options.batchSize === undefined ? '' : `, batchSize: ${options.batchSize}`) +
    (options.pauseMs === undefined ? '' : `, pauseMs: ${options.pauseMs}`);
  const exceptionLog = options.exceptionLog ? '      - { store: mysql, table: im_exception_log, time: occurred_at }\n' : '';
  return `
  - name: log-data
    category: log
    retain: { days: 7 }
    schedule: { cron: "${options.cron ?? '0 0 1 1 *'}" }
    targets:
      - { store: mysql, table: im_request_log, time: requested_at${tuning} }
${exceptionLog}`;
}

/**
 * The `configuration-data` subject policy of the queue tests, as a YAML list item: an account's
 * app config and push certificates purged 2 months after its termination; `batchSize` subjects
 * per `subject-batch` job when given. Its schedule (once a year) never comes due during a test.
 */
export function configurationDataPolicy(options: { batchSize?: number } = {}): string {
  const batchSize = options.batchSize === undefined ? '' : `, batchSize: ${options.batchSize}`;
  return `
  - name: configuration-data
    category: configuration
    retain: { months: 2, after: termination }
    schedule: { cron: "17 3 1 1 *" }
    subjects:
      { store: mysql, table: im_account, id: app_id, status: status, terminatedValue: terminated,
        terminatedAt: terminated_at, legalHold: legal_hold, markPurged: config_purged_at${batchSize} }
    targets:
      - { store: mysql, table: im_app_config, subject: app_id }
      - { store: mysql, table: im_push_certificate, subject: app_id }
`;
}

/** Inserts `count` request-log rows, `ageDays` old (spread over one minute), in chunks. */
export async function insertOldRequestLogs(pool: Pool, count: number, ageDays: number, now: Date = new Date()): Promise<void> {
  const base = now.getTime() - ageDays * 86_400_000;
  for (let i = 0; i < count; i += 5000) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + 5000); j += 1)
      rows.push([1400000001, Buffer.from([192, 0, 2, 1]), 'sendmsg', new Date(base - (j % 60_000))]);
    await pool.query('INSERT INTO im_request_log (app_id, client_ip, interface_name, requested_at) VALUES ?', [rows]);
  }
}

export async function countRows(pool: Pool, table: string, where = '1=1'): Promise<number> {
  const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM \`${table}\` WHERE ${where}`);
  return Number((rows as { n: string }[])[0]!.n);
}

/** The audit trail of the fixture's database (key and table as `writeConfig` sets them). */
export function auditOf(pool: Pool): AuditTrail {
  return new AuditTrail(pool, { table: 'retention_audit', key: 'queue-test-key', configHash: 'test' });
}

/** Every audit entry, oldest first. */
export async function auditEntries(pool: Pool): Promise<AuditRecord[]> {
  return (await auditOf(pool).list({ limit: 100_000 })).reverse();
}
