import type { Logger } from 'pino';
import type { PolicyConfig } from '../config/schema.js';
import type { PolicyLock } from '../stores/purger.js';
import type { AuditEntryInput } from './audit-port.js';
import { describeRetain } from './cutoff.js';

/** A policy run that has passed its gates: lock held, clocks agree, `run-started` audited. */
export interface OpenPolicyRun {
  runId: string;
  policy: PolicyConfig;
  evaluatedAt: Date;
  /** Age policies: `evaluatedAt − retain`; subject policies: null. */
  cutoff: Date | null;
  dryRun: boolean;
  lock: PolicyLock;
  logger: Logger;
  /**
   * Set when the run must stop deleting: its lock is gone, or the trail cannot record. Targets not
   * yet started are then not run; `run-finished` carries the reason.
   */
  halted?: 'lock-lost' | 'audit-unavailable' | undefined;
}

/** Whether the run still holds its policy lock (a lock held elsewhere, without a check, counts as held). */
export async function lockStillHeld(run: OpenPolicyRun): Promise<boolean> {
  if (!run.lock.held) return true;
  if (run.halted === 'lock-lost') return false;
  if (await run.lock.held()) return true;
  run.halted = 'lock-lost';
  run.logger.error('the policy lock was lost (its MySQL connection died or was killed): stopping after the batch in hand');
  return false;
}

/** What an entry of the run says beyond the run itself. */
export type RunEntryFields = Pick<AuditEntryInput, 'kind' | 'at' | 'data'> &
  Partial<Pick<AuditEntryInput, 'store' | 'target' | 'subjectHash'>>;

/** An audit entry of the run: its id, policy, dry-run flag and rule filled in from the run. */
export function runEntry(run: OpenPolicyRun, fields: RunEntryFields): AuditEntryInput {
  return { runId: run.runId, policy: run.policy.name, dryRun: run.dryRun, retain: describeRetain(run.policy.retain), ...fields };
}
