import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { ConfigRegistry, ConfigStanding } from './config-registry.js';
import type { LastSuccess } from './last-success.js';
import type { RetentionQueues } from './retention-queues.js';
import { syncSchedulers, type SyncResult } from './scheduler-sync.js';

export interface WatchdogOptions {
  /** Between two checks. @defaultValue 60000 */
  intervalMs?: number;
  logger: Logger;
  metrics?: WorkerMetrics | undefined;
}

export interface WatchdogCheck {
  standing: ConfigStanding;
  /** Null when this replica's configuration is not the newest live one (it leaves schedulers alone). */
  sync: SyncResult | null;
  lastSuccess: Map<string, Date>;
}

/**
 * Keeps the schedules alive: on start and then every interval, heartbeats this replica's
 * configuration, and — when it is the newest live one — checks that every enabled policy has its
 * job scheduler with a next run, re-creating any that is missing or stuck, and removes schedulers
 * of policies no longer configured. It also publishes each policy's next run and last successful
 * run as metrics, so an alert fires when a schedule stalls whatever the cause.
 */
export class ScheduleWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private readonly intervalMs: number;
  private last: WatchdogCheck | null = null;

  constructor(
    private readonly queues: RetentionQueues,
    private readonly registry: ConfigRegistry,
    private readonly lastSuccessStore: LastSuccess,
    private readonly config: ResolvedConfig,
    private readonly options: WatchdogOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  /** A replica counts as live for three intervals after its last heartbeat. */
  get liveMs(): number {
    return this.intervalMs * 3;
  }

  /** One check, now. */
  async check(): Promise<WatchdogCheck> {
    const { logger, metrics } = this.options;
    const standing = await this.registry.heartbeat(this.config.hash, this.liveMs);
    let sync: SyncResult | null = null;
    if (standing.newest) {
      sync = await syncSchedulers(this.queues.runs, this.config, standing.generation, logger);
      // After the first check, a scheduler found missing was deleted (or evicted): a repair too.
      for (const a of sync.actions) {
        if (a.action === 'recreated' || (a.action === 'created' && this.last !== null)) {
          metrics?.schedulerRepaired(a.id);
          logger.warn({ policy: a.id, reason: a.reason }, 'schedule watchdog repaired a job scheduler');
        }
      }
    } else {
      logger.debug(
        { generation: standing.generation, newestGeneration: standing.newestGeneration },
        'a newer configuration is live: leaving the job schedulers to it',
      );
    }
    const lastSuccess = await this.lastSuccessStore.all();
    if (metrics) {
      for (const [policy, at] of lastSuccess) metrics.setLastSuccess(policy, at);
      const schedulers = await this.queues.runs.getJobSchedulers(0, -1, true);
      for (const p of this.config.policies) {
        const s = schedulers.find((x) => x.key === p.name);
        metrics.setNextRun(p.name, s?.next !== undefined ? new Date(s.next) : null);
      }
    }
    this.last = { standing, sync, lastSuccess };
    return this.last;
  }

  /** Whether, at the last check, this replica's configuration was the newest live one. */
  get newest(): boolean {
    return this.last?.standing.newest ?? false;
  }

  /** Checks now, then every interval. The first check's failure is thrown (the worker cannot schedule). */
  async start(): Promise<WatchdogCheck> {
    const first = await this.check();
    this.timer = setInterval(() => {
      this.running = this.check().catch((err) => this.options.logger.error({ err }, 'schedule watchdog check failed'));
    }, this.intervalMs);
    return first;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
