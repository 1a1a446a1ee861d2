import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Coordination, PurgerContext, Store } from '../purger.js';
import type { TargetConfig, MysqlTargetConfig, RawConfig } from '../../config/schema.js';
import type { Logger } from '../../logging/logger.js';
import type { RetryOptions } from '../../lib/retry.js';
import { StoreError } from '../../errors/store-error.js';
import { ConfigError } from '../../errors/config-error.js';
import { createMysqlPool, databaseOf } from './connection.js';
import { createMysqlAgePurger, type MysqlAgePurger } from './age-purger.js';
import { createMysqlSubjectPurger } from './subject-purger.js';
import { createPolicyLocks } from './policy-lock.js';
import { mysqlCopies } from './derived-copies.js';
import { createReplicaLagGate } from './replica-lag.js';
import { asStoreErrors, type MysqlStoreContext } from './store-context.js';
import { TeardownStack } from '../../lib/teardown-stack.js';

/**
 * The store's settings: `stores.mysql` of the configuration (fields and defaults in
 * src/config/schema.ts), plus what only code sets (tests, the bench).
 */
export interface MysqlStoreConfig extends Omit<MysqlStoreSettings, 'adaptiveBatchSize' | 'queryTimeoutMs'> {
  /** @defaultValue false */
  adaptiveBatchSize?: boolean;
  /** Backoff of retried statements (lock wait timeout, deadlock). @defaultValue withRetry's defaults */
  retry?: RetryOptions;
  /** Connections of the shared pool (purges, counts, the audit trail). @defaultValue 4 */
  connectionLimit?: number;
  /** Client-side limit of one statement, ms (see MysqlSessionSettings); the configuration's default is 60000. @defaultValue none */
  queryTimeoutMs?: number;
}

type MysqlStoreSettings = RawConfig['stores']['mysql'];

/** The MySQL store: purgers, run coordination, and the pool the audit trail shares. */
export interface MysqlStore extends Store, Coordination {
  readonly name: 'mysql';
  /** The shared pool: UTC sessions, exact big integers, short lock waits. */
  readonly pool: Pool;
  /** The database named in the URL. */
  readonly database: string;
  agePurger(target: TargetConfig, context?: PurgerContext): MysqlAgePurger;
}

export function createMysqlStore(config: MysqlStoreConfig, logger: Logger): MysqlStore {
  const database = databaseNamedIn(config.url);
  const settings = {
    lockWaitTimeoutSeconds: config.lockWaitTimeoutSeconds,
    metadataLockWaitTimeoutSeconds: config.metadataLockWaitTimeoutSeconds,
    queryTimeoutMs: config.queryTimeoutMs,
  };
  const pool = createMysqlPool(config.url, settings, { connectionLimit: config.connectionLimit ?? 4 });
  const log = logger.child({ store: 'mysql' });
  const replicaLag = createReplicaLagGate({ urls: config.replicas, maxLagSeconds: config.maxReplicaLagSeconds, settings, logger: log });
  const ctx: MysqlStoreContext = {
    pool,
    database,
    logger: log,
    replicaLag,
    adaptiveBatchSize: config.adaptiveBatchSize ?? false,
    retry: {
      ...config.retry,
      onRetry: (err, attempt, delayMs) => {
        log.warn({ err, attempt, delayMs }, 'retrying a MySQL statement');
        config.retry?.onRetry?.(err, attempt, delayMs);
      },
    },
  };
  const locks = createPolicyLocks({
    url: config.url,
    queryTimeoutMs: config.queryTimeoutMs,
    database,
    logger: log,
    query: async (sql, values) => (await pool.query<RowDataPacket[]>(sql, values))[0],
  });

  return {
    name: 'mysql',
    pool,
    database,

    agePurger(target, context) {
      return createMysqlAgePurger(ctx, mysqlTarget(target), context?.now);
    },

    subjectPurger(target) {
      return createMysqlSubjectPurger(ctx, mysqlTarget(target));
    },

    // Binary, general and slow query logs: read from the server's variables on the store's pool.
    derivedCopies: (shortest) => mysqlCopies(pool, shortest),

    async ping() {
      try {
        await pool.query('SELECT 1');
      } catch (err) {
        throw new StoreError('mysql', `cannot reach MySQL: ${(err as Error).message}`, { cause: err });
      }
    },

    serverTime() {
      return asStoreErrors('reading the server time', async () => {
        // UTC_TIMESTAMP does not depend on the session time zone; mysql2 reads it as UTC (timezone 'Z').
        const [rows] = await pool.query<RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) AS now');
        const now = rows[0]?.now;
        if (!(now instanceof Date)) throw new Error('UTC_TIMESTAMP(3) did not return a date');
        return now;
      });
    },

    tryLockPolicy(policy) {
      return asStoreErrors(`taking the lock of policy ${policy}`, () => locks.tryLockPolicy(policy));
    },

    isPolicyLocked(policy) {
      return asStoreErrors(`reading the lock of policy ${policy}`, () => locks.isPolicyLocked(policy));
    },

    async close() {
      const teardown = new TeardownStack((what, err) => log.warn({ err, what }, 'closing the MySQL store failed'));
      teardown.push('pool', () => pool.end());
      teardown.push('replica lag gate', () => replicaLag.close());
      teardown.push('policy locks', () => locks.close());
      await teardown.release();
    },
  };
}

/** The URL's database, or a ConfigError that does not repeat the URL (it may hold a password). */
function databaseNamedIn(url: string): string {
  try {
    return databaseOf(url);
  } catch {
    throw new ConfigError([
      { path: 'stores.mysql.url', message: 'must be a mysql:// URL naming a database, e.g. mysql://user@host:3306/im' },
    ]);
  }
}

function mysqlTarget(target: TargetConfig): MysqlTargetConfig {
  if (target.store !== 'mysql') throw new Error(`the MySQL store cannot purge a ${target.store} target`);
  return target;
}
