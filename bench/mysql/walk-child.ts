/**
 * A child process running one MySQL age target through the engine's loop (`runAgeTarget`) with
 * a store option the config file does not expose: `adaptiveBatchSize`. The bench uses it to show
 * what sizing chunks by server time changes against fixed chunks. Input: BENCH_WALK (JSON).
 * Output: the TargetResult as JSON on stdout.
 */
import { runAgeTarget } from '../../src/engine/run-age-target.js';
import { StopSignal } from '../../src/engine/stop-signal.js';
import { systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMysqlStore } from '../../src/stores/mysql/mysql-store.js';

interface WalkInput {
  url: string;
  table: string;
  time: string;
  batchSize: number;
  adaptive: boolean;
  retainDays: number;
}

const input = JSON.parse(process.env.BENCH_WALK ?? '{}') as WalkInput;
const logger = createLogger({ level: 'warn' });
const store = createMysqlStore(
  {
    url: input.url,
    lockWaitTimeoutSeconds: 2,
    metadataLockWaitTimeoutSeconds: 5,
    replicas: [],
    maxReplicaLagSeconds: 10,
    adaptiveBatchSize: input.adaptive,
  },
  logger,
);
try {
  const now = await store.serverTime();
  const result = await runAgeTarget({
    purger: store.agePurger({
      store: 'mysql',
      table: input.table,
      time: input.time,
      timeFormat: 'datetime',
      batchSize: input.batchSize,
      pauseMs: 0,
      maxRunSeconds: 3600,
    }),
    cutoff: new Date(now.getTime() - input.retainDays * 86_400_000),
    tuning: { pauseMs: 0, maxRunSeconds: 3600 },
    dryRun: false,
    allowLarge: true,
    clock: systemClock,
    stop: new StopSignal(),
    logger,
    runId: 'bench',
    policy: 'bench',
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
} finally {
  await store.close();
}
