import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { openEngine, type OpenEngine } from '../engine/open-engine.js';
import { StopSignal } from '../engine/stop-signal.js';
import { progressLog } from '../engine/progress-log.js';
import { startHttpServer, type HttpServer } from '../http/http-server.js';
import { checkReadiness, type ReadinessCheck } from '../http/readiness.js';
import { redactUrls } from '../logging/redact.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { buildReport } from '../report/build-report.js';
import { longestCronGap } from '../report/cron-period.js';
import { targetName } from '../engine/policy-run.js';
import { ConfigRegistry } from './config-registry.js';
import { JobSigner } from './job-signature.js';
import { LastSuccess } from './last-success.js';
import { closeQueueConnection, connectQueue, createQueueConnection } from './queue-connection.js';
import type { QueueJobContext, QueueJobProcessor } from './queue-job-context.js';
import { RUNS_QUEUE, TARGETS_QUEUE } from './queue-names.js';
import { queueWarnings } from './queue-warnings.js';
import { openRetentionQueues, type RetentionQueues } from './retention-queues.js';
import { RunLease } from './run-lease.js';
import { ScheduleWatchdog } from './schedule-watchdog.js';
import { DEFAULT_TIMING, type WorkerTiming } from './worker-timing.js';
import { TeardownStack } from '../lib/teardown-stack.js';

export interface StartWorkerOptions {
  logger: Logger;
  clock?: Clock;
  /** Shared with every purge: `shutdown` requests it, and purges stop after the batch in hand. */
  stop?: StopSignal;
  timing?: Partial<WorkerTiming>;
  /** @defaultValue `http.port` of the configuration (0 picks a free port) */
  httpPort?: number;
  /** Recorded by BullMQ on every job this replica processes. @defaultValue `<hostname>:<pid>` */
  name?: string;
  /** Processes every job (`processJob` of `jobs/index.ts`). */
  processJob: QueueJobProcessor;
  /** Run the report every `report.intervalSeconds` to refresh the overdue/oldest metrics. @defaultValue true */
  report?: boolean;
  /** Only tests with a pinned clock turn it off. @defaultValue true */
  checkClockSkew?: boolean;
}

export interface RunningWorker {
  readonly name: string;
  readonly httpPort: number;
  readonly metrics: WorkerMetrics;
  readonly watchdog: ScheduleWatchdog;
  readonly queues: RetentionQueues;
  readonly engine: OpenEngine;
  /** Resolves once the worker has shut down. */
  readonly closed: Promise<void>;
  /**
   * Stops taking jobs; purges in hand stop after their batch, and their runs are closed and
   * audited (`partial`); then closes HTTP, the queue and the stores, in reverse order of opening.
   */
  shutdown(reason: string): Promise<void>;
}

/**
 * `retention worker`: opens the engine and the queue, registers the job schedulers (through the
 * watchdog), processes run and target jobs, serves `/healthz`, `/readyz` and `/metrics`, and
 * refreshes the report metrics on an interval. Teardown steps are registered as they are opened
 * and run in reverse order.
 */
