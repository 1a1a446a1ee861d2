import mysql from 'mysql2';
import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { withRetry } from '../../lib/retry.js';
import type { AgeTargetPlan } from './check-target.js';
import type { SqlFragment } from './due-predicate.js';
import { keyParam, type SqlParam } from './sql-values.js';
import type { MysqlStoreContext } from './store-context.js';

/** One chunk's outcome: rows deleted, and whether the walk has reached its end. */
export interface ChunkOutcome {
  deleted: number;
  exhausted: boolean;
}

/**
 * Walks the time index in `(time, primary key)` order and deletes by primary-key lists:
 * `SELECT key … WHERE time < ? ORDER BY key LIMIT n`, then `DELETE … WHERE pk IN (…) AND time < ?`.
 * Used when ids do not follow time (UUID keys, back-filled tables, composite keys) and for the
 * straggler sweep after a range walk.
 *
 * Each SELECT resumes strictly after the last key seen (a keyset), so it never re-reads the
 * delete-marked index entries of earlier chunks, which InnoDB's purge thread may not have
 * removed yet; it only ever touches due index entries, never the kept part of the table.
 */
export class IndexWalk {
  private last: unknown[] | null = null;
  private readonly pkPositions: number[];

  constructor(
    private readonly ctx: MysqlStoreContext,
    private readonly plan: AgeTargetPlan,
    /** Which rows are due (duePredicate, or dueAfterPredicate beside the partition counts). */
    private readonly due: SqlFragment,
  ) {
    this.pkPositions = plan.primaryKey.map((pk) => plan.walkKey.findIndex((k) => k.name === pk.name));
  }

  /** Selects and deletes up to `limit` due rows. */
  async chunk(limit: number): Promise<ChunkOutcome> {
    const keys = await this.selectNextKeys(limit);
    if (keys.length === 0) return { deleted: 0, exhausted: true };
    const deleted = await this.deleteKeys(keys);
    this.last = keys[keys.length - 1] ?? null;
    return { deleted, exhausted: keys.length < limit };
  }

  private async selectNextKeys(limit: number): Promise<unknown[][]> {
    const { plan, due } = this;
    const keyList = plan.walkKey.map((c) => mysql.escapeId(c.name)).join(', ');
    let where = due.sql;
    const params: SqlParam[] = [...due.params];
    if (this.last) {
      // The plain lower bound on the time keeps the index range tight; the tuple comparison
      // then skips the rows already handled at that exact time.
      const time = mysql.escapeId(plan.time.name);
      where += ` AND ${time} >= ? AND (${keyList}) > (${plan.walkKey.map(() => '?').join(', ')})`;
      params.push(keyParam(plan.time, this.last[0]), ...plan.walkKey.map((c, i) => keyParam(c, this.last?.[i])));
    }
    const sql =
      `SELECT ${keyList} FROM ${mysql.escapeId(plan.table)} FORCE INDEX (${mysql.escapeId(plan.index.name)})` +
      ` WHERE ${where} ORDER BY ${keyList} LIMIT ${Math.floor(limit)}`;
    const [rows] = await withRetry(
      // Dates come back as the server's text so a DATETIME(6) key resumes exactly.
      () => this.ctx.pool.query<RowDataPacket[]>({ sql, values: params, rowsAsArray: true, dateStrings: true }),
      this.ctx.retry,
    );
    return rows as unknown as unknown[][];
  }

  private async deleteKeys(keys: unknown[][]): Promise<number> {
    const { plan, due } = this;
    const pkValues = keys.map((row) => plan.primaryKey.map((pk, i) => keyParam(pk, row[this.pkPositions[i] ?? -1])));
    let match: string;
    const params: SqlParam[] = [];
    if (plan.primaryKey.length === 1) {
      match = `${mysql.escapeId(plan.primaryKey[0]?.name ?? '')} IN (${pkValues.map(() => '?').join(', ')})`;
      for (const v of pkValues) params.push(v[0] ?? null);
    } else {
      const tuple = `(${plan.primaryKey.map(() => '?').join(', ')})`;
      match = `(${plan.primaryKey.map((c) => mysql.escapeId(c.name)).join(', ')}) IN (${pkValues.map(() => tuple).join(', ')})`;
      for (const v of pkValues) params.push(...v);
    }
    // The time is re-checked inside the DELETE: a row updated since the SELECT is kept.
    const sql = `DELETE FROM ${mysql.escapeId(plan.table)} WHERE ${match} AND ${due.sql}`;
    const [result] = await withRetry(() => this.ctx.pool.query<ResultSetHeader>(sql, [...params, ...due.params]), this.ctx.retry);
    return result.affectedRows;
  }
}
