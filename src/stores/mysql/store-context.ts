import type { Pool } from 'mysql2/promise';
import type { Logger } from '../../logging/logger.js';
import type { RetryOptions } from '../../lib/retry.js';
import { RefusalError } from '../../errors/refusal-error.js';
import { StoreError } from '../../errors/store-error.js';
import type { ReplicaLagGate } from './replica-lag.js';

/** What every MySQL purger of one store shares. */
export interface MysqlStoreContext {
  pool: Pool;
  database: string;
  logger: Logger;
  replicaLag: ReplicaLagGate;
  /** Size chunks by measured server time (see ChunkSizer). */
  adaptiveBatchSize: boolean;
  /** Backoff of retried chunk statements (lock wait timeout, deadlock, connection reset). */
  retry: RetryOptions;
}

/**
 * A failure of a MySQL operation as the engine expects it: refusals and store errors pass
 * through, driver errors are wrapped (kept as `cause`). Driver messages name tables and
 * columns, never the contents of purged rows.
 */
export function asStoreError(action: string, err: unknown): Error {
  if (err instanceof RefusalError || err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError('mysql', `${action}: ${message}`, { cause: err });
}

/** Runs one operation of the store; its failure reaches the engine as `asStoreError` makes it. */
export async function asStoreErrors<T>(action: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw asStoreError(action, err);
  }
}
