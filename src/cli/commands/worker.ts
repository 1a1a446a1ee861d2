import { runWorkerProcess } from '../../queue/run-worker-process.js';
import type { CliIo, GlobalOptions } from '../io.js';
import { loadConfig } from '../load.js';

/**
 * `retention worker`: long-running; one job scheduler per policy, processes purge jobs, serves
 * `/healthz`, `/readyz`, `/metrics` on `http.port`. SIGTERM/SIGINT finish the batch in hand,
 * audit, close, and exit 0; a second signal exits at once.
 */
export async function workerCommand(opts: GlobalOptions, io: CliIo): Promise<number> {
  const config = loadConfig(opts);
  if (!io.loadJobProcessor) throw new Error('retention worker needs its job processor: start it through bin/retention.js');
  return runWorkerProcess(config, { logger: io.logger, processJob: await io.loadJobProcessor() });
}
