import { createHash } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { PolicyLock } from '../purger.js';
import type { Logger } from '../../logging/logger.js';

/** MySQL 5.7+ refuses lock names longer than 64 characters. */
const MAX_LOCK_NAME = 64;

/**
 * The named lock of a policy: `retention:<database>:<policy>`, so two deployments sharing a
 * server do not block each other. A longer name is shortened to a prefix and a hash of the whole.
 */
export function policyLockName(database: string, policy: string): string {
  const name = `retention:${database}:${policy}`;
  if (name.length <= MAX_LOCK_NAME) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return `retention:${digest}`;
}

export interface PolicyLocks {
  tryLockPolicy(policy: string): Promise<PolicyLock | null>;
  isPolicyLocked(policy: string): Promise<boolean>;
  /** Ends every connection still holding a lock (their locks go with them). */
  close(): Promise<void>;
}

export interface PolicyLocksOptions {
  url: string;
  database: string;
  logger: Logger;
  /** Limit of the lock connection's own checks (IS_USED_LOCK), ms. @defaultValue 10000 */
  queryTimeoutMs?: number | undefined;
  /** Runs one query on the shared pool (for IS_USED_LOCK). */
  query: (sql: string, values: unknown[]) => Promise<RowDataPacket[]>;
}

/**
 * Single-flight per policy with `GET_LOCK(name, 0)`. Each lock lives on a dedicated connection
 * held until `release()`: a pooled connection could be handed to other work (or recycled) while
 * holding it. If the worker dies or its connection drops, the server frees the lock with the
 * session — so a lock can never outlive the run that took it.
 */
export function createPolicyLocks(options: PolicyLocksOptions): PolicyLocks {
  const held = new Set<Connection>();

  async function endQuietly(conn: Connection): Promise<void> {
    held.delete(conn);
    try {
      await conn.end();
    } catch {
      conn.destroy();
    }
  }

  return {
    async tryLockPolicy(policy) {
      const name = policyLockName(options.database, policy);
      const conn = await createConnection({ uri: options.url, timezone: 'Z', enableKeepAlive: true, connectTimeout: 10_000 });
      // A dropped connection must not crash the process: the lock is gone with it, which the
      // run learns at release time (or a later run by finding the lock free).
      let lost = false;
      conn.on('error', (err: Error) => {
        lost = true;
        options.logger.warn({ policy, err }, 'policy lock connection lost');
      });
      held.add(conn);
      try {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [name]);
        if (Number(rows[0]?.got) !== 1) {
          await endQuietly(conn);
          return null;
        }
      } catch (err) {
        await endQuietly(conn);
        throw err;
      }
      let released = false;
      return {
        async held() {
          if (released || lost) return false;
          try {
            // Cheap (no table touched), and exact: a server that lost our session (restart,
            // failover, KILL) either fails the query or names another connection, or none.
            const [rows] = await conn.query<RowDataPacket[]>({
              sql: 'SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine',
              values: [name],
              timeout: options.queryTimeoutMs ?? 10_000,
            });
            if (Number(rows[0]?.mine) === 1) return true;
          } catch (err) {
            options.logger.warn({ policy, err }, 'the policy lock connection does not answer');
          }
          lost = true;
          return false;
        },
        async release() {
          if (released) return;
          released = true;
          try {
            await conn.query('SELECT RELEASE_LOCK(?)', [name]);
          } catch (err) {
            options.logger.warn({ policy, err }, 'could not release the policy lock explicitly; closing its connection frees it');
          }
          await endQuietly(conn);
        },
      };
    },

    async isPolicyLocked(policy) {
      const rows = await options.query('SELECT IS_USED_LOCK(?) AS holder', [policyLockName(options.database, policy)]);
      return rows[0]?.holder !== null && rows[0]?.holder !== undefined;
    },

    async close() {
      for (const conn of [...held].reverse()) await endQuietly(conn);
    },
  };
}
