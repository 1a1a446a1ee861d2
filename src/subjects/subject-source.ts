import mysql from 'mysql2';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { SubjectSourceConfig } from '../config/schema.js';
import { createMysqlPool, type MysqlSessionSettings } from '../stores/mysql/connection.js';
import { StoreError } from '../errors/index.js';

/** A subject as the candidate query sees it (no lock). */
export interface SubjectCandidate {
  /** Exact decimal id (a BIGINT UNSIGNED never goes through a JS number). */
  id: string;
  terminatedAt: Date;
  /** On legal hold: counted as `held`, never purged. */
  held: boolean;
}

/** A subject's account row as re-read under its row lock, right before its data is deleted. */
export interface LockedSubject {
  id: string;
  /** `status = terminatedValue`. */
  terminated: boolean;
  terminatedAt: Date | null;
  held: boolean;
  /** `markPurged IS NULL OR markPurged < terminatedAt`: not purged since its last termination. */
  unmarked: boolean;
}

/**
 * The account rows of one batch, locked (`FOR UPDATE SKIP LOCKED`) in one short transaction on a
 * connection of its own. The application's reactivation of one of them waits until `commit` or
 * `rollback`; a row locked by someone else is not in `rows` and not waited for.
 */
export interface SubjectClaim {
  readonly rows: ReadonlyMap<string, LockedSubject>;
  /** Ids of the batch that were not locked because they no longer exist. */
  readonly missing: ReadonlySet<string>;
  /** Sets `markPurged = at` on these (locked) rows, inside the claim's transaction. */
  markPurged(ids: readonly string[], at: Date): Promise<void>;
  commit(): Promise<void>;
  /** Releases the locks without marking anything. Safe after `commit` (then a no-op). */
  rollback(): Promise<void>;
}

export interface SubjectSource {
  /** Terminated accounts with no termination time: never due, reported. */
  countTerminatedWithoutTime(): Promise<number>;
  /**
   * One page of candidates: terminated, with `terminatedAt < bound`, not purged since their
   * termination, ids after `afterId` (and up to `upToId`, inclusive, when given), in id order.
   * Legal holds are included (flagged) so they can be counted; the exact deadline is decided by
   * the caller.
   */
  candidates(bound: Date, afterId: string | null, limit: number, upToId?: string | null): Promise<SubjectCandidate[]>;
  claim(ids: readonly string[]): Promise<SubjectClaim>;
  close(): Promise<void>;
}

export interface SubjectSourceOptions {
  /** The MySQL store's URL (the subjects table lives in its database). */
  url: string;
  session: MysqlSessionSettings;
}

const DECIMAL_ID = /^\d+$/;

/**
 * The `subjects:` table of a policy (the reference: `im_account`). It has its own small pool,
 * opened for one policy run: the claim transaction holds a connection for as long as a batch is
 * purged, and must never compete with the purgers and the audit trail for the shared pool.
 * Sessions are UTC with short lock waits (createMysqlPool); with `SKIP LOCKED` the claim never
 * waits for a row lock at all.
 *
 * Ids are bound as BigInt (mysql2 writes a bare integer literal): a string compared with an
 * integer column is compared as a double, which would confuse ids above 2^53.
 */
