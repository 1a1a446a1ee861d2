import type { EngineContext } from '../engine/engine-context.js';
import { computeCutoff, promiseMillis } from '../engine/cutoff.js';
import type { ComplianceReport, ReportNote, ReportWarning, SubjectPolicyReport, TargetReport } from './compliance-report.js';
import { findBlocked } from './find-blocked.js';
import { longestCronGap } from './cron-period.js';
import { inspectAgeTarget } from './inspect-age-target.js';
import { inspectSubjectPolicy } from './inspect-subject-policy.js';
import { s3Copies } from './copies/s3-copies.js';
import { loadBalancerCopies } from './copies/load-balancer-copies.js';
import { isS3Store } from '../stores/s3/s3-store.js';
import { shortestRetention } from './shortest-retention.js';

export interface BuildReportOptions {
  /** Read the copies the worker cannot delete (logs, snapshots, oplog). @defaultValue true */
  copies?: boolean;
}

/**
 * `retention report`: per age-policy target, the oldest remaining record, the records overdue
 * (`time < cutoff − period`, the period being the longest gap between two ticks of the policy's
 * cron: what a run on schedule cannot have deleted yet is not overdue) and those with no usable
 * time; per subject policy, the subjects overdue by the same measure. Disabled policies are
 * inspected too (their data is kept past its retention all the same) and warned about, as are
 * disabled stores and the copies of the data the worker cannot delete.
 */
export async function buildReport(ctx: EngineContext, options: BuildReportOptions = {}): Promise<ComplianceReport> {
  const { config } = ctx;
  const now = ctx.clock.now();
  const targets: TargetReport[] = [];
  const subjects: SubjectPolicyReport[] = [];
  for (const policy of config.policies) {
    const periodMs = longestCronGap(policy.schedule.cron, config.timezone, now);
    if (policy.retain.after === 'termination') {
      subjects.push(await inspectSubjectPolicy(ctx, policy, now, periodMs));
      continue;
    }
    const cutoff = computeCutoff(policy.retain, now, config.timezone);
    const window = { now, cutoff, overdueBefore: new Date(cutoff.getTime() - periodMs), periodMs, promiseMs: promiseMillis(policy.retain) };
    for (const target of policy.targets) targets.push(await inspectAgeTarget(ctx, policy, target, window));
  }

  const warnings: ReportWarning[] = [];
  const notes: ReportNote[] = [];
  for (const store of ['mongo', 'redis', 's3', 'kafka'] as const) {
    const count = config.policies.reduce((n, p) => n + p.targets.filter((t) => t.store === store).length, 0);
    if (!config.enabledStores.has(store) && count > 0) {
      warnings.push({
        code: 'store-disabled',
        store,
        message: `store ${store} is disabled (empty URL): its ${count} target(s) are neither purged nor checked`,
      });
    }
  }
  for (const p of config.policies.filter((p) => !p.enabled)) {
    warnings.push({
      code: 'policy-disabled',
      policy: p.name,
      message: `policy ${p.name} is disabled (enabled: false): nothing purges its data`,
    });
  }
  if (options.copies ?? true) {
    // Each store answers for the copies it keeps beyond the worker's reach (logs, snapshots, oplog).
    const checks = [...ctx.stores.values()].map(
      (store) => store.derivedCopies?.(shortestRetention(config, store.name)) ?? Promise.resolve([]),
    );
    for (const found of await Promise.all(checks)) warnings.push(...found);
    const s3 = ctx.stores.get('s3');
    if (isS3Store(s3)) {
      const found = await s3Copies(config, s3);
      warnings.push(...found.warnings);
      notes.push(...found.notes);
    }
    const lb = loadBalancerCopies(config);
    warnings.push(...lb.warnings);
    notes.push(...lb.notes);
  }

  for (const t of targets) {
    for (const f of t.retention?.filter((f) => f.finding === 'unset') ?? []) {
      warnings.push({
        code: 'kafka-retention-unset',
        store: t.store,
        policy: t.policy,
        message: `kafka topic ${f.resource} has no retention.ms of its own: the broker default (${f.retentionMs ?? 'unknown'} ms) applies and can change without notice; set it (enforce: true does)`,
      });
    }
  }
  const all = [...targets, ...subjects];
  const blocked = findBlocked(targets, subjects);
  const status = all.some((r) => r.status === 'overdue' || r.status === 'retention-exceeds-promise')
    ? 'overdue'
    : blocked.length > 0
      ? 'blocked'
      : all.some((r) => r.status === 'unreachable' || r.status === 'error')
        ? 'cannot-check'
        : 'ok';
  return { generatedAt: now.toISOString(), configHash: config.hash, status, targets, subjects, blocked, warnings, notes };
}
