import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PolicyResult, TargetResult } from '../types.js';
import type { ComplianceReport } from '../report/compliance-report.js';
import { WORKER_VERSION } from '../version.js';

/** What the worker knows about a policy at start, so that its series exist before any event. */
export interface TrackedPolicy {
  name: string;
  /** The longest gap between two ticks of its schedule (report/cron-period.ts). */
  periodSeconds: number;
  targets: ReadonlyArray<{ store: string; target: string }>;
}

const TARGET_STATUSES = ['succeeded', 'partial', 'failed', 'skipped', 'refused'] as const;
const RUN_STATUSES = ['succeeded', 'partial', 'failed', 'refused'] as const;

const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600];

/**
 * The worker's Prometheus metrics, on a registry of their own. Counters count what this replica
 * did (sum them over replicas); gauges from the report and the last successful run are the same
 * on every replica (take the max).
 */
export class WorkerMetrics {
  readonly registry = new Registry();

  private readonly deleted = new Counter({
    name: 'retention_target_deleted_records_total',
    help: 'Records deleted, per policy and target (rows, documents, keys, or sorted-set members / stream entries).',
    labelNames: ['policy', 'store', 'target'] as const,
    registers: [this.registry],
  });
  private readonly targetRuns = new Counter({
    name: 'retention_target_runs_total',
    help: 'Target attempts by outcome (succeeded, partial, failed, skipped, refused).',
    labelNames: ['policy', 'store', 'target', 'status'] as const,
    registers: [this.registry],
  });
  private readonly targetDuration = new Histogram({
    name: 'retention_target_duration_seconds',
    help: 'Time spent purging one target in one attempt.',
    labelNames: ['policy', 'store', 'target'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly policyRuns = new Counter({
    name: 'retention_policy_runs_total',
    help: 'Policy runs closed by this replica, by status (succeeded, partial, failed, refused).',
    labelNames: ['policy', 'status'] as const,
    registers: [this.registry],
  });
  private readonly policyFailures = new Counter({
    name: 'retention_policy_failures_total',
    help: 'Policy runs that failed or were refused.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'retention_policy_run_duration_seconds',
    help: 'Duration of a policy run, from its evaluation to its close.',
    labelNames: ['policy'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'retention_policy_last_success_timestamp_seconds',
    help: 'When the last run of the policy that succeeded (or made progress: partial) closed, shared by every replica.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly ticksSkipped = new Counter({
    name: 'retention_ticks_skipped_total',
    help: 'Scheduled ticks skipped because a run of the policy was still going.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly jobsRefused = new Counter({
    name: 'retention_jobs_refused_total',
    help: 'Jobs refused because their payload was unsigned, altered, or carried times outside the accepted window.',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  private readonly nextRun = new Gauge({
    name: 'retention_scheduler_next_run_timestamp_seconds',
    help: "When the policy's job scheduler runs next.",
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly schedulerRepairs = new Counter({
    name: 'retention_scheduler_repairs_total',
    help: 'Job schedulers the watchdog found missing or without a next run and re-created.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly overdue = new Gauge({
    name: 'retention_target_overdue_records',
    help: 'Records older than the cutoff by more than one schedule period (from the last report).',
    labelNames: ['policy', 'store', 'target'] as const,
    registers: [this.registry],
  });
  private readonly oldestAge = new Gauge({
    name: 'retention_target_oldest_record_age_seconds',
    help: 'Age of the oldest remaining record with a usable time (from the last report).',
    labelNames: ['policy', 'store', 'target'] as const,
    registers: [this.registry],
  });
  private readonly unusable = new Gauge({
    name: 'retention_target_unusable_time_records',
    help: 'Records whose time is missing or not a time: never deleted by an age policy (from the last report).',
    labelNames: ['policy', 'store', 'target'] as const,
    registers: [this.registry],
  });
  private readonly subjectsOverdue = new Gauge({
    name: 'retention_subjects_overdue',
    help: 'Subjects whose deadline passed more than one schedule period ago (from the last report).',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  private readonly reportUp = new Gauge({
    name: 'retention_report_up',
    help: '1 when the last report could check every target, else 0.',
    registers: [this.registry],
  });
  private readonly reportTime = new Gauge({
    name: 'retention_report_last_run_timestamp_seconds',
    help: 'When the report last ran.',
    registers: [this.registry],
  });
  private readonly reportWarnings = new Gauge({
    name: 'retention_report_warnings',
    help: 'Warnings of the last report (copies the worker cannot delete, disabled stores or policies), by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  private readonly checkpointSinkFailures = new Counter({
    name: 'retention_checkpoint_sink_failures_total',
    help: 'Signed audit checkpoints a sink failed to take (retried at the next checkpoint), by sink.',
    labelNames: ['sink'] as const,
    registers: [this.registry],
  });
  private readonly buildInfo = new Gauge({
    name: 'retention_build_info',
    help: 'Always 1; the labels say which worker and Node.js version this replica runs.',
    labelNames: ['version', 'node_version'] as const,
    registers: [this.registry],
  });
  private readonly schedulePeriod = new Gauge({
    name: 'retention_policy_schedule_period_seconds',
    help: "The longest gap between two ticks of the policy's schedule: alerts allow two of them.",
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Node's default metrics under their usual names (process_cpu_seconds_total,
    // nodejs_heap_size_used_bytes…), so that the common Node.js dashboards work unchanged.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: WORKER_VERSION, node_version: process.version }, 1);
  }

  /**
   * Creates every series of these policies and targets at their zero value: last success 0 (never),
   * counters 0. A series that appears only with its first event hides that first event from
   * `increase()` and leaves "no success yet" with nothing to alert on.
   */
  trackPolicies(policies: readonly TrackedPolicy[]): void {
    for (const p of policies) {
      const policy = { policy: p.name };
      this.schedulePeriod.set(policy, p.periodSeconds);
      if (this.lastSuccessSet.has(p.name)) continue;
      this.lastSuccess.set(policy, 0);
      this.policyFailures.inc(policy, 0);
      for (const status of RUN_STATUSES) this.policyRuns.inc({ ...policy, status }, 0);
      this.runDuration.zero(policy);
      this.ticksSkipped.inc(policy, 0);
      this.schedulerRepairs.inc(policy, 0);
      for (const t of p.targets) {
        const labels = { ...policy, store: t.store, target: t.target };
        this.deleted.inc(labels, 0);
        for (const status of TARGET_STATUSES) this.targetRuns.inc({ ...labels, status }, 0);
        this.targetDuration.zero(labels);
      }
    }
  }

  /** Policies whose last success was set (so that a later `trackPolicies` does not reset it to 0). */
  private readonly lastSuccessSet = new Set<string>();

  recordTarget(policy: string, result: TargetResult): void {
    const labels = { policy, store: result.store, target: result.target };
    this.deleted.inc(labels, result.deleted);
    this.targetRuns.inc({ ...labels, status: result.status });
    this.targetDuration.observe(labels, result.durationMs / 1000);
  }

  recordPolicyRun(result: PolicyResult, durationMs: number): void {
    this.policyRuns.inc({ policy: result.name, status: result.status });
    if (result.status === 'failed' || result.status === 'refused') this.policyFailures.inc({ policy: result.name });
    this.runDuration.observe({ policy: result.name }, durationMs / 1000);
  }

  tickSkipped(policy: string): void {
    this.ticksSkipped.inc({ policy });
  }

  jobRefused(job: string): void {
    this.jobsRefused.inc({ job });
  }

  setLastSuccess(policy: string, at: Date): void {
    this.lastSuccessSet.add(policy);
    this.lastSuccess.set({ policy }, at.getTime() / 1000);
  }

  setNextRun(policy: string, at: Date | null): void {
    if (at) this.nextRun.set({ policy }, at.getTime() / 1000);
    else this.nextRun.remove({ policy });
  }

  schedulerRepaired(policy: string): void {
    this.schedulerRepairs.inc({ policy });
  }

  /** Replaces the report gauges with a new report's figures. */
  setReport(report: ComplianceReport): void {
    for (const g of [this.overdue, this.oldestAge, this.unusable, this.subjectsOverdue, this.reportWarnings]) g.reset();
    for (const t of report.targets) {
      if (t.status === 'disabled' || t.status === 'refused' || t.status === 'unreachable' || t.status === 'error') continue;
      const labels = { policy: t.policy, store: t.store, target: t.target };
      this.overdue.set(labels, t.overdue);
      this.unusable.set(labels, t.unusableTime);
      this.oldestAge.set(labels, t.oldestAgeSeconds ?? 0);
    }
    for (const s of report.subjects) {
      if (s.status === 'ok' || s.status === 'overdue') this.subjectsOverdue.set({ policy: s.policy }, s.overdue);
    }
    const codes = new Map<string, number>();
    for (const w of report.warnings) codes.set(w.code, (codes.get(w.code) ?? 0) + 1);
    for (const [code, n] of codes) this.reportWarnings.set({ code }, n);
    this.reportUp.set(report.status === 'cannot-check' ? 0 : 1);
    this.reportTime.set(Date.parse(report.generatedAt) / 1000);
  }

  /** The report could not run at all. */
  reportFailed(at: Date): void {
    this.reportUp.set(0);
    this.reportTime.set(at.getTime() / 1000);
  }

  /** Creates each sink's series at 0, so an alert on its rate works from the start. */
  declareCheckpointSinks(sinks: readonly string[]): void {
    for (const sink of sinks) this.checkpointSinkFailures.inc({ sink }, 0);
  }

  checkpointSinkFailed(sink: string): void {
    this.checkpointSinkFailures.inc({ sink });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
