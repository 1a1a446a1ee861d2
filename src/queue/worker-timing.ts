/**
 * The worker's timing. The defaults suit production; tests shorten them (a stalled job is noticed
 * after `lockDurationMs` plus up to one `stalledIntervalMs`).
 */
export interface WorkerTiming {
  /** BullMQ job lock, renewed every half of it while the job runs. @defaultValue 30000 */
  lockDurationMs: number;
  /** How often each worker looks for jobs whose lock lapsed (a dead replica's). @defaultValue 30000 */
  stalledIntervalMs: number;
  /** Times a job may be found stalled and restarted before it fails. @defaultValue 2 */
  maxStalledCount: number;
  /** TTL of a run's lease (see RunLease); renewed every third of it. @defaultValue 30000 */
  leaseMs: number;
  /** How often a coordinator checks on its children and a child on its lease. @defaultValue 1000 */
  pollMs: number;
  /** Between two watchdog checks. @defaultValue 60000 */
  watchdogMs: number;
  /** How long a target job waits for its run's lease to come back (its coordinator being resumed elsewhere). @defaultValue 300000 */
  orphanAfterMs: number;
  /** How long a job made for another definition of its policy waits for a replica that has it. @defaultValue 600000 */
  foreignConfigWaitMs: number;
  /** On shutdown, how long a coordinator waits for its running children to stop. @defaultValue 10000 */
  childStopWaitMs: number;
  /** Bound on a graceful shutdown; past it the process exits anyway (code 1). @defaultValue 25000 */
  shutdownTimeoutMs: number;
}

export const DEFAULT_TIMING: WorkerTiming = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
  leaseMs: 30_000,
  pollMs: 1000,
  watchdogMs: 60_000,
  orphanAfterMs: 300_000,
  foreignConfigWaitMs: 600_000,
  childStopWaitMs: 10_000,
  shutdownTimeoutMs: 25_000,
};
