// A worker process for the queue tests: the same `runWorkerProcess` as `retention worker`, with
// the test's timing and name. Started with test/support/ts-loader so it runs the sources.
//   RETENTION_CONFIG=<file> WORKER_NAME=<name> WORKER_TIMING=<json> node --import … worker-entry.ts
// With WORKER_GATE=<file>, the process loads everything and waits for that file before starting,
// so a test can have a replica ready to start at once.
import { existsSync } from 'node:fs';
import { resolveConfig } from '../../../src/config/load-config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { runWorkerProcess } from '../../../src/queue/run-worker-process.js';
import type { WorkerTiming } from '../../../src/queue/worker-timing.js';
import { processJob } from '../../../jobs/index.js';

const gate = process.env.WORKER_GATE;
if (gate) {
  const deadline = Date.now() + 120_000;
  while (!existsSync(gate) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
const config = resolveConfig({});
const timing = JSON.parse(process.env.WORKER_TIMING ?? '{}') as Partial<WorkerTiming>;
const code = await runWorkerProcess(config, {
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }),
  name: process.env.WORKER_NAME,
  timing,
  httpPort: 0,
  processJob,
  report: process.env.WORKER_REPORT === '1',
});
process.exitCode = code;
