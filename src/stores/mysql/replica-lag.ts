import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Logger } from '../../logging/logger.js';
import { StoreError } from '../../errors/store-error.js';
import { withRetry } from '../../lib/retry.js';
import { createMysqlPool, type MysqlSessionSettings } from './connection.js';

/** What one replica's `SHOW REPLICA STATUS` says. */
export type ReplicaLag =
  /** The server reports no replication at all: it is not a replica. */
  | { replicating: false }
  /** Seconds behind its source; null when unknown (SQL or I/O thread stopped), which counts as lagging. */
  | { replicating: true; seconds: number | null };

/**
 * Reads the lag from `SHOW REPLICA STATUS` / `SHOW SLAVE STATUS` rows: MySQL 8.0.22+ names it
 * `Seconds_Behind_Source`, MariaDB and older MySQL `Seconds_Behind_Master`. With several channels
 * (multi-source) the worst one counts. A stopped SQL thread reports NULL: the replica is not
 * applying anything, so its lag is unknown and only grows — treated as lagging.
 */
export function parseReplicaLag(rows: ReadonlyArray<Record<string, unknown>>): ReplicaLag {
  if (rows.length === 0) return { replicating: false };
  let worst = 0;
  for (const row of rows) {
    const sqlRunning = row.Replica_SQL_Running ?? row.Slave_SQL_Running;
    if (typeof sqlRunning === 'string' && sqlRunning.toLowerCase() !== 'yes') return { replicating: true, seconds: null };
    const raw = row.Seconds_Behind_Source ?? row.Seconds_Behind_Master;
    if (raw === null || raw === undefined || raw === '') return { replicating: true, seconds: null };
    const seconds = Number(raw);
    if (!Number.isFinite(seconds)) return { replicating: true, seconds: null };
    worst = Math.max(worst, seconds);
  }
  return { replicating: true, seconds: worst };
}

/** True when a replica in this state may take more writes. */
export function isCaughtUp(lag: ReplicaLag, maxLagSeconds: number): boolean {
  return lag.replicating && lag.seconds !== null && lag.seconds <= maxLagSeconds;
}

export interface ReplicaLagGateOptions {
  urls: readonly string[];
  /** Wait while any replica lags more than this. */
  maxLagSeconds: number;
  settings: MysqlSessionSettings;
  logger: Logger;
  /** Pause between two polls of a lagging replica. @defaultValue 500 */
  pollIntervalMs?: number;
  /** Longest one `waitForReplicas` call waits before handing back to the walk. @defaultValue 5000 */
  maxWaitMs?: number;
  /** A good reading is trusted this long, so a fast walk does not poll every chunk. @defaultValue 1000 */
  recheckAfterMs?: number;
}

/** Throttles a walk on replica lag. */
export interface ReplicaLagGate {
  /**
   * Resolves true when every replica is within the allowed lag, false when some still lagged
   * after `maxWaitMs` (the walk then returns an empty batch, so the engine can check its time
   * budget and signals between waits). Throws StoreError when a replica cannot be read or is
   * not replicating at all (a misconfiguration worth failing loudly for).
   */
  waitForReplicas(): Promise<boolean>;
  close(): Promise<void>;
}

const PARSE_ERROR = 1064;

export function createReplicaLagGate(options: ReplicaLagGateOptions): ReplicaLagGate {
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 5000;
  const recheckAfterMs = options.recheckAfterMs ?? 1000;
  const replicas = options.urls.map((url, i) => ({
    label: `replica ${i + 1} (${safeHost(url)})`,
    url,
    pool: null as Pool | null,
    legacySyntax: false,
  }));
  let caughtUpAt = -Infinity;

  async function readLag(replica: (typeof replicas)[number]): Promise<ReplicaLag> {
    replica.pool ??= createMysqlPool(replica.url, options.settings, { connectionLimit: 1 });
    const pool = replica.pool;
    try {
      return await withRetry(async () => {
        if (!replica.legacySyntax) {
          try {
            const [rows] = await pool.query<RowDataPacket[]>('SHOW REPLICA STATUS');
            return parseReplicaLag(rows);
          } catch (err) {
            // Servers older than MySQL 8.0.22 / MariaDB 10.5.1 only know the old spelling.
            if ((err as { errno?: number }).errno !== PARSE_ERROR) throw err;
            replica.legacySyntax = true;
          }
        }
        const [rows] = await pool.query<RowDataPacket[]>('SHOW SLAVE STATUS');
        return parseReplicaLag(rows);
      });
    } catch (err) {
      throw new StoreError('mysql', `cannot read the replication status of ${replica.label}: ${(err as Error).message}`, { cause: err });
    }
  }

  async function allCaughtUp(): Promise<boolean> {
    for (const replica of replicas) {
      const lag = await readLag(replica);
      if (!lag.replicating) {
        throw new StoreError(
          'mysql',
          `${replica.label} reports no replication status: is it a replica? Remove it from stores.mysql.replicas or fix replication`,
        );
      }
      if (!isCaughtUp(lag, options.maxLagSeconds)) {
        options.logger.info(
          { replica: replica.label, lagSeconds: lag.seconds, maxLagSeconds: options.maxLagSeconds },
          'replica lagging: pausing the purge',
        );
        return false;
      }
    }
    return true;
  }

  return {
    async waitForReplicas() {
      if (replicas.length === 0) return true;
      const started = performance.now();
      if (started - caughtUpAt < recheckAfterMs) return true;
      for (;;) {
        if (await allCaughtUp()) {
          caughtUpAt = performance.now();
          return true;
        }
        if (performance.now() - started + pollIntervalMs > maxWaitMs) return false;
        await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
      }
    },
    async close() {
      for (const replica of [...replicas].reverse()) {
        const pool = replica.pool;
        replica.pool = null;
        if (pool) await pool.end();
      }
    },
  };
}

/** host:port of a URL, never its credentials. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unparsable URL';
  }
}
