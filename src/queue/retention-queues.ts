import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrls } from '../logging/redact.js';
import type { RawConfig } from '../config/schema.js';
import { RUNS_QUEUE, TARGETS_QUEUE } from './queue-names.js';

export interface RetentionQueues {
  readonly prefix: string;
  /** Policy-run jobs: scheduled ticks and `enqueue`d runs. */
  readonly runs: Queue;
  /** Target jobs, children of a policy-run job. */
  readonly targets: Queue;
  /** The shared connection: BullMQ does not close a client it was given, and neither does `close`. */
  readonly connection: Redis;
  close(): Promise<void>;
}

/** Opens the run and target queues on one shared connection (the caller closes it, after `close`). */
export function openRetentionQueues(queue: RawConfig['queue'], connection: Redis, logger: Logger): RetentionQueues {
  const runs = new Queue(RUNS_QUEUE, { connection, prefix: queue.prefix });
  const targets = new Queue(TARGETS_QUEUE, { connection, prefix: queue.prefix });
  // A queue emits 'error' when Redis is unreachable; unhandled, that would crash the process.
  for (const q of [runs, targets])
    q.on('error', (err) => logger.warn({ queue: q.name, err: { message: redactUrls(err.message) } }, 'queue error'));
  return {
    prefix: queue.prefix,
    runs,
    targets,
    connection,
    async close() {
      await Promise.allSettled([runs.close(), targets.close()]);
    },
  };
}
