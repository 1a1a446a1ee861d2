import type { RunStatus, TargetResult } from '../types.js';

/**
 * A policy's status from its targets: `failed` when any target failed or was refused, else
 * `partial` when any stopped early, else `succeeded` (skipped targets count as fine).
 */
export function policyStatus(targets: readonly TargetResult[]): RunStatus {
  if (targets.some((t) => t.status === 'failed' || t.status === 'refused')) return 'failed';
  if (targets.some((t) => t.status === 'partial')) return 'partial';
  return 'succeeded';
}

/** A run's status from its policies: `refused` only when every policy was refused. */
export function runStatus(policies: readonly { status: RunStatus }[]): RunStatus {
  if (policies.length > 0 && policies.every((p) => p.status === 'refused')) return 'refused';
  if (policies.some((p) => p.status === 'failed' || p.status === 'refused')) return 'failed';
  if (policies.some((p) => p.status === 'partial')) return 'partial';
  return 'succeeded';
}

/** Exit code of `run`/`enqueue --wait`: 0 succeeded or partial, 1 failed or refused. */
export function exitCodeOf(status: RunStatus): 0 | 1 {
  return status === 'succeeded' || status === 'partial' ? 0 : 1;
}
