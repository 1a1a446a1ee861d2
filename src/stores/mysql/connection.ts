import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';

export interface MysqlSessionSettings {
  /** `innodb_lock_wait_timeout` of purge sessions, seconds: never hold the application up for long. */
  lockWaitTimeoutSeconds: number;
  /** `lock_wait_timeout` (metadata locks), seconds: never queue for long behind DDL. */
  metadataLockWaitTimeoutSeconds: number;
  /**
   * Client-side limit of every statement on the pool, ms (mysql2's per-query `timeout`, which
   * mysql2 has no pool-wide default for). A statement past it fails with a fatal
   * `PROTOCOL_SEQUENCE_TIMEOUT` and its connection is dropped: a hung server or a silent network
   * fails the call instead of blocking the run. Unset: no limit.
   */
  queryTimeoutMs?: number | undefined;
}

export const DEFAULT_SESSION_SETTINGS: MysqlSessionSettings = { lockWaitTimeoutSeconds: 2, metadataLockWaitTimeoutSeconds: 5 };

/**
 * A pool whose every connection runs in UTC (`time_zone = '+00:00'`, mysql2 `timezone: 'Z'`),
 * returns big integers exactly (as strings), and waits only briefly for locks.
 */
export function createMysqlPool(
  url: string,
  settings: MysqlSessionSettings = DEFAULT_SESSION_SETTINGS,
  options: Partial<PoolOptions> = {},
): Pool {
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
    if (settings.queryTimeoutMs !== undefined) withDefaultQueryTimeout(conn, settings.queryTimeoutMs);
  });
  return pool;
}

/** The part of mysql2's core connection that `withDefaultQueryTimeout` wraps. */
interface QueryingConnection {
  query: (sql: unknown, values?: unknown, cb?: unknown) => unknown;
  destroy: () => void;
}

/** A mysql2 Query command: its result callback, called once with the error or the rows. */
interface QueryCommand {
  onResult?: (err: unknown, ...rest: unknown[]) => unknown;
}

/**
 * Gives every statement of one connection a `timeout` unless it names its own. Hand-written
 * because mysql2 reads the timeout only per query: the pool hands a ready Query command to the
 * connection (whose `timeout` is then set here), direct calls pass SQL text or an options object.
 *
 * mysql2 only stops waiting at the timeout; the server goes on with the statement and the
 * connection stays busy. So a timed-out connection is destroyed (the pool drops it) and the error
 * marked `fatal`, like any connection-killing error: the engine's retry runs on a fresh connection.
 */
export function withDefaultQueryTimeout(conn: unknown, timeoutMs: number): void {
  const target = conn as QueryingConnection;
  const original = target.query;
  const dropOnTimeout = (command: unknown): unknown => {
    const cmd = command as QueryCommand | null;
    const onResult = cmd?.onResult;
    if (cmd && typeof onResult === 'function') {
      cmd.onResult = function (this: unknown, err: unknown, ...rest: unknown[]) {
        if ((err as { code?: unknown } | null)?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
          (err as { fatal?: boolean }).fatal = true;
          target.destroy();
        }
        return onResult.call(this, err, ...rest);
      };
    }
    return command;
  };
  target.query = function (this: unknown, sql: unknown, values?: unknown, cb?: unknown) {
    if (typeof sql === 'string') return dropOnTimeout(original.call(this, { sql, timeout: timeoutMs }, values, cb));
    if (sql !== null && typeof sql === 'object') {
      const options = sql as { timeout?: number; constructor?: { name?: string } };
      if (options.timeout === undefined) {
        // A Query command (from pool.query) is used as is; a plain options object is copied.
        if (options.constructor?.name === 'Query') options.timeout = timeoutMs;
        else return dropOnTimeout(original.call(this, { ...options, timeout: timeoutMs }, values, cb));
      }
    }
    return dropOnTimeout(original.call(this, sql, values, cb));
  };
}

/** The database named in a MySQL URL (`mysql://host/im` → `im`). */
export function databaseOf(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('the MySQL URL names no database');
  return name;
}
