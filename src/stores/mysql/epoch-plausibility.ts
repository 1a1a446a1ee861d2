import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import { RefusalError } from '../../errors/refusal-error.js';
import { withRetry } from '../../engine/retry.js';
import type { AgeTargetPlan } from './check-target.js';
import type { MysqlStoreContext } from './store-context.js';

/**
 * 10^11: as milliseconds 1973-03-03, as seconds the year 5138. Every real epoch_ms time is above
 * it and every real epoch_s time below, so one stored value tells the two units apart.
 */
export const EPOCH_UNIT_BOUNDARY = 100_000_000_000;

/**
 * Refuses an integer time column whose stored values do not fit its declared unit. Seconds read
 * as milliseconds all fall in January 1970, before any cutoff: the whole table — rows dated
 * tomorrow included — would be due. The smallest and largest positive values are read through the
 * time index (two index dives, not a scan); zero and negative values are left to the usual rules.
 */
export async function checkEpochUnit(ctx: MysqlStoreContext, plan: AgeTargetPlan): Promise<void> {
  if (plan.timeFormat === 'datetime') return;
  const time = mysql.escapeId(plan.time.name);
  const sql = `SELECT MIN(${time}) AS lo, MAX(${time}) AS hi FROM ${mysql.escapeId(plan.table)} FORCE INDEX (${mysql.escapeId(plan.index.name)}) WHERE ${time} > 0`;
  const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>(sql), ctx.retry);
  const lo = rows[0]?.lo;
  const hi = rows[0]?.hi;
  if (lo === null || lo === undefined || hi === null || hi === undefined) return; // no positive value yet
  const smallest = Number(lo);
  const column = `${plan.table}.${plan.time.name}`;
  if (plan.timeFormat === 'epoch_ms' && smallest < EPOCH_UNIT_BOUNDARY) {
    throw new RefusalError(
      'implausible-time',
      `${column} holds values that read as ${new Date(smallest).toISOString()} under timeFormat epoch_ms: they look like epoch seconds (set timeFormat: epoch_s); as declared, every such row would be due`,
    );
  }
  if (plan.timeFormat === 'epoch_s' && smallest >= EPOCH_UNIT_BOUNDARY) {
    throw new RefusalError(
      'implausible-time',
      `${column} holds only values past the year 5000 under timeFormat epoch_s: they look like epoch milliseconds (set timeFormat: epoch_ms); as declared, nothing would ever be due`,
    );
  }
}
