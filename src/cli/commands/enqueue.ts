import { StopSignal } from '../../engine/stop-signal.js';
import { exitCodeOf, runStatus } from '../../engine/policy-status.js';
import { enqueueRuns, policiesToEnqueue, waitForRuns } from '../../queue/enqueue-runs.js';
import { closeQueueConnection, connectQueue, createQueueConnection } from '../../queue/queue-connection.js';
import { openRetentionQueues } from '../../queue/retention-queues.js';
import type { RunDocument } from '../../types.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig, TRAIL_ONLY, withEngine } from '../load.js';
import { formatRun } from './run.js';

export interface EnqueueCommandOptions extends GlobalOptions {
  policy?: string[];
  wait?: boolean;
  /** With `--wait`: give up after this many seconds (exit 3; the runs go on). */
  timeout?: string;
}

/**
 * `retention enqueue [--policy NAME]… [--wait] [--timeout S] [--json]`: puts runs on the queue for
 * the worker fleet (an external cron's way in). Without `--wait`, prints the job ids and exits 0;
 * with it, waits for the runs to close and reports like `run` (0 succeeded or partial, 1 failed
 * or refused; 3 when the wait timed out).
 */
export async function enqueueCommand(opts: EnqueueCommandOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const policies = policiesToEnqueue(config, opts.policy, io.logger);
  // Payloads are signed with a key derived from audit.key: a key that is not the trail's would make
  // every worker refuse them, so it is refused here first (exit 2).
  await withEngine(config, io, (engine) => engine.audit.checkKey(), { stores: TRAIL_ONLY });
  const connection = createQueueConnection(config.queue.redisUrl, { logger: io.logger, connectionName: 'retention-enqueue' });
  await connectQueue(connection);
  const queues = openRetentionQueues(config.queue, connection, io.logger);
  const stop = new StopSignal();
  const unbind = stop.bindProcessSignals();
  try {
    const startedAt = new Date();
    const { runId, jobs } = await enqueueRuns(queues, config, policies);
    io.logger.info({ runId, jobs: jobs.map((j) => j.jobId) }, 'runs enqueued');
    if (!opts.wait) {
      if (opts.json) printJson(io, { runId, jobs });
      else io.stdout(`run ${runId}: enqueued ${jobs.map((j) => j.policy).join(', ') || '(no policy)'}\n`);
      return EXIT.ok;
    }
    const timeoutMs = opts.timeout ? Number(opts.timeout) * 1000 : 0;
    const outcome = await waitForRuns(queues, config, jobs, { timeoutMs, stop });
    const doc: RunDocument = {
      runId,
      dryRun: false,
      status: runStatus(outcome.results),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      policies: outcome.results,
    };
    if (!outcome.done) {
      io.stderr(`retention: stopped waiting (${outcome.reason}); the runs go on in the worker fleet\n`);
      if (opts.json) printJson(io, { ...doc, status: 'waiting', error: { code: EXIT.cannotCheck, message: outcome.reason } });
      return EXIT.cannotCheck;
    }
    if (opts.json) printJson(io, doc);
    else io.stdout(formatRun(doc));
    return exitCodeOf(doc.status);
  } finally {
    unbind();
    await queues.close();
    await closeQueueConnection(connection);
  }
}
