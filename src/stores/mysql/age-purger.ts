import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import type { AgeInspection, AgePurger, DueCount } from '../purger.js';
import type { MysqlTargetConfig } from '../../config/schema.js';
import { memoizeSuccess } from '../../lib/memoize-success.js';
import { RefusalError } from '../../errors/refusal-error.js';
import { withRetry } from '../../lib/retry.js';
import { planAgeTarget, type AgeTargetPlan } from './check-target.js';
import { duePredicate, unusablePredicate, usablePredicate, type SqlFragment } from './due-predicate.js';
import { openMysqlPurgeWalk, type MysqlPurgeWalk } from './purge-walk.js';
import { timeFromStored } from './sql-values.js';
import { asStoreError, type MysqlStoreContext } from './store-context.js';
import { readTableShape } from './table-shape.js';

/** The MySQL age purger; its walks also tell how they walk. */
export interface MysqlAgePurger extends AgePurger {
  openWalk(cutoff: Date): MysqlPurgeWalk;
}

/** Purges `time < cutoff` rows of one table. The target is checked once, on first use. */
export function createMysqlAgePurger(storeContext: MysqlStoreContext, target: MysqlTargetConfig): MysqlAgePurger {
  const table = target.table;
  const ctx: MysqlStoreContext = { ...storeContext, logger: storeContext.logger.child({ target: table }) };
  // The target is checked on first use; a failed check is not remembered.
  const plan = memoizeSuccess(async (): Promise<AgeTargetPlan> => {
    if (!target.time) throw new RefusalError('unknown-column', `target ${table} has no time column configured`);
    const shape = await readTableShape(ctx.pool, ctx.database, table);
    return planAgeTarget(shape, table, target.time, target.timeFormat);
  });

  async function countWhere(p: AgeTargetPlan, where: SqlFragment | null): Promise<number> {
    const hint = where ? ` FORCE INDEX (${mysql.escapeId(p.index.name)})` : '';
    const sql = `SELECT COUNT(*) AS n FROM ${mysql.escapeId(p.table)}${hint}${where ? ` WHERE ${where.sql}` : ''}`;
    const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>(sql, where?.params ?? []), ctx.retry);
    return Number(rows[0]?.n ?? 0);
  }

  /** NULL times can only exist in a nullable column; zero dates in any DATETIME/TIMESTAMP column. */
  async function countUnusable(p: AgeTargetPlan): Promise<number> {
    if (!p.time.nullable && p.timeFormat !== 'datetime') return 0;
    return countWhere(p, unusablePredicate(p));
  }

  return {
    store: 'mysql',
    target: table,

    async check() {
      try {
        await plan();
      } catch (err) {
        throw asStoreError(`checking ${table}`, err);
      }
    },

    async count(cutoff: Date): Promise<DueCount> {
      try {
        const p = await plan();
        // due and unusable read only their part of the time index. total is an exact COUNT(*):
        // a full scan of the smallest index, O(table) — acceptable for the blast-radius guard and
        // dry runs, which are rare; information_schema's TABLE_ROWS is too rough for a fraction.
        const due = await countWhere(p, duePredicate(p, cutoff));
        const total = await countWhere(p, null);
        const unusableTime = await countUnusable(p);
        return { due, total, unusableTime };
      } catch (err) {
        throw asStoreError(`counting ${table}`, err);
      }
    },

    openWalk(cutoff: Date): MysqlPurgeWalk {
      return openMysqlPurgeWalk(ctx, { plan, cutoff, batchSize: target.batchSize, table });
    },

    async inspect(overdueBefore: Date): Promise<AgeInspection> {
      try {
        const p = await plan();
        const usable = usablePredicate(p);
        const time = mysql.escapeId(p.time.name);
        const sql =
          `SELECT ${time} AS t FROM ${mysql.escapeId(p.table)} FORCE INDEX (${mysql.escapeId(p.index.name)})` +
          ` WHERE ${usable.sql} ORDER BY ${time} LIMIT 1`;
        const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>(sql, usable.params), ctx.retry);
        const oldest = timeFromStored(p.timeFormat, rows[0]?.t);
        const overdue = await countWhere(p, duePredicate(p, overdueBefore));
        const unusableTime = await countUnusable(p);
        return { oldest, overdue, unusableTime };
      } catch (err) {
        throw asStoreError(`inspecting ${table}`, err);
      }
    },
  };
}
