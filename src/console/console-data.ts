import { CronExpressionParser } from 'cron-parser';
import type { AuditRecord, AuditRun } from '../audit/index.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { describeRetain } from '../engine/cutoff.js';
import type { EngineContext } from '../engine/engine-context.js';
import { buildReport } from '../report/build-report.js';
import type { ComplianceReport } from '../report/compliance-report.js';
import { reportExitCode } from '../report/format-report.js';
import { findSubjectPurges, isCompletePurge } from '../subjects/find-subject-purges.js';
import type { VerifyResult } from '../audit/verify-chain.js';

/** One row of the Promises page: a policy's target (or a subject policy as a whole). */
export interface PromiseRow {
  policy: string;
  category: string;
  /** `7 days`, `2 months after termination`. */
  promise: string;
  store: string | null;
  target: string | null;
  status: string;
  lastSuccess: string | null;
  oldest: string | null;
  oldestAgeSeconds: number | null;
  /** The promise in seconds, for the age comparison (null for event-anchored promises). */
  promiseSeconds: number | null;
  overdue: number;
  nextRun: string | null;
  /** Where `retention report` would exit non-zero. */
  red: boolean;
  error: string | null;
}

export interface PromisesView {
  generatedAt: string;
  /** `retention report`'s exit code for the same state. */
  reportExit: number;
  rows: PromiseRow[];
  warnings: ComplianceReport['warnings'];
}

export interface ChainView {
  verification: VerifyResult;
  checkedAt: string;
}

export interface SubjectView {
  found: boolean;
  subjectHash: string;
  purgedAt: string | null;
  runId: string | null;
  policy: string | null;
  attempts: number;
  entries: { id: number; at: string; runId: string; hash: string; complete: boolean }[];
}

export interface ConsoleDataOptions {
  /** The trail is re-verified at most this often (a full check reads every entry). @defaultValue 60000 */
  chainCacheMs?: number;
}

/**
 * Everything the console shows, read from the same sources as the CLI (`report`, the audit
 * trail, the schedules): a page can never tell a different story than `retention report` or
 * `retention audit list`. Read-only by construction: it calls no method that writes.
 */
export class ConsoleData {
  private chainCache: { view: ChainView; at: number } | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly audit: AuditTrail,
    private readonly isPolicyLocked: (policy: string) => Promise<boolean>,
    private readonly options: ConsoleDataOptions = {},
  ) {}

  async promises(): Promise<PromisesView> {
    const { config } = this.ctx;
    const report = await buildReport(this.ctx, { copies: false });
    const now = this.ctx.clock.now();
    const last = await this.audit.lastSuccesses(config.policies.map((p) => p.name));
    const rows: PromiseRow[] = [];
    for (const policy of config.policies) {
      const common = {
        policy: policy.name,
        category: policy.category,
        promise: describeRetain(policy.retain),
        lastSuccess: last.get(policy.name) ?? null,
        nextRun: policy.enabled ? nextTick(policy.schedule.cron, config.timezone, now) : null,
      };
      for (const t of report.targets.filter((r) => r.policy === policy.name)) {
        rows.push({
          ...common,
          store: t.store,
          target: t.target,
          status: t.status,
          oldest: t.oldest,
          oldestAgeSeconds: t.oldestAgeSeconds,
          promiseSeconds: (Date.parse(report.generatedAt) - Date.parse(t.cutoff)) / 1000,
          overdue: t.overdue,
          red: t.status !== 'ok' && t.status !== 'disabled',
          error: t.error,
        });
      }
      for (const s of report.subjects.filter((r) => r.policy === policy.name)) {
        rows.push({
          ...common,
          store: null,
          target: `${s.due} subject(s) due, ${s.held} held`,
          status: s.status,
          oldest: s.oldestDeadline,
          oldestAgeSeconds: s.oldestDeadline ? (now.getTime() - Date.parse(s.oldestDeadline)) / 1000 : null,
          promiseSeconds: null,
          overdue: s.overdue,
          red: s.status !== 'ok' && s.status !== 'disabled',
          error: s.error,
        });
      }
    }
    return { generatedAt: report.generatedAt, reportExit: reportExitCode(report), rows, warnings: report.warnings };
  }

  /** Runs with entries in `[since, now]`, newest first. */
  runs(since: Date): Promise<AuditRun[]> {
    return this.audit.listRuns({ since, limit: 100_000 }, this.isPolicyLocked);
  }

  /** One run (a `retention run` or a queue run may cover several policies) and its entries, oldest first; null when the trail has none. */
  async run(runId: string): Promise<{ runs: AuditRun[]; entries: AuditRecord[] } | null> {
    const runs = await this.audit.listRuns({ runId, limit: 100_000 }, this.isPolicyLocked);
    if (runs.length === 0) return null;
    const entries = (await this.audit.list({ runId, limit: 100_000 })).reverse();
    return { runs, entries };
  }

  async chain(): Promise<ChainView> {
    const ttl = this.options.chainCacheMs ?? 60_000;
    const now = Date.now();
    if (!this.chainCache || now - this.chainCache.at > ttl) {
      const verification = await this.audit.verify();
      this.chainCache = { view: { verification, checkedAt: new Date(now).toISOString() }, at: now };
    }
    return this.chainCache.view;
  }

  /** A subject's purge status, by its keyed hash; the id itself goes no further than this call. */
  async subject(id: string): Promise<SubjectView> {
    const entries = await findSubjectPurges(this.audit, this.ctx.config.audit.key, id);
    const complete = entries.filter(isCompletePurge);
    const first = complete[0];
    return {
      found: first !== undefined,
      subjectHash: entries[0]?.subjectHash ?? this.audit.subjectHash(id),
      purgedAt: first?.at.toISOString() ?? null,
      runId: first?.runId ?? null,
      policy: first?.policy ?? null,
      attempts: entries.length - complete.length,
      entries: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), runId: e.runId, hash: e.hash, complete: isCompletePurge(e) })),
    };
  }
}

function nextTick(cron: string, zone: string, now: Date): string | null {
  try {
    return CronExpressionParser.parse(cron, { currentDate: now, tz: zone }).next().toDate().toISOString();
  } catch {
    return null;
  }
}
