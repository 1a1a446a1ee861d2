import type { ResolvedConfig } from '../config/load-config.js';
import type { PolicyConfig } from '../config/schema.js';
import { computeCutoff } from '../engine/cutoff.js';

/**
 * The checks a signed payload still has to pass before its times are used. A signature proves a
 * holder of the audit key wrote the payload, not that its times are sane: a replica with a wrong
 * clock, or a replayed old job, could still carry them. A cutoff only ever comes from an
 * evaluation time this replica accepts, by this replica's rule.
 */

/** Why `evaluatedAt` cannot be used now, or null. Later than now + skew would move the cutoff forward. */
export function evaluatedAtRefusal(evaluatedAt: Date, now: Date, config: ResolvedConfig): string | null {
  const t = evaluatedAt.getTime();
  if (Number.isNaN(t)) return 'its evaluatedAt is not a time';
  const skewMs = config.safety.maxClockSkewSeconds * 1000;
  if (t > now.getTime() + skewMs) {
    return `its evaluatedAt ${evaluatedAt.toISOString()} is later than now (${now.toISOString()}) plus safety.maxClockSkewSeconds ${config.safety.maxClockSkewSeconds}`;
  }
  const windowMs = config.queue.resumeWindowSeconds * 1000;
  if (t < now.getTime() - windowMs) {
    return `its evaluatedAt ${evaluatedAt.toISOString()} is older than queue.resumeWindowSeconds ${config.queue.resumeWindowSeconds} (a replayed or long-stuck job)`;
  }
  return null;
}

/** Why a target job's cutoff is not the one its evaluation time gives under the policy, or null. */
export function cutoffRefusal(cutoff: Date, evaluatedAt: Date, policy: PolicyConfig, config: ResolvedConfig): string | null {
  if (policy.retain.after === 'termination') return 'its policy is a subject policy: it has no cutoff';
  const expected = computeCutoff(policy.retain, evaluatedAt, config.timezone);
  if (cutoff.getTime() !== expected.getTime()) {
    return `its cutoff ${Number.isNaN(cutoff.getTime()) ? '(not a time)' : cutoff.toISOString()} is not the one its evaluatedAt gives under the policy (${expected.toISOString()})`;
  }
  return null;
}
