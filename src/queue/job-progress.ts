import type { Job } from 'bullmq';
import { estimateProgress } from '../engine/progress-estimate.js';
import type { TargetProgressListener } from '../engine/target-progress.js';

/** What a target job reports to BullMQ (`job.progress`), so a queue UI shows a purge moving. */
export interface JobProgress {
  phase: string;
  deleted: number;
  due: number | null;
  /** 0–100 when the due count is known, else null. */
  percent: number | null;
  ratePerSecond: number;
  etaSeconds: number | null;
}

/**
 * Reports a job's purge to BullMQ at most once per `minIntervalMs` of the target's run (each
 * report is one Redis round trip), and always at the end.
 */
export function jobProgress(job: Pick<Job, 'updateProgress'>, minIntervalMs = 1000): TargetProgressListener {
  let lastAt = -Infinity;
  return {
    async onProgress(p) {
      if (p.phase !== 'done' && p.elapsedMs - lastAt < minIntervalMs) return;
      lastAt = p.elapsedMs;
      const { ratePerSecond, etaSeconds, fraction } = estimateProgress(p);
      const progress: JobProgress = {
        phase: p.phase,
        deleted: p.deleted,
        due: p.due,
        percent: fraction === null ? null : Math.round(fraction * 1000) / 10,
        ratePerSecond: Math.round(ratePerSecond),
        etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
      };
      await job.updateProgress(progress as unknown as Record<string, unknown>);
    },
  };
}
