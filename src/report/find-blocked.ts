import type { BlockedPromise, SubjectPolicyReport, TargetReport } from './compliance-report.js';

/**
 * The promises no run can keep: records and accounts with no usable time (never due, so never
 * purged) and targets the worker refuses to purge. Overdue data is late; this data is never
 * going to go, so `report` exits 1 for it too instead of calling it ok.
 */
export function findBlocked(targets: readonly TargetReport[], subjects: readonly SubjectPolicyReport[]): BlockedPromise[] {
  const blocked: BlockedPromise[] = [];
  for (const t of targets) {
    const where = { policy: t.policy, store: t.store, target: t.target };
    if (t.status === 'refused') {
      blocked.push({
        reason: 'target-refused',
        ...where,
        count: null,
        message: `${t.store} ${t.target} (policy ${t.policy}) is refused and never purged: ${t.error ?? 'refused'}`,
      });
    } else if (t.unusableTime > 0) {
      blocked.push({
        reason: 'unusable-time',
        ...where,
        count: t.unusableTime,
        message: `${t.unusableTime} record(s) of ${t.store} ${t.target} (policy ${t.policy}) have no usable time and are never deleted`,
      });
    }
  }
  for (const s of subjects) {
    if (s.unusableTime > 0) {
      blocked.push({
        reason: 'terminated-without-time',
        policy: s.policy,
        count: s.unusableTime,
        message: `${s.unusableTime} terminated account(s) of policy ${s.policy} have no termination time: no deadline, never purged`,
      });
    }
  }
  return blocked;
}