export async function startWorker(config: ResolvedConfig, options: StartWorkerOptions): Promise<RunningWorker> {
  const timing: WorkerTiming = { ...DEFAULT_TIMING, ...options.timing };
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const logger = options.logger.child({ worker: name });
  const stop = options.stop ?? new StopSignal();
  const teardown = new TeardownStack((step, err) => logger.warn({ err, step }, 'teardown step failed'));

  try {
    const engine = await openEngine(config, {
      logger,
      clock: options.clock,
      stop,
      checkClockSkew: options.checkClockSkew,
      // A long target job shows up in the worker's log as it moves, not only when it ends.
      progress: config.queue.progressLogSeconds > 0 ? progressLog(logger, config.queue.progressLogSeconds) : undefined,
    });
    teardown.push('stores', () => engine.close());
    await engine.audit.migrate();
    // A wrong or missing key stops the worker (exit 2) before it takes a job or signs a payload.
    await engine.audit.checkKey();

    const connection = createQueueConnection(config.queue.redisUrl, { logger, connectionName: `retention-worker:${name}` });
    teardown.push('queue connection', () => closeQueueConnection(connection));
    await connectQueue(connection);
    const queues = openRetentionQueues(config.queue, connection, logger);
    teardown.push('queues', () => queues.close());
    try {
      for (const warning of await queueWarnings(connection, config)) logger.warn(warning);
    } catch (err) {
      logger.warn({ err }, "could not check the queue Redis's eviction policy and database (INFO refused?)");
    }
    if (config.audit.key === '')
      logger.warn(
        'audit.key is empty: job payloads are signed under a key anyone can derive; the queue is not protected against forged jobs',
      );
    for (const p of config.policies.filter((p) => !p.enabled))
      logger.warn({ policy: p.name }, 'policy is disabled (enabled: false): not scheduled');
    for (const s of ['mongo', 'redis'] as const)
      if (!config.enabledStores.has(s)) logger.warn({ store: s }, 'store disabled (empty URL): its targets are skipped');
    if (!config.enabledStores.has('kafka') && config.policies.some((p) => p.targets.some((t) => t.store === 'kafka')))
      logger.warn({ store: 'kafka' }, 'store disabled (no brokers): its targets are skipped');

    const metrics = new WorkerMetrics();
    if (engine.checkpoints) {
      metrics.declareCheckpointSinks(engine.checkpoints.sinkNames);
      engine.checkpoints.onSinkFailure((sink) => metrics.checkpointSinkFailed(sink));
    }
    metrics.trackPolicies(
      config.policies
        .filter((p) => p.enabled)
        .map((p) => ({
          name: p.name,
          periodSeconds: Math.round(longestCronGap(p.schedule.cron, config.timezone, engine.ctx.clock.now()) / 1000),
          targets: p.targets.map((t) => ({ store: t.store, target: targetName(t) })),
        })),
    );
    const lastSuccess = new LastSuccess(connection, config.queue.prefix);
    const watchdog = new ScheduleWatchdog(queues, new ConfigRegistry(connection, config.queue.prefix), lastSuccess, config, {
      intervalMs: timing.watchdogMs,
      logger,
      metrics,
    });
    await watchdog.start();
    teardown.push('watchdog', () => watchdog.stop());
    const jobContext: QueueJobContext = {
      ctx: engine.ctx,
      queues,
      lease: new RunLease(connection, config.queue.prefix),
      lastSuccess,
      timing,
      signer: new JobSigner(config.audit.key),
      metrics,
      isNewestConfig: () => watchdog.newest,
    };

    const workerOptions = {
      connection,
      prefix: config.queue.prefix,
      name,
      lockDuration: timing.lockDurationMs,
      stalledInterval: timing.stalledIntervalMs,
      maxStalledCount: timing.maxStalledCount,
    };
    const processor = (job: Job, token?: string) => options.processJob(job, token, jobContext);
    // A coordinator waits for its children; one slot per policy, plus one, so a tick arriving
    // during every policy's run is still taken (and skipped) rather than queued.
    const runsWorker = new Worker(RUNS_QUEUE, processor, { ...workerOptions, concurrency: config.policies.length + 1 });
    const targetsWorker = new Worker(TARGETS_QUEUE, processor, { ...workerOptions, concurrency: config.queue.concurrency });
    for (const w of [runsWorker, targetsWorker]) {
      w.on('error', (err) => logger.warn({ queue: w.name, err: { message: redactUrls(err.message) } }, 'worker error'));
      w.on('failed', (job, err) =>
        logger.warn(
          { queue: w.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: { message: redactUrls(err.message) } },
          'job failed',
        ),
      );
      w.on('stalled', (jobId) => logger.warn({ queue: w.name, jobId }, 'job stalled: its worker stopped renewing it; taken over'));
    }
    // Closing a worker lets its active jobs finish (they stop after the batch in hand).
    teardown.push('workers', () => Promise.all([runsWorker.close(), targetsWorker.close()]));

    let reportTimer: NodeJS.Timeout | null = null;
    let reporting: Promise<unknown> = Promise.resolve();
    if (options.report ?? true) {
      const refresh = () => {
        reporting = buildReport(engine.ctx)
          .then((report) => metrics.setReport(report))
          .catch((err) => {
            logger.warn({ err }, 'the report failed; its metrics are stale');
            metrics.reportFailed(new Date());
          });
      };
      refresh();
      reportTimer = setInterval(refresh, config.report.intervalSeconds * 1000);
      teardown.push('report', async () => {
        if (reportTimer) clearInterval(reportTimer);
        await reporting;
      });
    }

    let shuttingDown = false;
    const readinessChecks: ReadinessCheck[] = [
      { name: 'queue', check: async () => void (await connection.ping()) },
      ...[...engine.ctx.stores.values()].map((s) => ({ name: s.name, check: () => s.ping() })),
    ];
    const http: HttpServer = await startHttpServer({
      port: options.httpPort ?? config.http.port,
      logger,
      readiness: async () => {
        const result = await checkReadiness(readinessChecks, 2000);
        return shuttingDown ? { ...result, ready: false } : result;
      },
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.text() }),
    });
    teardown.push('http', () => http.close());

    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    let shutdownPromise: Promise<void> | null = null;
    logger.info(
      { configHash: config.hash, policies: config.policies.filter((p) => p.enabled).map((p) => p.name), httpPort: http.port },
      'worker started',
    );
    return {
      name,
      httpPort: http.port,
      metrics,
      watchdog,
      queues,
      engine,
      closed,
      shutdown(reason: string) {
        shutdownPromise ??= (async () => {
          shuttingDown = true;
          logger.info({ reason }, 'worker stopping: no new jobs; purges stop after the batch in hand');
          stop.request(reason);
          await teardown.release();
          logger.info('worker stopped');
          resolveClosed();
        })();
        return shutdownPromise;
      },
    };
  } catch (err) {
    await teardown.release();
    throw err;
  }
}
