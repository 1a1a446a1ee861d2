import type { Job } from 'bullmq';
import { deferJob } from './defer-job.js';
import { LinkedStopSignal } from './linked-stop-signal.js';
import type { QueueJobContext } from './queue-job-context.js';

/** What a child job of a run (a target, a batch of subjects) carries to find its run's lease. */
export interface LeasedPayload {
  runId: string;
  leaseMissingSince?: number | undefined;
}

/**
 * Whether a child job may run now: `held` when the run's lease names its run; `superseded` when
 * another run holds it; `orphaned` when no run has held it for `orphanAfterMs`. While the lease is
 * missing (the coordinator died and another replica may be resuming it) the job is put back for
 * later instead — `deferJob` throws BullMQ's DelayedError, so this never returns in that case.
 */
export async function awaitRunLease(
  queue: QueueJobContext,
  job: Job,
  token: string | undefined,
  policy: string,
  payload: LeasedPayload,
): Promise<'held' | 'superseded' | 'orphaned'> {
  const { timing } = queue;
  const holder = await queue.lease.holder(policy);
  if (holder === payload.runId) return 'held';
  if (holder !== null) return 'superseded';
  const since = payload.leaseMissingSince ?? Date.now();
  if (Date.now() - since > timing.orphanAfterMs) return 'orphaned';
  if (payload.leaseMissingSince === undefined) await job.updateData(queue.signer.sign(job.name, { ...job.data, leaseMissingSince: since }));
  return deferJob(job, token, Math.max(timing.pollMs, Math.floor(timing.leaseMs / 3)), 'waiting for the run to be resumed', {
    since,
    giveUpAfterMs: Number.POSITIVE_INFINITY,
  });
}

/**
 * A stop signal for a child job: requested by the process (`ctx.stop`) or when the run's lease no
 * longer names its run, checked every `pollMs`. `close()` ends the watch.
 */
export function watchRunLease(queue: QueueJobContext, policy: string, runId: string): { stop: LinkedStopSignal; close(): void } {
  const stop = new LinkedStopSignal(queue.ctx.stop);
  const watch = setInterval(() => {
    queue.lease
      .holder(policy)
      .then((h) => {
        if (h !== runId) stop.request('run lease lost');
      })
      .catch(() => {
        // Redis unreachable: keep going; the coordinator's lock still stands, and the next check may pass.
      });
  }, queue.timing.pollMs);
  return { stop, close: () => clearInterval(watch) };
}
