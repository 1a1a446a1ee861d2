import type { JobSchedulerJson, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import { policyRunJobOptions } from './job-options.js';
import { policyHash, type PolicyRunPayload } from './job-payloads.js';
import { JobSigner, SIGNATURE_FIELD } from './job-signature.js';
import { POLICY_RUN_JOB } from './queue-names.js';

/** One job scheduler per enabled policy: id = policy name, the policy's cron in the configured zone. */
export interface DesiredScheduler {
  id: string;
  pattern: string;
  tz: string;
  /** Signed (see JobSigner): every job the scheduler makes carries this data as is. */
  data: PolicyRunPayload;
}

export function desiredSchedulers(config: ResolvedConfig, generation: number): DesiredScheduler[] {
  const signer = new JobSigner(config.audit.key);
  return config.policies
    .filter((p) => p.enabled)
    .map((p) => ({
      id: p.name,
      pattern: p.schedule.cron,
      // Always explicit: BullMQ otherwise reads the cron in the host's zone.
      tz: config.timezone,
      data: signer.sign(POLICY_RUN_JOB, {
        policy: p.name,
        trigger: 'schedule' as const,
        policyHash: policyHash(config, p),
        configHash: config.hash,
        generation,
      }),
    }));
}

export type SchedulerAction = 'created' | 'updated' | 'recreated' | 'removed';

export interface SyncResult {
  /** What was done to which scheduler. */
  actions: { id: string; action: SchedulerAction; reason: string }[];
  /** Schedulers left as they were. */
  kept: string[];
}

/** States in which a scheduler's next job will still run. */
const ALIVE = new Set(['delayed', 'waiting', 'prioritized', 'active', 'waiting-children']);

/** Whether the job the scheduler says comes next still exists and will run. */
export async function hasNextRun(queue: Queue, scheduler: JobSchedulerJson): Promise<boolean> {
  if (scheduler.next === undefined) return false;
  const state = await queue.getJobState(`repeat:${scheduler.key}:${scheduler.next}`);
  return ALIVE.has(state);
}

function whyOutdated(scheduler: JobSchedulerJson, desired: DesiredScheduler): string | null {
  if (scheduler.pattern !== desired.pattern) return `cron ${scheduler.pattern ?? '(none)'} → ${desired.pattern}`;
  if (scheduler.tz !== desired.tz) return `zone ${scheduler.tz ?? '(host)'} → ${desired.tz}`;
  const data = (scheduler.template?.data ?? {}) as Partial<PolicyRunPayload>;
  if (data.configHash !== desired.data.configHash || data.policyHash !== desired.data.policyHash) return 'configuration changed';
  // Made before jobs were signed, or under another audit key: its jobs would all be refused.
  if ((data as Record<string, unknown>)[SIGNATURE_FIELD] !== (desired.data as Record<string, unknown>)[SIGNATURE_FIELD])
    return 'signature changed';
  return null;
}

/**
 * Brings the queue's job schedulers in line with this configuration: creates missing ones, updates
 * changed ones, re-creates one whose next job is gone, removes those of policies no longer
 * configured (or disabled). Idempotent (`upsertJobScheduler` by policy name), so replicas starting
 * together leave one scheduler per policy. Call it only from the newest live configuration.
 */
export async function syncSchedulers(queue: Queue, config: ResolvedConfig, generation: number, logger: Logger): Promise<SyncResult> {
  const desired = desiredSchedulers(config, generation);
  const existing = new Map((await queue.getJobSchedulers(0, -1, true)).map((s) => [s.key, s]));
  const result: SyncResult = { actions: [], kept: [] };
  const opts = policyRunJobOptions(config.queue);
  for (const want of desired) {
    const have = existing.get(want.id);
    let action: SchedulerAction | null = null;
    let reason = '';
    if (!have) {
      action = 'created';
      reason = 'missing';
    } else {
      const outdated = whyOutdated(have, want);
      if (outdated) {
        action = 'updated';
        reason = outdated;
      } else if (!(await hasNextRun(queue, have))) {
        // Read again: the next job may just have been taken, and the scheduler moved on meanwhile.
        const again = await queue.getJobScheduler(want.id);
        if (!again || !(await hasNextRun(queue, again))) {
          action = 'recreated';
          reason = 'its next run is gone';
        }
      }
    }
    if (!action) {
      result.kept.push(want.id);
      continue;
    }
    try {
      await queue.upsertJobScheduler(want.id, { pattern: want.pattern, tz: want.tz }, { name: POLICY_RUN_JOB, data: want.data, opts });
      result.actions.push({ id: want.id, action, reason });
      logger[action === 'recreated' ? 'warn' : 'info'](
        { policy: want.id, action, reason, cron: want.pattern, tz: want.tz },
        `job scheduler ${action}`,
      );
    } catch (err) {
      logger.error({ err, policy: want.id }, 'could not write the job scheduler');
    }
  }
  const wanted = new Set(desired.map((d) => d.id));
  for (const id of existing.keys()) {
    if (wanted.has(id)) continue;
    const configured = config.policies.find((p) => p.name === id);
    const reason = configured ? 'policy disabled' : 'policy no longer configured';
    await queue.removeJobScheduler(id);
    result.actions.push({ id, action: 'removed', reason });
    logger.info({ policy: id, reason }, 'job scheduler removed');
  }
  return result;
}
