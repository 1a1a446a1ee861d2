import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import type { AgeInspection, AgePurger, DueCount } from '../purger.js';
import { DEFAULT_MYSQL_PARTITIONS, type MysqlTargetConfig } from '../../config/schema.js';
import type { PartitionChange } from '../../types.js';
import { memoizeSuccess } from '../../lib/memoize-success.js';
import { RefusalError } from '../../errors/refusal-error.js';
import { withRetry } from '../../lib/retry.js';
import { planAgeTarget, type AgeTargetPlan } from './check-target.js';
import { checkEpochUnit } from './epoch-plausibility.js';
import { duePredicate, unusablePredicate, usablePredicate, type SqlFragment } from './due-predicate.js';
import { openMysqlPurgeWalk, type MysqlPurgeWalk, type PurgeWalkOptions } from './purge-walk.js';
import { timeFromStored } from './sql-values.js';
import { asStoreErrors, type MysqlStoreContext } from './store-context.js';
import { readTableShape } from './table-shape.js';
import { readPartitionLayout } from './partition-layout.js';
import { countPartitions, duePartitions } from './partition-purge.js';
import { openPartitionWalk } from './partition-walk.js';

/** The MySQL age purger; its walks also tell how they walk. */
export interface MysqlAgePurger extends AgePurger {
  openWalk(cutoff: Date): MysqlPurgeWalk;
}

/** Purges `time < cutoff` rows of one table. The target is checked once, on first use. */
export function createMysqlAgePurger(
  storeContext: MysqlStoreContext,
  target: MysqlTargetConfig,
  now: () => Date = () => new Date(),
): MysqlAgePurger {
  const table = target.table;
  const partitions = target.partitions ?? DEFAULT_MYSQL_PARTITIONS;
  const ctx: MysqlStoreContext = { ...storeContext, logger: storeContext.logger.child({ target: table }) };
  // The target is checked on first use; a failed check is not remembered.
  const plan = memoizeSuccess(async (): Promise<AgeTargetPlan> => {
    if (!target.time) throw new RefusalError('unknown-column', `target ${table} has no time column configured`);
    const shape = await readTableShape(ctx.pool, ctx.database, table);
    const checked = planAgeTarget(shape, table, target.time, target.timeFormat);
    // Refuses partitioning it cannot judge exactly (subpartitions, LIST/HASH/KEY, other expressions).
    if (partitions.action !== 'off') await readPartitionLayout(ctx.pool, ctx.database, checked);
    await checkEpochUnit(ctx, checked);
    return checked;
  });

  /** Exact row counts of the partitions a run would remove whole. */
  async function partitionsDue(p: AgeTargetPlan, cutoff: Date): Promise<PartitionChange[]> {
    if (partitions.action === 'off') return [];
    const layout = await readPartitionLayout(ctx.pool, ctx.database, p);
    if (!layout) return [];
    const action = partitions.action === 'truncate' ? 'would-truncate' : 'would-drop';
    const due = duePartitions(p, layout, cutoff);
    const counts = await countPartitions(ctx, p, due, partitions.countConcurrency);
    return due.map((partition, i): PartitionChange => ({
      name: partition.name,
      action,
      rows: counts[i] ?? 0,
      lessThan: partition.lessThan,
    }));
  }

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
      await asStoreErrors(`checking ${table}`, plan);
    },

    count(cutoff: Date): Promise<DueCount> {
      return asStoreErrors(`counting ${table}`, async () => {
        const p = await plan();
        // due and unusable read only their part of the time index. total is an exact COUNT(*):
        // a full scan of the smallest index, O(table) — acceptable for the blast-radius guard and
        // dry runs, which are rare; information_schema's TABLE_ROWS is too rough for a fraction.
        const due = await countWhere(p, duePredicate(p, cutoff));
        const total = await countWhere(p, null);
        const unusableTime = await countUnusable(p);
        const wholePartitions = await partitionsDue(p, cutoff);
        return { due, total, unusableTime, ...(wholePartitions.length > 0 ? { partitions: wholePartitions } : {}) };
      });
    },

    countUnusable(): Promise<number> {
      return asStoreErrors(`counting ${table}`, async () => countUnusable(await plan()));
    },

    openWalk(cutoff: Date): MysqlPurgeWalk {
      const openRows = (dueRows?: PurgeWalkOptions['dueRows']) =>
        openMysqlPurgeWalk(ctx, { plan, cutoff, batchSize: target.batchSize, table, ...(dueRows ? { dueRows } : {}) });
      if (partitions.action === 'off') return openRows();
      return openPartitionWalk(ctx, { plan, cutoff, now: now(), partitions, table, openRows });
    },

    inspect(overdueBefore: Date): Promise<AgeInspection> {
      return asStoreErrors(`inspecting ${table}`, async () => {
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
      });
    },
  };
}
