import mysql from 'mysql2';
import type { RowDataPacket } from 'mysql2/promise';
import { withRetry } from '../../lib/retry.js';
import { epochUnitRefusal } from '../epoch-unit.js';
import type { AgeTargetPlan } from './check-target.js';
import type { MysqlStoreContext } from './store-context.js';

/**
 * Refuses an integer time column whose stored values do not fit its declared unit (see
 * `epochUnitRefusal`). The smallest positive value is read through the time index (one index
 * dive, not a scan); zero and negative values are left to the usual rules.
 */
export async function checkEpochUnit(ctx: MysqlStoreContext, plan: AgeTargetPlan): Promise<void> {
  if (plan.timeFormat === 'datetime') return;
  const time = mysql.escapeId(plan.time.name);
  const sql = `SELECT MIN(${time}) AS lo FROM ${mysql.escapeId(plan.table)} FORCE INDEX (${mysql.escapeId(plan.index.name)}) WHERE ${time} > 0`;
  const [rows] = await withRetry(() => ctx.pool.query<RowDataPacket[]>(sql), ctx.retry);
  const lo = rows[0]?.lo;
  if (lo === null || lo === undefined) return; // no positive value yet
  const refusal = epochUnitRefusal(`${plan.table}.${plan.time.name}`, plan.timeFormat, Number(lo));
  if (refusal) throw refusal;
}
