import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ResolvedConfig } from '../config/load-config.js';
import { stableJson } from '../config/config-hash.js';
import type { PolicyConfig } from '../config/schema.js';

/**
 * Job payloads. They name policies and targets by configuration, and runs by a random id: never a
 * record, never a subject id. Everything is re-read from the configuration by the processing
 * replica, which first checks that its policy definition is the one the job was made for.
 */

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'is not an ISO date' });

/** A run of one policy: put on the queue by its job scheduler (`schedule`) or by `retention enqueue`. */
export const policyRunPayload = z.object({
  policy: z.string().min(1),
  trigger: z.enum(['schedule', 'enqueue']),
  /** Hash of the policy definition the job was made for (see `policyHash`). */
  policyHash: z.string().min(1),
  /** Hash of the whole configuration that made the job (the scheduler's tag). */
  configHash: z.string().min(1),
  /** That configuration's generation in the queue (see ConfigRegistry), for `schedule list`. */
  generation: z.number().int().optional(),
  /** Set by `enqueue`, so one command's runs share an id like `retention run`'s do. */
  runId: z.uuid().optional(),
  dryRun: z.boolean().optional(),
  allowLarge: z.boolean().optional(),
  // Progress, written back with `updateData` so a replica resuming a stalled run knows where it is.
  /** When the run was first evaluated: the cutoff of every attempt is computed from it. */
  evaluatedAt: isoDate.optional(),
  /** `run-started` was audited. */
  started: z.boolean().optional(),
  /** The children were added (they have deterministic ids; this saves a round trip). */
  childrenAdded: z.boolean().optional(),
  /** `run-finished` was audited and the lock released; only children still running keep the job open. */
  closed: z.boolean().optional(),
  /** The closed run's result (counts and statuses only), for a job that waited for straggling children. */
  result: z.record(z.string(), z.unknown()).optional(),
  /** A subject policy's plan once its `subject-batch` children were added: counts only, no id. */
  subjectPlan: z
    .object({
      partitions: z.number().int().nonnegative(),
      due: z.number().int().nonnegative(),
      held: z.number().int().nonnegative(),
      withoutTerminationTime: z.number().int().nonnegative(),
    })
    .optional(),
});
export type PolicyRunPayload = z.infer<typeof policyRunPayload>;

/** One target of an age-policy run, processed by whichever replica is free. */
export const targetPayload = z.object({
  runId: z.uuid(),
  policy: z.string().min(1),
  policyHash: z.string().min(1),
  /** Index of the target in the policy's `targets`. */
  targetIndex: z.number().int().nonnegative(),
  evaluatedAt: isoDate,
  cutoff: isoDate,
  dryRun: z.boolean(),
  allowLarge: z.boolean(),
  /** When the child first found its run's lease missing (its coordinator died and may be resumed). */
  leaseMissingSince: z.number().optional(),
  /** The result of the previous attempt (a failed or refused target), for the coordinator and the totals. */
  lastResult: z.record(z.string(), z.unknown()).optional(),
});
export type TargetPayload = z.infer<typeof targetPayload>;

/**
 * One partition of a subject-policy run (see `partitionSubjects`). Its bounds are subject ids, so
 * they travel sealed (`sealRange`: AES-256-GCM under a key derived from the audit key).
 */
export const subjectBatchPayload = z.object({
  runId: z.uuid(),
  policy: z.string().min(1),
  policyHash: z.string().min(1),
  partition: z.number().int().nonnegative(),
  evaluatedAt: isoDate,
  dryRun: z.boolean(),
  /** Due subjects in the range when it was cut: counted `failed` (or `deferred`) if the job never reports. */
  due: z.number().int().nonnegative(),
  range: z.object({ iv: z.string().min(1), data: z.string().min(1), tag: z.string().min(1) }),
  /** When the child first found its run's lease missing (as for a target job). */
  leaseMissingSince: z.number().optional(),
});
export type SubjectBatchPayload = z.infer<typeof subjectBatchPayload>;

/**
 * The identity of a policy's definition: its own settings, the zone its cron and months are read in,
 * and the stores this deployment has. Two replicas with the same hash purge a target the same way.
 */
export function policyHash(config: ResolvedConfig, policy: PolicyConfig): string {
  const identity = { policy, timezone: config.timezone, stores: [...config.enabledStores].sort() };
  return createHash('sha256').update(stableJson(identity)).digest('hex').slice(0, 32);
}

/** A deterministic child job id: adding the children again after a crash adds nothing. */
export function targetJobId(runId: string, targetIndex: number): string {
  return `${runId}.t${targetIndex}`;
}

/** The target index back from a child's job id (or its `prefix:queue:id` key). */
export function targetIndexOfJobKey(key: string): number | null {
  const match = /\.t(\d+)$/.exec(key);
  return match ? Number(match[1]) : null;
}

/** A deterministic `subject-batch` job id, from the run and the partition's index (never an id of the range). */
export function subjectBatchJobId(runId: string, partition: number): string {
  return `${runId}.s${partition}`;
}

/** The partition index back from a `subject-batch` job id (or its `prefix:queue:id` key). */
export function partitionOfJobKey(key: string): number | null {
  const match = /\.s(\d+)$/.exec(key);
  return match ? Number(match[1]) : null;
}

/** What binds a sealed range to its job: the run and the partition. */
export function subjectRangeContext(runId: string, partition: number): string {
  return `${runId}/${partition}`;
}
