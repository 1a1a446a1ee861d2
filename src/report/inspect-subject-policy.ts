import type { PolicyConfig } from '../config/schema.js';
import type { EngineContext } from '../engine/engine-context.js';
import { errorLine } from '../lib/error-line.js';
import { StoreError } from '../errors/index.js';
import { candidateBound, retainDeadline } from '../subjects/deadline.js';
import { openSubjectSource } from '../subjects/subject-source.js';
import type { SubjectPolicyReport } from './compliance-report.js';

const PAGE = 1000;

/**
 * A subject policy: the due subjects, those overdue (deadline more than one period ago), the
 * earliest deadline, and terminated subjects with no termination time. Reads only counts and
 * times: no subject id leaves this function.
 */
export async function inspectSubjectPolicy(
  ctx: EngineContext,
  policy: PolicyConfig,
  now: Date,
  periodMs: number,
): Promise<SubjectPolicyReport> {
  const base = { policy: policy.name, category: policy.category, periodSeconds: Math.round(periodMs / 1000) };
  const zero = { due: 0, overdue: 0, oldestDeadline: null, unusableTime: 0, held: 0 };
  const subjects = policy.subjects;
  if (!subjects) return { ...base, ...zero, status: 'error', error: 'the policy has no subjects table' };
  const mysql = ctx.config.stores.mysql;
  const source = openSubjectSource(subjects, {
    url: mysql.url,
    session: { lockWaitTimeoutSeconds: mysql.lockWaitTimeoutSeconds, metadataLockWaitTimeoutSeconds: mysql.metadataLockWaitTimeoutSeconds },
  });
  try {
    const report: SubjectPolicyReport = { ...base, ...zero, status: 'ok', error: null };
    report.unusableTime = await source.countTerminatedWithoutTime();
    const overdueAt = now.getTime() - periodMs;
    let oldest: number | null = null;
    let after: string | null = null;
    for (;;) {
      const page = await source.candidates(candidateBound(now, policy.retain, ctx.config.timezone), after, PAGE);
      for (const c of page) {
        const deadline = retainDeadline(c.terminatedAt, policy.retain, ctx.config.timezone).getTime();
        if (deadline >= now.getTime()) continue;
        if (c.held) {
          report.held += 1;
          continue;
        }
        report.due += 1;
        if (deadline < overdueAt) report.overdue += 1;
        oldest = oldest === null ? deadline : Math.min(oldest, deadline);
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
    report.oldestDeadline = oldest === null ? null : new Date(oldest).toISOString();
    if (report.overdue > 0) report.status = 'overdue';
    return report;
  } catch (err) {
    return { ...base, ...zero, status: err instanceof StoreError ? 'unreachable' : 'error', error: errorLine(err) };
  } finally {
    await source.close().catch(() => {});
  }
}
