import { subjectHash } from '../audit/subject-hash.js';
import type { EngineContext } from '../engine/engine-context.js';
import { runEntry, type OpenPolicyRun } from '../engine/open-policy-run.js';
import type { SubjectOutcome } from './subject-outcome.js';

/**
 * Appends one `subject` entry: the subject only as HMAC-SHA-256(audit key, decimal id), its
 * deadline, the stores it was purged from and the count per target. Never the id, never record
 * contents.
 */
export async function auditSubject(ctx: EngineContext, run: OpenPolicyRun, outcome: SubjectOutcome): Promise<void> {
  await ctx.audit.append(
    runEntry(run, {
      kind: 'subject',
      at: ctx.clock.now(),
      subjectHash: subjectHash(ctx.config.audit.key, outcome.id),
      data: {
        status: outcome.status,
        reason: outcome.reason,
        deadline: outcome.deadline?.toISOString() ?? null,
        marked: outcome.marked,
        stores: outcome.stores,
        targets: outcome.targets,
      },
    }),
  );
}
