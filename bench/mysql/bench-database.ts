import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCpuMs } from '../support/child-process.js';
import mysql from 'mysql2';
import { createConnection, createPool, type Pool, type RowDataPacket } from 'mysql2/promise';

/** A private database on the MySQL server the bench measures; dropped at the end, even on failure. */
export interface BenchDatabase {
  name: string;
  /** `mysql://…/<name>`: what the worker's config and pt-archiver connect to. */
  url: string;
  serverUrl: string;
  /** The server listens on this machine (its data directory may be reachable). */
  local: boolean;
  pool: Pool;
  drop(): Promise<void>;
}

export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `rt_bench_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(serverUrl);
  await admin.query(`CREATE DATABASE ${mysql.escapeId(name)}`);
  await admin.end();
  const url = `${serverUrl.replace(/\/+$/, '')}/${name}`;
  const pool = createPool({ uri: url, connectionLimit: 4, timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true });
  return {
    name,
    url,
    serverUrl,
    local: ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(serverUrl).hostname),
    pool,
    async drop() {
      await pool.end();
      const conn = await createConnection(serverUrl);
      await conn.query(`DROP DATABASE IF EXISTS ${mysql.escapeId(name)}`);
      await conn.end();
    },
  };
}

/** `SHOW GLOBAL STATUS` counters the bench reads (global: the worker and pt-archiver are other processes). */
export type StatusSnapshot = Record<string, number>;

const COUNTERS = [
  'Handler_read_first',
  'Handler_read_key',
  'Handler_read_last',
  'Handler_read_next',
  'Handler_read_prev',
  'Handler_read_rnd',
  'Handler_read_rnd_next',
  'Innodb_row_lock_waits',
  'Innodb_rows_deleted',
  'Innodb_rows_read',
  'Questions',
];

export async function statusSnapshot(pool: Pool): Promise<StatusSnapshot> {
  const [rows] = await pool.query<RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (?)`, [COUNTERS]);
  const snapshot: StatusSnapshot = {};
  for (const row of rows) snapshot[String(row.Variable_name)] = Number(row.Value);
  return snapshot;
}

export interface StatusDelta {
  /** Sum of the Handler_read_* deltas: row reads the server made. */
  handlerReads: number;
  rowLockWaits: number;
  innodbRowsRead: number;
  questions: number;
}

export function statusDelta(before: StatusSnapshot, after: StatusSnapshot): StatusDelta {
  const d = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  return {
    handlerReads: COUNTERS.filter((c) => c.startsWith('Handler_read')).reduce((sum, c) => sum + d(c), 0),
    rowLockWaits: d('Innodb_row_lock_waits'),
    innodbRowsRead: d('Innodb_rows_read'),
    questions: d('Questions'),
  };
}

/** InnoDB's history list length: undo records of committed deletes not yet purged. */
export async function historyLength(pool: Pool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT `count` AS n FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'",
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits (bounded) until InnoDB has purged the undo of earlier runs, so each run starts on a quiet
 * server; returns how long it took, ms. Other sessions' work also counts, hence the bound.
 */
export async function waitForUndoPurge(pool: Pool, options: { below?: number; timeoutMs?: number } = {}): Promise<number> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? 60_000);
  const below = options.below ?? 1000;
  while (performance.now() < deadline) {
    if ((await historyLength(pool)) < below) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - started;
}

/**
 * Reads the CPU time of the MySQL server process, when it runs on this machine and its pid file
 * is readable; null otherwise. Lets the bench split a purge's cost between worker and server.
 */
export async function serverCpuReader(pool: Pool): Promise<(() => Promise<number | null>) | null> {
  try {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT @@pid_file AS f');
    const pid = Number((await readFile(String(rows[0]?.f), 'utf8')).trim());
    await readCpuMs(pid);
    return () => readCpuMs(pid).catch(() => null);
  } catch {
    return null;
  }
}