export function openSubjectSource(config: SubjectSourceConfig, options: SubjectSourceOptions): SubjectSource {
  const pool: Pool = createMysqlPool(options.url, options.session, { connectionLimit: 2 });
  const q = mysql.escapeId;
  const table = q(config.table);
  const id = q(config.id);
  const status = q(config.status);
  const terminatedAt = q(config.terminatedAt);
  const mark = q(config.markPurged);
  const held = config.legalHold ? `(COALESCE(${q(config.legalHold)}, 0) <> 0)` : '0';
  const unmarked = `(${mark} IS NULL OR ${mark} < ${terminatedAt})`;

  const fail = (action: string, err: unknown) =>
    err instanceof StoreError
      ? err
      : new StoreError('mysql', `subjects table ${config.table}: ${action}: ${(err as Error).message}`, { cause: err });

  return {
    async countTerminatedWithoutTime() {
      try {
        const [rows] = await pool.query<RowDataPacket[]>(
          `SELECT COUNT(*) AS \`n\` FROM ${table} WHERE ${status} = ? AND ${terminatedAt} IS NULL`,
          [config.terminatedValue],
        );
        return Number(rows[0]?.n ?? 0);
      } catch (err) {
        throw fail('counting terminated accounts without a termination time', err);
      }
    },

    async candidates(bound, afterId, limit, upToId = null) {
      const after = (afterId === null ? '' : ` AND ${id} > ?`) + (upToId === null ? '' : ` AND ${id} <= ?`);
      const sql =
        `SELECT CAST(${id} AS CHAR) AS \`id\`, ${terminatedAt} AS \`terminatedAt\`, ${held} AS \`held\` FROM ${table}` +
        ` WHERE ${status} = ? AND ${terminatedAt} IS NOT NULL AND ${terminatedAt} < ? AND ${unmarked}${after}` +
        ` ORDER BY ${id} LIMIT ${Math.max(1, Math.floor(limit))}`;
      const params: unknown[] = [config.terminatedValue, bound];
      if (afterId !== null) params.push(BigInt(afterId));
      if (upToId !== null) params.push(BigInt(upToId));
      let rows: RowDataPacket[];
      try {
        [rows] = await pool.query<RowDataPacket[]>(sql, params);
      } catch (err) {
        throw fail('selecting due subjects', err);
      }
      return rows.map((r) => ({ id: decimalId(r.id, config), terminatedAt: asDate(r.terminatedAt, config), held: Number(r.held) !== 0 }));
    },

    async claim(ids) {
      if (ids.length === 0) throw new TypeError('claim needs at least one subject');
      const values = ids.map((v) => BigInt(v));
      let conn: PoolConnection;
      try {
        conn = await pool.getConnection();
      } catch (err) {
        throw fail('connecting to lock subjects', err);
      }
      let open = true;
      const end = async (statement: 'COMMIT' | 'ROLLBACK') => {
        if (!open) return;
        open = false;
        try {
          await conn.query(statement);
          conn.release();
        } catch (err) {
          // A connection in an unknown state must not go back to the pool; the server rolls back
          // and frees its locks when it goes.
          conn.destroy();
          if (statement === 'COMMIT') throw fail('committing the batch', err);
        }
      };
      try {
        // READ COMMITTED: a scan keeps no lock on the rows it reads but does not claim (REPEATABLE
        // READ would keep them all, and concurrent claims of other batches — a queue run's
        // `subject-batch` jobs — would find their own rows locked and skip them).
        await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await conn.query('START TRANSACTION');
        const [rows] = await conn.query<RowDataPacket[]>(
          `SELECT CAST(${id} AS CHAR) AS \`id\`, (${status} = ?) AS \`terminated\`, ${terminatedAt} AS \`terminatedAt\`, ${held} AS \`held\`, ${unmarked} AS \`unmarked\`` +
            ` FROM ${table} WHERE ${id} IN (?) FOR UPDATE SKIP LOCKED`,
          [config.terminatedValue, values],
        );
        const locked = new Map<string, LockedSubject>();
        for (const r of rows) {
          const subject = decimalId(r.id, config);
          locked.set(subject, {
            id: subject,
            terminated: Number(r.terminated) === 1,
            terminatedAt: r.terminatedAt === null ? null : asDate(r.terminatedAt, config),
            held: Number(r.held) !== 0,
            unmarked: Number(r.unmarked) === 1,
          });
        }
        const missing = new Set<string>();
        const notLocked = ids.filter((v) => !locked.has(v));
        if (notLocked.length > 0) {
          // Skipped rows are locked by someone else, or gone: a plain (non-locking) read tells which.
          const [present] = await conn.query<RowDataPacket[]>(`SELECT CAST(${id} AS CHAR) AS \`id\` FROM ${table} WHERE ${id} IN (?)`, [
            notLocked.map((v) => BigInt(v)),
          ]);
          const exists = new Set(present.map((r) => String(r.id)));
          for (const v of notLocked) if (!exists.has(v)) missing.add(v);
        }
        return {
          rows: locked,
          missing,
          async markPurged(marked, at) {
            if (marked.length === 0) return;
            try {
              await conn.query<ResultSetHeader>(`UPDATE ${table} SET ${mark} = ? WHERE ${id} IN (?)`, [at, marked.map((v) => BigInt(v))]);
            } catch (err) {
              throw fail('marking subjects purged', err);
            }
          },
          commit: () => end('COMMIT'),
          rollback: () => end('ROLLBACK'),
        };
      } catch (err) {
        await end('ROLLBACK');
        throw fail('locking subjects', err);
      }
    },

    close: () => pool.end(),
  };
}

function decimalId(value: unknown, config: SubjectSourceConfig): string {
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  // Never echo the value: it is a subject id.
  if (!DECIMAL_ID.test(text))
    throw new StoreError('mysql', `subjects table ${config.table}: column ${config.id} must hold non-negative integer ids`);
  return text.replace(/^0+(?=.)/, '');
}

function asDate(value: unknown, config: SubjectSourceConfig): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  throw new StoreError('mysql', `subjects table ${config.table}: column ${config.terminatedAt} must be a DATETIME or TIMESTAMP`);
}
