import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import { withRetry } from '../../lib/retry.js';
import type { AgeTargetPlan } from './check-target.js';
import type { SqlFragment } from './due-predicate.js';
import type { ColumnInfo } from './table-shape.js';
import { keyParam } from './sql-values.js';
import type { MysqlStoreContext } from './store-context.js';

/** The ids of the oldest and the newest due rows: the bounds of a range walk. */
export interface DueIdBounds {
  /** Id of the due row with the smallest (time, id). */
  oldest: bigint;
  /** Id of the due row with the largest (time, id). */
  newest: bigint;
}

/**
 * Reads the two bounds through the time index, one index entry each (`ORDER BY time LIMIT 1`
 * both ways); never `MIN(id)/MAX(id) … WHERE time < ?`, which reads every due entry.
 * Null when nothing is due.
 */
export async function findDueIdBounds(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  key: ColumnInfo,
  due: SqlFragment,
): Promise<DueIdBounds | null> {
  const oldest = await dueEndId(ctx, plan, key, due, 'ASC');
  if (oldest === null) return null;
  const newest = await dueEndId(ctx, plan, key, due, 'DESC');
  if (newest === null) return null;
  return { oldest, newest };
}

async function dueEndId(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  key: ColumnInfo,
  due: SqlFragment,
  direction: 'ASC' | 'DESC',
): Promise<bigint | null> {
  const order = plan.walkKey.map((c) => `${mysql.escapeId(c.name)} ${direction}`).join(', ');
  const sql =
    `SELECT ${mysql.escapeId(key.name)} FROM ${mysql.escapeId(plan.table)} FORCE INDEX (${mysql.escapeId(plan.index.name)})` +
    ` WHERE ${due.sql} ORDER BY ${order} LIMIT 1`;
  const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>({ sql, values: due.params, rowsAsArray: true }), ctx.retry);
  const value = (rows as unknown as unknown[][])[0]?.[0];
  return value === undefined ? null : (keyParam(key, value) as bigint);
}

export interface FollowOptions {
  /** A range this short is walked by ids whatever its layout: it costs at most a chunk or two. */
  smallSpan: number;
  /** Evenly spaced probes of the id range. @defaultValue 16 */
  probes?: number;
  /** Probes that must land on a due row. @defaultValue 14 (of 16) */
  minDueProbes?: number;
}

/**
 * Whether ids follow time closely enough for the range walk. Correctness never depends on the
 * answer — every DELETE re-checks the time and the sweep catches what a range misses — only the
 * cost does: a range step reads (and briefly locks) the kept rows inside its id range too.
 *
 * The heuristic, O(probes) primary-key lookups and no scan:
 * 1. the oldest due row must not have a larger id than the newest due row;
 * 2. a short range (≤ `smallSpan` ids) is always fine;
 * 3. otherwise the id range is probed at evenly spaced ids (`id >= p ORDER BY id LIMIT 1`, a
 *    single primary-key read each, all in one statement), and at least `minDueProbes` of the
 *    rows found must be due: the fraction of due rows in the range is then high, which is
 *    exactly what makes a range step do useful work. A back-filled table, random ids or
 *    interleaved kept rows fail it.
 */
export async function idsFollowTime(
  ctx: MysqlStoreContext,
  plan: AgeTargetPlan,
  key: ColumnInfo,
  due: SqlFragment,
  bounds: DueIdBounds,
  options: FollowOptions,
): Promise<boolean> {
  if (bounds.oldest > bounds.newest) return false;
  const span = bounds.newest - bounds.oldest;
  if (span + 1n <= BigInt(options.smallSpan)) return true;
  const probes = Math.max(2, options.probes ?? 16);
  const minDue = options.minDueProbes ?? Math.ceil(probes * 0.875);
  const id = mysql.escapeId(key.name);
  const probe = `(SELECT (${due.sql}) AS due FROM ${mysql.escapeId(plan.table)} WHERE ${id} >= ? ORDER BY ${id} LIMIT 1)`;
  const ats = Array.from({ length: probes }, (_, i) => bounds.oldest + (span * BigInt(i)) / BigInt(probes - 1));
  // Every probe in one statement: one round trip instead of up to `probes` (on the hourly run, the
  // probes' round trips cost about as much as the deletes themselves).
  const sql = ats.map(() => probe).join(' UNION ALL ');
  const [rows] = await withRetry(
    () =>
      ctx.pool.query<RowDataPacket[]>(
        sql,
        ats.flatMap((at) => [...due.params, at]),
      ),
    ctx.retry,
  );
  const dueProbes = rows.filter((row) => Number(row.due) === 1).length;
  return dueProbes >= minDue;
}
