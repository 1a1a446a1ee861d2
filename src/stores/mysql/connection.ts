import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';

export interface MysqlSessionSettings {
  /** `innodb_lock_wait_timeout` of purge sessions, seconds: never hold the application up for long. */
  lockWaitTimeoutSeconds: number;
  /** `lock_wait_timeout` (metadata locks), seconds: never queue for long behind DDL. */
  metadataLockWaitTimeoutSeconds: number;
}

export const DEFAULT_SESSION_SETTINGS: MysqlSessionSettings = { lockWaitTimeoutSeconds: 2, metadataLockWaitTimeoutSeconds: 5 };

/**
 * A pool whose every connection runs in UTC (`time_zone = '+00:00'`, mysql2 `timezone: 'Z'`),
 * returns big integers exactly (as strings), and waits only briefly for locks.
 */
export function createMysqlPool(url: string, settings: MysqlSessionSettings = DEFAULT_SESSION_SETTINGS, options: Partial<PoolOptions> = {}): Pool {
  const pool = createPool({
    uri: url,
    connectionLimit: 4,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: false,
    decimalNumbers: false,
    enableKeepAlive: true,
    connectTimeout: 10_000,
    ...options,
  });
  const lockWait = Math.max(1, Math.floor(settings.lockWaitTimeoutSeconds));
  const mdlWait = Math.max(1, Math.floor(settings.metadataLockWaitTimeoutSeconds));
  // Runs on every new physical connection, before it is handed out.
  pool.pool.on('connection', (conn) => {
    conn.query(`SET time_zone = '+00:00', innodb_lock_wait_timeout = ${lockWait}, lock_wait_timeout = ${mdlWait}`);
  });
  return pool;
}

/** The database named in a MySQL URL (`mysql://host/im` → `im`). */
export function databaseOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('the MySQL URL names no database');
  return name;
}
