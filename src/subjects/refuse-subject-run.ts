import type { EngineContext } from '../engine/engine-context.js';
import { runEntry, type OpenPolicyRun } from '../engine/open-policy-run.js';
import { refusedRun } from '../engine/policy-run.js';
import type { PolicyResult } from '../types.js';

/** Why a subject policy cannot run at all (checked before anything is read), or null. */
export function subjectRunRefusal(ctx: EngineContext, run: OpenPolicyRun): { reason: string; message: string } | null {
  const { policy } = run;
  if (!policy.subjects)
    return { reason: 'no-subjects', message: `policy ${policy.name} has retain.after termination but no subjects table` };
  if (ctx.config.audit.key === '') {
    return {
      reason: 'no-audit-key',
      message: `policy ${policy.name} purges subjects, which the audit trail records only as HMAC-SHA-256(audit key, id): set audit.key (AUDIT_KEY) to run it`,
    };
  }
  return null;
}

/** Closes an open run as refused before anything was touched: audited, lock released. */
export async function refuseSubjectRun(ctx: EngineContext, run: OpenPolicyRun, reason: string, message: string): Promise<PolicyResult> {
  run.logger.warn({ reason }, message);
  const refused = refusedRun(run.policy, run.evaluatedAt, null, reason, message);
  try {
    await ctx.audit.append(runEntry(run, { kind: 'run-finished', at: ctx.clock.now(), data: refused.data }));
  } finally {
    await run.lock.release();
  }
  return refused.result;
}
