import type { TargetResult, TargetStatus } from '../types.js';

/** How bad a target status is, for merging: the worst of a run's shares is the target's status. */
const SEVERITY: Record<TargetStatus, number> = { skipped: 0, succeeded: 1, partial: 2, failed: 3, refused: 4 };

/**
 * One target's result over the shares of a run cut into `subject-batch` jobs: counts summed, the
 * worst status kept with its reason and error. `base` is the coordinator's own (checked) result.
 */
export function mergeSubjectTargets(base: readonly TargetResult[], shares: readonly (readonly TargetResult[])[]): TargetResult[] {
  return base.map((start, index) => {
    const merged: TargetResult = { ...start };
    for (const share of shares) {
      const part = share[index];
      if (!part || part.store !== start.store || part.target !== start.target) continue;
      merged.deleted += part.deleted;
      merged.batches += part.batches;
      merged.durationMs += part.durationMs;
      if (part.wouldDelete !== undefined) merged.wouldDelete = (merged.wouldDelete ?? 0) + part.wouldDelete;
      if (SEVERITY[part.status] > SEVERITY[merged.status]) {
        merged.status = part.status;
        merged.error = part.error;
        if (part.reason === undefined) delete merged.reason;
        else merged.reason = part.reason;
      }
    }
    return merged;
  });
}
