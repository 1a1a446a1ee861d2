import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/load-config.js';
import type { PolicyConfig } from '../config/schema.js';
import { UsageError } from '../errors/index.js';
import type { StopSignal } from '../engine/stop-signal.js';
import type { PolicyResult } from '../types.js';
import { policyRunJobOptions } from './job-options.js';
import { policyHash, type PolicyRunPayload } from './job-payloads.js';
import { JobSigner } from './job-signature.js';
import { POLICY_RUN_JOB } from './queue-names.js';
import type { RetentionQueues } from './retention-queues.js';

export interface EnqueuedRun {
  policy: string;
  jobId: string;
}

/** Policies of `enqueue`: the named ones (unknown names are a usage error), else every enabled one. */
export function policiesToEnqueue(config: ResolvedConfig, names: readonly string[] | undefined, logger: Logger): PolicyConfig[] {
  if (!names || names.length === 0) {
    for (const p of config.policies.filter((p) => !p.enabled))
      logger.warn({ policy: p.name }, 'policy is disabled (enabled: false): not enqueued');
    return config.policies.filter((p) => p.enabled);
  }
  const unknown = names.filter((n) => !config.policies.some((p) => p.name === n));
  if (unknown.length > 0)
    throw new UsageError(`unknown policy ${unknown.join(', ')} (configured: ${config.policies.map((p) => p.name).join(', ')})`);
  return config.policies.filter((p) => names.includes(p.name));
}

/**
 * Puts one policy-run job per policy on the queue, sharing one run id (as `retention run` does).
 * A worker of the fleet coordinates each; a policy already running is refused there, audited.
 */
export async function enqueueRuns(
  queues: RetentionQueues,
  config: ResolvedConfig,
  policies: readonly PolicyConfig[],
  runId: string = randomUUID(),
): Promise<{ runId: string; jobs: EnqueuedRun[] }> {
  const jobs: EnqueuedRun[] = [];
  // Signed with the audit key: the worker refuses a payload it cannot check (docs/audit.md).
  const signer = new JobSigner(config.audit.key);
  for (const policy of policies) {
    const data: PolicyRunPayload = {
      policy: policy.name,
      trigger: 'enqueue',
      policyHash: policyHash(config, policy),
      configHash: config.hash,
      runId,
    };
    const jobId = `${runId}.${policy.name}`;
    await queues.runs.add(POLICY_RUN_JOB, signer.sign(POLICY_RUN_JOB, data), { ...policyRunJobOptions(config.queue), jobId });
    jobs.push({ policy: policy.name, jobId });
  }
  return { runId, jobs };
}

export interface WaitOptions {
  /** @defaultValue 1000 */
  pollMs?: number;
  /** Give up after this long (0: never). @defaultValue 0 */
  timeoutMs?: number;
  /** Stop waiting (the jobs go on). */
  stop?: StopSignal;
}

export type WaitOutcome = { done: true; results: PolicyResult[] } | { done: false; reason: string; results: PolicyResult[] };

/**
 * Waits for enqueued runs to close. A run is closed when its job completed, or when it is parked
 * waiting for straggling children with its result already recorded.
 */
export async function waitForRuns(
  queues: RetentionQueues,
  config: ResolvedConfig,
  jobs: readonly EnqueuedRun[],
  options: WaitOptions = {},
): Promise<WaitOutcome> {
  const pollMs = options.pollMs ?? 1000;
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Number.POSITIVE_INFINITY;
  const results = new Map<string, PolicyResult>();
  for (;;) {
    for (const { policy, jobId } of jobs) {
      if (results.has(policy)) continue;
      const result = await closedResult(queues, config, policy, jobId);
      if (result) results.set(policy, result);
    }
    const ordered = jobs.map((j) => results.get(j.policy)).filter((r): r is PolicyResult => r !== undefined);
    if (results.size === jobs.length) return { done: true, results: ordered };
    if (options.stop?.requested) return { done: false, reason: `stopped by ${options.stop.requested}`, results: ordered };
    if (Date.now() > deadline)
      return { done: false, reason: `timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s`, results: ordered };
    await sleep(pollMs);
  }
}

async function closedResult(queues: RetentionQueues, config: ResolvedConfig, policy: string, jobId: string): Promise<PolicyResult | null> {
  // The state first, then the job. Read the other way round, a job read while active can be
  // completed by the time its state is asked: its return value then looks missing, and a run that
  // closed well was reported "closed without a result" (an intermittent failure of the lock-lost
  // test). A completed job stays completed, so the job read after its state has its return value.
  const state = await queues.runs.getJobState(jobId);
  if (!CLOSED_STATES.has(state)) return null;
  const job = state === 'unknown' ? undefined : await queues.runs.getJob(jobId);
  const category = config.policies.find((p) => p.name === policy)?.category ?? '';
  const failed = (error: string): PolicyResult => ({
    name: policy,
    category,
    status: 'failed',
    error,
    evaluatedAt: new Date().toISOString(),
    cutoff: null,
    targets: [],
  });
  if (!job) return failed('the run job is gone from the queue (removed, or kept less long than this wait)');
  if (state === 'completed') {
    const outcome = job.returnvalue as { kind?: string; result?: PolicyResult } | undefined;
    if (outcome?.kind === 'run' && outcome.result) return outcome.result;
    return failed(`the run was ${outcome?.kind ?? 'closed'} without a result`);
  }
  if (state === 'failed') return failed(job.failedReason || 'the run job failed');
  const data = job.data as { closed?: boolean; result?: PolicyResult };
  return data.closed && data.result ? data.result : null;
}

/** States in which a run job may be closed (`waiting-children`: when its data says so); in any other it is still going. */
const CLOSED_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'waiting-children', 'unknown']);
