import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StoreError } from '../errors/index.js';
import { withTimeout } from '../lib/with-timeout.js';
import { redactUrls } from '../logging/redact.js';

export interface QueueConnectionOptions {
  /** Shown by `CLIENT LIST`, to tell the worker's connections apart. @defaultValue `retention-worker` */
  connectionName?: string;
  logger: Logger;
}

/**
 * A connection to the queue's Redis, made for BullMQ: `maxRetriesPerRequest: null` (BullMQ's
 * workers block on it and must not give up on a command while Redis restarts). BullMQ is given
 * the client itself rather than options, so it never has to load ioredis on its own, and the
 * RESP3 that ioredis 6 speaks by default keeps its legacy reply shapes, which BullMQ expects.
 * Errors are logged (URL passwords redacted), at most once per distinct message in a row.
 */
export function createQueueConnection(url: string, options: QueueConnectionOptions): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: options.connectionName ?? 'retention-worker',
    lazyConnect: true,
  });
  let last = '';
  client.on('error', (err: Error) => {
    const message = redactUrls(err.message);
    if (message === last) return;
    last = message;
    options.logger.warn({ err: { message, code: (err as NodeJS.ErrnoException).code } }, 'queue Redis connection error');
  });
  client.on('ready', () => {
    last = '';
  });
  return client;
}

/** Closes a queue connection politely (QUIT), or at once when that fails. */
export async function closeQueueConnection(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * Connects, or throws StoreError (exit 3) when the queue's Redis does not answer within
 * `timeoutMs`: the client itself would keep retrying in the background for ever.
 */
export async function connectQueue(client: Redis, timeoutMs = 10_000): Promise<void> {
  try {
    await withTimeout(client.connect(), timeoutMs);
  } catch (err) {
    client.disconnect();
    throw new StoreError('redis', `cannot reach the queue's Redis: ${(err as Error).message}`, { cause: err });
  }
}
