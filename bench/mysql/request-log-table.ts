import { access, chown, constants, copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { REFERENCE_MYSQL_TABLES } from '../../src/seed/mysql-reference-schema.js';

/** The table the worker's config, pt-archiver and the probe all name. */
export const TABLE = 'im_request_log';

const DAY_MS = 86_400_000;

/** The reference `CREATE TABLE` of im_request_log, under another name. */
function createStatement(name: string): string {
  const reference = REFERENCE_MYSQL_TABLES.find((s) => s.includes(`EXISTS ${TABLE} (`));
  if (!reference) throw new Error(`the reference schema has no ${TABLE}`);
  return reference.replace(`EXISTS ${TABLE} (`, `EXISTS ${mysql.escapeId(name)} (`);
}

/** Rows 0…9999, the generator every load cross-joins with itself. */
async function ensureSequence(pool: Pool): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_seq (n INT UNSIGNED NOT NULL PRIMARY KEY) ENGINE=InnoDB');
  const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM bench_seq');
  if (Number(rows[0]?.n) === 10_000) return;
  const digits =
    'SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9';
  await pool.query(
    `INSERT IGNORE INTO bench_seq SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d FROM (${digits}) a CROSS JOIN (${digits}) b CROSS JOIN (${digits}) c CROSS JOIN (${digits}) e`,
  );
}

export interface TimeSpan {
  /** Time of row 0. */
  from: Date;
  /** Time just after the last row: rows are spread evenly over [from, to). */
  to: Date;
}

/**
 * Appends `rows` rows spread evenly over `span` in one INSERT … SELECT, ids following time from
 * `firstId`. Bulk mode (unique/foreign key checks off on an empty table) lets InnoDB build the
 * pages sorted: 2 M rows in about 20 s on a 2-core box instead of 40.
 */
export async function insertRows(pool: Pool, table: string, rows: number, span: TimeSpan, firstId: bigint): Promise<void> {
  await ensureSequence(pool);
  const conn = await pool.getConnection();
  try {
    await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
    const msPerRow = (span.to.getTime() - span.from.getTime()) / rows;
    const i = '(k.n * 10000 + s.n)';
    await conn.query(
      `INSERT INTO ${mysql.escapeId(table)} (id, app_id, client_ip, interface_name, requested_at)
       SELECT ? + ${i}, 1400000000 + (${i} % 500), UNHEX(LPAD(HEX((${i} * 7919) % 4294967291), 8, '0')),
              ELT(1 + (${i} % 4), 'sendmsg', 'get_history', 'import_account', 'query_state'),
              ? + INTERVAL FLOOR(${i} * ?) * 1000 MICROSECOND
       FROM bench_seq k CROSS JOIN bench_seq s
       WHERE k.n < ? AND ${i} < ?
       ORDER BY k.n, s.n`,
      [firstId.toString(), span.from, msPerRow, Math.ceil(rows / 10_000), rows],
    );
  } finally {
    await conn.query('SET SESSION unique_checks = 1, foreign_key_checks = 1');
    conn.release();
  }
}

/** Creates a table shaped like im_request_log (dropping any previous one). */
export async function createRequestLogTable(pool: Pool, name: string): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(name)}`);
  await pool.query(createStatement(name));
}

/** `rows` rows over the 14 days before `now`, ids 1…rows in time order. */
export function fourteenDaysBefore(now: Date): TimeSpan {
  return { from: new Date(now.getTime() - 14 * DAY_MS), to: now };
}

/**
 * A loaded im_request_log kept aside, from which every run gets an identical fresh copy. When the
 * server's data directory is on this machine and writable, copies are made by InnoDB's
 * transportable tablespaces (FLUSH … FOR EXPORT once, DISCARD/IMPORT per copy: 2 s for 2 M rows);
 * otherwise by INSERT … SELECT.
 */
export class RequestLogTemplate {
  private constructor(
    private readonly pool: Pool,
    private readonly database: string,
    readonly name: string,
    readonly rows: number,
    readonly span: TimeSpan,
    private readonly exported: { dir: string; datadir: string } | null,
  ) {}

  /** `serverIsLocal`: the server runs on this machine, so its data directory may be reachable. */
  static async load(
    pool: Pool,
    database: string,
    name: string,
    rows: number,
    span: TimeSpan,
    serverIsLocal: boolean,
  ): Promise<RequestLogTemplate> {
    await createRequestLogTable(pool, name);
    await insertRows(pool, name, rows, span, 1n);
    const exported = await exportTablespace(pool, database, name, serverIsLocal);
    return new RequestLogTemplate(pool, database, name, rows, span, exported);
  }

  get method(): 'tablespace import' | 'INSERT … SELECT' {
    return this.exported ? 'tablespace import' : 'INSERT … SELECT';
  }

  /** Replaces `target` with a fresh copy of the template. */
  async cloneTo(target: string): Promise<void> {
    await createRequestLogTable(this.pool, target);
    if (!this.exported) {
      const conn = await this.pool.getConnection();
      try {
        await conn.query('SET SESSION unique_checks = 0, foreign_key_checks = 0');
        await conn.query(`INSERT INTO ${mysql.escapeId(target)} SELECT * FROM ${mysql.escapeId(this.name)} ORDER BY id`);
      } finally {
        await conn.query('SET SESSION unique_checks = 1, foreign_key_checks = 1');
        conn.release();
      }
    } else {
      const { dir, datadir } = this.exported;
      const dbDir = join(datadir, this.database);
      await this.pool.query(`ALTER TABLE ${mysql.escapeId(target)} DISCARD TABLESPACE`);
      const owner = await stat(dbDir);
      for (const ext of ['ibd', 'cfg']) {
        const file = join(dbDir, `${target}.${ext}`);
        await copyFile(join(dir, `${this.name}.${ext}`), file);
        await chown(file, owner.uid, owner.gid);
      }
      await this.pool.query(`ALTER TABLE ${mysql.escapeId(target)} IMPORT TABLESPACE`);
      await rm(join(dbDir, `${target}.cfg`), { force: true });
    }
    await this.pool.query(`ANALYZE TABLE ${mysql.escapeId(target)}`);
  }

  async dispose(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${mysql.escapeId(this.name)}`);
    if (this.exported) await rm(this.exported.dir, { recursive: true, force: true });
  }
}

/**
 * Copies the table's tablespace files aside, or returns null when they cannot be reached (a remote
 * server, another user's data directory): the caller then copies rows instead.
 */
async function exportTablespace(
  pool: Pool,
  database: string,
  table: string,
  local: boolean,
): Promise<{ dir: string; datadir: string } | null> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT @@datadir AS datadir');
  const datadir = String(rows[0]?.datadir ?? '');
  if (!local || !datadir || !/^[a-z0-9_]+$/i.test(database) || !/^[a-z0-9_]+$/i.test(table)) return null;
  try {
    await stat(join(datadir, database, `${table}.ibd`));
    await access(join(datadir, database), constants.W_OK);
  } catch {
    return null;
  }
  const dir = await mkdtemp(join(tmpdir(), 'retention-bench-'));
  const conn: PoolConnection = await pool.getConnection();
  try {
    await conn.query(`FLUSH TABLES ${mysql.escapeId(table)} FOR EXPORT`);
    try {
      for (const ext of ['ibd', 'cfg']) await copyFile(join(datadir, database, `${table}.${ext}`), join(dir, `${table}.${ext}`));
    } finally {
      await conn.query('UNLOCK TABLES');
    }
    return { dir, datadir };
  } catch {
    await rm(dir, { recursive: true, force: true });
    return null;
  } finally {
    conn.release();
  }
}
