import { listSchedules } from '../../queue/list-schedules.js';
import { closeQueueConnection, connectQueue, createQueueConnection } from '../../queue/queue-connection.js';
import { openRetentionQueues } from '../../queue/retention-queues.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type CliIo, type GlobalOptions } from '../io.js';
import { loadConfig } from '../load.js';

/** `retention schedule list [--json]`: the job schedulers in the queue's Redis and their next runs. 0, or 3 when Redis is unreachable. */
export async function scheduleListCommand(opts: GlobalOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  const connection = createQueueConnection(config.queue.redisUrl, { logger: io.logger, connectionName: 'retention-schedule-list' });
  await connectQueue(connection);
  const queues = openRetentionQueues(config.queue, connection, io.logger);
  try {
    const rows = await listSchedules(queues, config);
    const missing = config.policies.filter((p) => p.enabled && !rows.some((r) => r.policy === p.name)).map((p) => p.name);
    if (opts.json) {
      printJson(io, { schedulers: rows, missing });
      return EXIT.ok;
    }
    if (rows.length === 0) io.stdout('no job schedulers (is a worker running on this queue?)\n');
    for (const r of rows) {
      const next = r.nextRun ? `${r.nextRun}${r.nextRunQueued ? '' : ' (its job is gone: the watchdog re-creates it)'}` : 'none';
      const origin = r.currentConfig ? 'this config' : `config ${r.configHash ?? '?'} (generation ${r.generation ?? '?'})`;
      const note = r.configured ? '' : '  [not an enabled policy of this config]';
      io.stdout(`${r.policy.padEnd(24)} ${(r.cron ?? '').padEnd(16)} ${(r.tz ?? '').padEnd(16)} next ${next}  by ${origin}${note}\n`);
    }
    for (const m of missing) io.stdout(`${m.padEnd(24)} (no scheduler yet)\n`);
    return EXIT.ok;
  } finally {
    await queues.close();
    await closeQueueConnection(connection);
  }
}
