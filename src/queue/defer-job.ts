import { DelayedError, UnrecoverableError, type Job } from 'bullmq';

/**
 * Puts a job back for later without spending an attempt (BullMQ's `moveToDelayed` + DelayedError):
 * for a job this replica must not run now (made for another configuration, or a target whose run's
 * coordinator is being resumed). Past `giveUpAfterMs` since `since`, fails it for good instead.
 */
export async function deferJob(
  job: Job,
  token: string | undefined,
  delayMs: number,
  reason: string,
  bound: { since: number; giveUpAfterMs: number },
): Promise<never> {
  if (Date.now() - bound.since > bound.giveUpAfterMs) {
    throw new UnrecoverableError(`${reason}; gave up after ${Math.round(bound.giveUpAfterMs / 1000)} s`);
  }
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
