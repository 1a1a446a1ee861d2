import type { ResolvedConfig } from '../config/load-config.js';
import type { PolicyRunPayload } from './job-payloads.js';
import type { RetentionQueues } from './retention-queues.js';
import { hasNextRun } from './scheduler-sync.js';

export interface ScheduleRow {
  policy: string;
  cron: string | null;
  tz: string | null;
  /** The next run, or null when none is planned (the watchdog re-creates it). */
  nextRun: string | null;
  /** Whether the job of that next run is still there. */
  nextRunQueued: boolean;
  /** The configuration that wrote the scheduler (hash prefix) and its generation. */
  configHash: string | null;
  generation: number | null;
  /** Whether the scheduler was written by the configuration read by this command. */
  currentConfig: boolean;
  /** Whether this command's configuration has the policy, enabled. */
  configured: boolean;
}

/** The job schedulers in the queue's Redis, with their next run times: `retention schedule list`. */
export async function listSchedules(queues: RetentionQueues, config: ResolvedConfig): Promise<ScheduleRow[]> {
  const schedulers = await queues.runs.getJobSchedulers(0, -1, true);
  const rows: ScheduleRow[] = [];
  for (const s of schedulers) {
    const data = (s.template?.data ?? {}) as Partial<PolicyRunPayload>;
    rows.push({
      policy: s.key,
      cron: s.pattern ?? null,
      tz: s.tz ?? null,
      nextRun: s.next !== undefined ? new Date(s.next).toISOString() : null,
      nextRunQueued: await hasNextRun(queues.runs, s),
      configHash: data.configHash?.slice(0, 12) ?? null,
      generation: data.generation ?? null,
      currentConfig: data.configHash === config.hash,
      configured: config.policies.some((p) => p.name === s.key && p.enabled),
    });
  }
  return rows.sort((a, b) => a.policy.localeCompare(b.policy));
}
