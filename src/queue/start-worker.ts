import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/load-config.js';
import { openEngine, type OpenEngine } from '../engine/open-engine.js';
import { StopSignal } from '../engine/stop-signal.js';
import { progressLog } from '../engine/progress-log.js';
import { startHttpServer, type HttpServer } from '../http/http-server.js';
import { checkReadiness, type ReadinessCheck } from '../http/readiness.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { ConfigRegistry } from './config-registry.js';
import { JobSigner } from './job-signature.js';
import { LastSuccess } from './last-success.js';
import { closeQueueConnection, connectQueue, createQueueConnection } from './queue-connection.js';
import type { QueueJobContext, QueueJobProcessor } from './queue-job-context.js';
import { openRetentionQueues, type RetentionQueues } from './retention-queues.js';
import { RunLease } from './run-lease.js';
import { ScheduleWatchdog } from './schedule-watchdog.js';
import { DEFAULT_TIMING, type WorkerTiming } from './worker-timing.js';
import { TeardownStack } from '../lib/teardown-stack.js';
import { createWorkerMetrics } from './create-worker-metrics.js';
import { startJobWorkers } from './job-workers.js';
import { startReportTimer } from './report-timer.js';
import { logStartWarnings } from './start-warnings.js';
import { WorkerShutdown } from './worker-shutdown.js';

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
  const shutdown = new WorkerShutdown(teardown, stop, logger);

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
    await logStartWarnings(config, connection, logger);

    const metrics = createWorkerMetrics(config, engine);
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

    const processor = (job: Job, token?: string) => options.processJob(job, token, jobContext);
    const workers = startJobWorkers(config, connection, timing, name, processor, logger);
    teardown.push('workers', () => workers.close());

    if (options.report ?? true) {
      const reportTimer = startReportTimer(engine.ctx, metrics, config.report.intervalSeconds, logger);
      teardown.push('report', () => reportTimer.stop());
    }

    const readinessChecks: ReadinessCheck[] = [
      { name: 'queue', check: async () => void (await connection.ping()) },
      ...[...engine.ctx.stores.values()].map((s) => ({ name: s.name, check: () => s.ping() })),
    ];
    const http: HttpServer = await startHttpServer({
      port: options.httpPort ?? config.http.port,
      logger,
      readiness: async () => {
        const result = await checkReadiness(readinessChecks, 2000);
        return shutdown.begun ? { ...result, ready: false } : result;
      },
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.text() }),
    });
    teardown.push('http', () => http.close());

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
      closed: shutdown.closed,
      shutdown: (reason: string) => shutdown.run(reason),
    };
  } catch (err) {
    await teardown.release();
    throw err;
  }
}
