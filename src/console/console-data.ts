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
import type { Checkpointer } from '../audit/checkpointer.js';
import { subjectCertificate } from '../audit/deletion-certificate.js';
import type { ChainLink } from '../audit/read-chain-links.js';
import type { SignedDocument } from '../audit/signed-document.js';
import type { SigningKey } from '../audit/signing-key.js';
import { normalizeDecimalId } from '../audit/subject-hash.js';
import { verifyAgainstCheckpoint } from '../audit/verify-against-checkpoint.js';

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
  /** Promises that cannot be kept as configured (the report's `blocked`): they make it exit 1 too. */
  blocked: ComplianceReport['blocked'];
  warnings: ComplianceReport['warnings'];
}

export interface ChainView {
  verification: VerifyResult;
  checkedAt: string;
  /**
   * The newest signed checkpoint and whether the chain is proven up to it (`audit verify
   * --checkpoint`); null when none is signed yet; absent without a signing key.
   */
  checkpoint?: { headId: string; headHash: string; entries: string; at: string; keyId: string; ok: boolean; failed: string | null } | null;
}

/** What the console needs for signed evidence (when `audit.signingKey` is set). */
export interface ConsoleEvidence {
  checkpoints: Checkpointer;
  signingKey: SigningKey;
  /** The chain's links from its start (the database). */
  links(): AsyncIterable<ChainLink>;
  /** The `run-started` entry of a purge's run (a certificate records the promise from it). */
  runStarted(purge: AuditRecord): Promise<AuditRecord | null>;
}

export interface SubjectView {
  found: boolean;
  /** A certificate can be issued now: a signed checkpoint already covers the purge (the console signs no new checkpoint). */
  certificate: boolean;
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
    private readonly evidence: ConsoleEvidence | null = null,
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
    return {
      generatedAt: report.generatedAt,
      reportExit: reportExitCode(report),
      rows,
      blocked: report.blocked,
      warnings: report.warnings,
    };
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
      const view: ChainView = { verification, checkedAt: new Date(now).toISOString() };
      if (this.evidence) view.checkpoint = await this.checkpointStatus(this.evidence);
      this.chainCache = { view, at: now };
    }
    return this.chainCache.view;
  }

  private async checkpointStatus(evidence: ConsoleEvidence): Promise<ChainView['checkpoint']> {
    const newest = await evidence.checkpoints.newest();
    if (!newest) return null;
    const cp = newest.checkpoint;
    const verdict = await verifyAgainstCheckpoint(evidence.links(), [{ line: 0, checkpoint: cp }], evidence.signingKey, {
      auditKey: this.ctx.config.audit.key,
      table: this.audit.tables.auditName,
    });
    return {
      headId: String(cp.headId),
      headHash: String(cp.headHash),
      entries: String(cp.entries),
      at: String(cp.at),
      keyId: String(cp.keyId),
      ok: verdict.ok,
      failed: verdict.failed ? `${verdict.failed.check}: ${verdict.failed.detail}` : null,
    };
  }

  /**
   * A signed deletion certificate for a completely purged subject, when a signed checkpoint
   * already covers its entries (the console is read-only: it never signs a new checkpoint);
   * null otherwise. The id is in the certificate only because the requester gave it.
   */
  async subjectCertificate(id: string): Promise<SignedDocument | null> {
    if (!this.evidence) return null;
    const purge = (await findSubjectPurges(this.audit, this.ctx.config.audit.key, id)).find(isCompletePurge);
    if (!purge) return null;
    const runStarted = await this.evidence.runStarted(purge);
    const covering = await this.evidence.checkpoints.covering(Math.max(purge.id, runStarted?.id ?? 0));
    if (!covering) return null;
    return subjectCertificate(
      { subjectId: normalizeDecimalId(id), purge, runStarted, checkpoint: covering.checkpoint, issuedAt: this.ctx.clock.now() },
      this.evidence.signingKey,
    );
  }

  /** A subject's purge status, by its keyed hash; the id itself goes no further than this call. */
  async subject(id: string): Promise<SubjectView> {
    const entries = await findSubjectPurges(this.audit, this.ctx.config.audit.key, id);
    const complete = entries.filter(isCompletePurge);
    const first = complete[0];
    const covered = first !== undefined && this.evidence !== null && (await this.evidence.checkpoints.covering(first.id)) !== null;
    return {
      found: first !== undefined,
      certificate: covered,
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
